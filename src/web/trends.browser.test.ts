/**
 * Issue 15's dashboard parts in a real browser (Debian's Chromium) against the real server on
 * loopback, over the test API's store imported from the corpus (src/testing/api.ts: CVE 5 and NVD
 * records, both KEV catalogs, two EPSS days): the Trends page draws the series `GET /api/v1/trends`
 * answers (legend names and totals in the SVG chart, and the series table), pins its breakouts,
 * lists what a clicked bar counted as `GET /api/v1/trends/members` does; the exposure chart ends on
 * the value `GET /api/v1/exposure` gives; and the CVE list's Export → CSV downloads one row per CVE
 * the list counts. The dashboard is built from the current source into a temporary folder.
 * Screenshots go to `test-results/trends-*.png` (or `VIGIL_SHOTS_DIR`). Needs the corpus and
 * `/usr/bin/chromium`; skips loudly without them.
 */
// vigil-test: the back end cannot matter (the browser renders the API's JSON; the API's answers are tested on both back ends by the API tests).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { legendName } from '../../web/src/trends/options.ts';
import type { CveExportRow } from '../export/cve-types.ts';
import type { ExposurePoint } from '../exposure/types.ts';
import { startTestApi, TEST_PASSWORD, type TestApi } from '../testing/api.ts';
import { CHROMIUM, launchChromium } from '../testing/browser.ts';
import { hasCorpus } from '../testing/corpus.ts';
import type { TrendMember, TrendResult } from '../trends/types.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const shots = process.env.VIGIL_SHOTS_DIR ?? path.join(repoRoot, 'test-results');
/** The page's view under test: CVEs per month by vendor, the top 6 (the server's default window). */
const VIEW = { by: 'vendor', interval: 'month', top: '6' };

function hasChromium(): boolean {
  const present = existsSync(CHROMIUM);
  if (!present) console.warn(`\n*** ${CHROMIUM} not found (apt-get install chromium): the Trends browser test is SKIPPED ***\n`);
  return present;
}

