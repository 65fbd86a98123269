/**
 * A small filesystem of the test's own that it can fill up: a tmpfs mounted on a fresh temp dir (root only).
 *
 *   const fs = await mountTmpfs({ sizeMb: 20 });   // or { skip: reason } when not root
 *   await fs.fill();                                // a filler file takes every free byte (ENOSPC from now on)
 *   await fs.free();                                // removes it
 *   await fs.unmount();                             // unmounts and removes the mount point
 *
 * Without root the tests skip with the reason, unless WXMEDIA_REQUIRE_SERVICES=1 (CI), where that is a failure
 * (services.ts).
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, statfs } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { missingService } from './services.ts';

const run = promisify(execFile);

export interface Tmpfs {
  /** The mount point (mode 0700). */
  readonly path: string;
  /** Bytes free right now. */
  available(): Promise<number>;
  fill(): Promise<void>;
  free(): Promise<void>;
  unmount(): Promise<void>;
}

export async function mountTmpfs(options: { sizeMb: number }): Promise<Tmpfs | { skip: string }> {
  if (process.platform !== 'linux' || process.getuid?.() !== 0) return missingService('mounting a tmpfs to fill needs root on Linux');
  const path = await mkdtemp(join(tmpdir(), 'wxmedia-tmpfs-'));
  await run('mount', ['-t', 'tmpfs', '-o', `size=${options.sizeMb}m,mode=0700`, 'tmpfs', path]);
  const filler = join(path, 'filler');
  return {
    path,
    async available() {
      const s = await statfs(path);
      return s.bavail * s.bsize;
    },
    async fill() {
      // dd stops at ENOSPC with a non-zero status: that is the point.
      await run('dd', ['if=/dev/zero', `of=${filler}`, 'bs=1M'], { maxBuffer: 1 << 20 }).catch(() => undefined);
    },
    async free() {
      await rm(filler, { force: true });
    },
    async unmount() {
      await run('umount', ['-l', path]).catch(() => undefined);
      await rm(path, { recursive: true, force: true });
    },
  };
}
