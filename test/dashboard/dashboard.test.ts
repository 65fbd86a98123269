/**
 * The dashboard in real headless Chromium against a real server with real data: every view renders, thumbnails
 * have pixels, a 40007 made by the test shows up in Calls (live) with its rid and is found by it, the controls act
 * on the server, the key never reaches a log line or the address bar, and the page throws no error.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { THUMBS_LOADED, chromiumAvailable, waitUntil, launchChromium, seededServer, type Seeded } from './harness.ts';

// Browser-side code, as a string: it runs in the page, and this project type-checks against Node's types only.
const THUMB_PIXELS = `[...document.querySelectorAll('img.thumb')].map((img) => {
  const canvas = document.createElement('canvas');
  canvas.width = img.naturalWidth;
  canvas.height = img.naturalHeight;
  const g = canvas.getContext('2d');
  g.drawImage(img, 0, 0);
  const d = g.getImageData(0, 0, canvas.width, canvas.height).data;
  const distinct = new Set();
  for (let i = 0; i < d.length; i += 4 * 97) distinct.add(d[i] + ',' + d[i + 1] + ',' + d[i + 2] + ',' + d[i + 3]);
  return { w: img.naturalWidth, h: img.naturalHeight, distinct: distinct.size };
})`;

const required = process.env['WXMEDIA_REQUIRE_SERVICES'] === '1';
const skip = chromiumAvailable() ? false : required ? false : 'Chromium not installed (apt-get install -y chromium; .ci/run does)';

describe('dashboard in headless Chromium', { skip }, () => {
  let s: Seeded;
  let chromium: { browser: Browser; close(): Promise<void> };
  let context: BrowserContext;
  let page: Page;
  let shots: string;
  const pageErrors: string[] = [];
  const requestedUrls: string[] = [];
  const failedResponses: string[] = [];

  before(async () => {
    s = await seededServer();
    chromium = await launchChromium();
    shots = await mkdtemp(join(tmpdir(), 'wxmedia-shots-'));
    context = await chromium.browser.newContext({ viewport: { width: 1280, height: 860 } });
    page = await context.newPage();
    page.on('pageerror', (e) => pageErrors.push(`pageerror: ${e.message}`));
    // Chromium logs every HTTP error answer as a console error; those are checked on their own (failedResponses).
    page.on('console', (m) => m.type() === 'error' && !m.text().startsWith('Failed to load resource') && pageErrors.push(`console: ${m.text()}`));
    page.on('response', (r) => r.status() >= 400 && failedResponses.push(`${r.status()} ${new URL(r.url()).pathname}`));
    page.on('request', (r) => requestedUrls.push(r.url()));
    await page.goto(`${s.url}/wxmedia/dashboard/#key=${encodeURIComponent(s.server.adminKey)}`);
  });

  after(async () => {
    await context?.close();
    await chromium?.close();
    await s?.close();
    await rm(shots, { recursive: true, force: true });
  });

  const shot = async (name: string) => {
    const path = join(shots, `${name}.png`);
    await page.screenshot({ path, fullPage: true });
    assert.ok((await stat(path)).size > 10_000, `${name} screenshot`);
  };

  it('logs in from the link: the key leaves the address bar for sessionStorage; Overview shows the server', async () => {
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
    assert.equal(new URL(page.url()).hash, '#overview');
    assert.equal(await page.evaluate("sessionStorage.getItem('wxmedia.adminKey')"), s.server.adminKey);
    await page.getByText('Media stored').waitFor();
    const cards = await page.locator('.card').allInnerTexts();
    assert.ok(cards.some((c) => /^2\s+Apps/.test(c)), cards.join(' | '));
    assert.ok(cards.some((c) => /^5\s+Media stored/.test(c)), cards.join(' | '));
    await page.locator('table').getByText('40007').waitFor();
    assert.match(await page.locator('dl.facts').innerText(), s.overviewNames.blobs);
    await shot('overview');
  });

  it('Media: a grid of thumbnails with pixels, a video icon, countdowns; filter; open, headers, expire now', async () => {
    await page.getByRole('link', { name: 'Media' }).click();
    await page.locator('.tile').nth(4).waitFor();
    assert.equal(await page.locator('.tile').count(), 5);
    await waitUntil(page, THUMBS_LOADED(4));
    // Each thumbnail drawn into a canvas: its size, and how many distinct colours a sample of its pixels has.
    const colours = (await page.evaluate(THUMB_PIXELS)) as { w: number; h: number; distinct: number }[];
    for (const c of colours) {
      assert.deepEqual([c.w, c.h], [96, 72]);
      assert.ok(c.distinct > 10, `a thumbnail with real pixels: ${JSON.stringify(c)}`);
    }
    assert.equal(await page.locator('.thumb.icon-video').count(), 1);
    assert.match(await page.locator('.countdown').first().innerText(), /^(2d|3d) /);
    await shot('media');

    await page.getByLabel('Type').selectOption('video');
    await waitUntil(page, "document.querySelectorAll('.tile').length === 1");
    await page.getByLabel('Type').selectOption('');
    await waitUntil(page, "document.querySelectorAll('.tile').length === 5");

    // An image's tile by name, not the first tile: media made in the same second have no set order among them.
    await page.getByRole('button', { name: /^Open photo-\d\.png / }).first().click();
    const dialog = page.getByRole('dialog');
    await dialog.getByText('content-disposition').waitFor();
    assert.match(await dialog.innerText(), /attachment; filename="[A-Za-z0-9_-]{64}\.png"/);
    await shot('media-detail');
    await dialog.getByRole('button', { name: 'Expire now' }).click();
    await waitUntil(page, "document.querySelectorAll('.tile').length === 4");
    await page.getByRole('status').getByText(/^Expired /).waitFor();
  });

  it('Apps: token lanes, quota bars, rotate secret (shown once), force refresh', async () => {
    await page.getByRole('link', { name: 'Apps' }).click();
    await page.locator('article.panel').nth(1).waitFor();
    await page.locator('progress').first().waitFor();
    const panel = page.locator('article.panel', { hasText: 'wxdashmini0000001' });
    await panel.getByText(/generation 1, issued/).first().waitFor();
    const quotaBars = await panel.locator('progress').count();
    assert.equal(quotaBars, 4);
    await shot('apps');
    await panel.getByRole('button', { name: 'Rotate secret' }).click();
    const notice = page.getByRole('alert');
    await notice.getByText(/shown once/).waitFor();
    const secret = (await notice.locator('code.secret').innerText()).trim();
    assert.match(secret, /^[0-9a-f]{32}$/);
    const old = await fetch(`${s.url}/cgi-bin/token?grant_type=client_credential&appid=wxdashmini0000001&secret=secret-of-dashboard-mini`);
    assert.equal(((await old.json()) as { errcode: number }).errcode, 40125, 'the old secret no longer works');
    await s.server.app.inject({ method: 'POST', url: '/wxmedia/admin/apps/wxdashmini0000001/secret', headers: { authorization: `Bearer ${s.server.adminKey}` }, payload: '{"secret":"secret-of-dashboard-mini"}' });
    await notice.getByRole('button', { name: 'Done' }).click();
    await panel.getByRole('button', { name: 'Force refresh tokens' }).click();
    await panel.getByText('Tokens revoked').waitFor();
  });

  it('Calls: the 40007 made by the test shows up live with its rid; a click and a search by rid show its detail', async () => {
    await page.getByRole('link', { name: 'Calls' }).click();
    await page.getByRole('status').getByText('live').waitFor();
    const token = await s.token();
    const rid = await s.fail40007(token);
    const row = page.locator('table.calls tbody tr', { hasText: rid });
    await row.waitFor();
    assert.match(await row.innerText(), /\/cgi-bin\/media\/get\s+40007/);
    await row.click();
    const detail = page.locator('article.detail');
    await detail.getByText('invalid media_id: missing').or(detail.getByText(/invalid media_id:/)).first().waitFor();
    assert.match(await detail.innerText(), /access_token\s+\[REDACTED\]/);
    assert.ok(!(await detail.innerText()).includes(token), 'no token on the page');
    await shot('calls');
    await detail.getByRole('button', { name: 'Close' }).click();

    await page.getByLabel('rid').fill(rid);
    await page.getByRole('button', { name: 'Find' }).click();
    await page.locator('article.detail h3', { hasText: rid }).waitFor();
    await page.getByLabel('rid').fill('00000000-00000000-00000000');
    await page.getByRole('button', { name: 'Find' }).click();
    await page.getByRole('alert').getByText(/no call 00000000-00000000-00000000/).waitFor();
  });

  it('Clock and faults: advance the clock; add a fault that an upload then meets, marked injected in Calls', async () => {
    await page.getByRole('link', { name: 'Clock & faults' }).click();
    await page.getByRole('button', { name: '+2 hours (tokens expire)' }).click();
    await page.getByText(/\+7200 s from real time/).waitFor();
    const clock = (await (await fetch(`${s.url}/wxmedia/admin/clock`, { headers: { authorization: `Bearer ${s.server.adminKey}` } })).json()) as { clock: { offsetSeconds: number } };
    assert.ok(Math.abs(clock.clock.offsetSeconds - 7200) <= 1);

    const form = page.locator('form.fault-form');
    await form.getByLabel('API', { exact: true }).selectOption('/cgi-bin/media/upload');
    await form.getByLabel('errcode', { exact: true }).fill('45009');
    await form.getByLabel('count', { exact: true }).fill('1');
    await form.getByRole('button', { name: 'Add fault' }).click();
    const faultRow = page.locator('table tbody tr', { hasText: 'errcode 45009' });
    await faultRow.waitFor();
    assert.match(await faultRow.innerText(), /0 of 1/);
    await shot('controls');

    const form2 = new FormData();
    form2.append('media', new Blob([Buffer.from('x')]), 'a.png');
    const r = (await (await fetch(`${s.url}/cgi-bin/media/upload?access_token=${await s.token()}&type=image`, { method: 'POST', body: form2 })).json()) as { errcode: number; errmsg: string };
    assert.equal(r.errcode, 45009);
    await page.getByRole('link', { name: 'Calls' }).click();
    const injected = page.locator('table.calls tbody tr', { hasText: r.errmsg.slice(-26) });
    await injected.getByText('injected').waitFor();
    await page.getByRole('button', { name: 'Reset to real time' }).count();
  });

  it('without the key the page asks for it; a wrong key is refused; the right one logs in', async () => {
    const other = await context.browser()!.newContext();
    try {
      const p = await other.newPage();
      p.on('pageerror', (e) => pageErrors.push(`pageerror (login): ${e.message}`));
      await p.goto(`${s.url}/wxmedia/dashboard/`);
      await p.getByLabel('Admin key').fill('not-the-key');
      await p.getByRole('button', { name: 'Log in' }).click();
      await p.getByRole('alert').getByText('That is not the admin key.').waitFor();
      await p.screenshot({ path: join(shots, 'login.png') });
      await p.getByLabel('Admin key').fill(s.server.adminKey);
      await p.getByRole('button', { name: 'Log in' }).click();
      await p.getByRole('heading', { name: 'Overview' }).waitFor();
    } finally {
      await other.close();
    }
  });

  it('is usable on a phone-sized screen (no horizontal scrolling of the page)', async () => {
    await page.setViewportSize({ width: 390, height: 800 });
    for (const view of ['overview', 'media', 'apps', 'calls', 'controls']) {
      await page.goto(`${s.url}/wxmedia/dashboard/#${view}`);
      await page.locator('main h2').first().waitFor();
      const overflow = (await page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth')) as number;
      assert.ok(overflow <= 1, `${view} overflows by ${overflow}px`);
    }
    await page.setViewportSize({ width: 1280, height: 860 });
  });

  it('no page errors; the key never reached a URL the page requested, nor the server log', () => {
    assert.deepEqual(pageErrors, []);
    // The one refusal the test asked for: a rid this server never answered.
    assert.deepEqual(failedResponses, ['404 /wxmedia/admin/calls/00000000-00000000-00000000']);
    assert.ok(requestedUrls.length > 10);
    for (const u of requestedUrls) assert.ok(!u.includes(s.server.adminKey) && !u.includes(encodeURIComponent(s.server.adminKey)), `key in ${u}`);
    assert.ok(s.logs().includes('"url":"/wxmedia/admin/overview"'), 'the server logged the dashboard\'s calls');
    assert.ok(!s.logs().includes(s.server.adminKey), 'admin key in the server log');
  });
});
