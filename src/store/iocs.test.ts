/**
 * `Stores.iocs` on the back end under test (`npm run test:pg` for PostgreSQL): real indicators
 * (AlienVault OTX pulses, from IntelMQ's parser fixtures) saved per document, aggregates, keyset
 * pages, idempotence, a changed document dropping an indicator, the sightings feed.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DocumentIocs, StoredIoc, Tlp } from '../iocs/types.ts';
import type { AnalysisResult, Ioc, IocType } from '../nlp/types.ts';
import { corpusPath, hasCorpus } from '../testing/corpus.ts';
import { openTestStores, TEST_BACKEND, type TestStores } from '../testing/store.ts';

/** OTX indicator types as ours (URI has no counterpart: left out). */
const OTX_TYPES: Record<string, IocType> = {
  'FileHash-MD5': 'md5',
  'FileHash-SHA1': 'sha1',
  'FileHash-SHA256': 'sha256',
  hostname: 'domain',
  domain: 'domain',
  IPv4: 'ipv4',
  URL: 'url',
  email: 'email',
  CVE: 'cve',
};

interface Pulse {
  name: string;
  modified: string;
  indicators: { indicator: string; type: string }[];
}

function pulses(): Pulse[] {
  return JSON.parse(readFileSync(corpusPath('ioc-feeds', 'intelmq-parser-fixtures', 'alienvault', 'test_parser_otx.data'), 'utf8')) as Pulse[];
}

function toIocs(p: Pulse): Ioc[] {
  return p.indicators
    .filter((i) => OTX_TYPES[i.type])
    .map((i) => {
      const type = OTX_TYPES[i.type] as IocType;
      const value = type === 'url' || type === 'cve' ? i.indicator : i.indicator.toLowerCase();
      return { type, value, original: i.indicator, start: 0, end: i.indicator.length };
    });
}

function documentOf(p: Pulse, n: number, over: Partial<DocumentIocs> = {}): DocumentIocs {
  const iocs = toIocs(p);
  return {
    documentId: `intel-otx${String(n).padStart(17, '0')}`,
    source: 'otx',
    seen: `${p.modified.slice(0, 23)}Z`.replace(/(\.\d{3})?Z$/, (m) => (m.length > 1 ? m : '.000Z')),
    tlp: 'clear',
    iocs,
    cves: iocs.filter((i) => i.type === 'cve').map((i) => i.value.toUpperCase()),
    ...over,
  };
}

/** What the store should hold for these documents, counted here independently of the store. */
function expected(docs: DocumentIocs[]): Map<string, { sightings: number; firstSeen: string; lastSeen: string; sources: string[]; tlp: Tlp }> {
  const rank: Tlp[] = ['clear', 'green', 'amber', 'amber+strict', 'red'];
  const out = new Map<string, { sightings: number; firstSeen: string; lastSeen: string; sources: string[]; tlp: Tlp }>();
  for (const d of docs) {
    for (const key of new Set(d.iocs.map((i) => `${i.type} ${i.value}`))) {
      const e = out.get(key);
      if (!e) out.set(key, { sightings: 1, firstSeen: d.seen, lastSeen: d.seen, sources: [d.source], tlp: d.tlp });
      else {
        e.sightings++;
        if (d.seen < e.firstSeen) e.firstSeen = d.seen;
        if (d.seen > e.lastSeen) e.lastSeen = d.seen;
        if (!e.sources.includes(d.source)) e.sources = [...e.sources, d.source].sort();
        if (rank.indexOf(d.tlp) > rank.indexOf(e.tlp)) e.tlp = d.tlp;
      }
    }
  }
  return out;
}

async function everything(stores: TestStores, limit: number): Promise<StoredIoc[]> {
  const all: StoredIoc[] = [];
  let cursor: string | undefined;
  for (let i = 0; i < 1000; i++) {
    const page = await stores.iocs.listIocs({ limit, ...(cursor ? { cursor } : {}) });
    all.push(...page.items);
    if (!page.nextCursor) return all;
    cursor = page.nextCursor;
  }
  throw new Error('no last page');
}

