/**
 * Elasticsearch/OpenSearch indexing (issue 15) on a store filled from the corpus (400 CVE 5
 * records, KEV, part of an EPSS day, GHSA and Exploit-DB advisories, two news feeds as intel
 * documents, their indicators and a Unit 42 IOC list). No engine runs here: the Elastic client
 * talks to @elastic/elasticsearch-mock (Elastic's own mock of the HTTP layer), the OpenSearch client
 * to a loopback HTTP server that records what it receives. What this cannot show is that a real
 * engine accepts the templates and documents (docs/elasticsearch.md, "Untested").
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config.ts';
import { simhash } from '../intel/dedupe/simhash.ts';
import { parseFeed } from '../intel/feeds/parse.ts';
import type { IntelDocument } from '../intel/types.ts';
import { createLogger } from '../log.ts';
import { extractIocs } from '../nlp/ioc/extract.ts';
import { importFiles } from '../pipeline.ts';
import { findSource } from '../sources/registry.ts';
import { runCli } from '../testing/cli.ts';
import { corpusPath, hasCorpus } from '../testing/corpus.ts';
import { openTestStores, type TestStores } from '../testing/store.ts';
import { cursorStore, type SearchFeed, targetKey } from './cursors.ts';
import { allDocs, iocDocId, type SearchDoc } from './documents.ts';
import { createEngine, type EsSettings, type SearchEngine } from './engine.ts';
import { SearchIndexer, startSearchIndexer } from './indexer.ts';
import { type FieldMapping, indexName, MAPPINGS, parseKinds, SEARCH_KINDS, type SearchKind, TIME_FIELDS } from './mappings.ts';
import { writeEsExport } from './ndjson.ts';

const log = createLogger('silent');
/**
 * The mock and the client's error classes as CommonJS, the way the mock loads the client: the
 * mock recognises an error answer by `instanceof` the CommonJS classes (the ESM entry's differ).
 */
const require = createRequire(import.meta.url);
const Mock = require('@elastic/elasticsearch-mock') as typeof import('@elastic/elasticsearch-mock').default;
const { errors } = require('@elastic/elasticsearch') as typeof import('@elastic/elasticsearch');
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** Two news feeds of the corpus as intel documents (a stand-in for intel/collect.ts). */
function intelDocuments(): IntelDocument[] {
  const feeds = [
    ['cisa', 'https://www.cisa.gov/cybersecurity-advisories/all.xml', 'cybersecurity-advisories.xml'],
    ['bleepingcomputer', 'https://www.bleepingcomputer.com/feed/', 'bleepingcomputer.xml'],
  ] as const;
  return feeds.flatMap(([source, feedUrl, file]) =>
    parseFeed(readFileSync(corpusPath('news', 'feeds', 'tsummey_cyberdash', file)), feedUrl).items.map((item): IntelDocument => {
      const url = item.url ?? item.guid;
      const text = item.summary ?? '';
      const title = item.title ?? '';
      return {
        id: `intel-${sha256(url).slice(0, 20)}`,
        source,
        url,
        canonicalUrl: url,
        title,
        author: item.author,
        published: item.published,
        fetchedAt: '2026-08-16T09:00:00.000Z',
        language: 'en',
        text,
        summary: text.slice(0, 500),
        contentHash: sha256(`${title}\n${text}`),
        simhash: simhash(text),
        tags: item.categories,
        cves: [...new Set((`${title}\n${text}`.match(/CVE-\d{4}-\d{4,}/gi) ?? []).map((c) => c.toUpperCase()))].sort(),
      };
    }),
  );
}

