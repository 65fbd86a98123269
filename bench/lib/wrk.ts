/**
 * wrk, the load generator of bench/upload-get.ts and bench/profile.ts: a C program, closed loop, one thread at
 * `concurrency` connections, pinned with taskset to the CPUs the servers are kept off (on a 2-core machine: core 1,
 * the servers on core 0). What each request sends is written to a small Lua config that bench/wrk/load.lua loads.
 */
import { spawn, spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { REPO_ROOT } from '../../test/helpers/server.ts';

/** Exits with what to install when wrk or taskset is missing (benches are not in CI: the machine needs them by hand). */
export function requireTools(): void {
  const missing = ['wrk', 'taskset'].filter((tool) => spawnSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' }).status !== 0);
  if (missing.length > 0) {
    console.error(`missing: ${missing.join(', ')}. On Debian: apt-get install -y ${missing.map((m) => (m === 'taskset' ? 'util-linux' : m)).join(' ')}`);
    process.exit(1);
  }
}

export interface WrkRequest {
  readonly method: 'GET' | 'POST' | 'PUT';
  /** Request i goes to paths[i % paths.length] (path and query, no host). */
  readonly paths: readonly string[];
  readonly headers?: Readonly<Record<string, string>>;
  /** A file whose bytes every request sends as its body. */
  readonly bodyFile?: string;
  /** A string the body of a good reply contains (wxmedia and the WeChat-shaped peers answer errors with 200 too). */
  readonly okBody?: string;
}

export interface WrkResult {
  readonly requests: number;
  readonly seconds: number;
  readonly rps: number;
  /** Socket errors, timeouts, non-2xx statuses and replies without okBody. */
  readonly errors: number;
  readonly firstError: string;
  /** Response bytes read, headers included. */
  readonly bytes: number;
  /** Latency percentiles, ms. */
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
}

const lua = (s: string) => JSON.stringify(s); // ASCII paths and headers: a JSON string is a Lua string

/** Runs wrk against `url` for `seconds` and returns its summary; `scratch` is a directory for the Lua config. */
export async function runWrk(
  url: string,
  request: WrkRequest,
  options: { seconds: number; concurrency: number; cpus: string; scratch: string; timeoutSeconds?: number },
): Promise<WrkResult> {
  const config = join(options.scratch, `wrk-${process.hrtime.bigint()}.lua`);
  await writeFile(
    config,
    [
      'return {',
      `  method = ${lua(request.method)},`,
      request.bodyFile ? `  body_file = ${lua(request.bodyFile)},` : '',
      `  headers = { ${Object.entries(request.headers ?? {})
        .map(([k, v]) => `[${lua(k)}] = ${lua(v)}`)
        .join(', ')} },`,
      `  paths = { ${request.paths.map(lua).join(',\n    ')} },`,
      request.okBody ? `  ok_body = ${lua(request.okBody)},` : '',
      '}',
      '',
    ].join('\n'),
  );
  const args = [
    '-c',
    options.cpus,
    'wrk',
    '-t1',
    `-c${options.concurrency}`,
    `-d${options.seconds}s`,
    `--timeout`,
    `${options.timeoutSeconds ?? 30}s`,
    '-s',
    join(REPO_ROOT, 'bench', 'wrk', 'load.lua'),
    url,
  ];
  const out = await new Promise<string>((resolve, reject) => {
    const child = spawn('taskset', args, { env: { ...process.env, WRK_CONFIG: config }, stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    child.stdout.on('data', (c: Buffer) => (text += c.toString()));
    child.stderr.on('data', (c: Buffer) => (text += c.toString()));
    child.once('error', reject);
    // wrk stops itself after -d; this is a guard against a wrk that never returns.
    const guard = setTimeout(() => child.kill('SIGKILL'), (options.seconds + 60) * 1000);
    child.once('exit', (code) => {
      clearTimeout(guard);
      if (code === 0) resolve(text);
      else reject(new Error(`wrk exited ${code}:\n${text}`));
    });
  });
  const line = /^WRK_RESULT (\{.*\})$/m.exec(out);
  if (!line) throw new Error(`wrk printed no result:\n${out}`);
  const r = JSON.parse(line[1]!) as {
    [k in 'requests' | 'duration_us' | 'bytes' | 'connect' | 'read' | 'write' | 'status' | 'timeout' | 'bad' | 'p50' | 'p90' | 'p99' | 'max']: number;
  } & { first_bad: string };
  const seconds = r.duration_us / 1e6;
  return {
    requests: r.requests,
    seconds,
    rps: r.requests / seconds,
    // With okBody the script's count of bad replies includes the non-2xx ones wrk counts too.
    errors: r.connect + r.read + r.write + r.timeout + Math.max(r.status, r.bad),
    firstError: r.first_bad || (r.status ? `${r.status} non-2xx replies` : r.timeout ? `${r.timeout} timeouts` : ''),
    bytes: r.bytes,
    p50: r.p50 / 1000,
    p90: r.p90 / 1000,
    p99: r.p99 / 1000,
    max: r.max / 1000,
  };
}
