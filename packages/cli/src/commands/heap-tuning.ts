import { setFlagsFromString } from 'node:v8';

/**
 * V8 heap settings for a serving process, each applied unless the user chose that setting themselves (in node's
 * flags or NODE_OPTIONS): theirs win. Both are runtime flags (V8 reads them each time it sizes a space), set before
 * the server's modules load; only the serving process's heap is affected, never an embedder's.
 * Measured with bench/ (docs/benchmarks.md, "Garbage collection"); docs/deployment.md says how to override them.
 */

/** V8 flags with which a user sized the young generation. */
const YOUNG_SIZE_FLAGS = /--(?:max|min)[-_]semi[-_]space[-_]size|--semi[-_]space[-_]growth[-_]factor/;
/** V8 flags with which a user chose how far the old generation grows between full collections. */
const OLD_GROWTH_FLAGS = /--heap[-_]growing[-_]percent/;
/** The old generation may grow to 3× what survived the last full collection before the next one starts. */
export const OLD_GENERATION_GROWING_PERCENT = 200;

/**
 * Keeps V8's young generation at its starting size. Under many concurrent uploads each request's objects live across
 * several scavenges, and V8 then grows the young generation up to 3 × 16 MiB; the socket chunks that die with them
 * are freed only at the next scavenge, which that growth makes rarer. Measured with bench/upload-memory.ts (32
 * concurrent 10 MiB uploads): RSS growth 60–70 MB without this, 36 MB with it; the bare-node peer's 38–42 MB.
 */
export function holdYoungGeneration(execArgv: readonly string[] = process.execArgv, nodeOptions = process.env['NODE_OPTIONS'] ?? ''): boolean {
  return setUnlessUserChose(YOUNG_SIZE_FLAGS, '--semi-space-growth-factor=1', execArgv, nodeOptions);
}

/**
 * Lets the old generation grow to 3× its live size between full (mark-compact) collections. V8's own factor falls to
 * about 1.4× once its memory reducer has shrunk an idle heap, and stays there: a server's live heap (about 19 MB
 * here) is then only 9 MB below the limit. Every streamed get's read buffers count toward that limit, so under 2 MiB
 * gets V8 ran a full collection every 15 gets or so (80–95 in 6 s), costing 2.0–2.5 ms of its helper threads' CPU
 * per get; with this, 5 in 6 s, and 2 MiB gets served 2.0× as many per second. Memory under 32 concurrent 10 MiB
 * uploads grew 42 → 47 MB (bare-node: 48–50 MB).
 */
export function growOldGenerationFreely(execArgv: readonly string[] = process.execArgv, nodeOptions = process.env['NODE_OPTIONS'] ?? ''): boolean {
  return setUnlessUserChose(OLD_GROWTH_FLAGS, `--heap-growing-percent=${OLD_GENERATION_GROWING_PERCENT}`, execArgv, nodeOptions);
}

/** Sets V8 `flag`, unless node's flags or NODE_OPTIONS hold one matching `userFlags`; says whether it set it. */
function setUnlessUserChose(userFlags: RegExp, flag: string, execArgv: readonly string[], nodeOptions: string): boolean {
  if (userFlags.test(`${execArgv.join(' ')} ${nodeOptions}`)) return false;
  setFlagsFromString(flag);
  return true;
}
