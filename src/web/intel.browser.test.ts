/**
 * Issue 13's threat-intel pages in a real browser (Debian's Chromium) against the real server on
 * loopback (src/testing/api.ts). The intel store holds documents built from two real corpus feeds
 * (BleepingComputer and the Microsoft Security Blog, which names CVE-2025-53770, a KEV CVE of the
 * test store), a second copy of one story at another URL (a story cluster of two), a changed
 * version of one document (its history) and a document quoting HTML markup (shown as text, never
 * run). Signs in as the analyst `ana`; lists, filters and pages the documents; opens one with its
 * text, CVE links, story and history; finds it in its CVE's "In the news" panel; and on the sources
 * page tests a feed and a forum (CSS selectors) served by a loopback site (testing/intel-site.ts)
 * before saving, saves one, collects it, disables it and deletes it. Screenshots go to
 * `test-results/intel-*.png`. Needs the corpus and `/usr/bin/chromium`; skips loudly without them.
 */
// vigil-test: the back end cannot matter (the browser renders the API's JSON; the API's answers are tested on both back ends by the API tests).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDocument } from '../intel/extract/document.ts';
import { type FeedItem, parseFeed } from '../intel/feeds/parse.ts';
import type { IntelDocument } from '../intel/types.ts';
import { startTestApi, TEST_PASSWORD, type TestApi } from '../testing/api.ts';
import { CHROMIUM, launchChromium } from '../testing/browser.ts';
import { corpusPath, hasCorpus } from '../testing/corpus.ts';
import { type IntelSite, startIntelSite } from '../testing/intel-site.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const shots = path.join(repoRoot, 'test-results');
const FETCHED = '2025-07-25T08:00:00.000Z';
const CVE = 'CVE-2025-53770';

function hasChromium(): boolean {
  const present = existsSync(CHROMIUM);
  if (!present)
    console.warn(`\n*** ${CHROMIUM} not found (apt-get install chromium): the intel browser test is SKIPPED ***\n`);
  return present;
}

/** A corpus feed's items and the documents a collection without article pages would store. */
function feedDocuments(file: string, origin: string, source: string): { items: FeedItem[]; docs: IntelDocument[] } {
  const items = parseFeed(readFileSync(file), origin).items;
  const docs = items.map((item) =>
    buildDocument({ source: { name: source, tags: ['news'] }, url: item.url!, fetchedAt: FETCHED, item }),
  );
  return { items, docs };
}

