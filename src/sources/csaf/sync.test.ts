import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SourceUnavailableError, VigilError } from '../../errors.ts';
import { createLogger } from '../../log.ts';
import { corpusPath, hasCorpus } from '../../testing/corpus.ts';
import { startUpstream, type Upstream } from '../../testing/upstream.ts';
import { HttpClient } from '../http.ts';
import type { SourceEvent } from '../types.ts';
import { type CsafConfig, CsafConfigSchema, csafSource } from './index.ts';

const log = createLogger('silent');
/** Where the real feeds point: raw GitHub of cisagov/CSAF; the corpus keeps the same relative paths. */
const GITHUB = 'https://raw.githubusercontent.com/cisagov/CSAF/develop/';
const FEEDS = ['csaf_files/OT/white/cisa-csaf-ot-feed-tlp-white.json', 'csaf_files/IT/white/cisa-csaf-it-feed-tlp-white.json'];
const METADATA = '/.well-known/csaf/provider-metadata.json';
const DIR_METADATA = '/dir/provider-metadata.json';
const redhatFiles = () => readdirSync(corpusPath('csaf', 'redhat')).filter((f) => f.endsWith('.json'));
const NOW = new Date('2024-10-25T00:00:00Z');

interface Served {
  /** path → body, for files the test changes (drift, tamper); the rest come from the corpus. */
  overrides: Map<string, Buffer>;
  /** paths answered 404. */
  missing: Set<string>;
}
let served: Served;
let upstream: Upstream | undefined;
/** Feed entries whose documents are in the corpus, per feed path. */
const inCorpus = new Map<string, { id: string; updated: string; path: string }[]>();

const corpusFile = (p: string) => corpusPath('csaf', 'cisagov', ...p.split('/'));

/** A real ROLIE feed restricted to the entries the corpus holds, its links moved to the loopback server. */
function feedBody(feedPath: string, base: string): string {
  const feed = JSON.parse(readFileSync(corpusFile(feedPath), 'utf8'));
  const keep = new Set(inCorpus.get(feedPath)?.map((e) => e.id));
  feed.feed.entry = feed.feed.entry.filter((e: { id: string }) => keep.has(e.id));
  return JSON.stringify(feed).replaceAll(GITHUB, `${base}/`);
}

async function serve(): Promise<Upstream> {
  const up = await startUpstream({
    [METADATA]: (_req, res) => {
      // The corpus holds no provider-metadata.json: this one is written after CISA's layout (CSAF 2.0 §7.1.7).
      const base = up.baseUrl;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({
        canonical_url: `${base}${METADATA}`,
        role: 'csaf_trusted_provider',
        publisher: { category: 'coordinator', name: 'CISA', namespace: 'https://www.cisa.gov/' },
        distributions: [
          { rolie: { feeds: FEEDS.map((f) => ({ tlp_label: 'WHITE', summary: f, url: `${base}/${f}` })) } },
          { rolie: { feeds: [{ tlp_label: 'AMBER', summary: 'restricted', url: `${base}/amber/feed.json` }] } },
        ],
      }));
      return true;
    },
    // A directory-based provider (§7.1.13): CISA's real OT changes.csv (rows of corpus documents; its
    // paths are relative to the repository root, so the directory is the root) and a Red Hat
    // directory whose changes.csv the test writes from the 8 corpus RHSAs.
    [DIR_METADATA]: (_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ canonical_url: `${up.baseUrl}${DIR_METADATA}`, distributions: [{ directory_url: `${up.baseUrl}/` }, { directory_url: `${up.baseUrl}/redhat` }] }));
      return true;
    },
    '/changes.csv': (_req, res) => {
      const rows = readFileSync(corpusFile('csaf_files/OT/white/changes.csv'), 'utf8').split('\n').filter((l) => l && existsSync(corpusFile(l.split(',')[0]?.replaceAll('"', '') ?? '')));
      res.end(`${rows.join('\n')}\n`);
      return true;
    },
    '/redhat/': (_req, res, url) => {
      const name = url.pathname.slice('/redhat/'.length);
      if (name === 'changes.csv') {
        res.end(redhatFiles().map((f) => `"${f}","${JSON.parse(readFileSync(corpusPath('csaf', 'redhat', f), 'utf8')).document.tracking.current_release_date}"`).join('\n'));
        return true;
      }
      if (!redhatFiles().includes(name)) return false; // no .sha512 here: documents are accepted unverified
      res.end(readFileSync(corpusPath('csaf', 'redhat', name)));
      return true;
    },
    '/csaf_files/': (_req, res, url) => {
      const p = url.pathname.slice(1);
      if (served.missing.has(p)) return false;
      let body = served.overrides.get(p);
      if (!body && FEEDS.includes(p)) body = Buffer.from(feedBody(p, up.baseUrl));
      if (!body && existsSync(corpusFile(p))) body = readFileSync(corpusFile(p));
      if (!body && p.endsWith('.sha512') && existsSync(corpusFile(p.slice(0, -7)))) {
        // Upstream has a .sha512 beside every document; the corpus keeps 10 of them: the others are computed from the real file.
        body = Buffer.from(`${createHash('sha512').update(readFileSync(corpusFile(p.slice(0, -7)))).digest('hex')}  ${path.basename(p.slice(0, -7))}\n`);
      }
      if (!body) return false;
      // setHeader + end (not writeHead): the truncate fault rewrites the length header.
      res.setHeader('content-type', 'application/json');
      res.end(body);
      return true;
    },
  });
  upstream = up;
  return up;
}
afterEach(async () => {
  await upstream?.close();
  upstream = undefined;
});

