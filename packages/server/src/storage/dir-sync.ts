import { syncDirectory } from './fs-calls.ts';

interface DirState {
  /** The fsync in progress, if any. */
  running: Promise<void> | undefined;
  /** The fsync that starts when `running` ends, shared by everyone who asked meanwhile. */
  next: Promise<void> | undefined;
}

/**
 * Group commit of directory fsyncs. A rename into a directory is durable once an fsync of that directory that
 * *started after the rename* has completed; one fsync covers every rename before it. So concurrent commits into
 * one hour bucket share fsyncs: a caller either starts one (none running), or waits for the next one, which starts
 * when the running one ends (its start may have preceded the caller's rename) and serves everyone who came while it
 * ran. At most one fsync per directory runs at a time and at most one more is queued, however many uploads commit;
 * each caller is still answered only after an fsync that began after it asked.
 *
 * An fsync that fails rejects for exactly the callers it was to serve; the next caller starts afresh.
 */
export class DirectorySyncs {
  readonly #dirs = new Map<string, DirState>();
  readonly #syncDir: (dir: string) => Promise<void>;

  /** `syncDir` is the fsync itself (tests observe it); by default open, fsync, close. */
  constructor(syncDir: (dir: string) => Promise<void> = syncDirectory) {
    this.#syncDir = syncDir;
  }

  /** Resolves once an fsync of `dir` that started after this call has completed. */
  sync(dir: string): Promise<void> {
    let state = this.#dirs.get(dir);
    if (state === undefined) {
      state = { running: undefined, next: undefined };
      this.#dirs.set(dir, state);
    }
    const { running } = state;
    if (running === undefined) return this.#start(dir, state);
    const current = state;
    current.next ??= running.then(ignore, ignore).then(() => {
      current.next = undefined;
      // Whoever asked for this one asked before the previous fsync ended, so an fsync someone else started since
      // then serves them as well.
      return current.running ?? this.#start(dir, current);
    });
    return current.next;
  }

  #start(dir: string, state: DirState): Promise<void> {
    const run: Promise<void> = this.#syncDir(dir).finally(() => {
      if (state.running === run) state.running = undefined;
      // Nothing queued behind it: forget the directory (hour buckets come and go).
      if (state.next === undefined && this.#dirs.get(dir) === state) this.#dirs.delete(dir);
    });
    state.running = run;
    return run;
  }
}

function ignore(): void {}
