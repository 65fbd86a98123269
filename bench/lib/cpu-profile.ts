/**
 * Reading a V8 .cpuprofile (what `node --cpu-prof` writes): self time per function over a time window, and per
 * group of code (ours, Fastify, pino, LMDB, other dependencies, node's fs, node's streams/http/net, other node
 * internals, node's crypto, native bindings, GC). Used by bench/profile.ts.
 */
import { readFile } from 'node:fs/promises';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface FunctionTime {
  readonly name: string;
  readonly where: string;
  readonly group: string;
  readonly us: number;
}

export interface ProfileSummary {
  /** Sampled time in the window, idle excluded, µs. */
  readonly busyUs: number;
  readonly idleUs: number;
  readonly groups: ReadonlyArray<{ group: string; us: number }>;
  readonly functions: readonly FunctionTime[];
}

/** Which part of the program a frame belongs to, from its script URL. */
export function groupOf(url: string, name: string): string {
  if (name === '(garbage collector)') return 'GC';
  if (name === '(idle)') return 'idle';
  if (name === '(program)' || name === '(root)') return 'V8/native (program)';
  if (url === '') return 'native bindings';
  if (/node_modules\/(fastify|@fastify|find-my-way|avvio|fast-json-stringify|light-my-request|fast-querystring|toad-cache)\//.test(url)) return 'fastify';
  if (/node_modules\/(pino|pino-std-serializers|sonic-boom|thread-stream|fast-redact|quick-format-unescaped|on-exit-leak-free)\//.test(url)) return 'pino';
  if (/node_modules\/(lmdb|msgpackr|ordered-binary)\//.test(url)) return 'lmdb';
  if (/node_modules\//.test(url)) return `dep: ${/node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1] ?? '?'}`;
  if (/\/packages\/[^/]+\/(dist|src)\//.test(url)) return 'wxmedia';
  if (/\/bench\/peers\//.test(url)) return 'peer';
  if (/^node:(internal\/)?fs/.test(url)) return 'node fs';
  if (/^node:(internal\/streams|internal\/stream_base|_http|internal\/http|http|net|internal\/net|stream|_stream)/.test(url)) return 'node streams/http/net';
  if (url.startsWith('node:internal/crypto')) return 'node crypto';
  if (url.startsWith('node:')) return 'node other';
  return 'other';
}

/** Self time per function and per group, for the samples taken between `from` and `to` (µs, V8's monotonic clock). */
export async function summarize(file: string, from: number, to: number): Promise<ProfileSummary> {
  const profile = JSON.parse(await readFile(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n] as const));
  const self = new Map<string, FunctionTime>();
  const groups = new Map<string, number>();
  let busy = 0;
  let idle = 0;
  let t = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    const dt = profile.timeDeltas[i] ?? 0;
    t += dt;
    if (t < from || t > to) continue;
    const node = byId.get(profile.samples[i]!);
    if (!node) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    const group = groupOf(url, functionName);
    // A sample's delta is the time since the previous one: the time this frame was on top, near enough.
    if (group === 'idle') {
      idle += dt;
      continue;
    }
    busy += dt;
    groups.set(group, (groups.get(group) ?? 0) + dt);
    const short = url.replace(/^.*\/node_modules\//, '').replace(/^.*\/packages\//, 'packages/').replace(/^file:\/\//, '');
    const where = url ? `${short}:${lineNumber + 1}` : '(native)';
    const key = `${functionName}@${where}`;
    const prev = self.get(key);
    self.set(key, { name: functionName || '(anonymous)', where, group, us: (prev?.us ?? 0) + dt });
  }
  return {
    busyUs: busy,
    idleUs: idle,
    groups: [...groups].map(([group, us]) => ({ group, us })).sort((a, b) => b.us - a.us),
    functions: [...self.values()].sort((a, b) => b.us - a.us),
  };
}