async function run(up: Upstream, cursor: string | null, extra: Partial<CsafConfig> = {}): Promise<{ events: SourceEvent[]; error?: unknown }> {
  const events: SourceEvent[] = [];
  const config = CsafConfigSchema.parse({ providers: [`${up.baseUrl}${METADATA}`], initialDays: 0, ...extra });
  const ctx = { log, cursor, http: new HttpClient({ minBackoffSeconds: 0.01, retries: 3 }), now: () => NOW };
  try {
    for await (const e of csafSource.sync(config, ctx)) events.push(e);
  } catch (error) {
    return { events, error };
  }
  return { events };
}
const ids = (events: SourceEvent[]) => events.flatMap((e) => (e.type === 'advisories' ? e.records.map((a) => a.id) : []));
const rejected = (events: SourceEvent[]) => events.flatMap((e) => (e.type === 'rejected' ? [{ record: e.where.record, field: e.where.field }] : []));
const lastCursor = (events: SourceEvent[]) => events.filter((e) => e.type === 'cursor').at(-1)?.cursor ?? null;
const docRequests = (up: Upstream) => up.requests.filter((r) => /\/\d{4}\/[^/]+\.json$/.test(r));

describe.skipIf(!hasCorpus())('csaf live sync against a loopback upstream serving the real CISA feeds and documents', () => {
  let total: number;
  beforeAll(() => {
    for (const f of FEEDS) {
      const feed = JSON.parse(readFileSync(corpusFile(f), 'utf8'));
      const entries = feed.feed.entry
        .map((e: { id: string; updated: string; content: { src: string } }) => ({ id: e.id, updated: e.updated, path: e.content.src.replace(GITHUB, '') }))
        .filter((e: { path: string }) => existsSync(corpusFile(e.path)));
      inCorpus.set(f, entries);
    }
    total = [...inCorpus.values()].reduce((n, l) => n + l.length, 0);
  });

  it('reads metadata → WHITE feeds → every document and its .sha512; a second sync fetches no document', async () => {
    expect(total).toBe(60); // 56 OT + 4 IT documents of the corpus are listed in the real feeds
    served = { overrides: new Map(), missing: new Set() };
    const up = await serve();
    const first = await run(up, null);
    expect(first.error).toBeUndefined();
    expect(rejected(first.events)).toEqual([]);
    expect(ids(first.events).sort()).toEqual([...inCorpus.values()].flat().map((e) => e.id).sort());
    expect(up.requests.some((r) => r.startsWith('/amber'))).toBe(false);
    expect(up.requests.filter((r) => r.endsWith('.sha512'))).toHaveLength(60);
    const cursor = JSON.parse(lastCursor(first.events) ?? '{}');
    for (const f of FEEDS) {
      const newest = inCorpus.get(f)?.map((e) => new Date(e.updated.replace(/(\.\d{3})\d+/, '$1')).toISOString()).sort().at(-1);
      expect(cursor[`${up.baseUrl}/${f}`]).toBe(newest);
    }
    const vex = first.events.flatMap((e) => (e.type === 'advisories' ? e.records : [])).filter((a) => a.kind === 'vex');
    expect(vex).toHaveLength(4);

    up.requests.length = 0;
    const second = await run(up, lastCursor(first.events));
    expect(second.error).toBeUndefined();
    expect(ids(second.events)).toEqual([]);
    expect(docRequests(up)).toEqual([]);
    expect(lastCursor(second.events)).toBe(lastCursor(first.events));
  });

  it('reads a directory-based provider through changes.csv (real CISA rows; Red Hat documents without hash files)', async () => {
    served = { overrides: new Map(), missing: new Set() };
    const up = await serve();
    const first = await run(up, null, { providers: [`${up.baseUrl}${DIR_METADATA}`] });
    expect(first.error).toBeUndefined();
    expect(rejected(first.events)).toEqual([]);
    const got = ids(first.events);
    expect(got.filter((id) => id.startsWith('ICS'))).toHaveLength(56);
    expect(got.filter((id) => id.startsWith('RHSA-')).sort()).toEqual(redhatFiles().map((f) => f.replace(/^rhsa-(\d+)_(\d+)\.json$/, 'RHSA-$1:$2')).sort());
    const rh = first.events.flatMap((e) => (e.type === 'advisories' ? e.records : [])).find((a) => a.id === 'RHSA-2025:23414');
    expect(rh?.affected.some((e) => e.status === 'not_affected' && e.purl === 'pkg:rpm/redhat/bind')).toBe(true);
    const cursor = JSON.parse(lastCursor(first.events) ?? '{}');
    expect(Object.keys(cursor).sort()).toEqual([`${up.baseUrl}/changes.csv`, `${up.baseUrl}/redhat/changes.csv`]);
    const newestRh = redhatFiles().map((f) => new Date(JSON.parse(readFileSync(corpusPath('csaf', 'redhat', f), 'utf8')).document.tracking.current_release_date).toISOString()).sort().at(-1);
    expect(cursor[`${up.baseUrl}/redhat/changes.csv`]).toBe(newestRh);

    up.requests.length = 0;
    const second = await run(up, lastCursor(first.events), { providers: [`${up.baseUrl}${DIR_METADATA}`] });
    expect(ids(second.events)).toEqual([]);
    expect(up.requests.filter((r) => r.endsWith('.json') && !r.endsWith('provider-metadata.json'))).toEqual([]);
  });

  it('fetches only entries updated after the cursor, oldest first', async () => {
    served = { overrides: new Map(), missing: new Set() };
    const up = await serve();
    const ot = [...(inCorpus.get(FEEDS[0] as string) ?? [])].sort((a, b) => a.updated.localeCompare(b.updated));
    const cut = ot[ot.length - 4] as { updated: string };
    const cutIso = new Date(cut.updated.replace(/(\.\d{3})\d+/, '$1')).toISOString();
    const cursor = JSON.stringify({ [`${up.baseUrl}/${FEEDS[0]}`]: cutIso, [`${up.baseUrl}/${FEEDS[1]}`]: '2030-01-01T00:00:00.000Z' });
    const r = await run(up, cursor);
    expect(r.error).toBeUndefined();
    const expected = ot.filter((e) => new Date(e.updated.replace(/(\.\d{3})\d+/, '$1')).toISOString() > cutIso).map((e) => e.id);
    expect(expected.length).toBeGreaterThan(0);
    expect(ids(r.events)).toEqual(expected);
  });

  it('rides out 429 with Retry-After, 503 and a cut-off body', async () => {
    served = { overrides: new Map(), missing: new Set() };
    const up = await serve();
    up.fault({ kind: 'status', status: 429, retryAfter: 1, pathPrefix: `/${FEEDS[0]}` });
    up.fault({ kind: 'status', status: 503, pathPrefix: '/csaf_files/OT/white/2024/' });
    up.fault({ kind: 'truncate', bytes: 300, pathPrefix: '/csaf_files/IT/white/2024/va-24-254-01.json' });
    const r = await run(up, null);
    expect(r.error).toBeUndefined();
    expect(rejected(r.events)).toEqual([]);
    expect(ids(r.events)).toHaveLength(60);
    expect(up.requests.filter((x) => x === `/${FEEDS[0]}`)).toHaveLength(2);
    expect(up.requests.filter((x) => x === '/csaf_files/IT/white/2024/va-24-254-01.json')).toHaveLength(2);
  });

  it('rejects a drifted document by tracking id and field, a tampered one on its SHA-512, a missing one; the rest go on', async () => {
    const driftPath = 'csaf_files/OT/white/2024/icsa-24-291-03.json';
    const drift = JSON.parse(readFileSync(corpusFile(driftPath), 'utf8'));
    drift.vulnerabilities[0].cve = 20246789;
    const driftBytes = Buffer.from(JSON.stringify(drift));
    const tamperPath = 'csaf_files/IT/white/2024/va-24-262-01.json';
    const tampered = Buffer.from(readFileSync(corpusFile(tamperPath), 'utf8').replace('"final"', '"draft"'));
    const missing = 'csaf_files/OT/white/2017/icsa-17-038-01.json';
    served = {
      overrides: new Map([
        [driftPath, driftBytes],
        // The drifted document comes with a matching hash: only the schema can catch it.
        [`${driftPath}.sha512`, Buffer.from(`${createHash('sha512').update(driftBytes).digest('hex')}  icsa-24-291-03.json`)],
        [tamperPath, tampered],
      ]),
      missing: new Set([missing]),
    };
    const up = await serve();
    const r = await run(up, null);
    expect(r.error).toBeUndefined();
    expect(rejected(r.events).sort((a, b) => String(a.record).localeCompare(String(b.record)))).toEqual([
      { record: 'ICSA-17-038-01', field: 'content.src' },
      { record: 'ICSA-24-291-03', field: 'vulnerabilities.0.cve' },
      { record: 'VA-24-262-01', field: 'sha512' },
    ]);
    expect(ids(r.events)).toHaveLength(57);
    // Rejected documents are not fetched again: the cursor moves past them.
    expect(JSON.parse(lastCursor(r.events) ?? '{}')[`${up.baseUrl}/${FEEDS[1]}`]).toBeDefined();
  });

  it('malformed JSON: provider metadata fails the sync; a broken second feed keeps the first feed\'s cursor', async () => {
    served = { overrides: new Map(), missing: new Set() };
    const up = await serve();
    up.fault({ kind: 'body', body: '{"canonical_url": "x", "distributions": [', pathPrefix: METADATA });
    const meta = await run(up, null);
    expect(meta.error).toBeInstanceOf(VigilError);
    expect((meta.error as VigilError).code).toBe('VIGIL_SOURCE_BAD_PAYLOAD');
    expect(meta.events).toEqual([]);

    up.fault({ kind: 'body', body: '{"feed": {"entry": [{"id": ', pathPrefix: `/${FEEDS[1]}` });
    const feed = await run(up, null);
    expect((feed.error as VigilError).code).toBe('VIGIL_SOURCE_BAD_PAYLOAD');
    expect(ids(feed.events)).toHaveLength(56);
    expect(Object.keys(JSON.parse(lastCursor(feed.events) ?? '{}'))).toEqual([`${up.baseUrl}/${FEEDS[0]}`]);
  });

  it('never moves the cursor into a run of entries sharing one `updated` that a batch boundary splits', async () => {
    served = { overrides: new Map(), missing: new Set() };
    const up = await serve();
    // The real OT feed, its entries 15..24 (oldest first) given the same `updated`: batch 1 (20 entries) ends inside that run.
    const feed = JSON.parse(feedBody(FEEDS[0] as string, up.baseUrl));
    const entries = (feed.feed.entry as { id: string; updated: string; content: { src: string } }[]).sort((a, b) => a.updated.localeCompare(b.updated));
    const tie = (entries[24] as { updated: string }).updated;
    for (let i = 15; i <= 24; i++) (entries[i] as { updated: string }).updated = tie;
    feed.feed.entry = entries;
    served.overrides.set(FEEDS[0] as string, Buffer.from(JSON.stringify(feed)));
    // Batch 2 fails for good (the document and its .sha512, 4 attempts each): the sync stops with batch 1 stored.
    const failing = new URL((entries[30] as { content: { src: string } }).content.src).pathname;
    for (let i = 0; i < 8; i++) up.fault({ kind: 'status', status: 503, pathPrefix: failing });
    const r = await run(up, null);
    expect(r.error).toBeInstanceOf(SourceUnavailableError);
    expect(ids(r.events)).toHaveLength(20);
    const before = new Date((entries[14] as { updated: string }).updated.replace(/(\.\d{3})\d+/, '$1')).toISOString();
    expect(JSON.parse(lastCursor(r.events) ?? '{}')).toEqual({ [`${up.baseUrl}/${FEEDS[0]}`]: before });
  });

  it('an upstream down past the retries is SourceUnavailableError, with no cursor beyond what was stored', async () => {
    served = { overrides: new Map(), missing: new Set() };
    const up = await serve();
    for (let i = 0; i < 4; i++) up.fault({ kind: 'status', status: 503, pathPrefix: `/${FEEDS[0]}` });
    const r = await run(up, null);
    expect(r.error).toBeInstanceOf(SourceUnavailableError);
    expect(r.events.filter((e) => e.type === 'cursor')).toEqual([]);
  });
});
