/**
 * Screenshots of each dashboard view for docs/dashboard.md, taken in headless Chromium against a server seeded
 * with real data (test/dashboard/harness.ts):  node --import tsx scripts/dashboard-screenshots.ts
 */
import { join } from 'node:path';
import { THUMBS_LOADED, launchChromium, seededServer, waitUntil } from '../test/dashboard/harness.ts';
import { REPO_ROOT } from '../test/helpers/server.ts';

const s = await seededServer();
const chromium = await launchChromium();
try {
  const token = await s.token();
  await s.fail40007(token);
  await fetch(`${s.url}/wxmedia/admin/faults`, {
    method: 'POST',
    headers: { authorization: `Bearer ${s.server.adminKey}` },
    body: JSON.stringify({ api: '/cgi-bin/media/upload', errcode: 45009, count: 3 }),
  });
  const page = await (await chromium.browser.newContext({ viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1 })).newPage();
  await page.goto(`${s.url}/wxmedia/dashboard/#key=${encodeURIComponent(s.server.adminKey)}`);
  const shoot = async (view: string, ready: () => Promise<unknown>) => {
    await page.goto(`${s.url}/wxmedia/dashboard/#${view}`);
    await ready();
    await page.waitForTimeout(300);
    await page.screenshot({ path: join(REPO_ROOT, 'docs', `dashboard-${view}.png`), fullPage: true });
  };
  await shoot('overview', () => page.locator('table').getByText('40007').waitFor());
  await shoot('media', () => waitUntil(page, THUMBS_LOADED(4)));
  await shoot('apps', () => page.locator('progress').nth(7).waitFor());
  await shoot('calls', async () => {
    const row = page.locator('table.calls tbody tr', { hasText: '40007' }).first();
    await row.waitFor();
    await row.click();
  });
  await shoot('controls', () => page.locator('table tbody tr', { hasText: 'errcode 45009' }).waitFor());
  process.stdout.write('docs/dashboard-{overview,media,apps,calls,controls}.png written\n');
} finally {
  await chromium.close();
  await s.close();
}
