import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { ManualClock, createServer, type ServerOptions, type WxMediaServer } from '@wxmedia/server';
import { image } from '../../../test/helpers/images.ts';
import { BOUNDARY, multipartBody } from '../../../test/helpers/raw-http.ts';

/** Small valid images (test/helpers/images.ts makes them) and an AMR voice clip, for the media tests. */
export const PNG_1X1 = image('png');
export const GIF_1X1 = image('gif');
export const JPEG_MIN = image('jpg');
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

/** A multipart/form-data body (test/helpers/raw-http.ts builds it) and its Content-Type. */
export function multipart(parts: readonly { name: string; filename?: string; data: Buffer | string }[]): { body: Buffer; contentType: string } {
  const body = multipartBody(
    BOUNDARY,
    parts.map((p) => ({ name: p.name, body: p.data, ...(p.filename !== undefined ? { filename: p.filename } : {}) })),
  );
  return { body, contentType: `multipart/form-data; boundary=${BOUNDARY}` };
}
