import { randomUUID } from 'node:crypto';

/**
 * Names of temporary files (staging, spool) that say which process wrote them, so that a process starting beside
 * others on the same directory (`wxmedia serve --workers N`, a worker restarted after a crash) removes only what a
 * dead process left and never a live neighbour's upload in flight.
 *
 *   <base>.<pid>.<uuid>
 */
export function processFileName(base: string): string {
  return `${base}.${process.pid}.${randomUUID()}`;
}

/**
 * Whether a temporary file is a leftover to remove at start: written by this process (a second init() means a
 * restart of this store), by a process that no longer runs, or by nothing we can tell (a name of another shape).
 * Process ids are those of this machine: directories shared between machines are not what these files are for.
 */
export function isLeftover(name: string): boolean {
  const match = /\.(\d+)\.[0-9a-f-]{36}(?:\.[a-z]+)?$/.exec(name);
  if (!match) return true;
  const pid = Number(match[1]);
  return pid === process.pid || !isRunning(pid);
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else (still running).
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