async function fill(stores: TestStores, dir: string): Promise<IntelDocument[]> {
  const run = async (source: string, paths: string[]) => {
    const s = await importFiles(
      findSource(source).source,
      paths.map((p) => corpusPath(p)),
      { store: stores.store, log },
    );
    if (s.error) throw new Error(`${source}: ${s.error}`);
  };
  await run('cve5', ['cve5/records']);
  await run('kev', ['cisa-kev/known_exploited_vulnerabilities.json']);
  // EPSS: the real day cut to the stored CVEs (the whole day is 360k rows).
  const known = new Set((await stores.store.rank({ limit: 10_000, includeRejected: true })).map((r) => r.id));
  const lines = gunzipSync(readFileSync(corpusPath('epss', 'emba-epss-2026-08-16.ssv.gz')))
    .toString('utf8')
    .split('\n');
  const epss = path.join(dir, 'emba-epss-2026-08-16.ssv.gz');
  writeFileSync(epss, gzipSync(lines.filter((l, i) => i < 2 || known.has(l.split(';')[0] ?? '')).join('\n')));
  const e = await importFiles(findSource('epss').source, [epss], { store: stores.store, log });
  if (e.error) throw new Error(`epss: ${e.error}`);
  await run('osv', ['ghsa/advisories']);
  await run('exploitdb', ['exploitdb/files_exploits-sample.csv']);
  const docs = intelDocuments();
  await stores.intel.saveDocuments(docs);
  for (const d of docs) {
    const iocs = extractIocs(`${d.title}\n${d.text}`);
    await stores.iocs.saveDocumentIocs({ documentId: d.id, source: d.source, seen: d.published ?? d.fetchedAt, tlp: 'clear', iocs, cves: d.cves });
  }
  // A Unit 42 list of domains, as found in the first document.
  const unit42 = extractIocs(readFileSync(corpusPath('iocs', 'pan-unit42-iocs', 'escelar', 'domains.txt'), 'utf8'));
  const first = docs[0] as IntelDocument;
  await stores.iocs.saveDocumentIocs({ documentId: first.id, source: first.source, seen: '2026-08-16T10:00:00.000Z', tlp: 'amber', iocs: unit42, cves: [] });
  return docs;
}

/** Every document of a kind, read through the builders. */
async function docsOf(stores: TestStores, kind: SearchKind): Promise<SearchDoc[]> {
  const out: SearchDoc[] = [];
  for await (const b of allDocs(stores, kind)) out.push(...b);
  return out;
}

/** What the store holds of each kind, counted through its own interfaces. */
async function storeCounts(stores: TestStores): Promise<Record<SearchKind, number>> {
  return {
    cves: await stores.store.countRanked({ includeRejected: true }),
    advisories: await stores.store.countAdvisories({}),
    intel: await stores.intel.countDocuments({}),
    iocs: await stores.iocs.countIocs({}),
  };
}

/** The head of each feed now (where a caught-up cursor is). */
async function heads(stores: TestStores): Promise<Record<SearchFeed, string>> {
  return {
    cves: String(await stores.alerts.lastChangeId()),
    'cves-epss': (await stores.alerts.epssDays()).at(-1)?.date ?? '',
    advisories: String(await stores.alerts.lastAdvisoryChangeId()),
    intel: String(await stores.intel.lastIntelChangeId()),
    iocs: String(await stores.iocs.lastSightingId()),
  };
}

/** Marks every feed but `only` as caught up for `target` (a pass then loads only those: shorter tests). */
async function catchUp(stores: TestStores, target: string, only: SearchFeed[]): Promise<void> {
  const cursors = cursorStore(stores, target);
  for (const [feed, head] of Object.entries(await heads(stores)))
    if (!only.includes(feed as SearchFeed)) await cursors.set(feed as SearchFeed, head, '2026-08-16T00:00:00.000Z');
}

const ISO = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?$/;