describe.skipIf(!hasCorpus() || !hasChromium())('Trends page, exposure chart and CVE export in a browser', () => {
  let server: TestApi;
  let base: string;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];
  const webDir = mkdtempSync(path.join(tmpdir(), 'vigil-web-'));
  const downloads = mkdtempSync(path.join(tmpdir(), 'vigil-dl-'));

  /** Calls the API as the analyst `ana` (what the page must agree with). */
  async function api<T>(route: string): Promise<T> {
    const res = await fetch(`${base}${route}`, { headers: { authorization: `Bearer ${await server.login('ana')}` } });
    expect(res.status, route).toBe(200);
    return (await res.json()) as T;
  }

  async function shot(name: string): Promise<void> {
    await page.waitForTimeout(400); // charts animate for 300 ms
    await page.screenshot({ path: path.join(shots, `trends-${name}.png`), fullPage: true });
  }

  beforeAll(async () => {
    execFileSync(
      process.execPath,
      [
        path.join(repoRoot, 'node_modules/vite/bin/vite.js'),
        'build',
        '--config',
        'web/vite.config.ts',
        '--outDir',
        webDir,
        '--emptyOutDir',
        '--logLevel',
        'warn',
      ],
      {
        cwd: repoRoot,
        stdio: 'inherit',
      },
    );
    mkdirSync(shots, { recursive: true });
    server = await startTestApi({ listen: true, webDir });
    base = `http://127.0.0.1:${(server.app.server.address() as AddressInfo).port}`;
    browser = await launchChromium();
    page = await (await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true })).newPage();
    page.on('pageerror', (e) => pageErrors.push(String(e)));
    await page.goto(`${base}/ui/login`);
    const form = page.getByTestId('login-form');
    await form.getByLabel('User name').fill('ana');
    await form.getByLabel('Password').fill(TEST_PASSWORD);
    await form.getByRole('button', { name: 'Sign in' }).click();
    await page.getByTestId('current-user').waitFor();
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    rmSync(webDir, { recursive: true, force: true });
    rmSync(downloads, { recursive: true, force: true });
  });

  it('draws the series of GET /api/v1/trends, pins its breakouts and lists what a clicked bar counted', async () => {
    const trend = await api<TrendResult>(`/api/v1/trends?${new URLSearchParams(VIEW)}`);
    expect(trend.series.length).toBeGreaterThan(0);
    await page.getByTestId('nav-trends').click();
    await page.waitForURL(/\/ui\/trends$/);
    await page.goto(`${base}/ui/trends?${new URLSearchParams(VIEW)}`);
    const chart = page.getByTestId('trend-chart');
    await chart.locator('svg').waitFor();

    // The series table and the chart's legend (SVG text) name every series with its total.
    const rows = page.getByTestId('trend-series-row');
    await expect.poll(() => rows.count()).toBe(trend.series.length);
    expect(await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-key')))).toEqual(trend.series.map((s) => s.key));
    expect((await page.getByTestId('trend-series-total').allTextContents()).map((t) => Number(t.replace(/,/g, '')))).toEqual(trend.series.map((s) => s.total));
    const legend = await chart.locator('svg text').allTextContents();
    for (const s of trend.series) expect(legend).toContain(legendName(s.label, s.total));

    // Breakouts: one button per breakout, and a pin on the chart for each.
    const breakouts = trend.series.flatMap((s) => s.breakouts.map((b) => ({ key: s.key, ...b })));
    expect(await page.getByTestId('trend-breakout').count()).toBe(breakouts.length);
    const pins = await chart.locator('svg path[fill="#c92a2a"]').count();
    if (breakouts.length > 0) expect(pins).toBeGreaterThanOrEqual(breakouts.length);
    else expect(pins).toBe(0);

    // Click the tallest bar of the first series: the list is what that bucket counted.
    const first = trend.series[0]!;
    const bars = chart.locator('svg path[fill="#1c7ed6"]');
    const boxes = await bars.evaluateAll((ps) => ps.map((p) => p.getBoundingClientRect()).map((r) => ({ x: r.x, y: r.y, w: r.width, h: r.height })));
    const tallest = boxes.reduce((a, b) => (b.h > a.h ? b : a));
    await page.mouse.click(tallest.x + tallest.w / 2, tallest.y + tallest.h / 2);
    const list = page.getByTestId('trend-members');
    await list.waitFor();
    expect(await list.getAttribute('data-key')).toBe(first.key);
    const bucket = (await list.getAttribute('data-bucket'))!;
    const i = trend.buckets.indexOf(bucket);
    expect(i).toBeGreaterThanOrEqual(0);
    expect(first.counts[i]).toBe(Math.max(...first.counts));
    await page.waitForURL((u) => u.searchParams.get('key') === first.key && u.searchParams.get('bucket') === bucket);
    const members = await api<{ total: number; items: TrendMember[] }>(
      `/api/v1/trends/members?${new URLSearchParams({ by: VIEW.by, interval: VIEW.interval, key: first.key, bucket, limit: '100' })}`,
    );
    expect(members.total).toBe(first.counts[i]);
    await expect.poll(() => page.getByTestId('trend-member').count()).toBe(members.items.length);
    const links = await page
      .getByTestId('trend-member')
      .locator('a')
      .evaluateAll((as) => as.map((a) => a.getAttribute('href')));
    expect(links).toEqual(members.items.map((m) => `/ui/cves/${m.id}`));
    await shot('page');

    // The URL is the state: reloading it opens the same list.
    await page.reload();
    await page.getByTestId('trend-members').waitFor();
    expect(await page.getByTestId('trend-members').getAttribute('data-bucket')).toBe(bucket);
  });

  it("ends the exposure chart on the API's last day and value", async () => {
    // The page shows the exposure over the trend's window (the server's default one here).
    const trend = await api<TrendResult>('/api/v1/trends?by=vendor&interval=week&top=10');
    const { points } = await api<{ points: ExposurePoint[] }>(`/api/v1/exposure?since=${trend.since}&until=${trend.until}&halfLife=30`);
    const last = points[points.length - 1]!;
    expect(last.date).toBe(trend.until);
    await page.goto(`${base}/ui/trends`);
    await page.getByTestId('exposure-chart').locator('svg').waitFor();
    const text = page.getByTestId('exposure-last');
    await text.waitFor();
    expect(await text.getAttribute('data-date')).toBe(last.date);
    expect(Number(await text.getAttribute('data-exposure'))).toBe(last.exposure);
    expect(Number(await text.getAttribute('data-open'))).toBe(last.openExposure);
    const legend = await page.getByTestId('exposure-chart').locator('svg text').allTextContents();
    expect(legend).toEqual(expect.arrayContaining(['Daily score', 'Exposure', 'Open exposure']));
    await page.getByTestId('exposure-chart').scrollIntoViewIfNeeded();
    await shot('exposure');
  });

  it('exports the filtered CVE list as a CSV with one row per CVE the list counts', async () => {
    const listed = await api<{ total: number; items: { id: string }[] }>('/api/v1/cves?kev=true&limit=50');
    await page.goto(`${base}/ui/cves?kev=1`);
    await page.getByTestId('results-count').waitFor();
    await page.getByTestId('cve-export-button').click();
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('cve-export-csv').click()]);
    const file = path.join(downloads, download.suggestedFilename());
    await download.saveAs(file);
    const rows = parse(readFileSync(file, 'utf8'), { columns: true, bom: true }) as Record<keyof CveExportRow, string>[];
    expect(rows.length).toBe(listed.total);
    // Both in priority order, highest first.
    expect(rows.slice(0, listed.items.length).map((r) => r.id)).toEqual(listed.items.map((c) => c.id));
    expect(rows.every((r) => r.kev === 'true')).toBe(true);
    expect(pageErrors).toEqual([]);
  });
});
