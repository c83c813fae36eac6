/**
 * Issue 11's dashboard in a real browser (Debian's Chromium) against the real server on loopback,
 * over the test store (src/testing/api.ts), which holds the corpus's advisories imported through
 * their real sources: the CERT-FR bulletins (616 avis), the GitHub and Go advisories (OSV) and the
 * Exploit-DB sample. Signs in, lists the advisories filtered by source and text, pages, opens a
 * CERT-FR bulletin (CERTFR-2024-AVI-0917, FortiManager), follows it to its CVE and finds the
 * bulletin in that CVE's "Advisories & exploits" panel; opens CVE-2022-22965 (Spring4Shell, a
 * KEV-only CVE in the store) and finds GHSA-36p3-wjmg-h94x with its Maven ranges; lists exploits;
 * checks the explorer's exploit filter and phone-sized advisory pages. The dashboard is built from
 * the current source into a temporary folder; screenshots go to `test-results/`. Needs the corpus
 * and `/usr/bin/chromium`; skips loudly without them.
 */
// vigil-test: the back end cannot matter (the browser renders the API's JSON; the API's answers are tested on both back ends by the API tests).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Advisory } from '../model/advisory.ts';
import { startTestApi, TEST_PASSWORD, type TestApi } from '../testing/api.ts';
import { CHROMIUM, launchChromium } from '../testing/browser.ts';
import { hasCorpus } from '../testing/corpus.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const shots = path.join(repoRoot, 'test-results');

function hasChromium(): boolean {
  const present = existsSync(CHROMIUM);
  if (!present) console.warn(`\n*** ${CHROMIUM} not found (apt-get install chromium): the advisories browser test is SKIPPED ***\n`);
  return present;
}

/** A test-only advisory whose severity disagrees with the CVE's primary CVSS. */
const DISAGREEING: Advisory = {
  id: 'VIGIL-TEST-0001',
  source: 'osv',
  kind: 'package',
  title: 'Test advisory: PAN-OS command injection rated moderate',
  published: '2024-04-20T00:00:00.000Z',
  modified: '2024-04-20T00:00:00.000Z',
  severity: 'MODERATE',
  aliases: [],
  cves: [{ id: 'CVE-2024-3400', origin: 'listed' }],
  affected: [],
  references: [],
};