/** Problems of one value against its mapping: wrong type, unparsable date, unmapped field. */
function typeProblems(value: unknown, m: FieldMapping, at: string): string[] {
  if (value === null || value === undefined) return [];
  if (Array.isArray(value)) return value.flatMap((v, i) => typeProblems(v, m, `${at}[${i}]`));
  switch (m.type) {
    case 'keyword':
    case 'text':
      return typeof value === 'string' ? [] : [`${at}: ${m.type} expects a string, got ${typeof value}`];
    case 'float':
      return typeof value === 'number' && Number.isFinite(value) ? [] : [`${at}: float expects a number`];
    case 'integer':
      return Number.isInteger(value) ? [] : [`${at}: integer expects an integer, got ${String(value)}`];
    case 'boolean':
      return typeof value === 'boolean' ? [] : [`${at}: boolean expects true/false`];
    case 'date':
      return typeof value === 'string' && ISO.test(value) && !Number.isNaN(Date.parse(value)) ? [] : [`${at}: date does not parse: ${String(value)}`];
    case 'object':
      return objectProblems(value as Record<string, unknown>, m.properties ?? {}, at);
  }
}

function objectProblems(doc: Record<string, unknown>, props: Record<string, FieldMapping>, at: string): string[] {
  return Object.entries(doc).flatMap(([k, v]) => {
    const m = props[k];
    if (!m) return [`${at}.${k}: not mapped`];
    return typeProblems(v, m, `${at}.${k}`);
  });
}

/** Settings for an engine at `url`. */
function settings(url: string, more: Partial<EsSettings> = {}): EsSettings {
  return { url, flavor: 'elasticsearch', indexPrefix: 'vigil', apiKey: null, username: null, password: null, batchSize: 200, intervalSeconds: 60, ...more };
}

/** Bulk requests the mock received: pairs of action and source per request. */
type BulkCall = { index: string; id: string; source: Record<string, unknown> }[];

function pairs(body: unknown[]): BulkCall {
  const out: BulkCall = [];
  for (let i = 0; i < body.length; i += 2) {
    const action = (body[i] as { index: { _index: string; _id: string } }).index;
    out.push({ index: action._index, id: action._id, source: body[i + 1] as Record<string, unknown> });
  }
  return out;
}

/** An Elastic client over the mock, recording templates and bulk requests; `bulk` decides each answer. */
async function mockedEngine(answer?: (call: BulkCall, n: number) => unknown) {
  const mock = new Mock();
  const templates = new Map<string, unknown>();
  const bulks: BulkCall[] = [];
  mock.add({ method: 'PUT', path: '/_index_template/:name' }, (params) => {
    templates.set(String(params.path).split('/').pop() as string, params.body);
    return { acknowledged: true };
  });
  mock.add({ method: 'POST', path: '/_bulk' }, (params) => {
    const call = pairs(params.body as unknown as unknown[]);
    bulks.push(call);
    const custom = answer?.(call, bulks.length);
    if (custom !== undefined) return custom as Record<string, unknown>;
    return { took: 1, errors: false, items: call.map((c) => ({ index: { _index: c.index, _id: c.id, status: 201, result: 'created' } })) };
  });
  const engine = await createEngine(settings('http://localhost:9200'), { Connection: mock.getConnection() });
  return { engine, templates, bulks };
}

const noSleep = { sleep: async () => {}, random: () => 0.5 };

