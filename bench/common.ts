/**
 * Shared pieces of the benchmarks: an RSS sampler reading /proc/<pid>/status, percentiles, an undici Pool (the
 * memory bench's client), multipart framing and table printing. The servers themselves are started in
 * lib/targets.ts. Everything is bounded (time and count).
 */
import { readFile, readdir } from 'node:fs/promises';
import { Pool } from 'undici';

export const MB = 1024 * 1024;
export const KB = 1024;

export interface ProcMemory {
  /** Resident set size now, bytes. */
  readonly rss: number;
  /** Peak resident set size since the process started (VmHWM), bytes. */
  readonly hwm: number;
}

/**
 * Memory of a process; with `tree`, of it and its children summed (a `--workers` server: the primary and its
 * workers). A tree's VmHWM is the sum of each process's own peak, an upper bound of the tree's.
 */
export async function procMemory(pid: number, tree = false): Promise<ProcMemory> {
  const text = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? NaN) * 1024;
  const own = { rss: kb('VmRSS'), hwm: kb('VmHWM') };
  if (!tree) return own;
  const children = (await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8')).trim().split(/\s+/).filter(Boolean).map(Number);
  const theirs = await Promise.all(children.map((child) => procMemory(child).catch(() => ({ rss: 0, hwm: 0 }))));
  return theirs.reduce((sum, m) => ({ rss: sum.rss + m.rss, hwm: sum.hwm + m.hwm }), own);
}

/** Samples VmRSS every `everyMs`; `max` is the largest sample since the last reset(). */
export class RssSampler {
  max = 0;
  last = 0;
  #timer: NodeJS.Timeout | undefined;
  constructor(
    readonly pid: number,
    readonly everyMs = 100,
    /** Sum the process's children too (see procMemory). */
    readonly tree = false,
  ) {}
  start(): void {
    this.#timer = setInterval(() => void this.sample(), this.everyMs);
    this.#timer.unref();
  }
  async sample(): Promise<void> {
    try {
      const m = await procMemory(this.pid, this.tree);
      this.last = m.rss;
      if (m.rss > this.max) this.max = m.rss;
    } catch {
      // The process is gone.
    }
  }
  reset(): void {
    this.max = this.last;
  }
  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
  }
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

export function pool(url: string, connections: number): Pool {
  return new Pool(url, { connections, pipelining: 1, keepAliveTimeout: 30_000, bodyTimeout: 120_000, headersTimeout: 120_000 });
}

/** One `media` part around `file` (head and tail only: the file bytes are sent from the shared buffer). */
export function multipartFrame(filename: string, contentType: string): { head: Buffer; tail: Buffer; contentType: string } {
  const boundary = '----wxmediaBench' + Math.random().toString(16).slice(2);
  return {
    head: Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="media"; filename="${filename}"\r\nContent-Type: ${contentType}\r\n\r\n`),
    tail: Buffer.from(`\r\n--${boundary}--\r\n`),
    contentType: `multipart/form-data; boundary=${boundary}`,
  };
}

export const fmtMB = (bytes: number) => `${(bytes / MB).toFixed(1)} MB`;
export const fmtMs = (ms: number) => `${ms.toFixed(1)} ms`;

export function table(rows: ReadonlyArray<Record<string, string | number>>): string {
  const cols = Object.keys(rows[0] ?? {});
  const cell = (v: string | number) => String(v);
  const width = cols.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c] ?? '').length)));
  const line = (vals: string[]) => `| ${vals.map((v, i) => v.padEnd(width[i]!)).join(' | ')} |`;
  return [line(cols), line(width.map((w) => '-'.repeat(w))), ...rows.map((r) => line(cols.map((c) => cell(r[c] ?? ''))))].join('\n');
}

/**
 * CPU time (user + system, seconds) a process has used, with `tree` its descendants' too (those alive now). Read
 * from /proc/<pid>/stat, in clock ticks of 1/100 s (USER_HZ on Linux).
 */
export async function cpuSeconds(pid: number, tree = false): Promise<number> {
  const own = await statCpuSeconds(`/proc/${pid}/stat`);
  if (!tree) return own;
  const children = await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8').then(
    (t) => t.trim().split(/\s+/).filter(Boolean).map(Number),
    () => [],
  );
  return own + (await Promise.all(children.map((c) => cpuSeconds(c, true)))).reduce((a, b) => a + b, 0);
}

/**
 * CPU time of a process's main thread alone: JavaScript, the event loop and the system calls it makes itself
 * (socket reads and writes). The rest of a Node process's time is its other threads': libuv's pool running the
 * file system calls (open, write, fsync, rename: kernel time), V8's helpers (parallel scavenges, concurrent
 * marking, compilation), and native addons' own threads. A CPU profile cannot tell these apart: on one core, a pool
 * thread's kernel time shows in it as time "in" the binding that queued the call.
 */
export async function mainThreadCpuSeconds(pid: number): Promise<number> {
  return statCpuSeconds(`/proc/${pid}/task/${pid}/stat`);
}

/** One thread's counters, from /proc/<pid>/task/<tid>/stat. */
interface ThreadCounters {
  /** `main`, or the thread's name and id (Node 20 names every other thread `node`: `node#4103`). */
  readonly name: string;
  readonly cpu: number;
  /** Minor page faults: pages the kernel mapped in (and zeroed, for fresh memory) on this thread's behalf. */
  readonly minflt: number;
}

/** Every thread of a process, by thread id: its name, CPU and minor faults. */
export async function threadCounters(pid: number): Promise<Map<string, ThreadCounters>> {
  const tids = await readdir(`/proc/${pid}/task`).catch(() => [] as string[]);
  const read = async (tid: string): Promise<[string, ThreadCounters] | undefined> => {
    const text = await readFile(`/proc/${pid}/task/${tid}/stat`, 'utf8').catch(() => undefined);
    if (text === undefined) return undefined;
    const name = text.slice(text.indexOf('(') + 1, text.lastIndexOf(')'));
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    // minflt is the 10th field, utime and stime the 14th and 15th (fields[] starts at the 3rd).
    return [tid, { name: tid === String(pid) ? 'main' : `${name}#${tid}`, cpu: (Number(fields[11]) + Number(fields[12])) / 100, minflt: Number(fields[7]) }];
  };
  return new Map((await Promise.all(tids.map(read))).filter((e) => e !== undefined));
}

/**
 * What each thread did between two readings, per request: CPU µs and minor faults, busiest first (threads that
 * exited between the readings are not counted). Says where a process's other-thread time goes: libuv's pool (file
 * system calls), V8's helpers (garbage collection, compilation), or elsewhere.
 */
export function threadsPerRequest(before: Map<string, ThreadCounters>, after: Map<string, ThreadCounters>, requests: number): string {
  return [...after]
    .map(([tid, a]) => {
      const b = before.get(tid) ?? { cpu: 0, minflt: 0 };
      return { name: a.name, cpu: a.cpu - b.cpu, minflt: a.minflt - b.minflt };
    })
    .sort((x, y) => y.cpu - x.cpu)
    .map((d) => `${d.name} ${((d.cpu * 1e6) / requests).toFixed(0)} µs ${(d.minflt / requests).toFixed(1)} faults`)
    .join(', ');
}

async function statCpuSeconds(path: string): Promise<number> {
  return readFile(path, 'utf8').then(
    (text) => {
      // Fields after the command name (which may hold spaces), itself in parentheses: utime and stime are 14th and 15th.
      const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
      return (Number(fields[11]) + Number(fields[12])) / 100;
    },
    () => 0,
  );
}
