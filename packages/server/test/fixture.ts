import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { ManualClock, createServer, type ServerOptions, type WxMediaServer } from '@wxmedia/server';

/** A tiny valid PNG (1×1), JPEG and GIF, built from known-good bytes. */
export const PNG_1X1 = Buffer.from(
  '89504e470d0a1a0a0000000d49484452000000010000000108020000009077' +
    '53de0000000c4944415408d763f8cfc000000301010018dd8db00000000049454e44ae426082',
  'hex',
);
export const GIF_1X1 = Buffer.from('47494638396101000100800000000000ffffff21f90401000000002c00000000010001000002024401003b', 'hex');
export const JPEG_MIN = Buffer.concat([
  Buffer.from('ffd8ffe000104a46494600010100000100010000', 'hex'),
  Buffer.alloc(64, 0x11),
  Buffer.from('ffd9', 'hex'),
]);
export const AMR = Buffer.concat([Buffer.from('#!AMR\n'), Buffer.alloc(32, 0x3c)]);

export const APP = { appid: 'wxa0000000000000001', secret: 'secret-of-app-one' } as const;
export const OTHER = { appid: 'wxb0000000000000002', secret: 'secret-of-app-two' } as const;
export const OFFICIAL = { appid: 'wxc0000000000000003', secret: 'secret-of-official', kind: 'official' } as const;

export interface Fixture {
  readonly server: WxMediaServer;
  readonly clock: ManualClock;
  readonly dataDir: string;
  /** Every log line the server wrote, raw. */
  readonly logs: () => string;
  token(app?: { appid: string; secret: string }): Promise<string>;
  upload(token: string, file: Buffer, options?: { filename?: string; type?: string }): Promise<Record<string, unknown>>;
  close(): Promise<void>;
}

/** A real server (LMDB + filesystem under a temp dir) with a ManualClock, for in-process `inject` tests. */
export async function startFixture(options: Partial<ServerOptions> = {}): Promise<Fixture> {
  const dataDir = await mkdtemp(join(tmpdir(), 'wxmedia-api-'));
  const clock = new ManualClock(Date.UTC(2026, 10, 22, 4, 0, 0));
  let logText = '';
  const sink = new Writable({
    write(chunk, _enc, done) {
      logText += chunk.toString();
      done();
    },
  });
  const server = await createServer({
    dataDir,
    apps: [APP, OTHER, OFFICIAL],
    clock,
    logger: pino({ level: 'debug' }, sink),
    ...options,
  });
  const fixture: Fixture = {
    server,
    clock,
    dataDir,
    logs: () => logText,
    async token(app = APP) {
      const r = await server.app.inject({ url: `/cgi-bin/token?grant_type=client_credential&appid=${app.appid}&secret=${app.secret}` });
      const body = r.json<{ access_token?: string }>();
      if (!body.access_token) throw new Error(`no token: ${r.body}`);
      return body.access_token;
    },
    async upload(token, file, { filename = 'a.png', type = 'image' } = {}) {
      const { body, contentType } = multipart([{ name: 'media', filename, data: file }]);
      const r = await server.app.inject({
        method: 'POST',
        url: `/cgi-bin/media/upload?access_token=${token}&type=${type}`,
        headers: { 'content-type': contentType },
        payload: body,
      });
      return r.json();
    },
    async close() {
      await server.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
  return fixture;
}

export interface PartSpec {
  readonly name: string;
  readonly filename?: string;
  /** Raw extra Content-Disposition parameters, e.g. `filename*=UTF-8''a.png`. */
  readonly extra?: string;
  readonly contentType?: string;
  readonly data: Buffer | string;
}

/** A multipart/form-data body built by hand, so tests control every byte. */
export function multipart(parts: readonly PartSpec[], boundary = '----wxmediatest7d1f'): { body: Buffer; contentType: string } {
  const chunks: Buffer[] = [];
  for (const p of parts) {
    let disposition = `form-data; name="${p.name}"`;
    if (p.filename !== undefined) disposition += `; filename="${p.filename}"`;
    if (p.extra) disposition += `; ${p.extra}`;
    chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: ${disposition}\r\n`));
    if (p.contentType) chunks.push(Buffer.from(`Content-Type: ${p.contentType}\r\n`));
    chunks.push(Buffer.from('\r\n'), Buffer.from(p.data), Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}
