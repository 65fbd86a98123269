import assert from 'node:assert/strict';
import { mkdtemp, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { DirectorySyncs } from './dir-sync.ts';

/**
 * The fsync is observed, not replaced by a fake clock: each one is held open until the test ends it, so the order of
 * callers, starts and ends is exact. The last case runs on a real directory.
 */
class HeldSyncs {
  /** What happened, in order: `call <n>`, `start <k>`, `end <k>`, `done <n>`. */
  readonly events: string[] = [];
  readonly #held: Array<{ end: (error?: Error) => void }> = [];

  readonly sync = (dir: string): Promise<void> => {
    const k = this.#held.length + 1;
    this.events.push(`start ${k} ${dir}`);
    return new Promise<void>((resolve, reject) => {
      this.#held.push({
        end: (error) => {
          this.events.push(`end ${k}`);
          if (error) reject(error);
          else resolve();
        },
      });
    });
  };

  get started(): number {
    return this.#held.length;
  }

  /** Ends fsync number `k` (1-based), and lets every callback it triggers run. */
  async end(k: number, error?: Error): Promise<void> {
    this.#held[k - 1]!.end(error);
    for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
  }
}

describe('DirectorySyncs', () => {
  it('answers each caller only after an fsync that started after it asked, and concurrent callers share them', async () => {
    const held = new HeldSyncs();
    const syncs = new DirectorySyncs(held.sync);
    const done = new Set<number>();
    const call = (n: number): Promise<void> => {
      held.events.push(`call ${n}`);
      return syncs.sync('/bucket').then(() => {
        held.events.push(`done ${n}`);
        done.add(n);
      });
    };

    const first = call(1);
    assert.equal(held.started, 1, 'nothing running: the first caller starts one at once');
    const waiting = Array.from({ length: 9 }, (_, i) => call(i + 2));
    await new Promise((r) => setImmediate(r));
    assert.equal(held.started, 1, 'callers during an fsync do not start another beside it');

    await held.end(1);
    await first;
    assert.deepEqual([...done], [1], 'the running fsync may predate callers 2-10: it answers only caller 1');
    assert.equal(held.started, 2, 'the queued fsync starts when the running one ends');
    const late = call(11);
    await held.end(2);
    await Promise.all(waiting);
    assert.ok(!done.has(11), 'fsync 2 started before caller 11 asked');
    await held.end(3);
    await late;
    assert.equal(held.started, 3, '11 callers, 3 fsyncs');

    // The rule itself, from the log: every `done n` follows the `end` of an fsync whose `start` follows `call n`.
    const at = (event: string): number => held.events.findIndex((e) => e === event || e.startsWith(`${event} `));
    for (let n = 1; n <= 11; n++) {
      const doneAt = at(`done ${n}`);
      const covered = [1, 2, 3].some((k) => at(`start ${k}`) > at(`call ${n}`) && at(`end ${k}`) < doneAt);
      assert.ok(covered, `caller ${n}: ${held.events.join(', ')}`);
    }
  });

  it('a failed fsync rejects exactly the callers it was to answer; the next one starts afresh', async () => {
    const held = new HeldSyncs();
    const syncs = new DirectorySyncs(held.sync);
    // Observed at once: a rejection nobody handles yet would count as unhandled.
    const first = syncs.sync('/bucket').then(
      () => undefined,
      (error: unknown) => error,
    );
    const second = syncs.sync('/bucket');
    const third = syncs.sync('/bucket');
    await held.end(1, new Error('EIO'));
    assert.match(String(await first), /EIO/);
    await held.end(2);
    await Promise.all([second, third]);
    const after = syncs.sync('/bucket');
    assert.equal(held.started, 3);
    await held.end(3);
    await after;
  });

  it('directories are independent: an fsync of one never answers for another', async () => {
    const held = new HeldSyncs();
    const syncs = new DirectorySyncs(held.sync);
    const a = syncs.sync('/a');
    const b = syncs.sync('/b');
    assert.deepEqual(held.events, ['start 1 /a', 'start 2 /b']);
    await held.end(2);
    await b;
    let aDone = false;
    void a.then(() => (aDone = true));
    await new Promise((r) => setImmediate(r));
    assert.equal(aDone, false);
    await held.end(1);
    await a;
  });

  it('on a real directory: 50 concurrent renames, each followed by a shared fsync', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'wxmedia-dirsync-'));
    try {
      const syncs = new DirectorySyncs();
      await Promise.all(
        Array.from({ length: 50 }, async (_, i) => {
          await writeFile(join(dir, `staged-${i}`), String(i));
          await rename(join(dir, `staged-${i}`), join(dir, `file-${i}`));
          await syncs.sync(dir);
        }),
      );
      assert.equal((await readdir(dir)).filter((name) => name.startsWith('file-')).length, 50);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
