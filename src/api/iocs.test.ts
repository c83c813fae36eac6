/**
 * The IOC API (issue 14) over the API fixture, on both back ends: a real corpus feed (Microsoft
 * Security Blog, full texts with hashes, domains and addresses) replayed by a loopback site and
 * collected through the API is analysed on arrival; `/api/v1/iocs` then serves exactly what the
 * analyzer finds in the stored documents (checked against the analyzer's own output on the same
 * texts), one indicator with its sightings, the CSV export, `analysis` on a document, and
 * re-analysis that changes nothing.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoredIntelDocument } from '../intel/types.ts';
import { analysedText, reanalyse } from '../iocs/analyse.ts';
import type { StoredIoc } from '../iocs/types.ts';
import { createLogger } from '../log.ts';
import { sharedAnalyzer } from '../nlp/analyze.ts';
import { startTestApi, type TestApi } from '../testing/api.ts';
import { corpusPath, hasCorpus } from '../testing/corpus.ts';
import { type IntelSite, startIntelSite } from '../testing/intel-site.ts';

const MICROSOFT = corpusPath('news', 'feeds', 'tsummey_cyberdash', 'microsoftsecurity.xml');

describe.skipIf(!hasCorpus())('IOC API', () => {
  let api: TestApi;
  let site: IntelSite;
  let token = '';
  const models = mkdtempSync(path.join(tmpdir(), 'vigil-iocs-models-'));
  /** What the analyzer finds in the stored documents: `type value` → ids of the documents naming it. */
  const expected = new Map<string, Set<string>>();
  let documents: StoredIntelDocument[] = [];

  beforeAll(async () => {
    site = await startIntelSite([{ file: MICROSOFT, origin: 'https://www.microsoft.com', path: '/en-us/security/blog/feed/' }]);
    api = await startTestApi({
      configure: (c) => {
        Object.assign(c.intel, { allowHosts: ['127.0.0.1'], minDelaySeconds: 0 });
        // No trained model: the analysis is the extractor's and the gazetteers' (fast, and the same on every machine).
        c.nlp.modelDir = models;
      },
    });
    token = await api.login('ana');
    const source = {
      name: 'ms-blog',
      kind: 'feed',
      url: site.feedUrl(MICROSOFT),
      robots: 'ignore',
      minDelaySeconds: 0,
      fetchArticles: 'never',
      minContentLength: 0,
    };
    expect((await call('POST', '/api/v1/scraping/sources', source)).statusCode).toBe(201);
    const collected = await call('POST', '/api/v1/scraping/sources/ms-blog/collect');
    expect(collected.json().report?.created, collected.body).toBeGreaterThan(5);

    const analyzer = await sharedAnalyzer(api.config);
    const summaries = await api.stores.intel.listDocuments({ limit: 500 });
    documents = (await Promise.all(summaries.map((s) => api.stores.intel.getDocument(s.id)))).filter((d) => d !== null);
    for (const doc of documents) {
      for (const ioc of analyzer.analyze(analysedText(doc), doc.language ? { lang: doc.language } : {}).iocs) {
        const key = `${ioc.type} ${ioc.value}`;
        expected.set(key, (expected.get(key) ?? new Set()).add(doc.id));
      }
    }
  }, 120_000);
  afterAll(async () => {
    await api?.close();
    await site?.close();
    rmSync(models, { recursive: true, force: true });
  });

  function call(method: 'GET' | 'POST', url: string, payload?: object) {
    return api.app.inject({ method, url, headers: { authorization: `Bearer ${token}` }, ...(payload ? { payload } : {}) });
  }

  async function everyPage(query = '', limit = 40): Promise<StoredIoc[]> {
    const all: StoredIoc[] = [];
    let cursor: string | null = null;
    do {
      const res = await call('GET', `/api/v1/iocs?limit=${limit}${query}${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.statusCode, res.body).toBe(200);
      const page = res.json() as { items: StoredIoc[]; nextCursor: string | null; total: number };
      all.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    return all;
  }

  it('serves what the analyzer finds in the stored documents, each with its sightings', async () => {
    // The feed's posts carry hashes and addresses: an empty extraction would prove nothing.
    expect([...expected.keys()].filter((k) => k.startsWith('sha256 ')).length).toBeGreaterThan(5);
    const served = await everyPage();
    expect(served.map((i) => `${i.type} ${i.value}`).sort()).toEqual([...expected.keys()].sort());
    for (const i of served) expect(i.sightings, `${i.type} ${i.value}`).toBe(expected.get(`${i.type} ${i.value}`)?.size);
    expect(served.every((i) => i.sources.join() === 'ms-blog' && i.tlp === 'clear')).toBe(true);
    const first = await call('GET', '/api/v1/iocs?limit=1');
    expect(first.json().total).toBe(expected.size);

    const sha256 = [...expected.keys()].filter((k) => k.startsWith('sha256 '));
    const bySha = await everyPage('&type=sha256');
    expect(bySha.map((i) => `${i.type} ${i.value}`).sort()).toEqual(sha256.sort());
    const flagged = (await everyPage('&warning=true')).length;
    expect(flagged + (await everyPage('&warning=false')).length).toBe(expected.size);
    expect((await call('GET', '/api/v1/iocs?source=no-such-source')).json()).toMatchObject({ items: [], total: 0, nextCursor: null });
    expect((await call('GET', '/api/v1/iocs?since=2999-01-01')).json().total).toBe(0);
    expect((await call('GET', '/api/v1/iocs?cursor=bm90IGEgY3Vyc29y')).json().code).toBe('VIGIL_BAD_REQUEST');
    expect((await call('GET', '/api/v1/iocs?since=2025-02-30')).json().code).toBe('VIGIL_BAD_REQUEST');
    expect((await call('GET', '/api/v1/iocs/export.csv?since=2025-01-01T99:99')).json().code).toBe('VIGIL_BAD_REQUEST');
    expect((await call('GET', '/api/v1/iocs?type=nonsense')).statusCode).toBe(400);
  });

  it('answers one indicator with its sightings and their documents, a URL one by its encoded value, 404 for an unknown one', async () => {
    const [key] = [...expected.entries()].sort((a, b) => b[1].size - a[1].size)[0] ?? [];
    const [type, value] = (key as string).split(' ') as [string, string];
    const res = await call('GET', `/api/v1/iocs/${type}/${encodeURIComponent(value)}`);
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json() as { ioc: StoredIoc; sightings: { documentId: string; title: string; seen: string }[] };
    expect(body.ioc).toMatchObject({ type, value, sightings: expected.get(key as string)?.size });
    expect(new Set(body.sightings.map((s) => s.documentId))).toEqual(expected.get(key as string));
    const titles = new Map(documents.map((d) => [d.id, d.title]));
    for (const s of body.sightings) expect(s.title).toBe(titles.get(s.documentId));
    expect(body.sightings.map((s) => s.seen)).toEqual([...body.sightings.map((s) => s.seen)].sort().reverse());

    const url = [...expected.keys()].find((k) => k.startsWith('url ') && k.slice(4).includes('/', 8));
    if (url) expect((await call('GET', `/api/v1/iocs/url/${encodeURIComponent(url.slice(4))}`)).json().ioc?.value).toBe(url.slice(4));
    const missing = await call('GET', '/api/v1/iocs/domain/not-seen.example');
    expect([missing.statusCode, missing.json().code]).toEqual([404, 'VIGIL_NOT_FOUND']);
  });

  it('exports the same indicators as CSV', async () => {
    const res = await call('GET', '/api/v1/iocs/export.csv');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
    const rows = parse(res.body, { columns: true }) as Record<string, string>[];
    expect(rows.map((r) => `${r.type} ${r.value}`).sort()).toEqual([...expected.keys()].sort());
    for (const r of rows) expect(Number(r.sightings)).toBe(expected.get(`${r.type} ${r.value}`)?.size);
    const hashes = parse((await call('GET', '/api/v1/iocs/export.csv?type=sha256')).body, { columns: true }) as unknown[];
    expect(hashes.length).toBe([...expected.keys()].filter((k) => k.startsWith('sha256 ')).length);
  });

  it('shows the analysis on the document, and analysing again changes nothing', async () => {
    const doc = documents.find((d) => [...expected.values()].some((ids) => ids.has(d.id))) as StoredIntelDocument;
    const res = await call('GET', `/api/v1/intel/${doc.id}`);
    expect(res.statusCode, res.body).toBe(200);
    const analyzer = await sharedAnalyzer(api.config);
    expect(res.json().analysis.iocs).toEqual(analyzer.analyze(analysedText(doc), doc.language ? { lang: doc.language } : {}).iocs);
    expect(res.json().analysed).toMatch(/^\d{4}-\d{2}-\d{2}T/);

    const before = await everyPage('', 1000);
    const last = await api.stores.iocs.lastSightingId();
    const deps = {
      analyzer: () => sharedAnalyzer(api.config),
      iocs: api.stores.iocs,
      tlp: 'clear' as const,
      log: createLogger('silent'),
      now: () => new Date(),
    };
    expect(await reanalyse(deps, api.stores.intel)).toMatchObject({ analysed: 0 });
    const again = await reanalyse(deps, api.stores.intel, { all: true });
    expect(again).toEqual({ analysed: documents.length, failed: 0, newIocs: 0, newSightings: 0 });
    expect(await everyPage('', 1000)).toEqual(before);
    expect(await api.stores.iocs.lastSightingId()).toBe(last);
  });

  it('analyses stored documents that have no analysis yet (vigil iocs reanalyse)', async () => {
    // Copies stored without the collector (as before issue 14): no analysis, no sightings.
    const copies = documents.slice(0, 3).map((d, i) => ({ ...d, id: `intel-c0ffee${String(i).padStart(14, '0')}`, url: `${d.url}#copy` }));
    await api.stores.intel.saveDocuments(copies);
    expect((await api.stores.iocs.documentsWithoutAnalysis(10)).sort()).toEqual(copies.map((c) => c.id).sort());
    const deps = {
      analyzer: () => sharedAnalyzer(api.config),
      iocs: api.stores.iocs,
      tlp: 'clear' as const,
      log: createLogger('silent'),
      now: () => new Date(),
    };
    const progress: number[] = [];
    const report = await reanalyse(deps, api.stores.intel, { batch: 2, onProgress: (done) => progress.push(done) });
    expect(report).toMatchObject({ analysed: 3, failed: 0, newIocs: 0 });
    expect(progress).toEqual([2, 3]);
    expect(await api.stores.iocs.documentsWithoutAnalysis(10)).toEqual([]);
    const iocsOf = (id: string) => [...expected.values()].filter((ids) => ids.has(id)).length;
    expect(report.newSightings).toBe(documents.slice(0, 3).reduce((n, d) => n + iocsOf(d.id), 0));
  });
});
