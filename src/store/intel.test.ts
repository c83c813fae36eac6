import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hammingDistance, simhash } from '../intel/dedupe/simhash.ts';
import { type FeedItem, htmlToText, parseFeed } from '../intel/feeds/parse.ts';
import { type IntelDocument, type IntelSource, NEAR_DUPLICATE_BITS } from '../intel/types.ts';
import { corpusPath, hasCorpus } from '../testing/corpus.ts';
import { openTestStores, type TestStores } from '../testing/store.ts';

const FETCHED = '2026-08-01T10:00:00.000Z';

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** A feed item as the collector would store it (a simple stand-in for intel/collect.ts). */
function toDocument(item: FeedItem, source: string, fetchedAt = FETCHED): IntelDocument {
  const url = item.url as string;
  const title = item.title ?? '';
  const html = item.contentHtml ? htmlToText(item.contentHtml) : '';
  const text = html.length > (item.summary?.length ?? 0) ? html : (item.summary ?? '');
  const cves = [...new Set((`${title}\n${text}`.match(/CVE-\d{4}-\d{4,}/gi) ?? []).map((c) => c.toUpperCase()))].sort();
  return {
    id: `intel-${sha256(url).slice(0, 20)}`,
    source,
    url,
    canonicalUrl: url,
    title,
    author: item.author,
    published: item.published,
    fetchedAt,
    language: 'en',
    text,
    summary: text.slice(0, 500) || null,
    contentHash: sha256(`${title}\n${text}`),
    simhash: simhash(text),
    tags: item.categories,
    cves,
  };
}

function feedDocuments(file: string, source: string): IntelDocument[] {
  const feed = parseFeed(readFileSync(corpusPath(...file.split('/'))), 'https://feeds.example.org/');
  return feed.items.filter((i) => i.url).map((i) => toDocument(i, source));
}

/** The same document with its text (and so its hashes) replaced. */
function withText(d: IntelDocument, text: string, fetchedAt: string): IntelDocument {
  return { ...d, text, fetchedAt, summary: text.slice(0, 500), contentHash: sha256(`${d.title}\n${text}`), simhash: simhash(text) };
}

function source(name: string, over: Partial<IntelSource> = {}): IntelSource {
  return {
    name,
    kind: 'feed',
    url: `https://${name}.example.org/feed`,
    enabled: true,
    intervalSeconds: 3600,
    proxy: 'none',
    headers: {},
    minDelaySeconds: null,
    robots: 'obey',
    fetchArticles: 'auto',
    selectors: {},
    follow: null,
    maxPages: 20,
    maxDepth: 1,
    minContentLength: 200,
    tags: ['news'],
    createdAt: '2026-08-01T00:00:00.000Z',
    updatedAt: '2026-08-01T00:00:00.000Z',
    ...over,
  };
}

/** Ids newest first as the store orders them (`published ?? fetchedAt`, then id, both descending). */
function newestFirst(docs: IntelDocument[]): string[] {
  const key = (d: IntelDocument) => d.published ?? d.fetchedAt;
  return [...docs].sort((a, b) => (key(a) === key(b) ? (a.id < b.id ? 1 : -1) : key(a) < key(b) ? 1 : -1)).map((d) => d.id);
}

