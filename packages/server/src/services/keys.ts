import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ADMIN_KEY_FILE } from '@wxmedia/protocol';
import { PRIVATE_DIR_MODE, PRIVATE_FILE_MODE } from '../storage/file-modes.ts';
import type { StateStore } from '../storage/state-store.ts';

/**
 * The signing key (media ids, tokens). Every instance sharing a state store gets the same one: the first writer
 * wins (setIfAbsent) and the rest read it.
 */
export async function loadSigningKey(state: StateStore, configured: string | undefined): Promise<Buffer> {
  if (configured) return Buffer.from(configured, 'utf8');
  const fresh = randomBytes(32).toString('hex');
  await state.setIfAbsent('signing-key', fresh);
  const key = await state.get('signing-key');
  if (!key) throw new Error('state store lost the signing key it just wrote');
  return Buffer.from(key, 'utf8');
}

/**
 * The admin API's bearer key: configured, or kept in `<dataDir>/admin.key` (ADMIN_KEY_FILE, mode 0600) so the CLI
 * on the same machine finds it without being told.
 */
export async function loadAdminKey(dataDir: string, configured: string | undefined): Promise<string> {
  if (configured) return configured;
  const file = join(dataDir, ADMIN_KEY_FILE);
  try {
    const key = (await readFile(file, 'utf8')).trim();
    if (key) return key;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  await mkdir(dataDir, { recursive: true, mode: PRIVATE_DIR_MODE });
  const key = randomBytes(24).toString('base64url');
  await writeFile(file, `${key}\n`, { mode: PRIVATE_FILE_MODE, flag: 'wx' }).catch(async (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EEXIST') throw e;
  });
  await chmod(file, PRIVATE_FILE_MODE);
  return (await readFile(file, 'utf8')).trim();
}
