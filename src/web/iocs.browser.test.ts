/**
 * Issue 14's IOC pages in a real browser (Debian's Chromium) against the real server on loopback.
 * Two ESET IoC READMEs from the corpus (Amavaldo, Turla) are stored as intel documents, analysed by
 * the real analyzer (nlp/analyze.ts) and their indicators and analyses saved in the IOC store, as
 * the pipeline does. Signs in as the analyst `ana`; opens "IOC analysis" from the navigation,
 * lists and filters the indicators, pastes a README into "Paste text to analyse", opens an
 * indicator's page (sightings linked to their documents; VirusTotal without a key says it is not
 * configured) and an intel document with its analysis chips. Screenshots go to
 * `test-results/iocs-*.png` (or `VIGIL_SHOTS_DIR`). Needs the corpus and `/usr/bin/chromium`.
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
import { forgetAnalyzers, sharedAnalyzer } from '../nlp/analyze.ts';
import { startTestApi, TEST_PASSWORD, type TestApi } from '../testing/api.ts';
import { CHROMIUM, launchChromium } from '../testing/browser.ts';
import { corpusPath, hasCorpus } from '../testing/corpus.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const shots = process.env.VIGIL_SHOTS_DIR ?? path.join(repoRoot, 'test-results');
const FETCHED = '2025-07-25T08:00:00.000Z';
const REPORTS = ['amavaldo', 'turla'];

function hasChromium(): boolean {
  const present = existsSync(CHROMIUM);
  if (!present) console.warn(`\n*** ${CHROMIUM} not found (apt-get install chromium): the IOC browser test is SKIPPED ***\n`);
  return present;
}

/** An ESET README as an intel document (its lines kept as paragraphs). */
function readmeDocument(name: string, published: string) {
  const text = readFileSync(corpusPath('iocs', 'eset-malware-ioc', name, 'README.adoc'), 'utf8');
  const html = text
    .split(/\n\s*\n/)
    .map((p) => `<p>${p.replace(/&/g, '&amp;').replace(/</g, '&lt;')}</p>`)
    .join('');
  const url = `https://github.com/eset/malware-ioc/tree/master/${name}`;
  return buildDocument({
    source: { name: 'eset-malware-ioc', tags: ['iocs'] },
    url,
    fetchedAt: FETCHED,
    item: {
      guid: name,
      url,
      title: `ESET ${name} indicators of compromise`,
      author: null,
      published,
      updated: null,
      summary: null,
      contentHtml: html,
      categories: [],
    },
  });
}

