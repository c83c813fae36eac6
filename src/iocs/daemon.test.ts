/**
 * The daemon's intel pass analyses what it collects (issue 14): a loopback site replaying the
 * Microsoft Security Blog's real feed, one `collectIntel`, then every stored document has its
 * analysis and the IOC store holds what those analyses found. SQLite on the writer thread, as
 * `vigil serve` runs it (`Stores.intelWriter`, `Stores.iocsWriter`).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config.ts';
import { Daemon } from '../daemon.ts';
import { validateSource } from '../intel/sources/schema.ts';
import { createLogger } from '../log.ts';
import { HttpClient } from '../sources/http.ts';
import { corpusDir, corpusPath, hasCorpus } from '../testing/corpus.ts';
import { type IntelSite, startIntelSite } from '../testing/intel-site.ts';
import { openTestStores, type TestStores } from '../testing/store.ts';

const MICROSOFT = corpusPath('news', 'feeds', 'tsummey_cyberdash', 'microsoftsecurity.xml');

describe.skipIf(!hasCorpus())('the daemon analyses the documents it collects', () => {
  const models = mkdtempSync(path.join(tmpdir(), 'vigil-iocs-daemon-'));
  const config = loadConfig(undefined, { VIGIL_DATA_DIR: corpusDir });
  config.nlp.modelDir = models;
  config.intel.allowHosts = ['127.0.0.1'];
  config.intel.minDelaySeconds = 0;
  let site: IntelSite;
  let stores: TestStores;

  beforeAll(async () => {
    site = await startIntelSite([{ file: MICROSOFT, origin: 'https://www.microsoft.com', path: '/en-us/security/blog/feed/' }]);
    stores = await openTestStores({ backend: 'sqlite', writer: true });
    const source = { name: 'ms', kind: 'feed', url: site.feedUrl(MICROSOFT), robots: 'ignore', fetchArticles: 'never', minContentLength: 0 };
    await stores.intel.saveSource(validateSource(source, { allowHosts: ['127.0.0.1'], torProxy: config.intel.torProxy }, new Date()));
  });
  afterAll(async () => {
    await stores?.close();
    await site?.close();
    rmSync(models, { recursive: true, force: true });
  });

  it('stores each document with its analysis and its indicators', async () => {
    const daemon = new Daemon({
      config,
      log: createLogger('silent'),
      writer: stores.writer,
      reader: stores.store,
      alerts: stores.alerts,
      channels: new Map(),
      http: new HttpClient({ retries: 0 }),
      intel: stores.intelWriter,
      iocs: stores.iocsWriter,
    });
    try {
      expect(await daemon.collectIntel()).toBe(1);
    } finally {
      await daemon.stop();
    }
    const stored = await stores.intel.listDocuments({ limit: 500 });
    expect(stored.length).toBe(site.items(MICROSOFT).length);
    expect(await stores.iocs.documentsWithoutAnalysis(10)).toEqual([]);
    const found = new Set<string>();
    for (const d of stored) {
      const a = await stores.iocs.getDocumentAnalysis(d.id);
      for (const ioc of a?.analysis.iocs ?? []) found.add(`${ioc.type} ${ioc.value}`);
    }
    expect(found.size).toBeGreaterThan(10);
    const listed = await stores.iocs.listIocs({ limit: 1000 });
    expect(listed.items.map((i) => `${i.type} ${i.value}`).sort()).toEqual([...found].sort());
  });
});
