/**
 * The daemon's alert pass makes `ioc` alerts from the IOC store it is given: two Unit 42 TA551
 * reports stored as intel documents, their indicators (the real extractor, nlp/ioc) saved as
 * sightings, a watchlist of the first report's indicators, then `runOnce` with no source. (SQLite:
 * the daemon's wiring is under test; both stores' sighting feeds are in ioc-engine.test.ts.)
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config.ts';
import { Daemon } from '../daemon.ts';
import { buildDocument } from '../intel/extract/document.ts';
import type { IntelDocument } from '../intel/types.ts';
import { createLogger } from '../log.ts';
import { createIocExtractor } from '../nlp/ioc/index.ts';
import { HttpClient } from '../sources/http.ts';
import { corpusPath, hasCorpus } from '../testing/corpus.ts';
import { openTestStores, type TestStores } from '../testing/store.ts';
import { evaluate } from './engine.ts';

const log = createLogger('silent');
const extractor = createIocExtractor(null);

function document(day: string): IntelDocument {
  const text = readFileSync(corpusPath('iocs', 'pan-unit42-iocs', 'TA551', `${day}-TA551-IOCs-for-IcedID.txt`), 'utf8');
  const url = `https://github.com/pan-unit42/iocs/blob/master/TA551/${day}-TA551-IOCs-for-IcedID.txt`;
  const item = {
    guid: url,
    url,
    title: `${day} TA551`,
    author: null,
    published: `${day}T00:00:00.000Z`,
    updated: null,
    summary: text,
    contentHtml: null,
    categories: [],
  };
  return buildDocument({ source: { name: 'unit42', tags: [] }, url, fetchedAt: new Date().toISOString(), item });
}

async function sight(stores: TestStores, doc: IntelDocument): Promise<void> {
  await stores.intel.saveDocuments([doc]);
  await stores.iocs.saveDocumentIocs({
    documentId: doc.id,
    source: doc.source,
    seen: doc.published ?? doc.fetchedAt,
    tlp: 'clear',
    iocs: extractor.extract(doc.text),
    cves: doc.cves,
  });
}

describe.skipIf(!hasCorpus())('the daemon makes ioc alerts', () => {
  let stores: TestStores;
  const config = loadConfig(undefined, {});
  const first = document('2020-10-27');
  const next = document('2020-10-28');

  beforeAll(async () => {
    stores = await openTestStores({ backend: 'sqlite' });
    await stores.alerts.upsertUser({ name: 'alice', email: 'alice@example.org', handles: {} });
    await stores.alerts.upsertWatchlist({ name: 'ta551', owner: { user: 'alice' }, description: null });
    const ips = [
      ...new Set(
        extractor
          .extract(first.text)
          .filter((i) => i.type === 'ipv4')
          .map((i) => i.original),
      ),
    ];
    for (const value of ips) await stores.alerts.addEntry({ watchlist: 'ta551', kind: 'ioc', value, thresholds: {} });
    config.alerts.channels = { hook: { type: 'webhook', url: 'http://127.0.0.1:9/hook', secret: '0123456789abcdef0123' } } as never;
    await stores.alerts.upsertSubscription({
      watchlist: 'ta551',
      channel: 'hook',
      target: null,
      events: ['ioc'],
      mode: 'daily',
      quietHours: null,
      timezone: 'UTC',
      epssAbove: 0.1,
      epssJump: 0.1,
    });
    await sight(stores, first);
    // The first evaluation sets the sightings cursor.
    await evaluate({ store: stores.store, alerts: stores.alerts, iocs: stores.iocs, intel: stores.intel, config: config.alerts, log });
    await new Promise((r) => setTimeout(r, 5));
  });
  afterAll(async () => stores?.close());

  it('an alert pass alerts the addresses of the first report that the next one sights', async () => {
    await sight(stores, document('2020-10-28'));
    const watched = new Set(
      extractor
        .extract(first.text)
        .filter((i) => i.type === 'ipv4')
        .map((i) => i.value),
    );
    const expected = [
      ...new Set(
        extractor
          .extract(next.text)
          .filter((i) => i.type === 'ipv4' && watched.has(i.value))
          .map((i) => `ioc:ipv4:${i.value}`),
      ),
    ].sort();
    expect(expected.length).toBeGreaterThan(0);
    const daemon = new Daemon({
      config,
      log,
      writer: stores.writer,
      reader: stores.store,
      alerts: stores.alerts,
      channels: new Map(),
      http: new HttpClient({ retries: 0 }),
      intel: stores.intel,
      iocs: stores.iocs,
    });
    try {
      const out = await daemon.runOnce([]);
      expect(out.evaluations[0]?.iocSightings).toBeGreaterThan(0);
    } finally {
      await daemon.stop();
    }
    const made = await stores.alerts.listAlerts({ watchlist: 'ta551' });
    expect(made.map((a) => a.eventKey).sort()).toEqual(expected);
    expect(made.every((a) => a.cveId === next.id && a.event === 'ioc')).toBe(true);
  });
});
