/**
 * The dashboard in real headless Chromium (Debian's `chromium`, driven by playwright-core), against a real
 * wxmedia server with real data: used by dashboard.test.ts and by scripts/dashboard-screenshots.ts.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { crc32, deflateSync } from 'node:zlib';
import { chromium, type Browser, type Page } from 'playwright-core';
import { pino } from 'pino';
import { createServer, type WxMediaServer } from '@wxmedia/server';
import { mp4 } from '../helpers/images.ts';

export const CHROMIUM = process.env['WXMEDIA_CHROMIUM'] ?? '/usr/bin/chromium';

export function chromiumAvailable(): boolean {
  return existsSync(CHROMIUM);
}

/**
 * Headless Chromium with the flags this machine needs. playwright-core gives each launch a fresh temporary profile
 * (its own --user-data-dir) and removes it on close.
 */
export async function launchChromium(): Promise<{ browser: Browser; close(): Promise<void> }> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  return {
    browser,
    close: () => browser.close(),
  };
}

/**
 * Waits until a browser-side expression is true. Polls with page.evaluate rather than waitForFunction: the
 * dashboard's Content-Security-Policy forbids the eval that a string predicate needs, and the page is tested under
 * its real CSP. A readiness wait, bounded; never a timing assertion.
 */
export async function waitUntil(page: Page, expression: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await page.evaluate(expression))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${expression}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Browser-side: true once `n` thumbnails have loaded (a string: it runs in the page, typed against Node here). */
export const THUMBS_LOADED = (n: number): string =>
  `[...document.querySelectorAll('img.thumb')].filter((i) => i.complete && i.naturalWidth > 0).length === ${n}`;

export const MINI = { appid: 'wxdashmini0000001', secret: 'secret-of-dashboard-mini' } as const;
export const OFFICIAL = { appid: 'wxdashofficial001', secret: 'secret-of-dashboard-official', kind: 'official' } as const;

export interface Seeded {
  readonly server: WxMediaServer;
  readonly url: string;
  /** Every log line the server wrote. */
  readonly logs: () => string;
  token(app?: { appid: string; secret: string }): Promise<string>;
  upload(token: string, bytes: Buffer, filename: string, type?: string): Promise<string>;
  /** GET /cgi-bin/media/get of a media_id that does not exist: its rid. */
  fail40007(token: string): Promise<string>;
  close(): Promise<void>;
}

/** A server with time travel, two apps, and some media and calls. */
export async function seededServer(): Promise<Seeded> {
  const dataDir = await mkdtemp(join(tmpdir(), 'wxmedia-dashboard-'));
  let logText = '';
  const sink = new Writable({
    write(chunk, _enc, done) {
      logText += chunk.toString();
      done();
    },
  });
  const server = await createServer({ dataDir, apps: [MINI, OFFICIAL], timeTravel: true, logger: pino({ level: 'debug' }, sink) });
  const { url } = await server.listen({ host: '127.0.0.1', port: 0 });
  const seeded: Seeded = {
    server,
    url,
    logs: () => logText,
    async token(app = MINI) {
      const r = await fetch(`${url}/cgi-bin/token?grant_type=client_credential&appid=${app.appid}&secret=${app.secret}`);
      return ((await r.json()) as { access_token: string }).access_token;
    },
    async upload(token, bytes, filename, type = 'image') {
      const form = new FormData();
      form.append('media', new Blob([bytes]), filename);
      const r = (await (await fetch(`${url}/cgi-bin/media/upload?access_token=${token}&type=${type}`, { method: 'POST', body: form })).json()) as { media_id?: string; errmsg?: string };
      if (!r.media_id) throw new Error(`upload: ${JSON.stringify(r)}`);
      return r.media_id;
    },
    async fail40007(token) {
      const r = (await (await fetch(`${url}/cgi-bin/media/get?access_token=${token}&media_id=no-such-media`)).json()) as { errmsg: string };
      return r.errmsg.slice(-26);
    },
    async close() {
      await server.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
  const mini = await seeded.token();
  const official = await seeded.token(OFFICIAL);
  for (const [i, hue] of [0, 140, 220, 40].entries()) await seeded.upload(i % 2 ? official : mini, gradientPng(96, 72, hue), `photo-${i + 1}.png`);
  await seeded.upload(official, mp4(2048), 'clip.mp4', 'video');
  await seeded.fail40007(mini);
  return seeded;
}

/** A `width`×`height` RGB PNG with a colour gradient around `hue` (degrees): thumbnails with visible pixels. */
export function gradientPng(width: number, height: number, hue: number): Buffer {
  const raw = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) {
    const row = y * (width * 3 + 1);
    raw[row] = 0;
    for (let x = 0; x < width; x++) {
      const [r, g, b] = hsl((hue + (x / width) * 60) % 360, 0.65, 0.35 + (y / height) * 0.4);
      raw.set([r, g, b], row + 1 + x * 3);
    }
  }
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([len, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}

function hsl(h: number, s: number, l: number): [number, number, number] {
  const k = (n: number) => (n + h / 30) % 12;
  const a = s * Math.min(l, 1 - l);
  const f = (n: number) => Math.round(255 * (l - a * Math.max(-1, Math.min(k(n) - 3, Math.min(9 - k(n), 1)))));
  return [f(0), f(8), f(4)];
}