describe.skipIf(!hasCorpus() || !hasChromium())('threat-intel pages in a browser', () => {
  const bcFile = corpusPath('news/feeds/tsummey_cyberdash/bleepingcomputer.xml');
  const msFile = corpusPath('news/feeds/tsummey_cyberdash/microsoftsecurity.xml');
  const forumFile = corpusPath('news/feeds/tsummey_cyberdash/securityweek.xml');
  let server: TestApi;
  let site: IntelSite;
  let base: string;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];
  const webDir = mkdtempSync(path.join(tmpdir(), 'vigil-web-'));
  const bc = feedDocuments(bcFile, 'https://www.bleepingcomputer.com', 'bleepingcomputer');
  const ms = feedDocuments(msFile, 'https://www.microsoft.com', 'microsoft');
  /** The same story as the first BleepingComputer item, republished by another site. */
  const mirror = buildDocument({
    source: { name: 'mirror', tags: [] },
    url: 'https://news.example.org/2025/07/blacksuit-sites-seized',
    fetchedAt: FETCHED,
    item: { ...bc.items[0]!, url: 'https://news.example.org/2025/07/blacksuit-sites-seized', categories: [] },
  });
  /** An article quoting a payload: its text holds markup that must stay text. */
  const quoting = buildDocument({
    source: { name: 'mirror', tags: [] },
    url: 'https://news.example.org/2025/07/referer-xss',
    fetchedAt: FETCHED,
    item: {
      guid: 'referer-xss',
      url: 'https://news.example.org/2025/07/referer-xss',
      title: 'Stored XSS through the Referer header',
      author: null,
      published: '2025-07-20T10:00:00.000Z',
      updated: null,
      summary: null,
      contentHtml:
        '<p>The attackers sent &lt;img src=x onerror="window.__pwned=1"&gt; in the Referer header of every request.</p>' +
        '<p>The admin console rendered it as &lt;b&gt;markup&lt;/b&gt;: a stored cross-site scripting flaw.</p>',
      categories: ['Security'],
    },
  });

  async function shot(name: string, p: Page = page, fullPage = true): Promise<void> {
    await p.waitForTimeout(300);
    await p.screenshot({ path: path.join(shots, `intel-${name}.png`), fullPage });
  }

  async function signIn(p: Page, user: string): Promise<void> {
    await p.goto(`${base}/ui/login`);
    const form = p.getByTestId('login-form');
    await form.getByLabel('User name').fill(user);
    await form.getByLabel('Password').fill(TEST_PASSWORD);
    await form.getByRole('button', { name: 'Sign in' }).click();
    await p.getByTestId('current-user').waitFor();
  }

  /** Calls the API as the analyst `ana`. */
  async function api<T>(route: string): Promise<T> {
    const res = await fetch(`${base}${route}`, { headers: { authorization: `Bearer ${await server.login('ana')}` } });
    expect(res.status, route).toBe(200);
    return (await res.json()) as T;
  }

  beforeAll(async () => {
    const vite = path.join(repoRoot, 'node_modules/vite/bin/vite.js');
    execFileSync(
      process.execPath,
      [vite, 'build', '--config', 'web/vite.config.ts', '--outDir', webDir, '--emptyOutDir', '--logLevel', 'warn'],
      {
        cwd: repoRoot,
        stdio: 'inherit',
      },
    );
    mkdirSync(shots, { recursive: true });
    site = await startIntelSite([{ file: bcFile, origin: 'https://www.bleepingcomputer.com', path: '/feed/' }], {
      file: forumFile,
    });
    server = await startTestApi({
      listen: true,
      webDir,
      configure: (c) => {
        c.intel.allowHosts = ['127.0.0.1'];
        c.intel.minDelaySeconds = 0;
      },
    });
    const saved = await server.stores.intel.saveDocuments([...bc.docs, ...ms.docs, mirror, quoting]);
    expect(saved.created).toBe(bc.docs.length + ms.docs.length + 2);
    // The second BleepingComputer story, edited after it was first stored.
    const edited = bc.items[1]!;
    const second = { ...edited, summary: `${edited.summary} Update: the vendor has released a fix.` };
    const changed = buildDocument({
      source: { name: 'bleepingcomputer', tags: ['news'] },
      url: edited.url!,
      fetchedAt: FETCHED,
      item: second,
    });
    expect((await server.stores.intel.saveDocuments([changed])).changed).toBe(1);
    base = `http://127.0.0.1:${(server.app.server.address() as AddressInfo).port}`;
    browser = await launchChromium();
    page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    page.on('pageerror', (e) => pageErrors.push(String(e)));
    await signIn(page, 'ana');
  }, 600_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await site?.close();
    rmSync(webDir, { recursive: true, force: true });
  });

  it('lists the documents newest first, filters them by source, CVE and words, and shows a story cluster', async () => {
    await page.getByTestId('nav-intel').click();
    await page.waitForURL(/\/ui\/intel$/);
    const rows = page.getByTestId('intel-row');
    await rows.first().waitFor();
    const all = await api<{ items: { title: string }[]; total: number }>('/api/v1/intel?limit=50');
    expect(all.total).toBe(bc.docs.length + ms.docs.length + 2);
    expect(await page.getByTestId('results-count').textContent()).toMatch(new RegExp(`^${all.total} documents match`));
    expect(await page.getByTestId('intel-title').allTextContents()).toEqual(all.items.map((d) => d.title));
    await shot('list');

    await page.getByTestId('filter-source').fill('Microsoft');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.waitForURL(/\/ui\/intel\?source=microsoft$/);
    await expect.poll(() => rows.count()).toBe(ms.docs.length);
    for (const text of await rows.locator('td:nth-child(2)').allTextContents()) expect(text).toBe('microsoft');

    await page.getByTestId('filter-source').fill('');
    await page.getByTestId('filter-cve').fill(CVE.toLowerCase());
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.waitForURL(new RegExp(`/ui/intel\\?cve=${CVE}$`));
    const naming = ms.docs.filter((d) => d.cves.includes(CVE));
    expect(naming.length).toBeGreaterThan(0);
    await expect.poll(() => rows.count()).toBe(naming.length);
    for (const row of await rows.all())
      expect(await row.getByRole('link', { name: CVE }).getAttribute('href')).toBe(`/ui/cves/${CVE}`);

    await page.goto(`${base}/ui/intel`);
    await rows.first().waitFor();
    await page.keyboard.press('/');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('intel-search');
    await page.keyboard.type('BlackSuit');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/ui\/intel\?q=BlackSuit$/);
    // The original story and its copy elsewhere: one cluster of two.
    await expect.poll(() => rows.count()).toBeGreaterThanOrEqual(2);
    const badge = page.getByTestId('cluster-badge').first();
    expect(await badge.textContent()).toBe('2 sources');
    await badge.click();
    await page.waitForURL(/\/ui\/intel\?cluster=intel-[0-9a-f]{20}$/);
    await expect
      .poll(() => rows.locator('td:nth-child(2)').allTextContents())
      .toEqual(expect.arrayContaining(['bleepingcomputer', 'mirror']));
    expect(await rows.count()).toBe(2);
  });

  it('pages through the documents with the cursor', async () => {
    await page.goto(`${base}/ui/intel`);
    await page.getByTestId('intel-row').first().waitFor();
    // The 24 documents fit one page of 50: the pager has nowhere to go.
    expect(await page.getByTestId('next-page').isDisabled()).toBe(true);
    const { items, nextCursor } = await api<{ items: { id: string }[]; nextCursor: string }>('/api/v1/intel?limit=10');
    await page.goto(`${base}/ui/intel?cursor=${encodeURIComponent(nextCursor)}`);
    await page.getByTestId('intel-row').first().waitFor();
    const next = await api<{ items: { title: string }[] }>(
      `/api/v1/intel?limit=50&cursor=${encodeURIComponent(nextCursor)}`,
    );
    expect(await page.getByTestId('intel-title').allTextContents()).toEqual(next.items.map((d) => d.title));
    expect(next.items.length).toBe(bc.docs.length + ms.docs.length + 2 - items.length);
  });

  it('opens a document: text as paragraphs, CVE links, the original, tags, its story and history', async () => {
    const doc = ms.docs.find((d) => d.cves.includes(CVE))!;
    await page.goto(`${base}/ui/intel?cve=${CVE}`);
    await page.getByRole('link', { name: doc.title }).click();
    await page.waitForURL(new RegExp(`/ui/intel/${doc.id}$`));
    expect(await page.getByTestId('intel-doc-title').textContent()).toBe(doc.title);
    const text = page.getByTestId('intel-doc-text');
    const paragraphs = doc.text.split('\n\n');
    expect(await text.locator('p').count()).toBe(paragraphs.length);
    expect(await text.locator('p').first().textContent()).toBe(paragraphs[0]);
    const cveLink = page.getByTestId('intel-doc-cves').getByRole('link', { name: CVE });
    expect(await cveLink.getAttribute('href')).toBe(`/ui/cves/${CVE}`);
    expect(await page.getByTestId('intel-doc-cves').getByRole('link').count()).toBe(doc.cves.length);
    const original = page.getByRole('link', { name: /Original article/ });
    expect(await original.getAttribute('href')).toBe(doc.url);
    expect(await original.getAttribute('rel')).toBe('noopener noreferrer');
    expect(await original.getAttribute('target')).toBe('_blank');
    expect(await page.getByTestId('intel-doc-tags').textContent()).toContain('news');
    await shot('document', page, false);

    await cveLink.click();
    await page.waitForURL(new RegExp(`/ui/cves/${CVE}$`));
    const news = page.getByTestId('cve-news');
    await news.waitFor();
    expect(await news.getByRole('link', { name: doc.title }).getAttribute('href')).toBe(`/ui/intel/${doc.id}`);
    expect(await news.getByTestId('intel-item').count()).toBe(ms.docs.filter((d) => d.cves.includes(CVE)).length);
    await shot('cve-news');
  });

  it('shows no "In the news" panel for a CVE no document names, nor when the call fails', async () => {
    const answered = page.waitForResponse((r) => r.url().includes('/api/v1/intel?cve=CVE-2024-3400'));
    await page.goto(`${base}/ui/cves/CVE-2024-3400`);
    await page.getByTestId('cve-title').waitFor();
    expect((await (await answered).json()).total).toBe(0);
    await page.waitForTimeout(200);
    expect(await page.getByTestId('cve-news').count()).toBe(0);
    // A server that cannot answer (no intel store, an older version): the page shows no panel and no error.
    await page.route('**/api/v1/intel?cve=*', (r) => r.fulfill({ status: 500, body: '{}' }));
    const failed = page.waitForResponse((r) => r.url().includes(`/api/v1/intel?cve=${CVE}`));
    await page.goto(`${base}/ui/cves/${CVE}`);
    await page.getByTestId('cve-title').waitFor();
    expect((await failed).status()).toBe(500);
    await page.waitForTimeout(200);
    expect(await page.getByTestId('cve-news').count()).toBe(0);
    expect(await page.getByRole('alert').count()).toBe(0);
    await page.unroute('**/api/v1/intel?cve=*');
  });

  it('shows the story, the history of a changed document, and quoted markup as text', async () => {
    await page.goto(`${base}/ui/intel/${mirror.id}`);
    const story = page.getByTestId('intel-story');
    await story.waitFor();
    expect(await story.getByRole('link').first().getAttribute('href')).toBe(`/ui/intel/${bc.docs[0]!.id}`);
    await shot('document-story');

    await page.goto(`${base}/ui/intel/${bc.docs[1]!.id}`);
    const history = page.getByTestId('intel-history');
    await history.waitFor();
    expect(await history.locator('li').allTextContents()).toEqual([
      expect.stringContaining('created'),
      expect.stringContaining('changed'),
    ]);
    expect(await page.getByTestId('intel-doc-text').textContent()).toContain('Update: the vendor has released a fix.');

    await page.goto(`${base}/ui/intel/${quoting.id}`);
    const text = page.getByTestId('intel-doc-text');
    await text.waitFor();
    expect(await text.textContent()).toContain('<img src=x onerror="window.__pwned=1">');
    expect(await text.locator('img, b').count()).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    await shot('document-markup');
  });

  it('tests a feed before saving it, saves, collects, disables and deletes it', async () => {
    await page.goto(`${base}/ui/intel`);
    await page.getByTestId('intel-sources-link').click();
    await page.waitForURL(/\/ui\/intel\/sources$/);
    await page.getByText('No source yet').waitFor();
    const form = page.getByTestId('source-form');
    await form.getByLabel('Source name').fill('bleepingcomputer-local');
    await form.getByLabel('Feed URL').fill(site.feedUrl(bcFile));
    await form.getByLabel('Tags (comma separated)').fill('news, test');
    await form.getByTestId('source-test').click();
    const report = page.getByTestId('source-test-report');
    await report.waitFor({ timeout: 30_000 });
    // The feed holds only summaries: each item's page was fetched and read, its boilerplate left out;
    // pages whose text is under the default 200 characters are skipped, and say so.
    const previews = report.getByTestId('preview-doc');
    const found = await previews.count();
    const skipped = await report.getByTestId('report-skipped').locator('li').count();
    expect(found).toBeGreaterThan(0);
    expect(found + skipped).toBe(bc.items.length);
    const titles = bc.items.map((i) => i.title);
    for (const t of await previews.locator('strong').allTextContents()) expect(titles).toContain(t);
    expect(await report.textContent()).not.toContain('Accept all cookies');
    expect(await report.getByTestId('report-counts').textContent()).toMatch(new RegExp(`^${found} documents? found`));
    // A test stores nothing.
    expect((await api<{ sources: unknown[] }>('/api/v1/scraping/sources')).sources).toEqual([]);
    await shot('sources-test');

    await form.getByTestId('source-save').click();
    const row = page.getByTestId('intel-source-row');
    await row.waitFor();
    expect(await row.textContent()).toContain('bleepingcomputer-local');

    await row.getByTestId('source-collect').click();
    const collected = page.getByTestId('source-collect-report');
    await collected.waitFor({ timeout: 30_000 });
    expect(await collected.getByTestId('report-counts').textContent()).toMatch(
      /^\d+ documents \(\d+ new, \d+ changed, \d+ same\)/,
    );
    const { sources } = await api<{ sources: { name: string; documents: number; enabled: boolean }[] }>(
      '/api/v1/scraping/sources',
    );
    expect(sources[0]!.documents).toBeGreaterThan(0);
    await expect.poll(() => row.locator('td.num a').textContent()).toBe(String(sources[0]!.documents));

    await row.getByTestId('source-enabled').uncheck();
    await expect
      .poll(
        async () => (await api<{ sources: { enabled: boolean }[] }>('/api/v1/scraping/sources')).sources[0]!.enabled,
      )
      .toBe(false);
    expect(await row.getByTestId('source-enabled').isChecked()).toBe(false);
    await shot('sources');

    page.once('dialog', (d) => void d.accept());
    await row.getByRole('button', { name: 'Delete' }).click();
    await page.getByText('No source yet').waitFor();
    expect((await api<{ sources: unknown[] }>('/api/v1/scraping/sources')).sources).toEqual([]);
  });

  it('tests a forum read with CSS selectors', async () => {
    const form = page.getByTestId('source-form');
    await form.getByLabel('Source name').fill('forum');
    await form.getByLabel('Kind').selectOption('page');
    await form.getByLabel('First page URL').fill(`${site.baseUrl}/forum/`);
    await form.getByLabel('Links selector').fill('a.thread');
    await form.getByLabel('Title selector').fill('h1.thread-title');
    await form.getByLabel('Content selector').fill('div.post-body');
    await form.getByLabel('Date selector').fill('time.posted');
    await form.getByText('Advanced').click();
    await form.getByLabel('Min. text length (chars)').fill('20');
    await form.getByTestId('source-test').click();
    const report = page.getByTestId('source-test-report');
    await report.waitFor({ timeout: 30_000 });
    const titles = await report.getByTestId('preview-doc').locator('strong').allTextContents();
    expect(titles.sort()).toEqual(site.threads.map((t) => t.item.title).sort());
    await shot('sources-forum');
  });

  it('is readable on a phone', async () => {
    const phone = await (
      await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true })
    ).newPage();
    phone.on('pageerror', (e) => pageErrors.push(String(e)));
    await signIn(phone, 'vic');
    await phone.goto(`${base}/ui/intel`);
    await phone.getByTestId('intel-row').first().waitFor();
    // A viewer reads documents but is not offered the sources.
    expect(await phone.getByTestId('intel-sources-link').count()).toBe(0);
    expect(await phone.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await shot('list-phone', phone, false);
    await phone.goto(`${base}/ui/intel/${ms.docs[0]!.id}`);
    await phone.getByTestId('intel-doc-text').waitFor();
    expect(await phone.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await shot('document-phone', phone, false);
    await phone.context().close();
    expect(pageErrors).toEqual([]);
  });
});
