/**
 * The dashboard in a real browser (Debian's Chromium through playwright-core) against the real
 * server on loopback (src/testing/api.ts: a store imported from the real-data corpus, watchlist
 * `edge` evaluated so the inbox holds real alerts): sign in, overview, search,
 * one CVE, a watchlist made with its live preview, an alert acknowledged (checked through the
 * API), subscriptions added and removed on the watchlist page, the sign-in shared by a second tab
 * (refresh cookie), a malformed CVE id explained, the list's total count, the API docs without a
 * CSP violation, live events, sources, administration and a phone-sized overview. Screenshots of every
 * page go to `test-results/` at the repository root. Needs `dist/web` (built here when missing),
 * the corpus and `/usr/bin/chromium` (`apt-get install chromium`); skips loudly without them.
 */
// vigil-test: the back end cannot matter (the browser renders the API's JSON; the API's answers are tested on both back ends by the API tests).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NewAlert } from '../store/alerts.ts';
import { sampleAlert } from '../testing/alerts.ts';
import { startTestApi, TEST_PASSWORD, type TestApi } from '../testing/api.ts';
import { CHROMIUM, launchChromium } from '../testing/browser.ts';
import { hasCorpus } from '../testing/corpus.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const webDir = path.join(repoRoot, 'dist/web');
const shots = path.join(repoRoot, 'test-results');

function hasChromium(): boolean {
  const present = existsSync(CHROMIUM);
  if (!present) {
    if (process.env.CI === 'true') throw new Error(`${CHROMIUM} not found: apt-get install chromium`);
    console.warn(`\n*** ${CHROMIUM} not found (apt-get install chromium): the dashboard browser test is SKIPPED ***\n`);
  }
  return present;
}

/** An alert to store, made from the corpus fixture (CVE-2024-3400, KEV added) with its own event key. */
function newAlert(eventKey: string, createdAt: string): NewAlert {
  const {
    id: _id,
    status: _s,
    attempts: _a,
    sentAt: _t,
    lastError: _e,
    confirmedAt: _c,
    deliveredTo: _d,
    ...a
  } = sampleAlert({ watchlist: 'edge-devices', channel: 'inbox' });
  return { ...a, eventKey, createdAt, nextAttemptAt: null };
}