describe.skipIf(!hasCorpus())('Elasticsearch/OpenSearch indexing', () => {
  let stores: TestStores;
  let dir: string;
  let intel: IntelDocument[];
  let counts: Record<SearchKind, number>;
  const byKind = {} as Record<SearchKind, SearchDoc[]>;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'vigil-search-'));
    stores = await openTestStores();
    intel = await fill(stores, dir);
    counts = await storeCounts(stores);
    for (const k of SEARCH_KINDS) byKind[k] = await docsOf(stores, k);
  }, 120_000);

  afterAll(async () => {
    await stores?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('builds one document per stored item, with natural ids', () => {
    for (const k of SEARCH_KINDS) {
      expect(counts[k], k).toBeGreaterThan(k === 'advisories' ? 100 : 20);
      expect(byKind[k].length, k).toBe(counts[k]);
      expect(new Set(byKind[k].map((d) => d.id)).size, `${k}: ids unique`).toBe(counts[k]);
    }
    for (const d of byKind.cves) expect(d.id).toBe(d.source.id);
    for (const d of byKind.advisories) expect(d.id).toBe(d.source.id);
    expect(new Set(byKind.intel.map((d) => d.id))).toEqual(new Set(intel.map((d) => d.id)));
    for (const d of byKind.iocs) expect(d.id).toBe(sha256(`${d.source.type}:${d.source.value}`));
    // Real content made it through: KEV CVEs with their date, exploits, warninglist-free Unit 42 domains.
    const kev = byKind.cves.filter((d) => d.source.kev === true);
    expect(kev.length).toBeGreaterThan(0);
    for (const d of kev) expect(d.source.kevDateAdded).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(byKind.advisories.some((d) => d.source.kind === 'exploit' && (d.source.exploit as { platform: string }).platform)).toBe(true);
    expect(byKind.iocs.some((d) => d.source.value === 'bloggarotosdegyn.com.br' && d.source.tlp === 'amber')).toBe(true);
  });

  it('maps every field of every document with the intended type; dates parse', () => {
    for (const k of SEARCH_KINDS) {
      const problems = byKind[k].flatMap((d) => objectProblems(d.source, MAPPINGS[k].properties, `${k}/${d.id}`));
      expect(problems.slice(0, 10), k).toEqual([]);
    }
    // The fields the issue names, with their types.
    const p = MAPPINGS.cves.properties;
    expect([
      p.id?.type,
      p.title?.type,
      p.description?.type,
      p.vendors?.type,
      p.cvssScore?.type,
      p.epss?.type,
      p.kev?.type,
      p.kevDateAdded?.type,
      p.exploits?.type,
      p.priority?.type,
      p.published?.type,
      p.state?.type,
    ]).toEqual(['keyword', 'text', 'text', 'keyword', 'float', 'float', 'boolean', 'date', 'integer', 'float', 'date', 'keyword']);
    expect(MAPPINGS.iocs.properties.firstSeen?.type).toBe('date');
    expect(MAPPINGS.iocs.properties.value?.type).toBe('keyword');
  });

  it('indexes through the Elastic client: templates, bulk bodies, cursors; a second pass sends nothing; re-indexing gives the same ids', async () => {
    const { engine, templates, bulks } = await mockedEngine();
    const indexer = new SearchIndexer({ stores, engine, settings: settings('http://localhost:9200'), log, backoff: noSleep });
    await indexer.installTemplates();
    expect([...templates.keys()].sort()).toEqual(SEARCH_KINDS.map((k) => indexName('vigil', k)).sort());
    for (const k of SEARCH_KINDS) {
      const t = templates.get(indexName('vigil', k)) as { index_patterns: string[]; template: { mappings: unknown } };
      expect(t.index_patterns).toContain(`vigil-${k}`);
      expect(t.template.mappings).toEqual(MAPPINGS[k]);
    }
    const first = await indexer.pass();
    for (const k of SEARCH_KINDS) {
      const sent = bulks.flat().filter((c) => c.index === `vigil-${k}`);
      expect(sent.length, k).toBe(counts[k]);
      expect(new Set(sent.map((c) => c.id))).toEqual(new Set(byKind[k].map((d) => d.id)));
    }
    for (const b of bulks) expect(b.length).toBeLessThanOrEqual(200);
    const cursors = await cursorStore(stores, targetKey('http://localhost:9200', 'vigil')).all();
    expect(cursors.get('cves')).toBe(String(await stores.alerts.lastChangeId()));
    expect(cursors.get('advisories')).toBe(String(await stores.alerts.lastAdvisoryChangeId()));
    expect(cursors.get('intel')).toBe(String(await stores.intel.lastIntelChangeId()));
    expect(cursors.get('iocs')).toBe(String(await stores.iocs.lastSightingId()));
    expect(cursors.get('cves-epss')).toBe((await stores.alerts.epssDays()).at(-1)?.date);
    expect(first.cves.fullLoad).toBe(true);

    // Nothing changed: nothing sent, cursors unchanged.
    const before = bulks.length;
    await indexer.pass();
    expect(bulks.length).toBe(before);
    expect(await cursorStore(stores, targetKey('http://localhost:9200', 'vigil')).all()).toEqual(cursors);

    // Another cluster (credentials do not make it another): the same ids and sources again.
    expect(targetKey('http://u:p@localhost:9200/', 'vigil')).toBe(indexer.target);
    const other = await mockedEngine();
    const again = new SearchIndexer({ stores, engine: other.engine, settings: settings('http://es2:9200'), log, backoff: noSleep });
    await again.pass();
    const key = (c: BulkCall[number]) => `${c.index}/${c.id}`;
    const firstRun = new Map(bulks.flat().map((c) => [key(c), c.source]));
    const secondRun = new Map(other.bulks.flat().map((c) => [key(c), c.source]));
    expect(secondRun).toEqual(firstRun);
  });

  it('sends only what changed: a new sighting re-indexes its IOC, a new intel document is indexed', async () => {
    const { engine, bulks } = await mockedEngine();
    const s = settings('http://changes:9200');
    const indexer = new SearchIndexer({ stores, engine, settings: s, log, backoff: noSleep });
    await catchUp(stores, indexer.target, []);
    await indexer.pass();
    expect(bulks).toEqual([]);
    const doc = intel[1] as IntelDocument;
    const changed: IntelDocument = {
      ...doc,
      id: 'intel-search-test',
      url: `${doc.url}?copy`,
      canonicalUrl: `${doc.url}?copy`,
      fetchedAt: '2026-08-17T09:00:00.000Z',
    };
    await stores.intel.saveDocuments([changed]);
    await stores.iocs.saveDocumentIocs({
      documentId: changed.id,
      source: changed.source,
      seen: '2026-08-17T09:00:00.000Z',
      tlp: 'green',
      iocs: extractIocs('beacon to bloggarotosdegyn.com.br'),
      cves: [],
    });
    await indexer.pass();
    const sent = bulks.flat();
    expect(sent.filter((c) => c.index === 'vigil-intel').map((c) => c.id)).toEqual(['intel-search-test']);
    const ioc = sent.filter((c) => c.index === 'vigil-iocs');
    expect(ioc.map((c) => c.id)).toEqual([iocDocId('domain', 'bloggarotosdegyn.com.br')]);
    expect(ioc[0]?.source.lastSeen).toBe('2026-08-17T09:00:00.000Z');
    expect(ioc[0]?.source.sightings).toBe(2);
    expect(sent.filter((c) => c.index === 'vigil-cves' || c.index === 'vigil-advisories')).toEqual([]);
    // The store changed: the tests below compare with what it holds now.
    counts = await storeCounts(stores);
    for (const k of SEARCH_KINDS) byKind[k] = await docsOf(stores, k);
  });

  it('backs off on 429 and connection errors, then succeeds and moves the cursor', async () => {
    const failures = [
      new errors.ResponseError({
        body: { error: { type: 'es_rejected_execution_exception' }, status: 429 },
        statusCode: 429,
        warnings: null,
        meta: {} as never,
      }),
      new errors.ConnectionError('connect ECONNREFUSED 127.0.0.1:9200'),
    ];
    const { engine, bulks } = await mockedEngine((_call, n) => (n <= failures.length ? failures[n - 1] : undefined));
    const retries: { attempt: number; status: number | null }[] = [];
    const slept: number[] = [];
    const s = settings('http://backoff:9200', { batchSize: 10_000 });
    const indexer = new SearchIndexer({
      stores,
      engine,
      settings: s,
      log,
      backoff: {
        sleep: async (ms) => void slept.push(ms),
        random: () => 1,
        baseMs: 100,
        onRetry: (attempt, _d, e) => retries.push({ attempt, status: e.statusCode }),
      },
    });
    await catchUp(stores, indexer.target, ['cves']);
    await indexer.pass();
    expect(retries).toEqual([
      { attempt: 1, status: 429 },
      { attempt: 2, status: null },
    ]);
    expect(slept).toEqual([100, 200]); // exponential (random() = 1: the cap itself)
    expect(bulks[2]?.length).toBe(counts.cves); // the third request went through
    const cursors = await cursorStore(stores, indexer.target).all();
    expect(cursors.get('cves')).toBe(String(await stores.alerts.lastChangeId()));
  });

  it('retries failed items by id, reports refused ones, and keeps the cursor when the engine keeps failing', async () => {
    const refused = (byKind.advisories[0] as SearchDoc).id;
    const busy = (byKind.advisories[1] as SearchDoc).id;
    const { engine, bulks } = await mockedEngine((call, n) => {
      if (!call.some((c) => c.index === 'vigil-advisories')) return undefined;
      const status = (id: string) => (id === refused ? 400 : id === busy && n < 100 && !call.every((c) => c.id === busy) ? 429 : 201);
      const items = call.map((c) => {
        const st = status(c.id);
        return {
          index: {
            _index: c.index,
            _id: c.id,
            status: st,
            ...(st >= 300 ? { error: { type: st === 400 ? 'document_parsing_exception' : 'es_rejected_execution_exception', reason: 'test' } } : {}),
          },
        };
      });
      return { took: 1, errors: true, items };
    });
    const indexer = new SearchIndexer({ stores, engine, settings: settings('http://partial:9200', { batchSize: 10_000 }), log, backoff: noSleep });
    await catchUp(stores, indexer.target, ['advisories']);
    const s = await indexer.pass();
    expect(s.advisories.rejected.map((r) => [r.id, r.status])).toEqual([[refused, 400]]);
    expect(s.advisories.indexed).toBe(counts.advisories - 1);
    const advCalls = bulks.filter((b) => b.some((c) => c.index === 'vigil-advisories'));
    expect(advCalls.at(-1)?.map((c) => c.id)).toEqual([busy]); // only the failed item was sent again
    expect((await cursorStore(stores, indexer.target).all()).get('advisories')).toBe(String(await stores.alerts.lastAdvisoryChangeId()));

    // An engine that answers 503 to everything: the pass fails, no cursor is written.
    const down = await mockedEngine(() => new errors.ResponseError({ body: { status: 503 }, statusCode: 503, warnings: null, meta: {} as never }));
    const failing = new SearchIndexer({ stores, engine: down.engine, settings: settings('http://down:9200'), log, backoff: { ...noSleep, attempts: 3 } });
    await expect(failing.pass()).rejects.toThrow(/503/);
    expect(down.bulks.length).toBe(3);
    expect((await cursorStore(stores, failing.target).all()).size).toBe(0);
  });

  it('speaks to OpenSearch through its client (a loopback server records the requests)', async () => {
    const requests: { method: string; url: string; headers: IncomingMessage['headers']; body: string }[] = [];
    const server: Server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => {
        body += c;
      });
      req.on('end', () => {
        requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
        res.setHeader('content-type', 'application/json');
        if (req.url?.startsWith('/_bulk')) {
          const lines = body
            .split('\n')
            .filter(Boolean)
            .map((l) => JSON.parse(l));
          const items = pairs(lines).map((c) => ({ index: { _index: c.index, _id: c.id, status: 201 } }));
          res.end(JSON.stringify({ took: 1, errors: false, items }));
        } else res.end(JSON.stringify({ acknowledged: true }));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    let engine: SearchEngine | null = null;
    try {
      const s = settings(url, { flavor: 'opensearch', username: 'vigil', password: 's3cret', indexPrefix: 'os' });
      engine = await createEngine(s);
      const indexer = new SearchIndexer({ stores, engine, settings: s, log, backoff: noSleep });
      await indexer.installTemplates();
      await indexer.pass();
    } finally {
      await engine?.close();
      await new Promise((r) => server.close(r));
    }
    // The OpenSearch client sends the template with POST (the API takes PUT or POST).
    const puts = requests.filter((r) => r.url.startsWith('/_index_template/'));
    expect(puts.map((r) => r.url).sort()).toEqual(SEARCH_KINDS.map((k) => `/_index_template/os-${k}`).sort());
    expect(JSON.parse(puts.find((r) => r.url.endsWith('os-iocs'))?.body ?? '{}').template.mappings).toEqual(MAPPINGS.iocs);
    const bulk = requests.filter((r) => r.url.startsWith('/_bulk'));
    expect(bulk.length).toBeGreaterThan(0);
    for (const r of bulk) {
      expect(r.method).toBe('POST');
      expect(r.headers['content-type']).toMatch(/application\/(x-ndjson|json)/);
      expect(r.body.endsWith('\n')).toBe(true);
      expect(r.headers.authorization).toBe(`Basic ${Buffer.from('vigil:s3cret').toString('base64')}`);
    }
    const sent = bulk.flatMap((r) =>
      pairs(
        r.body
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l)),
      ),
    );
    for (const k of SEARCH_KINDS) expect(sent.filter((c) => c.index === `os-${k}`).length, k).toBe(counts[k]);
  });

  it('exports bulk NDJSON whose action/source pairs match the store, split into files, with templates', async () => {
    const out = path.join(dir, 'es');
    const written = await writeEsExport(stores, SEARCH_KINDS, out, { prefix: 'vigil', chunkBytes: 256 * 1024 });
    for (const k of SEARCH_KINDS) {
      const w = written.find((x) => x.kind === k);
      const lines = (w?.files ?? []).flatMap((f) => {
        const text = readFileSync(path.join(out, f), 'utf8');
        expect(text.endsWith('\n'), f).toBe(true);
        return text.slice(0, -1).split('\n');
      });
      expect(lines.length % 2, k).toBe(0);
      const parsed = pairs(lines.map((l) => JSON.parse(l)));
      expect(parsed.length, k).toBe(counts[k]);
      for (const p of parsed) expect(p.index).toBe(`vigil-${k}`);
      expect(new Set(parsed.map((p) => p.id))).toEqual(new Set(byKind[k].map((d) => d.id)));
      const template = JSON.parse(readFileSync(path.join(out, w?.template ?? ''), 'utf8'));
      expect(template.template.mappings).toEqual(MAPPINGS[k]);
    }
    expect(written.find((w) => w.kind === 'cves')?.files.length).toBeGreaterThan(1);
    expect(readdirSync(out)).toContain('load.sh');
    expect(readFileSync(path.join(out, 'load.sh'), 'utf8')).toContain("-H 'Content-Type: application/x-ndjson' --data-binary @vigil-cves.0001.ndjson");
  });

  it('vigil export es writes one kind to standard output', async () => {
    const one = await runCli(['--db', stores.database, 'export', 'es', '--kinds', 'intel', '--prefix', 'x']);
    expect(one.status, one.stderr).toBe(0);
    const lines = one.stdout.trimEnd().split('\n');
    expect(lines.length).toBe(2 * (await stores.intel.countDocuments({})));
    const parsed = pairs(lines.map((l) => JSON.parse(l)));
    expect(new Set(parsed.map((p) => p.index))).toEqual(new Set(['x-intel']));
    expect(new Set(parsed.map((p) => p.id))).toEqual(new Set(byKind.intel.map((d) => d.id)));
    expect(() => parseKinds('cves,nope')).toThrow(/unknown kind "nope"/);
  });

  it('the daemon starts indexing with the configured engine and stops cleanly', async () => {
    const templates = new Map<string, unknown>();
    const bulks: BulkCall[] = [];
    const mock = new Mock();
    mock.add({ method: 'PUT', path: '/_index_template/:name' }, (params) => {
      templates.set(String(params.path), params.body);
      return { acknowledged: true };
    });
    mock.add({ method: 'POST', path: '/_bulk' }, (params) => {
      const call = pairs(params.body as unknown as unknown[]);
      bulks.push(call);
      return { took: 1, errors: false, items: call.map((c) => ({ index: { _index: c.index, _id: c.id, status: 200 } })) };
    });
    const file = path.join(dir, 'daemon.yaml');
    writeFileSync(file, ['search:', '  elasticsearch:', '    url: http://daemon:9200', '    indexPrefix: daemon', ''].join('\n'));
    const config = { ...loadConfig(file, {}), database: stores.database };
    await catchUp(stores, targetKey('http://daemon:9200', 'daemon'), ['iocs']);
    const running = startSearchIndexer(config, log, () => true, { Connection: mock.getConnection() });
    for (let i = 0; i < 600 && bulks.length === 0; i++) await new Promise((r) => setTimeout(r, 50));
    await running.stop();
    expect(templates.size).toBe(4);
    expect(bulks.flat().length).toBe(await stores.iocs.countIocs({}));
    expect(new Set(bulks.flat().map((c) => c.index))).toEqual(new Set(['daemon-iocs']));
    expect((await cursorStore(stores, targetKey('http://daemon:9200', 'daemon')).all()).get('iocs')).toBe(String(await stores.iocs.lastSightingId()));
  });

  it('reads the API key and password from the environment ($NAME in braces)', () => {
    const file = path.join(dir, 'search.yaml');
    writeFileSync(
      file,
      [
        'search:',
        '  elasticsearch:',
        '    url: https://es.example.org:9200',
        `    apiKey: $\{ES_KEY}`,
        '    username: vigil',
        `    password: $\{ES_PW}`,
        '',
      ].join('\n'),
    );
    const config = loadConfig(file, { ES_KEY: 'a2V5', ES_PW: 'pw' });
    expect(config.search.elasticsearch).toMatchObject({ apiKey: 'a2V5', password: 'pw', flavor: 'elasticsearch', indexPrefix: 'vigil' });
    expect(() => loadConfig(file, { ES_KEY: 'a2V5' })).toThrow(/search\.elasticsearch\.password: environment variable ES_PW is not set/);
  });
});