describe.skipIf(!hasCorpus() || !hasChromium())('advisories and exploits in a browser', () => {
  let server: TestApi;
  let base: string;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];
  const webDir = mkdtempSync(path.join(tmpdir(), 'vigil-web-'));

  /** A screenshot in test-results/: the whole page, or what the first screen shows (`fullPage: false`). */
  async function shot(name: string, p: Page = page, fullPage = true): Promise<void> {
    await p.waitForTimeout(300);
    await p.screenshot({ path: path.join(shots, `${name}.png`), fullPage });
  }

  async function signIn(p: Page): Promise<void> {
    await p.goto(`${base}/ui/login`);
    const form = p.getByTestId('login-form');
    await form.getByLabel('User name').fill('vic');
    await form.getByLabel('Password').fill(TEST_PASSWORD);
    await form.getByRole('button', { name: 'Sign in' }).click();
    await p.getByTestId('current-user').waitFor();
  }

  /** Calls the API as the viewer `vic`. */
  async function api<T>(route: string): Promise<T> {
    const res = await fetch(`${base}${route}`, { headers: { authorization: `Bearer ${await server.login('vic')}` } });
    expect(res.status, route).toBe(200);
    return (await res.json()) as T;
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
    // A hand-made package advisory rating CVE-2024-3400 (CVSS 10.0, CRITICAL) MODERATE: the corpus
    // holds no real advisory that disagrees with a CVE of the test store.
    await server.store.saveAdvisories([DISAGREEING]);
    base = `http://127.0.0.1:${(server.app.server.address() as AddressInfo).port}`;
    browser = await launchChromium();
    page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    page.on('pageerror', (e) => pageErrors.push(String(e)));
    await signIn(page);
  }, 600_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    rmSync(webDir, { recursive: true, force: true });
  });

  it('lists advisories filtered by source and text, the URL holding the query and the total shown', async () => {
    await page.getByTestId('nav-advisories').click();
    await page.getByTestId('advisory-row').first().waitFor();
    await page.getByTestId('filter-source').selectOption('certfr');
    await page.waitForURL(/\/ui\/advisories\?source=certfr$/);
    const { total } = await api<{ total: number }>('/api/v1/advisories?source=certfr&limit=1');
    expect(total).toBeGreaterThan(500);
    const count = page.getByTestId('results-count');
    await expect.poll(() => count.textContent()).toMatch(new RegExp(`^${total.toLocaleString('en-US')} advisories match · 1–50 shown \\(page 1\\)`));
    const rows = page.getByTestId('advisory-row');
    expect(await rows.count()).toBe(50);
    for (const text of await rows.allTextContents()) expect(text).toContain('CERT-FR');
    // The next page follows on from the first.
    const first = await rows.first().locator('a').textContent();
    await page.getByTestId('next-page').click();
    await page.waitForURL(/cursor=/);
    await expect.poll(() => rows.first().locator('a').textContent()).not.toBe(first);
    await page.getByRole('button', { name: '← Previous' }).click();
    await expect.poll(() => rows.first().locator('a').textContent()).toBe(first);

    await page.keyboard.press('/');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('adv-search');
    await page.keyboard.type('FortiManager');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/ui\/advisories\?q=FortiManager&source=certfr$/);
    await page.getByRole('link', { name: 'CERTFR-2024-AVI-0917' }).waitFor();
    await shot('advisories');
  });

  it('opens a CERT-FR bulletin with its CVEs, products, risks, revisions and original document', async () => {
    await page.getByRole('link', { name: 'CERTFR-2024-AVI-0917' }).click();
    await page.waitForURL(/\/ui\/advisories\/CERTFR-2024-AVI-0917$/);
    const title = page.getByTestId('advisory-title');
    await title.waitFor();
    expect(await title.textContent()).toContain('Fortinet FortiManager');
    expect(await page.getByTestId('advisory-cves').textContent()).toContain('CVE-2024-47575');
    expect(await page.getByTestId('advisory-affected').locator('tbody tr').count()).toBeGreaterThan(0);
    expect(await page.getByTestId('advisory-affected').textContent()).toContain('FortiManager versions 7.4.x');
    expect(await page.getByTestId('advisory-risks').textContent()).toMatch(/\S/);
    expect(await page.getByTestId('advisory-revisions').locator('li').count()).toBeGreaterThan(0);
    const original = page.getByRole('link', { name: /Original document/ });
    expect(await original.getAttribute('href')).toMatch(/^https:\/\/www\.cert\.ssi\.gouv\.fr\/avis\/CERTFR-2024-AVI-0917/);
    expect(await original.getAttribute('rel')).toBe('noopener noreferrer');
    await shot('advisory');
  });

  it('follows the bulletin to its CVE, whose panel lists the bulletin', async () => {
    await page.getByTestId('advisory-cves').getByRole('link', { name: 'CVE-2024-47575' }).click();
    await page.waitForURL(/\/ui\/cves\/CVE-2024-47575$/);
    const panel = page.getByTestId('cve-advisories');
    await panel.waitFor();
    await panel.getByRole('link', { name: 'CERTFR-2024-AVI-0917' }).waitFor();
    expect(await panel.textContent()).toContain('CERT bulletin');
    // The advisory list filtered on the CVE, as the API lists it.
    await panel.getByRole('link', { name: 'Open in the advisory list' }).first().click();
    await page.waitForURL(/\/ui\/advisories\?cve=CVE-2024-47575$/);
    await page.getByTestId('advisory-row').first().waitFor();
    const { items } = await api<{ items: { id: string }[] }>('/api/v1/advisories?cve=CVE-2024-47575');
    expect(await page.getByTestId('advisory-row').locator('td:first-child a').allTextContents()).toEqual(items.map((a) => a.id));
  });

  it('shows GHSA-36p3-wjmg-h94x on the page of CVE-2022-22965 and opens it', async () => {
    await page.goto(`${base}/ui/cves/CVE-2022-22965`);
    const panel = page.getByTestId('cve-advisories');
    await panel.waitFor();
    const link = panel.getByRole('link', { name: 'GHSA-36p3-wjmg-h94x' });
    await link.waitFor();
    const view = await api<{ conflicts?: { detail: string }[] }>('/api/v1/cves/CVE-2022-22965');
    if (view.conflicts && view.conflicts.length > 0) {
      expect(await page.getByTestId('cve-conflicts').textContent()).toContain(view.conflicts[0]!.detail);
    } else {
      expect(await page.getByTestId('cve-conflicts').count()).toBe(0);
    }
    await shot('cve-advisories');
    await link.click();
    await page.waitForURL(/\/ui\/advisories\/GHSA-36p3-wjmg-h94x$/);
    const affected = page.getByTestId('advisory-affected');
    await affected.waitFor();
    expect(await affected.textContent()).toContain('org.springframework:spring-webmvc');
    expect(await affected.textContent()).toContain('≥ 5.3.0, < 5.3.18');
    // The Markdown details are rendered as elements, with no element taken from the text.
    const details = page.getByTestId('advisory-details');
    expect(await details.locator('h4, h3').count()).toBeGreaterThan(0);
    expect(await details.locator('code').count()).toBeGreaterThan(0);
    await shot('advisory-ghsa');
  });

  it('lists exploits with verified, type and platform, and the explorer filters CVEs with one', async () => {
    await page.goto(`${base}/ui/advisories?kind=exploit`);
    const rows = page.getByTestId('advisory-row');
    await rows.first().waitFor();
    const text = await rows.first().textContent();
    expect(text).toMatch(/verified|unverified/);
    expect(text).toContain('Exploit-DB');
    const { items } = await api<{ items: { id: string; cves: string[] }[] }>('/api/v1/cves?exploit=true&limit=5');
    await page.goto(`${base}/ui/cves?exploit=1`);
    expect(await page.getByTestId('filter-exploit').isChecked()).toBe(true);
    if (items.length > 0) {
      await page.getByTestId('cve-row').first().waitFor();
      for (const row of await page.getByTestId('cve-row').all()) expect(await row.getByTestId('exploit-tag').count()).toBe(1);
    } else {
      await page.getByText('No CVE matches these filters.').waitFor();
    }
    await shot('explorer-exploits');
    // The first of them: its panel lists the exploit with its facts, and links to the exploit's page.
    await page.getByTestId('cve-row').first().getByRole('link').first().click();
    const exploit = page.getByTestId('cve-exploit').first();
    await exploit.waitFor();
    expect(await exploit.textContent()).toMatch(/EDB-\d+.*(verified|unverified)/);
    await exploit.getByRole('link').click();
    await page.waitForURL(/\/ui\/advisories\/EDB-\d+$/);
    expect(await page.getByTestId('exploit-facts').textContent()).toMatch(/Verified.*Type.*Platform/);
    await shot('advisory-exploit');
  });

  it('shows where an advisory disagrees with the CVE, under the CVE heading', async () => {
    await page.goto(`${base}/ui/cves/CVE-2024-3400`);
    const conflicts = page.getByTestId('cve-conflicts');
    await conflicts.waitFor();
    expect(await conflicts.textContent()).toMatch(/VIGIL-TEST-0001 rates it MODERATE.*lower than the primary CVSS/);
    expect(await page.getByTestId('cve-advisories').getByRole('link', { name: 'VIGIL-TEST-0001' }).count()).toBe(1);
    await shot('cve-conflicts');
  });

  it('is readable on a phone', async () => {
    const phone = await (await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true })).newPage();
    phone.on('pageerror', (e) => pageErrors.push(String(e)));
    await signIn(phone);
    await phone.goto(`${base}/ui/advisories/CERTFR-2024-AVI-0917`);
    await phone.getByTestId('advisory-title').waitFor();
    expect(await phone.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await shot('advisory-phone', phone);
    await phone.goto(`${base}/ui/advisories?source=certfr`);
    await phone.getByTestId('advisory-row').first().waitFor();
    expect(await phone.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await shot('advisories-phone', phone, false);
    await phone.context().close();
    expect(pageErrors).toEqual([]);
  });
});