describe.skipIf(!hasCorpus() || !hasChromium())('IOC pages in a browser', () => {
  let server: TestApi;
  let base: string;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];
  const webDir = mkdtempSync(path.join(tmpdir(), 'vigil-web-'));
  const modelDir = mkdtempSync(path.join(tmpdir(), 'vigil-models-'));
  const docIds: string[] = [];

  async function shot(name: string, fullPage = true): Promise<void> {
    await page.waitForTimeout(400);
    await page.screenshot({ path: path.join(shots, `iocs-${name}.png`), fullPage });
  }

  beforeAll(async () => {
    const vite = path.join(repoRoot, 'node_modules/vite/bin/vite.js');
    execFileSync(process.execPath, [vite, 'build', '--config', 'web/vite.config.ts', '--outDir', webDir, '--emptyOutDir', '--logLevel', 'warn'], {
      cwd: repoRoot,
      stdio: 'inherit',
    });
    mkdirSync(shots, { recursive: true });
    forgetAnalyzers();
    server = await startTestApi({ listen: true, webDir, configure: (c) => void Object.assign(c.nlp, { modelDir }) });
    const docs = REPORTS.map((name, i) => readmeDocument(name, `2025-0${i + 5}-10T09:00:00.000Z`));
    const saved = await server.stores.intel.saveDocuments(docs);
    const analyzer = await sharedAnalyzer(server.config, server.stores);
    for (const [i, change] of saved.changes.entries()) {
      const doc = docs[i]!;
      const analysis = analyzer.analyze(doc.text, { lang: 'en' });
      await server.stores.iocs.saveDocumentIocs({
        documentId: change.documentId,
        source: 'eset-malware-ioc',
        seen: doc.published ?? FETCHED,
        tlp: 'clear',
        iocs: analysis.iocs,
        cves: analysis.cves,
      });
      await server.stores.iocs.saveDocumentAnalysis(change.documentId, analysis, FETCHED);
      docIds.push(change.documentId);
    }
    base = `http://127.0.0.1:${(server.app.server.address() as AddressInfo).port}`;
    browser = await launchChromium();
    page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    page.on('pageerror', (e) => pageErrors.push(String(e)));
    await page.goto(`${base}/ui/login`);
    const form = page.getByTestId('login-form');
    await form.getByLabel('User name').fill('ana');
    await form.getByLabel('Password').fill(TEST_PASSWORD);
    await form.getByRole('button', { name: 'Sign in' }).click();
    await page.getByTestId('current-user').waitFor();
  }, 600_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    forgetAnalyzers();
    rmSync(webDir, { recursive: true, force: true });
    rmSync(modelDir, { recursive: true, force: true });
  });

  it('opens IOC analysis from the navigation and lists the stored indicators', async () => {
    await page.getByTestId('nav-iocs').click();
    await page.waitForURL(/\/ui\/iocs$/);
    await page.getByTestId('iocs').waitFor();
    const stored = await server.stores.iocs.listIocs({ limit: 1000 });
    if (stored.items.length > 0) {
      await page.getByTestId('ioc-row').first().waitFor();
      expect(await page.getByTestId('ioc-row').count()).toBe(Math.min(stored.items.length, 50));
      await page.getByTestId('filter-type').selectOption('sha1');
      await page.getByRole('button', { name: 'Apply' }).click();
      await page.waitForURL(/type=sha1/);
      await expect.poll(async () => (await page.getByTestId('ioc-row').locator('td:first-child').allTextContents()).every((t) => t === 'SHA-1')).toBe(true);
    }
    await shot('list');
  });

  it('analyses pasted text and shows what was found, the severity as predicted and the models', async () => {
    await page.goto(`${base}/ui/iocs`);
    const text = readFileSync(corpusPath('iocs', 'eset-malware-ioc', 'amavaldo', 'README.adoc'), 'utf8');
    await page.getByTestId('analyse-text').fill(text);
    await page.getByTestId('analyse-button').click();
    await page.getByTestId('analysis-result').waitFor();
    const expected = (await sharedAnalyzer(server.config, server.stores)).analyze(text);
    const distinct = new Set(expected.iocs.map((i) => `${i.type}\0${i.value}`)).size;
    expect(await page.getByTestId('analysis-ioc').count()).toBe(distinct);
    expect(await page.getByTestId('analysis-severity').textContent()).toMatch(/^(Predicted|Not predicted)/);
    expect(await page.getByTestId('analysis-models').textContent()).toMatch(/not trained: .*vigil nlp train/);
    await page.getByTestId('analysis-result').scrollIntoViewIfNeeded();
    await shot('paste');
  });

  it("opens an indicator's page with its sightings, and VirusTotal says it is not configured", async () => {
    const stored = await server.stores.iocs.listIocs({ type: 'sha1', limit: 1 });
    const ioc = stored.items[0] ?? { type: 'domain', value: 'clausdomain.homeunix.com' };
    await page.goto(`${base}/ui/iocs/${ioc.type}/${encodeURIComponent(ioc.value)}`);
    await page.getByTestId('ioc-detail').waitFor();
    expect(await page.getByTestId('ioc-value').textContent()).toBe(ioc.value);
    if (stored.items[0]) await page.getByTestId('ioc-sighting').first().waitFor();
    await page.getByTestId('vt-lookup').click();
    await page.getByTestId('vt-not-configured').waitFor();
    expect(await page.getByTestId('vt-not-configured').textContent()).toMatch(/API key/);
    await shot('detail');
  });

  it('shows the analysis chips of an intel document with the model versions', async () => {
    await page.goto(`${base}/ui/intel/${docIds[1]}`);
    await page.getByTestId('intel-document').waitFor();
    await page.getByTestId('intel-doc-title').waitFor();
    const body = (await (await fetch(`${base}/api/v1/intel/${docIds[1]}`, { headers: { authorization: `Bearer ${await server.login('ana')}` } })).json()) as {
      analysis?: unknown;
    };
    if (body.analysis) {
      await page.getByTestId('analysis-models').waitFor();
      expect(await page.getByTestId('analysis-models').textContent()).toMatch(/analysed/);
    } else expect(await page.getByTestId('analysis-models').count()).toBe(0);
    await shot('document', false);
    expect(pageErrors).toEqual([]);
  });
});