describe('docs/kibana/vigil-saved-objects.ndjson', () => {
  type SavedObject = { type: string; id: string; attributes: Record<string, unknown>; references: { name: string; type: string; id: string }[] };
  const objects = readFileSync(new URL('../../docs/kibana/vigil-saved-objects.ndjson', import.meta.url), 'utf8')
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l) as SavedObject);
  const byId = new Map(objects.map((o) => [`${o.type}/${o.id}`, o]));

  it('has a data view per index, on a date field of the mappings', () => {
    for (const k of SEARCH_KINDS) {
      const view = byId.get(`index-pattern/vigil-${k}`);
      expect(view?.attributes.title, k).toBe(`vigil-${k}`);
      const time = view?.attributes.timeFieldName as string;
      expect(time).toBe(TIME_FIELDS[k]);
      expect(MAPPINGS[k].properties[time]?.type).toBe('date');
    }
  });

  it('references only objects it holds, and aggregates only mapped, aggregatable fields', () => {
    for (const o of objects) for (const r of o.references) expect(byId.has(`${r.type}/${r.id}`), `${o.id} → ${r.id}`).toBe(true);
    const visualisations = objects.filter((o) => o.type === 'visualization');
    expect(visualisations.length).toBeGreaterThanOrEqual(4);
    for (const v of visualisations) {
      const kind = (v.references[0]?.id ?? '').replace(/^vigil-/, '') as SearchKind;
      const state = JSON.parse(v.attributes.visState as string) as { aggs: { params: { field?: string } }[] };
      for (const a of state.aggs) {
        if (!a.params.field) continue;
        const m = MAPPINGS[kind].properties[a.params.field];
        expect(m && m.type !== 'text' && m.index !== false, `${v.id}: ${a.params.field}`).toBe(true);
      }
    }
    const dashboard = byId.get('dashboard/vigil-overview');
    const panels = JSON.parse(dashboard?.attributes.panelsJSON as string) as { panelRefName: string }[];
    expect(panels.map((p) => p.panelRefName).sort()).toEqual(dashboard?.references.map((r) => r.name).sort());
  });
});
