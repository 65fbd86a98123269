import { setFlagsFromString } from 'node:v8';

/** V8 flags with which a user chose the young generation's size: theirs win. */
const SIZE_FLAGS = /--(?:max|min)[-_]semi[-_]space[-_]size|--semi[-_]space[-_]growth[-_]factor/;

/**
 * Keeps V8's young generation at its starting size in a serving process, unless the user sized it (node flags or
 * NODE_OPTIONS). Under many concurrent uploads each request's objects live across several scavenges, and V8 then
 * grows the young generation up to 3 × 16 MiB; the socket chunks that die with them are freed only at the next
 * scavenge, which that growth makes rarer. Measured with bench/upload-memory.ts (32 concurrent 10 MiB uploads):
 * RSS growth 60–70 MB without this, 36 MB with it; the bare-node peer's 38–42 MB (docs/deployment.md). A
 * runtime flag (the growth factor is read each time V8 would grow the space); only the serving process's heap,
 * never an embedder's, is affected.
 */
export function holdYoungGeneration(execArgv: readonly string[] = process.execArgv, nodeOptions = process.env['NODE_OPTIONS'] ?? ''): boolean {
  if (SIZE_FLAGS.test(`${execArgv.join(' ')} ${nodeOptions}`)) return false;
  setFlagsFromString('--semi-space-growth-factor=1');
  return true;
}
