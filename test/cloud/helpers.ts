import { spawn } from 'node:child_process';
import { request } from 'node:http';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CLI_BIN, REPO_ROOT } from '../helpers/files.ts';

/** Test helpers for the cloud-call gateway: run fixture functions in child processes, sign raw requests like the SDK. */

export const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));
export const MEDIA_FN = `${FIXTURES}media-fn`;
export const UPLOAD_ONLY_FN = `${FIXTURES}upload-only-fn`;

/** The bare recipe (docs/cloud-call.md): where to post and what to sign with; nothing wxmedia-specific. */
export function sdkEnv(baseUrl: string, secretId: string, secretKey: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    TCB_CONTEXT_CNFG: JSON.stringify({ URL: `${baseUrl}/admin` }),
    TENCENTCLOUD_SECRETID: secretId,
    TENCENTCLOUD_SECRETKEY: secretKey,
    ...extra,
  };
}

/** Environment that makes the SDK believe it runs in SCF env `env` (so a bare cloud.init() names it). */
export function scfEnv(env: string): Record<string, string> {
  return { TENCENTCLOUD_RUNENV: 'SCF', SCF_NAMESPACE: env, TENCENTCLOUD_REGION: 'ap-shanghai' };
}

/** Only what node needs; no TENCENTCLOUD_* or TCB_* from the test's own environment. */
function baseEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const k of ['PATH', 'HOME', 'TMPDIR', 'LANG', 'SYSTEMROOT']) {
    const v = process.env[k];
    if (v !== undefined) env[k] = v;
  }
  return env;
}

export interface Invoked {
  /** What main returned (Buffers as {base64}), or what it threw. */
  readonly returned?: Record<string, unknown>;
  readonly threw?: Record<string, unknown>;
  /** The function's console output. */
  readonly logs: string;
}

/** Runs `dir`/index.js exports.main(event) with the real wx-server-sdk in a child process. */
export function invoke(dir: string, event: object, env: Record<string, string>): Promise<Invoked> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [`${FIXTURES}invoke.cjs`, dir, JSON.stringify(event)], {
      env: { ...baseEnv(), ...env },
      stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
    });
    let logs = '';
    let result = '';
    child.stdout?.on('data', (c: Buffer) => (logs += c.toString()));
    child.stderr?.on('data', (c: Buffer) => (logs += c.toString()));
    child.stdio[3]?.on('data', (c: Buffer) => (result += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (!result) return reject(new Error(`function child exited ${code} without a result:\n${logs}`));
      resolve({ ...(JSON.parse(result) as object), logs });
    });
  });
}

export interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** `node packages/cli/bin/wxmedia.js …args` with only the given environment. */
export function runCli(args: readonly string[], env: Record<string, string> = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI_BIN, ...args], { cwd: REPO_ROOT, env: { ...baseEnv(), ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** The SDK's own signer (@cloudbase/signature-nodejs, installed with wx-server-sdk). */
interface SignFn {
  (options: {
    secretId: string;
    secretKey: string;
    method: string;
    url: string;
    params: Record<string, string | Buffer>;
    headers: Record<string, string | number>;
    withSignedParams: boolean;
    timestamp: number;
  }): { authorization: string; timestamp: number };
}
const requireFromSdk = createRequire(createRequire(join(REPO_ROOT, 'package.json')).resolve('@cloudbase/node-sdk'));
export const sdkSign = (requireFromSdk('@cloudbase/signature-nodejs') as { sign: SignFn }).sign;

export interface RawCall {
  readonly url: string;
  readonly secretId: string;
  readonly secretKey: string;
  readonly fields: Record<string, string | Buffer>;
  /** Change the body after signing (tamper tests). */
  readonly afterSign?: (fields: Record<string, string | Buffer>) => Record<string, string | Buffer>;
  readonly timestamp?: number;
  readonly headers?: Record<string, string>;
}

/** The headers and hand-built multipart body of a gateway request signed exactly as @cloudbase/node-sdk signs it. */
export function signGatewayCall(call: RawCall): { headers: Record<string, string | number>; body: Buffer } {
  const url = new URL(call.url);
  const signedHeaders = { 'content-type': 'multipart/form-data', host: url.host, 'user-agent': 'wxmedia-test', 'x-client-timestamp': Date.now() };
  const { authorization, timestamp } = sdkSign({
    secretId: call.secretId,
    secretKey: call.secretKey,
    method: 'post',
    url: call.url,
    params: call.fields,
    headers: signedHeaders,
    withSignedParams: true,
    timestamp: call.timestamp ?? Math.floor(Date.now() / 1000) - 1,
  });
  const boundary = '--------------------------wxmediatest0123456789';
  const fields = call.afterSign ? call.afterSign(call.fields) : call.fields;
  const chunks: Buffer[] = [];
  for (const [name, value] of Object.entries(fields)) {
    const type = typeof value === 'string' ? '' : 'Content-Type: application/octet-stream\r\n';
    chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n${type}\r\n`), Buffer.from(value), Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  const body = Buffer.concat(chunks);
  const headers = {
    ...signedHeaders,
    'content-type': `multipart/form-data; boundary=${boundary}`,
    'content-length': body.length,
    authorization,
    'x-timestamp': String(timestamp),
    'x-signature-expires': '600',
    ...call.headers,
  };
  return { headers, body };
}

/** A gateway request signed exactly as @cloudbase/node-sdk signs it, sent with a hand-built multipart body. */
export function rawGatewayCall(call: RawCall): Promise<{ status: number; contentType: string; body: Buffer }> {
  const { headers, body } = signGatewayCall(call);
  return new Promise((resolve, reject) => {
    const req = request(call.url, { method: 'POST', headers }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, contentType: String(res.headers['content-type']), body: Buffer.concat(parts) }));
    });
    req.on('error', reject);
    req.end(body);
  });
}
