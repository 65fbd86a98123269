import { randomBytes } from 'node:crypto';
import { mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fsProblem } from './fs-errors.ts';
import { CliError } from './serve-config.ts';

/**
 * Makes sure the data folder can be used before the server opens it: a file where the folder should be, a parent
 * that is missing or read-only, or a folder this user may not write would otherwise surface as Node's or LMDB's own
 * words (EEXIST, "Attempting to setup locks"). Each becomes one line saying what to change. A missing folder is
 * made with `mode`.
 */
export async function checkDataDir(dir: string, mode: number): Promise<void> {
  const info = await stat(dir).catch(() => undefined);
  if (info && !info.isDirectory()) throw new CliError(`--data ${dir} is a file, not a folder: give a folder (it is made if missing)`);
  try {
    // Made with the server's mode for it (owner only): the server refuses a data directory others can read.
    await mkdir(dir, { recursive: true, mode });
  } catch (e) {
    throw new CliError(`cannot make the data folder ${dir}: ${fsProblem(e) ?? (e as Error).message}; choose another with --data`);
  }
  const probe = join(dir, `.write-test-${randomBytes(4).toString('hex')}`);
  try {
    await writeFile(probe, '');
  } catch (e) {
    throw new CliError(`cannot write in the data folder ${dir}: ${fsProblem(e) ?? (e as Error).message}; choose another with --data, or let this user write there`);
  } finally {
    await rm(probe, { force: true }).catch(() => undefined);
  }
}
