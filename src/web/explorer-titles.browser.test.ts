/**
 * Issue 10 items 4 and 5 in a real browser (Debian's Chromium) against the real server on
 * loopback: the CVE explorer lists a CVE whose CNA gave no title (CVE-2021-44529) with a title
 * derived from its description and a description snippet, and prints priorities as the CLI does
 * (`formatPriority`: one decimal, rounded down). The dashboard is built from the current source
 * into a temporary folder. Needs the corpus and `/usr/bin/chromium`; skips loudly without them.
 */
// vigil-test: the back end cannot matter (the browser renders the API's JSON; the API's answers are tested on both back ends by the API tests).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatPriority } from '../analysis/priority-format.ts';
import { startTestApi, TEST_PASSWORD, type TestApi } from '../testing/api.ts';
import { CHROMIUM, launchChromium } from '../testing/browser.ts';
import { hasCorpus } from '../testing/corpus.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

function hasChromium(): boolean {
  const present = existsSync(CHROMIUM);
  if (!present) console.warn(`\n*** ${CHROMIUM} not found (apt-get install chromium): the explorer title test is SKIPPED ***\n`);
  return present;
}

describe.skipIf(!hasCorpus() || !hasChromium())('explorer titles and priorities in a browser', () => {
  let server: TestApi;
  let base: string;
  let browser: Browser;
  let page: Page;
  const webDir = mkdtempSync(path.join(tmpdir(), 'vigil-web-'));

  beforeAll(async () => {
    execFileSync(process.execPath, [path.join(repoRoot, 'node_modules/vite/bin/vite.js'), 'build', '--config', 'web/vite.config.ts', '--outDir', webDir, '--emptyOutDir', '--logLevel', 'warn'], {
      cwd: repoRoot,
      stdio: 'inherit',
    });
    server = await startTestApi({ listen: true, webDir });
    base = `http://127.0.0.1:${(server.app.server.address() as AddressInfo).port}`;
    browser = await launchChromium();
    page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    await page.goto(`${base}/ui/login`);
    const form = page.getByTestId('login-form');
    await form.getByLabel('User name').fill('vic');
    await form.getByLabel('Password').fill(TEST_PASSWORD);
    await form.getByRole('button', { name: 'Sign in' }).click();
    await page.getByTestId('current-user').waitFor();
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    rmSync(webDir, { recursive: true, force: true });
  });

  it('lists CVE-2021-44529 (no CNA title) with a derived title and a snippet', async () => {
    await page.goto(`${base}/ui/cves?vendor=ivanti`);
    const row = page.getByTestId('cve-row').filter({ hasText: 'CVE-2021-44529' });
    await row.waitFor();
    const text = (await row.textContent()) ?? '';
    expect(text).toContain('A code injection vulnerability in the Ivanti EPM Cloud Services Appliance (CSA) allows an unauthenticated user to…');
    expect(await row.getByTestId('cve-snippet').textContent()).toBe('…execute arbitrary code with limited permissions (nobody).');
  });

  it('prints every priority of a search as the CLI does', async () => {
    await page.goto(`${base}/ui/cves?q=authentication%20bypass`);
    await page.getByTestId('cve-row').first().waitFor();
    const shown = await page.locator('[data-testid="cve-row"] .prio').allTextContents();
    const { items } = (await (
      await fetch(`${base}/api/v1/search?q=authentication%20bypass&limit=${shown.length}`, { headers: { authorization: `Bearer ${await server.login('vic')}` } })
    ).json()) as { items: { priority: number; snippet: string | null }[] };
    expect(shown.length).toBeGreaterThan(5);
    expect(shown).toEqual(items.map((i) => formatPriority(i.priority)));
    // Search results show snippets too.
    expect(await page.getByTestId('cve-snippet').count()).toBe(items.filter((i) => i.snippet).length);
  });
});
