import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { ADMIN_KEY_FILE, DEFAULT_BASE_URL, DEFAULT_DATA_DIR, DEV_APP_FILE, redactValues } from '@wxmedia/protocol';
import type { TokenGrant, WeChatClient, WxMediaAdminClient } from '@wxmedia/sdk';
import { fsProblem } from '../fs-errors.ts';
import { CliError } from '../serve-config.ts';

/** The target and credential flags every client command shares (each also read from the environment). */
export interface ClientFlags {
  baseUrl?: string;
  appid?: string;
  secret?: string;
  grant?: string;
  data?: string;
}

export interface AdminFlags {
  baseUrl?: string;
  adminKey?: string;
  data?: string;
}

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Adds --base-url, --appid, --secret, --grant and --data. The secret is best given by environment (it shows in `ps`).
 */
export function withClientOptions(command: Command): Command {
  return withDataOption(
    command
      .option('--base-url <url>', `API root (WXMEDIA_BASE_URL, default ${DEFAULT_BASE_URL}; https://api.weixin.qq.com for WeChat)`)
      .option('--appid <appid>', 'app id (WXMEDIA_APPID)')
      .option('--secret <secret>', 'app secret (WXMEDIA_SECRET; prefer the variable, flags show in ps)')
      .option('--grant <grant>', 'token endpoint: stable_token or token (WXMEDIA_TOKEN_GRANT, default stable_token)'),
  );
}

/** --data: the local server's data directory, where the client commands find its dev app and admin key. */
export function withDataOption(command: Command): Command {
  return command.option('--data <dir>', `a local server's data directory, for its dev app and admin key (WXMEDIA_DATA, default ${DEFAULT_DATA_DIR})`);
}

function dataDirOf(flags: { data?: string }, env: Env): string {
  return flags.data ?? env['WXMEDIA_DATA'] ?? DEFAULT_DATA_DIR;
}

export function baseUrlOf(flags: { baseUrl?: string }, env: Env = process.env): string {
  return flags.baseUrl ?? env['WXMEDIA_BASE_URL'] ?? DEFAULT_BASE_URL;
}

/**
 * The app to act as: --appid/--secret, else WXMEDIA_APPID/WXMEDIA_SECRET, else — when neither is given and the
 * target is not WeChat itself — the development app a local `wxmedia serve` made (`<data>/dev-app.json`), so that
 * `wxmedia serve` in one terminal and `wxmedia upload photo.jpg` in another work with nothing to copy.
 */
export async function credentialsOf(flags: ClientFlags, env: Env = process.env): Promise<{ appid: string; secret: string; grant: TokenGrant }> {
  let appid = flags.appid ?? env['WXMEDIA_APPID'];
  let secret = flags.secret ?? env['WXMEDIA_SECRET'];
  const devAppFile = join(dataDirOf(flags, env), DEV_APP_FILE);
  if (!appid && !secret && !isWeChat(baseUrlOf(flags, env))) ({ appid, secret } = (await readDevApp(devAppFile)) ?? {});
  if (!appid || !secret) {
    throw new CliError(
      `credentials missing: pass --appid and --secret, or set WXMEDIA_APPID and WXMEDIA_SECRET (a local \`wxmedia serve\` prints its dev app, and keeps it in ${devAppFile}, which --data points at)`,
    );
  }
  const grant = flags.grant ?? env['WXMEDIA_TOKEN_GRANT'] ?? 'stable_token';
  if (grant !== 'stable_token' && grant !== 'token') throw new CliError(`--grant must be stable_token or token, got "${grant}"`);
  return { appid, secret, grant };
}

/** WeChat's own API host: never sent a local development app's credentials. */
function isWeChat(baseUrl: string): boolean {
  try {
    return new URL(baseUrl).hostname.endsWith('weixin.qq.com');
  } catch {
    return false;
  }
}

async function readDevApp(file: string): Promise<{ appid: string; secret: string } | undefined> {
  try {
    const parsed: unknown = JSON.parse(await readFile(file, 'utf8'));
    const { appid, secret } = parsed as { appid?: unknown; secret?: unknown };
    return typeof appid === 'string' && typeof secret === 'string' ? { appid, secret } : undefined;
  } catch {
    return undefined;
  }
}

/** A client for one command run; its token lives in memory for the run (stable_token hands every run the same one). */
export async function clientFrom(flags: ClientFlags, env: Env = process.env): Promise<{ client: WeChatClient; secret: string }> {
  const { appid, secret, grant } = await credentialsOf(flags, env);
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
  return withDataOption(
    command
      .option('--base-url <url>', `wxmedia server (WXMEDIA_BASE_URL, default ${DEFAULT_BASE_URL})`)
      .option('--admin-key <key>', 'admin key (WXMEDIA_ADMIN_KEY; default: read from <data dir>/admin.key)'),
  );
}

export async function adminKeyOf(flags: AdminFlags, env: Env = process.env): Promise<string> {
  const given = flags.adminKey ?? env['WXMEDIA_ADMIN_KEY'];
  if (given) return given;
  const file = join(dataDirOf(flags, env), ADMIN_KEY_FILE);
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

/**
 * The action of an admin command. Commander calls it with the command's arguments, then its options, then the
 * command; `check` sees options and arguments first (usage errors, before the admin key is looked for), then `run`
 * gets a WxMediaAdminClient for the run. The admin key, and whatever `secrets` names, is scrubbed from a failure.
 */
export function adminAction<F extends AdminFlags, A extends unknown[] = []>(
  run: (admin: WxMediaAdminClient, flags: F, ...args: A) => Promise<void>,
  options: { readonly check?: (flags: F, ...args: A) => void; readonly secrets?: (flags: F) => (string | undefined)[] } = {},
): (...received: unknown[]) => Promise<void> {
  const flagsOf = (received: unknown[]): F => received.at(-2) as F;
  const argsOf = (received: unknown[]): A => received.slice(0, -2) as A;
  return action(
    async (...received: unknown[]) => {
      const flags = flagsOf(received);
      options.check?.(flags, ...argsOf(received));
      await withAdmin(flags, (admin) => run(admin, flags, ...argsOf(received)));
    },
    (...received: unknown[]) => [flagsOf(received).adminKey, ...(options.secrets?.(flagsOf(received)) ?? [])],
  );
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
