import '../../support/fleet-env';
import { copyFile, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { TerminateInstancesCommand } from '@aws-sdk/client-ec2';
import { TAG } from '../../../core/fleet';
import { launchInstance } from '../../../cloud/ec2';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startDashboard, type RunningDashboard } from '../../../cli/ops/dashboard';
import { tempDir, useEmulators } from '../../support/emulators';
import { seedDashboardFleet, type SeededFleet } from '../../support/dashboard-fleet';
import { pollUntil } from '../../support/poll';
import { addToListing, fetchRaw, link, putBook, randomChunk } from '../../support/web';
import { startHarness, waitForState, type Harness } from '../fleet-emulator/harness';
import { startTestWeb, type TestWeb } from '../web/app-harness';

// The page in Debian's headless chromium (TOOLCHAIN.md), refreshing itself as the fleet changes.
// SHELFSTACK_DASHBOARD_SCREENSHOT=docs/dashboard.png keeps the screenshot it takes for the README.
const emu = useEmulators('shelfstack-dashboard-browser');
let h: Harness;
let fleet: SeededFleet;
let web: TestWeb;
let dashboard: RunningDashboard;
let browser: Browser;
let page: Page;
let dir: string;

beforeAll(async () => {
  dir = await tempDir('shelfstack-dashboard-browser-');
  h = await startHarness();
  fleet = await seedDashboardFleet(h, emu);
  await putBook(emu, 'B0002', { 'A_1.mp3': randomChunk(300_000), 'A_2.mp3': randomChunk(200_000) });
  web = await startTestWeb(emu.s3Server.endpoint, emu.bucket);
  await addToListing(web.listingDir, 'B0002', ['A_1.mp3', 'A_2.mp3']);
  for (const f of ['A_1.mp3', 'A_2.mp3']) {
    expect((await fetchRaw(web.url, link('B0002', f))).status).toBe(200);
    await pollUntil(`${f} cached`, async () => (await fetch(`${web.url}/metrics`).then((r) => r.text())).includes(`shelfstack_cache_fills_total{result="cached"} ${f === 'A_1.mp3' ? 1 : 2}`));
  }
  for (let n = 0; n < 6; n++) expect((await fetchRaw(web.url, link('B0002', n % 2 ? 'A_1.mp3' : 'A_2.mp3'))).status).toBe(200);
  dashboard = await startDashboard({ clients: fleet.clients, cfg: fleet.cfg, metrics: [{ name: 'www1', url: `${web.url}/metrics` }], refreshMs: 1000 });
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await dashboard?.close();
  await web?.stop();
  await h?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const cells = (p: Page, table: string) => p.$$eval(`#${table} tbody tr`, (rows) => rows.map((r) => [...r.querySelectorAll('td')].map((c) => c.textContent)));

test('shows the slots, the record and the elastic IPs, then follows a terminated instance without a reload', async () => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => void (m.type() === 'error' && errors.push(m.text())));
  await page.goto(dashboard.url);

  const instances = await cells(page, 'instances');
  expect(instances.map((r) => [r[0], r[1], r[2], r[3], r[4]])).toEqual([
    ['db', 'db', fleet.db, 'running', 'healthy'],
    ['www1', 'web', fleet.www1, 'running', 'healthy'],
    ['www2', 'web', fleet.www2, 'running', 'healthy'],
  ]);
  const both = [fleet.eips.www1, fleet.eips.www2].sort().join(', ');
  expect(await page.textContent('#record-current')).toBe(`${both} (TTL 60)`);
  expect(await page.textContent('#record-desired')).toBe(`${both} (TTL 60)`);
  expect((await cells(page, 'addresses')).map((r) => [r[0], r[1], r[3], r[4]])).toEqual([
    ['www1', fleet.eips.www1, fleet.www1, 'healthy'],
    ['www2', fleet.eips.www2, fleet.www2, 'healthy'],
  ]);
  expect((await cells(page, 'web'))[0]!.slice(2)).toEqual(['75.0%', '6 / 2', expect.stringMatching(/^\d\.\d\d MB$/)]);

  // A mark on the window survives only if the page is never reloaded.
  await page.evaluate(() => void ((globalThis as { notReloaded?: boolean }).notReloaded = true));
  await h.ec2.send(new TerminateInstancesCommand({ InstanceIds: [fleet.www2] }));
  await waitForState(h, fleet.www2, 'terminated');
  await page.locator('#instances tbody tr', { hasText: fleet.www2 }).filter({ hasText: 'terminated' }).waitFor({ timeout: 10_000 });

  expect(await page.evaluate(() => (globalThis as { notReloaded?: boolean }).notReloaded)).toBe(true);
  const www2 = (await cells(page, 'instances')).find((r) => r[2] === fleet.www2)!;
  expect([www2[3], www2[4]]).toEqual(['terminated', 'lost']);
  expect((await cells(page, 'addresses')).find((r) => r[0] === 'www2')!.slice(3)).toEqual(['(unattached)', '-']);
  expect(await page.textContent('#record-desired')).toBe(`${fleet.eips.www1} (TTL 60)`);
  expect(await page.textContent('#record-section')).toContain('differs: dns will update it');
  expect(await page.textContent('#refresh')).toMatch(/^updated /);
  expect(errors).toEqual([]);

  // The replacement eip launches for the slot (its ClientToken names the lost one) shows up starting, then healthy.
  const replacement = await launchInstance(h.ec2, 'shelfstack-web', `eip-main-www2-${fleet.www2}`, { [TAG.cluster]: 'main', [TAG.role]: 'web', [TAG.slot]: 'www2' });
  await page.locator('#instances tbody tr', { hasText: replacement }).waitFor({ timeout: 10_000 });
  expect((await cells(page, 'instances')).filter((r) => r[0] === 'www2').map((r) => r[2])).toEqual(expect.arrayContaining([fleet.www2, replacement]));

  const shot = path.join(dir, 'dashboard.png');
  await page.screenshot({ path: shot, fullPage: true });
  const png = await readFile(shot);
  expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
  const keep = process.env.SHELFSTACK_DASHBOARD_SCREENSHOT;
  if (keep) await copyFile(shot, keep);
}, 60_000);
