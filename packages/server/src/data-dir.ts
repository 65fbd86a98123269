import { mkdir, stat } from 'node:fs/promises';
import { ConfigError } from './config.ts';
import { GROUP_OTHER_BITS, PRIVATE_DIR_MODE } from './storage/file-modes.ts';

/**
 * Makes the data directory (0700) when it does not exist; refuses one that other users can enter or read, since it
 * holds the secrets of every app, the signing key and the admin key — unless `allowShared` says that is intended
 * (e.g. a group that must read media files). Not checked on Windows, which has no such mode bits.
 */
export async function prepareDataDir(dir: string, options: { allowShared: boolean }): Promise<void> {
  await mkdir(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  const found = await stat(dir);
  if (!found.isDirectory()) throw new ConfigError(`data directory ${dir} is not a directory`);
  if (process.platform === 'win32' || options.allowShared) return;
  const mode = found.mode & 0o777;
  if ((mode & GROUP_OTHER_BITS) !== 0) {
    throw new ConfigError(
      `data directory ${dir} is open to other users (mode ${mode.toString(8).padStart(4, '0')}) and holds app secrets and keys: ` +
        `run \`chmod 700 ${dir}\`, or pass --allow-shared-data-dir (WXMEDIA_ALLOW_SHARED_DATA_DIR=1) if that is intended`,
    );
  }
}
