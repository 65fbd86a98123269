import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { redactValues } from '@wxmedia/protocol';
import type { TokenGrant, WeChatClient, WxMediaAdminClient } from '@wxmedia/sdk';
import { fsProblem } from '../fs-errors.ts';
import { CliError } from '../serve-config.ts';

/** Where the client commands point when nothing says otherwise: a `wxmedia serve` on this machine. */
export const DEFAULT_BASE_URL = 'http://127.0.0.1:8720';
const DEFAULT_DATA_DIR = '.wxmedia';

/** The target and credential flags every client command shares (each also read from the environment). */
export interface ClientFlags {
  baseUrl?: string;
  appid?: string;
  secret?: string;
  grant?: string;
}

export interface AdminFlags {
  baseUrl?: string;
  adminKey?: string;
  data?: string;
}

type Env = Readonly<Record<string, string | undefined>>;

/** Adds --base-url, --appid, --secret and --grant. The secret is best given by environment (it shows in `ps`). */
export function withClientOptions(command: Command): Command {
  return command
    .option('--base-url <url>', `API root (WXMEDIA_BASE_URL, default ${DEFAULT_BASE_URL}; https://api.weixin.qq.com for WeChat)`)
    .option('--appid <appid>', 'app id (WXMEDIA_APPID)')
    .option('--secret <secret>', 'app secret (WXMEDIA_SECRET; prefer the variable, flags show in ps)')
    .option('--grant <grant>', 'token endpoint: stable_token or token (WXMEDIA_TOKEN_GRANT, default stable_token)');
}

export function baseUrlOf(flags: { baseUrl?: string }, env: Env = process.env): string {
  return flags.baseUrl ?? env['WXMEDIA_BASE_URL'] ?? DEFAULT_BASE_URL;
}

export function credentialsOf(flags: ClientFlags, env: Env = process.env): { appid: string; secret: string; grant: TokenGrant } {
  const appid = flags.appid ?? env['WXMEDIA_APPID'];
  const secret = flags.secret ?? env['WXMEDIA_SECRET'];
  if (!appid || !secret) {
    throw new CliError('credentials missing: pass --appid and --secret, or set WXMEDIA_APPID and WXMEDIA_SECRET (`wxmedia serve` prints its dev app)');
  }
  const grant = flags.grant ?? env['WXMEDIA_TOKEN_GRANT'] ?? 'stable_token';
  if (grant !== 'stable_token' && grant !== 'token') throw new CliError(`--grant must be stable_token or token, got "${grant}"`);
  return { appid, secret, grant };
}

/** A client for one command run; its token lives in memory for the run (stable_token hands every run the same one). */
export async function clientFrom(flags: ClientFlags, env: Env = process.env): Promise<{ client: WeChatClient; secret: string }> {
  const { appid, secret, grant } = credentialsOf(flags, env);
  const baseUrl = baseUrlOf(flags, env);
  // Loaded on use: `wxmedia --help` and `wxmedia serve` start without the SDK.
  const { WeChatClient } = await import('@wxmedia/sdk');
  try {
    return { client: new WeChatClient({ appid, secret, baseUrl, tokenGrant: grant }), secret };
  } catch (e) {
    throw new CliError(e instanceof Error ? e.message : String(e));
  }
}

/** Adds --base-url, --admin-key and --data for the admin commands. */
export function withAdminOptions(command: Command): Command {
  return command
    .option('--base-url <url>', `wxmedia server (WXMEDIA_BASE_URL, default ${DEFAULT_BASE_URL})`)
    .option('--admin-key <key>', 'admin key (WXMEDIA_ADMIN_KEY; default: read from <data dir>/admin.key)')
    .option('--data <dir>', `the server's data directory, for admin.key (WXMEDIA_DATA, default ${DEFAULT_DATA_DIR})`);
}

