/**
 * Scaffolding the peers share, none of it on the request path: the `--dir` argument, listening on 127.0.0.1 on a
 * free port, the ready line the benchmark waits for, and exiting when the benchmark goes away (its end of our stdin
 * closes), so a killed benchmark never leaves a peer behind.
 */
import { open, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';

export type Handler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

const { values: args } = parseArgs({ options: { dir: { type: 'string' }, s3: { type: 'string' } } });

/** The directory the peer stores into (created and removed by the benchmark). */
export function peerDir(): string {
  if (!args.dir) throw new Error('usage: node --import tsx bench/peers/<peer>.ts --dir <empty directory>');
  return args.dir;
}

/** `--s3 http://host:port/bucket`: the bucket a peer that stores in S3 (bare-s3) puts to and gets from. */
export function peerBucket(): URL {
  if (!args.s3) throw new Error('usage: node --import tsx bench/peers/bare-s3.ts --dir <dir> --s3 http://127.0.0.1:<port>/<bucket>');
  return new URL(args.s3.endsWith('/') ? args.s3 : `${args.s3}/`);
}

export function servePeer(name: string, handler: Handler): void {
  const server = createServer((req, res) => {
    handler(req, res).catch((error: unknown) => {
      // A client that went away mid-body lands here too; answer if still possible, never crash the peer.
      if (!res.headersSent) replyJson(res, 500, { errcode: -1, errmsg: String(error) });
      else res.destroy();
    });
  });
  server.listen(0, '127.0.0.1', () => {
    console.log(`${name} listening on http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  });
  process.stdin.on('end', () => process.exit(0)).resume();
}

export function replyJson(res: ServerResponse, status: number, body: object): void {
  const json = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(json) });
  res.end(json);
}

/** The media_id of a get; ids are decimal counters, so anything else (a path, say) is simply not found. */
export function mediaIdOf(url: string): string | undefined {
  return /[?&]media_id=(\d+)(?:&|$)/.exec(url)?.[1];
}

/** fsync of a directory: what makes a rename into it durable (wxmedia does the same after its commit rename). */
export async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Stores a new file as durably as wxmedia does: `write` fills a temp file (and fsyncs it), which is then renamed in
 * and the directory fsynced; on failure the temp file is removed. Resolves with the new file's id.
 */
export async function commitDurably(dir: string, id: string, write: (tmp: string) => Promise<void>): Promise<string> {
  const tmp = join(dir, `${id}.tmp`);
  try {
    await write(tmp);
    await rename(tmp, join(dir, id));
    await syncDir(dir);
  } catch (error) {
    await rm(tmp, { force: true });
    throw error;
  }
  return id;
}

/** The reply of a successful upload: WeChat's shape, so the benchmark checks every target the same way. */
export function uploaded(res: ServerResponse, id: string): void {
  replyJson(res, 200, { errcode: 0, errmsg: 'ok', type: 'image', media_id: id, created_at: Math.floor(Date.now() / 1000) });
}

export function notFound(res: ServerResponse): void {
  replyJson(res, 200, { errcode: 40007, errmsg: 'invalid media_id' });
}