describe.skipIf(!hasCorpus())(`IocStore (${TEST_BACKEND})`, () => {
  let stores: TestStores;
  let docs: DocumentIocs[];
  beforeAll(async () => {
    stores = await openTestStores();
    docs = pulses().map((p, i) => documentOf(p, i));
    // A second source repeats three indicators of the first pulse later, as TLP:AMBER, one warninglisted.
    const first = docs[0] as DocumentIocs;
    const repeated = first.iocs.slice(0, 3).map((i, n) => (n === 0 ? { ...i, warning: { list: 'test-list', name: 'A test list' } } : i));
    docs.push({
      documentId: 'intel-repeat0000000000000',
      source: 'blog',
      seen: '2016-01-01T00:00:00.000Z',
      tlp: 'amber',
      iocs: repeated,
      cves: ['CVE-2015-2545'],
    });
  });
  afterAll(async () => stores?.close());

  it('stores every indicator once with its aggregates, pages by keyset without gaps or repeats', async () => {
    let newIocs = 0;
    let newSightings = 0;
    for (const d of docs) {
      const r = await stores.iocs.saveDocumentIocs(d);
      newIocs += r.newIocs;
      newSightings += r.newSightings;
    }
    const want = expected(docs);
    expect(newIocs).toBe(want.size);
    expect(newSightings).toBe([...want.values()].reduce((n, e) => n + e.sightings, 0));
    const all = await everything(stores, 7);
    expect(all.map((i) => `${i.type} ${i.value}`).sort()).toEqual([...want.keys()].sort());
    for (const i of all) {
      const e = want.get(`${i.type} ${i.value}`);
      expect({ sightings: i.sightings, firstSeen: i.firstSeen, lastSeen: i.lastSeen, sources: i.sources, tlp: i.tlp }).toEqual(e);
    }
    // Newest last seen first, then type and value.
    const keys = all.map((i) => [i.lastSeen, i.type, i.value] as const);
    const sorted = [...keys].sort((a, b) => (a[0] !== b[0] ? (a[0] < b[0] ? 1 : -1) : a[1] !== b[1] ? (a[1] < b[1] ? -1 : 1) : a[2] < b[2] ? -1 : 1));
    expect(keys).toEqual(sorted);
    expect(await stores.iocs.countIocs({})).toBe(want.size);
    // The repeated indicators: warning as of their last sighting, the second document's CVE.
    const repeated = (docs[0] as DocumentIocs).iocs[0] as Ioc;
    const stored = await stores.iocs.getIoc(repeated.type, repeated.value);
    expect(stored?.warning).toEqual({ list: 'test-list', name: 'A test list' });
    expect(stored?.cves).toContain('CVE-2015-2545');
    expect(await stores.iocs.getIoc('domain', 'not-stored.example')).toBeNull();
  });

  it('filters by type, substring, date, source and warning', async () => {
    const want = expected(docs);
    const md5 = [...want.keys()].filter((k) => k.startsWith('md5 '));
    expect(await stores.iocs.countIocs({ type: 'md5' })).toBe(md5.length);
    const someHash = (md5[0] as string).slice(4);
    const byQ = await stores.iocs.listIocs({ q: someHash.slice(5, 15).toUpperCase() });
    expect(byQ.items.map((i) => i.value)).toContain(someHash);
    const since = '2016-06-01';
    expect(await stores.iocs.countIocs({ since })).toBe([...want.values()].filter((e) => e.lastSeen >= since).length);
    expect(await stores.iocs.countIocs({ source: 'blog' })).toBe(3);
    expect(await stores.iocs.countIocs({ warning: true })).toBe(1);
    expect(await stores.iocs.countIocs({ warning: false })).toBe(want.size - 1);
    await expect(stores.iocs.listIocs({ cursor: 'bm90LWEtY3Vyc29y' })).rejects.toMatchObject({ code: 'VIGIL_BAD_REQUEST' });
  });

  it('changes nothing when a document is saved again, and recounts when a changed document drops an indicator', async () => {
    const before = await everything(stores, 1000);
    const last = await stores.iocs.lastSightingId();
    for (const d of docs) expect(await stores.iocs.saveDocumentIocs(d)).toEqual({ newIocs: 0, newSightings: 0 });
    expect(await everything(stores, 1000)).toEqual(before);
    expect(await stores.iocs.lastSightingId()).toBe(last);
    expect(await stores.iocs.sightingsSince(last, 10)).toEqual([]);

    // The first pulse changes: its first indicator (also in the repeat) and its last one (only there) go.
    const first = docs[0] as DocumentIocs;
    const dropped = first.iocs.slice(1, -1);
    const changed = { ...first, iocs: dropped };
    const gone = first.iocs[first.iocs.length - 1] as Ioc;
    const shared = first.iocs[0] as Ioc;
    expect(await stores.iocs.saveDocumentIocs(changed)).toEqual({ newIocs: 0, newSightings: 0 });
    const want = expected([changed, ...docs.slice(1)]);
    expect(await stores.iocs.countIocs({})).toBe(want.size);
    expect(await stores.iocs.getIoc(gone.type, gone.value)).toBeNull();
    const still = await stores.iocs.getIoc(shared.type, shared.value);
    expect(still).toMatchObject({ sightings: 1, sources: ['blog'], firstSeen: '2016-01-01T00:00:00.000Z', tlp: 'amber' });
    expect((await stores.iocs.sightings(shared.type, shared.value)).map((s) => s.documentId)).toEqual(['intel-repeat0000000000000']);
    expect(await stores.iocs.lastSightingId()).toBe(last);
    // Back as it was: new sightings, with new ids, in the feed.
    const back = await stores.iocs.saveDocumentIocs(first);
    expect(back).toEqual({ newIocs: 1, newSightings: 2 });
    const feed = await stores.iocs.sightingsSince(last, 10);
    expect(feed.map((s) => `${s.type} ${s.value}`).sort()).toEqual([`${shared.type} ${shared.value}`, `${gone.type} ${gone.value}`].sort());
    expect(feed.every((s) => s.id > last && s.documentId === first.documentId && s.source === 'otx')).toBe(true);
    expect(await stores.iocs.lastSightingId()).toBe(Math.max(...feed.map((s) => s.id)));
  });

  it('lists the indicators of a document and the sightings of an indicator, newest first', async () => {
    const d = docs[2] as DocumentIocs;
    const own = await stores.iocs.iocsOfDocument(d.documentId);
    expect(own.map((i) => `${i.type} ${i.value}`).sort()).toEqual([...new Set(d.iocs.map((i) => `${i.type} ${i.value}`))].sort());
    const shared = (docs[0] as DocumentIocs).iocs[1] as Ioc;
    const s = await stores.iocs.sightings(shared.type, shared.value);
    expect(s.map((x) => x.seen)).toEqual(['2016-01-01T00:00:00.000Z', (docs[0] as DocumentIocs).seen]);
    expect(s[1]).toMatchObject({ source: 'otx', original: shared.original, tlp: 'clear', title: null });
    expect(await stores.iocs.sightings(shared.type, shared.value, 1)).toHaveLength(1);
  });

  it('keeps analyses and look-ups, and names documents without an analysis', async () => {
    const analysis: AnalysisResult = {
      iocs: [],
      cves: ['CVE-2015-2545'],
      entities: [],
      techniques: [],
      classification: { labels: [] },
      severity: null,
      models: { used: [], missing: ['severity'] },
    };
    expect(await stores.iocs.getDocumentAnalysis('intel-none')).toBeNull();
    await stores.iocs.saveDocumentAnalysis('intel-a', analysis, '2026-01-01T00:00:00.000Z');
    await stores.iocs.saveDocumentAnalysis('intel-a', { ...analysis, cves: [] }, '2026-01-02T00:00:00.000Z');
    expect(await stores.iocs.getDocumentAnalysis('intel-a')).toEqual({ analysis: { ...analysis, cves: [] }, analysed: '2026-01-02T00:00:00.000Z' });
    expect(await stores.iocs.documentsWithoutAnalysis(10)).toEqual([]);

    await stores.iocs.saveLookup({
      provider: 'virustotal',
      type: 'domain',
      value: 'example.org',
      fetched: '2026-01-01T00:00:00.000Z',
      body: { data: { id: 'x' } },
    });
    await stores.iocs.saveLookup({
      provider: 'virustotal',
      type: 'md5',
      value: 'd41d8cd98f00b204e9800998ecf8427e',
      fetched: '2026-01-01T00:00:00.000Z',
      body: null,
    });
    expect(await stores.iocs.getLookup('virustotal', 'domain', 'example.org')).toMatchObject({ body: { data: { id: 'x' } } });
    expect(await stores.iocs.getLookup('virustotal', 'md5', 'd41d8cd98f00b204e9800998ecf8427e')).toMatchObject({ body: null });
    expect(await stores.iocs.getLookup('virustotal', 'ipv4', '192.0.2.1')).toBeNull();
  });
});

describe.skipIf(!hasCorpus() || TEST_BACKEND !== 'sqlite')('IocStore on the SQLite writer thread', () => {
  it('answers like the store on this thread', async () => {
    const stores = await openTestStores({ writer: true });
    try {
      const d = documentOf(pulses()[4] as Pulse, 4);
      expect(stores.iocsWriter === stores.iocs).toBe(false);
      const r = await stores.iocsWriter.saveDocumentIocs(d);
      expect(r.newIocs).toBe(new Set(d.iocs.map((i) => `${i.type} ${i.value}`)).size);
      expect(await stores.iocs.countIocs({})).toBe(r.newIocs);
      expect((await stores.iocsWriter.listIocs({})).items).toEqual((await stores.iocs.listIocs({})).items);
    } finally {
      await stores.close();
    }
  });
});