export async function adminKeyOf(flags: AdminFlags, env: Env = process.env): Promise<string> {
  const given = flags.adminKey ?? env['WXMEDIA_ADMIN_KEY'];
  if (given) return given;
  const file = join(flags.data ?? env['WXMEDIA_DATA'] ?? DEFAULT_DATA_DIR, 'admin.key');
  try {
    return (await readFile(file, 'utf8')).trim();
  } catch {
    throw new CliError(`no admin key: pass --admin-key, set WXMEDIA_ADMIN_KEY, or point --data at the server's data directory (${file} not readable)`);
  }
}

/** Runs `run` with an admin client for the flags' server and key, and closes it after. */
export async function withAdmin(flags: AdminFlags, run: (admin: WxMediaAdminClient) => Promise<void>): Promise<void> {
  const adminKey = await adminKeyOf(flags);
  // Loaded on use, as in clientFrom.
  const { WxMediaAdminClient } = await import('@wxmedia/sdk');
  const admin = new WxMediaAdminClient({ baseUrl: baseUrlOf(flags), adminKey });
  try {
    await run(admin);
  } finally {
    await admin.close();
  }
}

/** Prints a value as one JSON line (`--json`). */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}

/** How a failure reads: one line for people, and an object for `--json` output. */
export interface Failure {
  readonly line: string;
  readonly json: Record<string, unknown>;
}

/**
 * A failure as one line and as a JSON object: `errcode 40007: invalid media_id rid: … (getTempMedia)` for WeChat
 * errors (the object carries errcode, errmsg and rid), the SDK's own errors by name, file-system errors as
 * "path: what is wrong", anything else by its message's first line.
 */
export async function describeFailure(e: unknown): Promise<Failure> {
  const { WeChatError, WxMediaError } = await import('@wxmedia/sdk');
  if (e instanceof WeChatError) {
    return {
      line: `errcode ${e.errcode}: ${e.errmsg} (${e.api})`,
      json: { error: `errcode ${e.errcode}: ${e.errmsg}`, name: e.name, errcode: e.errcode, errmsg: e.errmsg, ...(e.rid ? { rid: e.rid } : {}) },
    };
  }
  if (e instanceof WxMediaError) return { line: `${e.name}: ${e.message}`, json: { error: e.message, name: e.name } };
  const problem = fsProblem(e);
  const path = (e as NodeJS.ErrnoException | undefined)?.path;
  if (problem && path) return { line: `${path}: ${problem}`, json: { error: `${path}: ${problem}`, name: 'FileError' } };
  const message = e instanceof Error ? (e.message.split('\n')[0] ?? e.message) : String(e);
  return { line: message, json: { error: message, name: e instanceof Error ? e.name : 'Error' } };
}

/**
 * Runs a command body and turns a failure into one line on stderr (errcode first for WeChat errors) and exit code
 * 1 — or, when the command was given `--json`, into one JSON object `{"error", …}` on stdout. Usage errors
 * (CliError) exit 2 either way. `secrets` names values to scrub on top of the SDK's own redaction.
 */
export function action<A extends unknown[]>(run: (...args: A) => Promise<void>, secrets: (...args: A) => (string | undefined)[] = () => []): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await run(...args);
    } catch (e) {
      // Commander calls an action with (...arguments, options, command): the options are next to last.
      const json = (args.at(-2) as { json?: unknown } | undefined)?.json === true;
      if (e instanceof CliError && !json) throw e;
      const hidden = [...secrets(...args), process.env['WXMEDIA_SECRET'], process.env['WXMEDIA_ADMIN_KEY']];
      const failure = e instanceof CliError ? { line: e.message, json: { error: e.message, name: 'UsageError' } } : await describeFailure(e);
      if (json) process.stdout.write(`${redactValues(JSON.stringify(failure.json), hidden)}\n`);
      else process.stderr.write(`wxmedia: ${redactValues(failure.line, hidden)}\n`);
      process.exitCode = e instanceof CliError ? 2 : 1;
    }
  };
}