describe.skipIf(!hasCorpus() || !hasChromium())('dashboard in a browser', () => {
  let server: TestApi;
  let base: string;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const pageErrors: string[] = [];

  /** Calls the API as the analyst `ana` (for checks the browser cannot make). */
  async function api<T>(route: string): Promise<T> {
    const res = await fetch(`${base}${route}`, { headers: { authorization: `Bearer ${await server.login('ana')}` } });
    expect(res.status, route).toBe(200);
    return (await res.json()) as T;
  }

  async function shot(name: string, p: Page = page): Promise<void> {
    await p.waitForTimeout(400); // charts animate for 300 ms
    await p.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true });
  }

  async function signIn(p: Page, user: string): Promise<void> {
    await p.goto(`${base}/ui/login`);
    const form = p.getByTestId('login-form');
    await form.getByLabel('User name').fill(user);
    await form.getByLabel('Password').fill(TEST_PASSWORD);
    await form.getByRole('button', { name: 'Sign in' }).click();
    await p.getByTestId('current-user').waitFor();
  }

  beforeAll(async () => {
    if (!existsSync(path.join(webDir, 'index.html'))) {
      execFileSync(process.execPath, [path.join(repoRoot, 'node_modules/vite/bin/vite.js'), 'build', '--config', 'web/vite.config.ts', '--logLevel', 'warn'], {
        cwd: repoRoot,
        stdio: 'inherit',
      });
    }
    mkdirSync(shots, { recursive: true });
    server = await startTestApi({ listen: true, webDir });
    base = `http://127.0.0.1:${(server.app.server.address() as AddressInfo).port}`;
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    page = await context.newPage();
    page.on('pageerror', (e) => pageErrors.push(String(e)));
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('serves the dashboard at /ui/ and its client-side routes', async () => {
    for (const route of ['/ui/', '/ui/cves/CVE-2024-3400', '/ui/alerts/1']) {
      const res = await fetch(`${base}${route}`);
      expect(res.status, route).toBe(200);
      expect(await res.text(), route).toContain('<div id="app">');
    }
  });

  it('signs in and shows the overview with its figures and charts', async () => {
    const external: string[] = [];
    page.on('request', (r) => {
      if (!r.url().startsWith(base)) external.push(r.url());
    });
    await signIn(page, 'ana');
    await page.getByTestId('overview-cards').waitFor();
    expect(await page.getByTestId('current-user').textContent()).toContain('analyst');
    expect(Number((await page.locator('.card-value').last().textContent())?.replace(/,/g, ''))).toBeGreaterThan(100);
    expect(await page.getByTestId('top-priority').getByRole('link').count()).toBeGreaterThan(5);
    await page.getByTestId('chart-severity').locator('canvas').waitFor();
    expect(await page.getByTestId('epss-movers').locator('tbody tr').count()).toBeGreaterThan(0);
    await shot('overview');
    expect(external).toEqual([]);
  });

  it('searches with "/" and the URL reflects the query', async () => {
    await page.getByTestId('nav-cves').click();
    await page.getByTestId('cve-row').first().waitFor();
    await page.keyboard.press('/');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('search-input');
    await page.keyboard.type('PAN-OS');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/ui\/cves\?q=PAN-OS/);
    await page.getByTestId('filter-kev').check();
    await page.waitForURL(/kev=1/);
    await expect.poll(() => page.getByTestId('cve-row').count()).toBeGreaterThan(0);
    const rows = await page.getByTestId('cve-row').allTextContents();
    expect(rows.some((r) => r.includes('CVE-2024-3400'))).toBe(true);
    expect(rows.every((r) => r.includes('KEV'))).toBe(true);
    await page.getByRole('button', { name: /^EPSS/ }).click();
    await page.waitForURL(/sort=epss/);
    await shot('explorer');
  });

  it('opens CVE-2024-3400 with its CVSS, EPSS history, KEV and references', async () => {
    await page.getByTestId('cve-row').getByRole('link', { name: 'CVE-2024-3400' }).click();
    await page.waitForURL(/\/ui\/cves\/CVE-2024-3400$/);
    const title = page.getByTestId('cve-title');
    await title.waitFor();
    expect(await title.textContent()).toContain('CVE-2024-3400');
    expect(await title.textContent()).toContain('PAN-OS');
    expect(await page.getByTestId('cvss-table').locator('tbody tr').count()).toBeGreaterThan(0);
    expect(await page.getByTestId('cvss-breakdown').textContent()).toContain('Attack Vector');
    expect(await page.getByTestId('kev-panel').textContent()).toContain('2024-04-12');
    expect(await page.getByTestId('epss-panel').textContent()).toMatch(/\d% probability of exploitation activity/);
    const refs = page.locator('section[aria-labelledby="refs-h"] a');
    expect(await refs.first().getAttribute('rel')).toBe('noopener noreferrer');
    await page.getByRole('tab', { name: 'NVD' }).click();
    expect(await page.getByRole('tabpanel').textContent()).toContain('Vulnerable CPEs');
    await shot('cve');
  });

  it('shows the total count of the list, as the API reports it', async () => {
    await page.goto(`${base}/ui/cves?kev=1`);
    const count = page.getByTestId('results-count');
    await expect.poll(() => count.textContent()).toMatch(/CVEs match/);
    const { total } = await api<{ total: number }>('/api/v1/cves?kev=true&limit=1');
    expect(total).toBeGreaterThan(50);
    expect(await count.textContent()).toMatch(new RegExp(`^${total.toLocaleString('en-US')} CVEs match · 1–50 shown \\(page 1\\)`));
    await shot('explorer-total');
  });

  it('explains a malformed CVE id with the CLI message, not the schema text', async () => {
    await page.goto(`${base}/ui/cves/CVE-24-3400`);
    const error = page.getByTestId('cve-page').getByRole('alert');
    await error.waitFor();
    expect(await error.textContent()).toContain('Invalid CVE id "CVE-24-3400": expected CVE-YYYY-NNNN');
    expect(await error.textContent()).not.toContain('must match pattern');
    await shot('cve-bad-id');
  });

  it('keeps the sign-in for a CVE opened in a new tab (HttpOnly refresh cookie), and after a reload', async () => {
    // The cookie's path is /api/v1/auth: every cookie of the context, not only those sent to `base`.
    const cookie = (await context.cookies()).find((c) => c.name === 'vigil_refresh');
    expect(cookie).toMatchObject({ httpOnly: true, secure: true, sameSite: 'Strict', path: '/api/v1/auth' });
    expect(await page.evaluate(() => JSON.stringify(sessionStorage) + document.cookie)).not.toContain(cookie?.value ?? 'none');
    const tab = await context.newPage();
    tab.on('pageerror', (e) => pageErrors.push(String(e)));
    await tab.goto(`${base}/ui/cves/CVE-2024-3400`);
    await tab.getByTestId('cve-title').waitFor();
    expect(await tab.getByTestId('login-form').count()).toBe(0);
    expect(await tab.getByTestId('current-user').textContent()).toContain('ana');
    await shot('second-tab', tab);
    // Both tabs keep working after the other rotated the refresh token.
    await tab.reload();
    await tab.getByTestId('cve-title').waitFor();
    await page.reload();
    await page.getByTestId('current-user').waitFor();
    await tab.close();
  });

  it('creates a watchlist with a live preview', async () => {
    await page.getByTestId('nav-watchlists').click();
    await page.getByTestId('new-watchlist').click();
    await page.getByTestId('watchlist-name').fill('edge-ui');
    await page.getByTestId('watchlist-description').fill('Edge firewalls (browser test)');
    await page.getByTestId('entry-value').fill('pan-os');
    await page.getByTestId('entry-vendor').fill('paloaltonetworks');
    await page.getByTestId('preview-item').first().waitFor();
    expect(await page.getByTestId('preview-results').textContent()).toContain('CVE-2024-3400');
    await shot('watchlist-editor');
    await page.getByTestId('watchlist-save').click();
    await page.waitForURL(/\/ui\/watchlists\/edge-ui$/);
    const stored = await api<{ description: string; entries: { kind: string; value: string; vendor?: string }[] }>('/api/v1/watchlists/edge-ui');
    expect(stored.description).toBe('Edge firewalls (browser test)');
    expect(stored.entries).toMatchObject([{ kind: 'product', value: 'pan-os', vendor: 'paloaltonetworks' }]);
  });

  it('adds and removes a subscription on the watchlist page', async () => {
    type Subs = { subscriptions: { id: number; channel: string; events: string[]; mode: string }[] };
    const panel = page.getByTestId('subscriptions');
    await panel.getByTestId('no-subscriptions').waitFor();
    await panel.getByLabel('Channel').fill('inbox');
    await panel.getByLabel('Delivery').selectOption('daily');
    await panel.getByLabel('kev added').check();
    await panel.getByLabel('ransomware').check();
    await panel.getByTestId('subscription-add').click();
    await panel.getByTestId('subscription-row').first().waitFor();
    expect((await api<Subs>('/api/v1/watchlists/edge-ui')).subscriptions).toMatchObject([
      { channel: 'inbox', events: ['kev_added', 'ransomware'], mode: 'daily' },
    ]);
    await shot('watchlist-subscriptions');
    page.once('dialog', (d) => void d.accept());
    await panel.getByRole('button', { name: 'Remove inbox' }).click();
    await panel.getByTestId('no-subscriptions').waitFor();
    expect((await api<Subs>('/api/v1/watchlists/edge-ui')).subscriptions).toEqual([]);
  });

  it('acknowledges an alert, as the API then reports', async () => {
    await page.getByTestId('nav-alerts').click();
    const row = page.getByTestId('alert-row').first();
    await row.waitFor();
    await row.getByRole('link').click();
    await page.getByTestId('alert-detail').waitFor();
    const id = Number(/\/ui\/alerts\/(\d+)/.exec(page.url())?.[1]);
    expect(await page.getByTestId('alert-triage').textContent()).toBe('new');
    await page.getByTestId('ack-button').click();
    await expect.poll(() => page.getByTestId('alert-triage').textContent()).toBe('triaged');
    const alert = await api<{ triage: string; acknowledgedBy: string | null }>(`/api/v1/alerts/${id}`);
    expect(alert).toMatchObject({ triage: 'triaged', acknowledgedBy: 'ana' });
    await page.getByTestId('comment-input').fill('Patched the GlobalProtect gateways.');
    await page.getByRole('button', { name: 'Comment' }).click();
    await page.getByTestId('comments').getByText('Patched the GlobalProtect gateways.').waitFor();
    await shot('alerts');
  });

  it('shows a new alert live through the event stream, and collects on demand', async () => {
    await page.getByTestId('nav-sources').click();
    await page.getByTestId('source-row').first().waitFor();
    const at = new Date().toISOString();
    await server.deps.alerts.commitEvaluation({ alerts: [newAlert(`kev_added:live:${at}`, at)], confirmations: [], state: {}, at });
    await page.getByTestId('alerts-badge').waitFor({ timeout: 15_000 });
    expect(await page.getByTestId('sources-table').locator('tbody tr').count()).toBeGreaterThanOrEqual(4);
    // Collect now: the job is created and polled until it ends (syncs are off in the test server).
    await page.getByTestId('collect-now').click();
    await expect.poll(() => page.getByTestId('collect-job').textContent(), { timeout: 15_000 }).toMatch(/: (succeeded|failed)/);
    await shot('sources');
  });

  it('hides write controls from a viewer and administration from non-admins', async () => {
    const viewer = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    await signIn(viewer, 'vic');
    await viewer.getByTestId('nav-watchlists').click();
    await viewer.getByTestId('watchlist-row').first().waitFor();
    expect(await viewer.getByTestId('new-watchlist').count()).toBe(0);
    expect(await viewer.getByTestId('nav-admin').count()).toBe(0);
    await viewer.getByTestId('nav-alerts').click();
    await viewer.getByTestId('alert-row').first().getByRole('link').click();
    await viewer.getByTestId('alert-detail').waitFor();
    expect(await viewer.getByTestId('ack-button').count()).toBe(0);
    await viewer.context().close();
  });

  it('lets an administrator see users, tokens and the audit log', async () => {
    const admin = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    await signIn(admin, 'ada');
    await admin.getByTestId('nav-admin').click();
    await admin.getByTestId('users-table').getByRole('cell', { name: 'ann', exact: true }).waitFor();
    await expect.poll(() => admin.getByTestId('audit-table').locator('tbody tr').count()).toBeGreaterThan(0);
    await admin.getByLabel('Token name').fill('ci-browser-test');
    await admin.getByRole('button', { name: 'Create token' }).click();
    expect(await admin.getByTestId('new-token').textContent()).toMatch(/^vgl_[A-Za-z0-9_-]{43}$/);
    await shot('admin', admin);
    await admin.context().close();
  });

  it('serves the API docs without a Content-Security-Policy violation', async () => {
    const docs = await context.newPage();
    const problems: string[] = [];
    docs.on('console', (m) => {
      if (m.type() === 'error') problems.push(m.text());
    });
    docs.on('pageerror', (e) => problems.push(String(e)));
    await docs.goto(`${base}/docs`);
    await docs.locator('.swagger-ui .info .title').waitFor();
    await docs.locator('.opblock').first().waitFor();
    await docs.waitForTimeout(500);
    expect(problems).toEqual([]);
    await shot('docs', docs);
    await docs.close();
  });

  it('is readable on a phone', async () => {
    const phone = await (await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true })).newPage();
    await signIn(phone, 'ana');
    await phone.getByTestId('overview-cards').waitFor();
    await phone.getByTestId('chart-severity').locator('canvas').waitFor();
    // Nothing wider than the screen but the tables, which scroll inside their own box.
    expect(await phone.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await shot('overview-phone', phone);
    await phone.context().close();
    expect(pageErrors).toEqual([]);
  });
});