describe.skipIf(!hasCorpus())('IntelStore on the corpus news feeds', () => {
  let stores: TestStores;
  const bleeping = () => feedDocuments('news/feeds/tsummey_cyberdash/bleepingcomputer.xml', 'bleepingcomputer');
  const cisa = () => feedDocuments('news/feeds/tsummey_cyberdash/cybersecurity-advisories.xml', 'cisa');
  const thn = () => feedDocuments('news/feeds/b2ngyon_ainews_fixtures/thehackernews.xml', 'thehackernews');
  let all: IntelDocument[];
  /** The near-duplicate of a CISA advisory (test 3). */
  let near: IntelDocument;

  beforeAll(async () => {
    stores = await openTestStores();
    all = [...bleeping(), ...cisa(), ...thn()];
  });
  afterAll(async () => {
    await stores?.close();
  });

  async function historyCount(): Promise<number> {
    let n = 0;
    for (const d of all) n += (await stores.intel.getDocument(d.id))?.history.length ?? 0;
    return n;
  }

  it('creates every document once; saving them again is unchanged and writes nothing', async () => {
    expect(all).toHaveLength(29);
    const first = await stores.intel.saveDocuments(all);
    expect([first.created, first.changed, first.unchanged]).toEqual([29, 0, 0]);
    expect(first.changes.map((c) => [c.documentId, c.kind, c.previousHash])).toEqual(all.map((d) => [d.id, 'created', null]));
    expect(await stores.intel.countDocuments({})).toBe(29);
    const stored = await stores.intel.getDocument(all[0]?.id as string);
    expect(stored).toMatchObject({ ...all[0], cluster: all[0]?.id, clusterSize: 1 });
    expect(stored?.history).toEqual([
      { documentId: all[0]?.id, at: FETCHED, kind: 'created', previousHash: null, contentHash: all[0]?.contentHash, title: all[0]?.title },
    ]);

    // Fetched again later with the same content: nothing written, not even fetchedAt.
    const again = await stores.intel.saveDocuments(all.map((d) => ({ ...d, fetchedAt: '2026-08-02T10:00:00.000Z' })));
    expect(again).toEqual({ created: 0, changed: 0, unchanged: 29, changes: [] });
    expect(await historyCount()).toBe(29);
    expect((await stores.intel.getDocument(all[0]?.id as string))?.fetchedAt).toBe(FETCHED);
  });

  it('a changed text replaces the row, keeps firstSeen, source and cluster, and adds a changed history row', async () => {
    const doc = all[3] as IntelDocument;
    const before = await stores.intel.getDocument(doc.id);
    const changed = withText(doc, `${doc.text} Update: the vendor released Quuxfix.`, '2026-08-03T10:00:00.000Z');
    const r = await stores.intel.saveDocuments([{ ...changed, source: 'someone-else' }]);
    expect([r.created, r.changed, r.unchanged]).toEqual([0, 1, 0]);
    expect(r.changes).toEqual([
      {
        documentId: doc.id,
        at: changed.fetchedAt,
        kind: 'changed',
        previousHash: doc.contentHash,
        contentHash: changed.contentHash,
        title: doc.title,
        cluster: doc.id,
      },
    ]);
    const after = await stores.intel.getDocument(doc.id);
    expect(after).toMatchObject({
      text: changed.text,
      fetchedAt: changed.fetchedAt,
      source: 'bleepingcomputer',
      firstSeen: before?.firstSeen,
      cluster: before?.cluster,
    });
    expect(after?.history.map((h) => h.kind)).toEqual(['created', 'changed']);
    expect(await historyCount()).toBe(30);
    // The new text is searchable, the old version's row gone.
    expect((await stores.intel.listDocuments({ text: 'vendor quuxfix' })).map((d) => d.id)).toEqual([doc.id]);

    // An id new to the store given twice in one batch: created, then changed, the last version stored.
    const fresh = { ...doc, id: 'intel-twice', url: 'https://twice.example.org/', source: 'twice' };
    const second = withText(fresh, `${doc.text} Second version.`, '2026-08-03T11:00:00.000Z');
    const twice = await stores.intel.saveDocuments([fresh, second, second]);
    expect([twice.created, twice.changed, twice.unchanged]).toEqual([1, 1, 1]);
    expect(await stores.intel.getDocument('intel-twice')).toMatchObject({ text: second.text, history: [{ kind: 'created' }, { kind: 'changed' }] });
  });

  it('a near-duplicate at another URL joins the first story cluster; documents of one batch cluster with each other', async () => {
    const advisories = cisa();
    const original = advisories.find((d) => d.cves.length > 10) as IntelDocument;
    const words = original.text.split(' ');
    const i = Math.floor(words.length / 2);
    words[i] = words[i] === 'critical' ? 'severe' : 'critical';
    const url = `${original.url}?copy=1`;
    near = {
      ...withText(original, words.join(' '), '2026-08-04T10:00:00.000Z'),
      id: `intel-${sha256(url).slice(0, 20)}`,
      url,
      canonicalUrl: url,
      source: 'mirror',
    };
    expect(near.contentHash).not.toBe(original.contentHash);
    expect(hammingDistance(near.simhash, original.simhash)).toBeLessThanOrEqual(NEAR_DUPLICATE_BITS);
    const r = await stores.intel.saveDocuments([near]);
    expect(r.changes).toMatchObject([{ documentId: near.id, kind: 'created', cluster: original.id }]);
    expect(await stores.intel.getDocument(near.id)).toMatchObject({ cluster: original.id, clusterSize: 2 });
    expect(await stores.intel.getDocument(original.id)).toMatchObject({ cluster: original.id, clusterSize: 2 });
    expect((await stores.intel.listDocuments({ cluster: original.id })).map((d) => [d.id, d.clusterSize])).toEqual(
      newestFirst([original, near]).map((id) => [id, 2]),
    );

    // Two new near-duplicates of one another (not of anything stored), in one batch: a digest of
    // the week's Hacker News and BleepingComputer stories, and the same with one word changed.
    const base = thn()[0] as IntelDocument;
    const digest = [...thn(), ...bleeping()].map((d) => d.text).join(' ');
    const a = { ...withText(base, digest, FETCHED), id: 'intel-batch-a', url: 'https://a.example.org/1', source: 'digest' };
    const b = { ...withText(a, digest.replace(/\bthe\b/, 'a'), FETCHED), id: 'intel-batch-b', url: 'https://b.example.org/1' };
    for (const d of all) expect(hammingDistance(a.simhash, d.simhash)).toBeGreaterThan(NEAR_DUPLICATE_BITS);
    expect(hammingDistance(a.simhash, b.simhash)).toBeLessThanOrEqual(NEAR_DUPLICATE_BITS);
    const batch = await stores.intel.saveDocuments([b, a]);
    expect(batch.changes.map((c) => [c.documentId, c.cluster])).toEqual([
      ['intel-batch-b', 'intel-batch-b'],
      ['intel-batch-a', 'intel-batch-b'],
    ]);
    expect(await stores.intel.getDocument('intel-batch-a')).toMatchObject({ clusterSize: 2 });
  });

  it('near-duplicates saved by two writers at once share one cluster', async () => {
    // The words of the week's stories in alphabetical order: near nothing stored.
    const words = [...thn(), ...bleeping()].flatMap((d) => d.text.split(/\s+/)).sort();
    const base = thn()[1] as IntelDocument;
    const x = { ...withText(base, words.join(' '), FETCHED), id: 'intel-writer-x', url: 'https://x.example.org/', source: 'digest' };
    const y = { ...withText(base, words.slice(1).join(' '), FETCHED), id: 'intel-writer-y', url: 'https://y.example.org/', source: 'digest' };
    expect(hammingDistance(x.simhash, y.simhash)).toBeLessThanOrEqual(NEAR_DUPLICATE_BITS);
    const stored = await stores.intel.listDocuments({ limit: 500 });
    for (const d of stored) expect(hammingDistance(x.simhash, (await stores.intel.getDocument(d.id))?.simhash as string)).toBeGreaterThan(NEAR_DUPLICATE_BITS);
    const [rx, ry] = await Promise.all([stores.intel.saveDocuments([x]), stores.intel.saveDocuments([y])]);
    expect(rx?.changes[0]?.cluster).toBe(ry?.changes[0]?.cluster);
    expect(await stores.intel.getDocument(x.id)).toMatchObject({ clusterSize: 2 });
  });

  it('filters by source, CVE, date, words and cluster, and pages newest first', async () => {
    const docs = { bleeping: bleeping(), cisa: cisa(), thn: thn() };
    const ids = async (q: Parameters<typeof stores.intel.listDocuments>[0]) => (await stores.intel.listDocuments(q)).map((d) => d.id);
    expect(await ids({ source: 'bleepingcomputer' })).toEqual(newestFirst(docs.bleeping));
    expect(await stores.intel.countDocuments({ source: 'cisa' })).toBe(10);
    // Every CVE named: the stored documents naming it (the near-duplicate names its original's), newest first.
    const stored = [...docs.cisa, ...docs.bleeping, ...docs.thn, near];
    const named = [...new Set(stored.flatMap((d) => d.cves))];
    expect(named.length).toBeGreaterThan(50);
    for (const cve of named) {
      const expected = newestFirst(stored.filter((d) => d.cves.includes(cve)));
      expect(await ids({ cve: cve.toLowerCase(), limit: 500 })).toEqual(expected);
      expect((await stores.intel.documentsForCve(cve)).map((d) => d.id)).toEqual(expected.slice(0, 20));
    }
    const shared = named.find((cve) => stored.filter((d) => d.cves.includes(cve)).length > 1) as string;
    expect(await stores.intel.documentsForCve(shared, 1)).toHaveLength(1);
    expect(await stores.intel.countDocuments({ cve: shared, source: 'mirror' })).toBe(near.cves.includes(shared) ? 1 : 0);
    expect(await ids({ source: 'thehackernews', since: '2026-07-28' })).toEqual(newestFirst(docs.thn.filter((d) => (d.published as string) >= '2026-07-28')));
    await expect(stores.intel.listDocuments({ since: '2026-02-30' })).rejects.toThrow(RangeError);

    // Words ANDed over title and text; query syntax typed by a user is just words.
    const target = docs.bleeping[5] as IntelDocument;
    const [w1, w2] = target.title.split(/\W+/).filter((w) => w.length > 5);
    expect(await ids({ text: `${w1} ${w2}` })).toContain(target.id);
    expect(await ids({ text: `${w1} xyzzyplugh` })).toEqual([]);
    for (const hostile of ['"', '*', 'OR', ')(', `"${w1}" OR *`, 'NEAR(a b)', "'; DROP TABLE x; --", '-', '_']) {
      await expect(stores.intel.listDocuments({ text: hostile })).resolves.toBeInstanceOf(Array);
      await expect(stores.intel.countDocuments({ text: hostile })).resolves.toBeTypeOf('number');
    }
    expect(await ids({ text: `(${w1}) AND "${w2}*"` })).toContain(target.id);

    // Keyset pages of 7 cover the whole list once, in order.
    const everything = await ids({ limit: 500 });
    expect(everything).toHaveLength(await stores.intel.countDocuments({}));
    const paged: string[] = [];
    let after: { date: string; id: string } | undefined;
    for (;;) {
      const page = await stores.intel.listDocuments({ limit: 7, after });
      paged.push(...page.map((d) => d.id));
      const last = page.at(-1);
      if (page.length < 7 || !last) break;
      after = { date: last.published ?? last.fetchedAt, id: last.id };
    }
    expect(paged).toEqual(everything);
    expect(await stores.intel.listDocuments({ limit: 0 })).toHaveLength(1);
    expect(await stores.intel.listDocuments({})).toHaveLength(Math.min(50, everything.length));
  });

  it('counts documents per source, defined sources included', async () => {
    await stores.intel.saveSource(source('empty'));
    const counts = await stores.intel.sourceCounts();
    expect(counts.map((c) => c.source)).toEqual(['bleepingcomputer', 'cisa', 'digest', 'empty', 'mirror', 'thehackernews', 'twice']);
    expect(counts.find((c) => c.source === 'empty')).toEqual({ source: 'empty', documents: 0, lastFetched: null });
    expect(counts.find((c) => c.source === 'bleepingcomputer')).toEqual({ source: 'bleepingcomputer', documents: 12, lastFetched: '2026-08-03T10:00:00.000Z' });
    expect(counts.find((c) => c.source === 'thehackernews')?.documents).toBe(7);
    expect(counts.find((c) => c.source === 'digest')?.documents).toBe(4);
  });

  it('sources round-trip, upsert, list by name and delete', async () => {
    const page = source('cert-fr', {
      kind: 'page',
      enabled: false,
      proxy: 'socks5h://127.0.0.1:9050',
      headers: { Cookie: 'a=b' },
      minDelaySeconds: 2.5,
      robots: 'ignore',
      fetchArticles: 'never',
      selectors: { title: 'h1', content: 'article p', links: 'a.more' },
      follow: '^https://cert\\.example\\.org/avis/',
      maxPages: 50,
      maxDepth: 2,
      tags: ['cert', 'fr'],
    });
    await stores.intel.saveSource(page);
    expect(await stores.intel.getSource('cert-fr')).toEqual(page);
    const updated = { ...page, enabled: true, tags: [], updatedAt: '2026-08-05T00:00:00.000Z' };
    await stores.intel.saveSource(updated);
    expect(await stores.intel.getSource('cert-fr')).toEqual(updated);
    expect((await stores.intel.listSources()).map((s) => s.name)).toEqual(['cert-fr', 'empty']);
    expect(await stores.intel.deleteSource('cert-fr')).toBe(true);
    expect(await stores.intel.deleteSource('cert-fr')).toBe(false);
    expect(await stores.intel.getSource('cert-fr')).toBeNull();
  });

  it('validators round-trip and are replaced', async () => {
    const url = 'https://www.bleepingcomputer.com/feed/';
    expect(await stores.intel.getValidators(url)).toBeNull();
    const v = { url, etag: 'W/"abc"', lastModified: 'Thu, 24 Jul 2025 21:34:13 GMT', fetchedAt: FETCHED };
    await stores.intel.saveValidators(v);
    expect(await stores.intel.getValidators(url)).toEqual(v);
    const next = { url, etag: null, lastModified: null, fetchedAt: '2026-08-02T10:00:00.000Z' };
    await stores.intel.saveValidators(next);
    expect(await stores.intel.getValidators(url)).toEqual(next);
  });
});
