/**
 * The daemon alerts on the documents it collects, without waiting for a CVE sync: an intel
 * source on a loopback site replaying BleepingComputer's real feed, a keyword watchlist, one
 * collection, then the alert pass it starts. (SQLite: the daemon's wiring, not the store, is
 * under test; both stores' `intel` feeds are tested in intel-engine.test.ts.)
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, type VigilConfig } from '../config.ts';
import { Daemon } from '../daemon.ts';
import type { IntelSource } from '../intel/types.ts';
import { createLogger } from '../log.ts';
import { HttpClient } from '../sources/http.ts';
import { corpusPath, hasCorpus } from '../testing/corpus.ts';
import { type IntelSite, startIntelSite } from '../testing/intel-site.ts';
import { openTestStores, type TestStores } from '../testing/store.ts';
import { evaluate } from './engine.ts';
import { importWatchlistFile } from './watchlist-file.ts';

const FEED = corpusPath('news', 'feeds', 'tsummey_cyberdash', 'bleepingcomputer.xml');
const log = createLogger();

function source(url: string): IntelSource {
  const at = new Date().toISOString();
  return {
    name: 'bleeping',
    kind: 'feed',
    url,
    enabled: true,
    intervalSeconds: 3600,
    proxy: 'none',
    headers: {},
    minDelaySeconds: 0,
    robots: 'ignore',
    fetchArticles: 'never',
    selectors: {},
    follow: null,
    maxPages: 20,
    maxDepth: 1,
    // The feed carries summaries only (150-210 characters).
    minContentLength: 50,
    tags: ['news'],
    createdAt: at,
    updatedAt: at,
  };
}

describe.skipIf(!hasCorpus())('the daemon makes intel alerts after a collection', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'vigil-intel-daemon-'));
  let site: IntelSite;
  let stores: TestStores;
  let config: VigilConfig;

  beforeAll(async () => {
    site = await startIntelSite([{ file: FEED, origin: 'https://www.bleepingcomputer.com', path: '/feed/' }]);
    writeFileSync(
      path.join(dir, 'vigil.config.yaml'),
      `intel: { allowHosts: ["127.0.0.1"], minDelaySeconds: 0 }
alerts:
  channels:
    hook: { type: webhook, url: "http://127.0.0.1:59999/hook", secret: "0123456789abcdef0123" }
`,
    );
    writeFileSync(
      path.join(dir, 'watch.yaml'),
      `users: [{ name: alice, email: alice@example.org }]
watchlists:
  - { name: ransomware, owner: { user: alice }, entries: [{ keyword: ransomware }], subscriptions: [{ channel: hook, events: [intel] }] }
`,
    );
    config = loadConfig(path.join(dir, 'vigil.config.yaml'), {});
    stores = await openTestStores({ backend: 'sqlite' });
    await importWatchlistFile(path.join(dir, 'watch.yaml'), stores.alerts, config.alerts);
    // The first evaluation sets the intel cursor (nothing collected yet).
    await evaluate({ store: stores.store, alerts: stores.alerts, intel: stores.intel, config: config.alerts, log });
    await stores.intel.saveSource(source(site.feedUrl(FEED)));
  }, 60_000);

  afterAll(async () => {
    await stores?.close();
    await site?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('one alert per collected document whose text has the keyword', async () => {
    const daemon = new Daemon({
      config,
      log,
      writer: stores.writer,
      reader: stores.store,
      alerts: stores.alerts,
      channels: new Map(),
      http: new HttpClient({ retries: 0 }),
      intel: stores.intel,
    });
    try {
      expect(await daemon.collectIntel()).toBe(1);
      const stored = await stores.intel.listDocuments({ limit: 500 });
      expect(stored.length).toBe(site.items(FEED).length);
      const expected: string[] = [];
      for (const s of stored) {
        const d = await stores.intel.getDocument(s.id);
        if (d && /\bransomware\b/i.test(`${d.title}\n${d.text}`)) expected.push(d.id);
      }
      expect(expected.length).toBeGreaterThan(0);
      // The alert pass the collection started (no CVE sync, no explicit pass).
      let made: string[] = [];
      for (let i = 0; i < 100 && made.length < expected.length; i++) {
        await new Promise((r) => setTimeout(r, 100));
        made = (await stores.alerts.listAlerts({ watchlist: 'ransomware' })).map((a) => a.cveId);
      }
      expect(made.sort()).toEqual(expected.sort());
    } finally {
      await daemon.stop();
    }
  });
});
