/**
 * Intel collection benchmark (issue 13): parse + extract + dedupe + store of ~10,000 real documents
 * on one core (target: at least 500 documents/s).
 *
 * Documents: the first 10,000 items (title, link, date) of EndlessFractal's threat-intel digest
 * history (34k real items of 34 security feeds), each given a real full-text body: the
 * `content:encoded` articles of the Microsoft Security Blog and Krebs feeds, the CISA advisories'
 * HTML, and the plain-text bodies of the libre-devops digest (paragraphs wrapped in <p>). There are
 * far fewer bodies than items, so bodies are recycled (said in the output). Items are written into
 * RSS 2.0 feeds of 50 items (not timed), then timed:
 *   (a) feed path: parseFeed → buildDocument (paragraph text, language, SHA-256, SimHash, CVEs,
 *       summary) → `stores.intel.saveDocuments` in batches of 50, as intel/collect.ts saves
 *       (the store clusters near-duplicates through its SimHash band columns), on a temporary
 *       SQLite file; then a second pass over the same feeds, which must store nothing (all
 *       unchanged). With `BENCH_PG_URL=postgres://127.0.0.1:5432/test` also on PostgreSQL, in a
 *       fresh schema `bench_intel_<random>` dropped afterwards.
 *   (b) article path: the same items' HTML read as fetched pages: extractArticle (linkedom +
 *       readability) → buildDocument with the page. Readability dominates: run on a sample.
 * Rates are by wall clock and per CPU second of this process (process.cpuUsage: the main thread,
 * SQLite included; PostgreSQL's own work is in its server process, not counted).
 * Usage: node --import tsx bench/intel.ts [--items N] [--article-sample N]
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import pg from 'pg';
import { extractArticle } from '../src/intel/extract/article.ts';
import { buildDocument } from '../src/intel/extract/document.ts';
import { decodeEntities, parseFeed } from '../src/intel/feeds/parse.ts';
import type { IntelDocument, IntelStore } from '../src/intel/types.ts';
import { openStores, type Stores } from '../src/store/index.ts';
import { parsePostgresUrl } from '../src/store/postgres/pool.ts';
import { corpusPath } from '../src/testing/corpus.ts';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}
const ITEMS = arg('--items', 10_000);
const ARTICLE_SAMPLE = arg('--article-sample', 1_000);
const FETCHED = '2026-12-06T00:00:00.000Z';
const SOURCE = { name: 'bench', tags: ['news'] };

const escapeXml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const escapeHtml = escapeXml;
const cpuSeconds = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

/** Real article bodies as HTML, with where each set came from. */
function bodies(): { html: string[]; origin: string[] } {
  const html: string[] = [];
  const origin: string[] = [];
  for (const f of ['tsummey_cyberdash/microsoftsecurity.xml', 'b2ngyon_ainews_fixtures/krebsonsecurity.xml']) {
    const got = parseFeed(readFileSync(corpusPath('news/feeds', f)), 'https://example.com/').items.flatMap((i) => (i.contentHtml ? [i.contentHtml] : []));
    html.push(...got);
    origin.push(`${got.length} ${f} content:encoded`);
  }
  const cisa = readFileSync(corpusPath('news/feeds/tsummey_cyberdash/cybersecurity-advisories.xml'), 'utf8');
  const advisories = [...cisa.matchAll(/<description>([\s\S]*?)<\/description>/g)].map((m) => decodeEntities(m[1]!)).filter((h) => h.length > 1000);
  html.push(...advisories);
  origin.push(`${advisories.length} CISA advisories (HTML)`);
  const libre = JSON.parse(readFileSync(corpusPath('news/digests/libre-devops_security-news/feeds.json'), 'utf8')) as { articles: { body?: string | null }[] };
  const texts = libre.articles.flatMap((a) => (a.body && a.body.length > 500 ? [a.body] : []));
  for (const t of texts)
    html.push(
      t
        .split(/\n+/)
        .map((p) => `<p>${escapeHtml(p)}</p>`)
        .join('\n'),
    );
  origin.push(`${texts.length} libre-devops digest bodies (text → <p>)`);
  return { html, origin };
}

interface DigestItem {
  title: string;
  link: string;
  pubDate?: string;
}

function digestItems(n: number): DigestItem[] {
  const lines = gunzipSync(readFileSync(corpusPath('news/digests/endlessfractal_threat-intel-feed/DERIVED_history_union_items.jsonl.gz')))
    .toString('utf8')
    .split('\n');
  const out: DigestItem[] = [];
  for (const line of lines) {
    if (out.length >= n) break;
    if (line.trim() !== '') out.push(JSON.parse(line) as DigestItem);
  }
  return out;
}

function rss(items: DigestItem[], bodyOf: (i: number) => string, offset: number): string {
  const entries = items.map((it, k) => {
    const body = bodyOf(offset + k).replace(/]]>/g, ']]&gt;');
    return `<item><title>${escapeXml(it.title)}</title><link>${escapeXml(it.link)}</link><guid>${escapeXml(it.link)}</guid>${it.pubDate ? `<pubDate>${escapeXml(it.pubDate)}</pubDate>` : ''}<content:encoded><![CDATA[${body}]]></content:encoded></item>`;
  });
  return `<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>bench</title><link>https://example.com/</link>${entries.join('')}</channel></rss>`;
}

interface Pass {
  documents: number;
  noLink: number;
  wall: number;
  cpu: number;
  parseMs: number;
  buildMs: number;
  storeMs: number;
  created: number;
  changed: number;
  unchanged: number;
  cves: number;
  languages: Map<string, number>;
}

/** One timed pass of the feed path over `feeds`, stored through `intel` in batches of 50. */
async function feedPass(intel: IntelStore): Promise<Pass> {
  const p: Pass = {
    documents: 0,
    noLink: 0,
    wall: 0,
    cpu: 0,
    parseMs: 0,
    buildMs: 0,
    storeMs: 0,
    created: 0,
    changed: 0,
    unchanged: 0,
    cves: 0,
    languages: new Map(),
  };
  const t0 = performance.now();
  const c0 = cpuSeconds();
  let batch: IntelDocument[] = [];
  const flush = async () => {
    const t = performance.now();
    const r = await intel.saveDocuments(batch);
    p.storeMs += performance.now() - t;
    p.created += r.created;
    p.changed += r.changed;
    p.unchanged += r.unchanged;
    batch = [];
  };
  for (const xml of feeds) {
    let t = performance.now();
    const parsed = parseFeed(xml, 'https://example.com/');
    p.parseMs += performance.now() - t;
    for (const item of parsed.items) {
      if (item.url === null) {
        p.noLink++;
        continue;
      }
      t = performance.now();
      const doc = buildDocument({ source: SOURCE, url: item.url, fetchedAt: FETCHED, item });
      p.buildMs += performance.now() - t;
      batch.push(doc);
      if (batch.length >= 50) await flush();
      p.documents++;
      p.cves += doc.cves.length;
      p.languages.set(String(doc.language), (p.languages.get(String(doc.language)) ?? 0) + 1);
    }
  }
  if (batch.length) await flush();
  p.wall = (performance.now() - t0) / 1000;
  p.cpu = cpuSeconds() - c0;
  return p;
}

const n = (x: number) => Math.round(x).toLocaleString('en-US');

function rates(p: Pass): string {
  return `${n(p.documents)} documents in ${p.wall.toFixed(2)} s wall, ${p.cpu.toFixed(2)} s CPU: **${n(p.documents / p.wall)} documents/s wall, ${n(p.documents / p.cpu)} per CPU second** (target ≥ 500)`;
}

/** Stored documents, story clusters, and documents sharing a cluster with another. */
async function clusters(stores: Stores): Promise<{ documents: number; clusters: number; grouped: number }> {
  const sql = `SELECT count(*) AS documents, count(DISTINCT cluster) AS clusters,
    (SELECT count(*) FROM intel_documents d WHERE (SELECT count(*) FROM intel_documents c WHERE c.cluster = d.cluster) > 1) AS grouped FROM intel_documents`;
  const row = stores.pg ? (await stores.pg.query<Record<string, string>>(sql))[0]! : (stores.sqlite!.db.prepare(sql).get() as Record<string, number>);
  return { documents: Number(row.documents), clusters: Number(row.clusters), grouped: Number(row.grouped) };
}

/** Both passes on the store at `database` (a SQLite file or a PostgreSQL URL). */
async function storePasses(label: string, database: string): Promise<void> {
  const stores = await openStores(database);
  try {
    console.log('');
    console.log(`(a) feed path on ${label}: parseFeed + buildDocument + saveDocuments (batches of 50); load average ${os.loadavg()[0]!.toFixed(1)}`);
    const first = await feedPass(stores.intel);
    console.log(`    first pass: ${rates(first)}`);
    if (first.noLink > 0) console.log(`    ${first.noLink} items left out: their link is not an absolute http(s) URL`);
    console.log(
      `    parse ${(first.parseMs / 1000).toFixed(2)} s, buildDocument ${(first.buildMs / 1000).toFixed(2)} s, saveDocuments ${(first.storeMs / 1000).toFixed(2)} s`,
    );
    console.log(
      `    saved: ${n(first.created)} created, ${n(first.changed)} changed (a link given twice with another body), ${n(first.unchanged)} unchanged; CVE mentions ${n(first.cves)}; languages ${JSON.stringify(Object.fromEntries(first.languages))}`,
    );
    const c = await clusters(stores);
    console.log(
      `    stored: ${n(c.documents)} documents in ${n(c.clusters)} story clusters; ${n(c.grouped)} documents share a cluster (bodies recycled: ${pool.length} distinct bodies)`,
    );
    const second = await feedPass(stores.intel);
    const ok = second.created === 0 && second.changed === 0 && second.unchanged === second.documents;
    console.log(
      `    second pass (same feeds): ${rates(second)}; stored ${second.created + second.changed}, unchanged ${n(second.unchanged)} of ${n(second.documents)}: ${ok ? 'nothing stored, as it must' : 'WRONG: something was stored again'}`,
    );
    console.log(
      `    parse ${(second.parseMs / 1000).toFixed(2)} s, buildDocument ${(second.buildMs / 1000).toFixed(2)} s, saveDocuments ${(second.storeMs / 1000).toFixed(2)} s`,
    );
    if (!ok) process.exitCode = 1;
  } finally {
    await stores.close();
  }
}

const { html: pool, origin } = bodies();
const items = digestItems(ITEMS);
const bodyOf = (i: number) => pool[i % pool.length]!;
const feeds: string[] = [];
for (let i = 0; i < items.length; i += 50) feeds.push(rss(items.slice(i, i + 50), bodyOf, i));
const poolBytes = pool.reduce((s, h) => s + h.length, 0);
console.log(
  `Intel collection benchmark, Node ${process.version}, one thread; load average ${os.loadavg()[0]!.toFixed(1)} on ${os.availableParallelism()} cores`,
);
console.log(`items: ${items.length.toLocaleString('en-US')} real digest items (title, link, date) in ${feeds.length} RSS feeds of 50`);
console.log(`bodies: ${pool.length} real bodies (${origin.join(', ')}; mean ${Math.round(poolBytes / pool.length / 1024)} KB of HTML)`);
console.log(`        RECYCLED: body i % ${pool.length} goes to item i, so each body serves ~${Math.round(items.length / pool.length)} items`);

const dir = mkdtempSync(path.join(os.tmpdir(), 'vigil-bench-intel-'));
try {
  await storePasses('SQLite (temporary file)', path.join(dir, 'intel.db'));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
if (process.env.BENCH_PG_URL) {
  const schema = `bench_intel_${randomBytes(6).toString('hex')}`;
  const url = new URL(process.env.BENCH_PG_URL);
  url.searchParams.set('schema', schema);
  try {
    await storePasses(`PostgreSQL (schema ${schema})`, url.toString());
  } finally {
    await dropSchemas(process.env.BENCH_PG_URL, schema);
  }
}

/** Drops `schema` and the schemas named after it (`<schema>_jobs`), as src/testing/store.ts does. */
async function dropSchemas(database: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: parsePostgresUrl(database).connectionString });
  await client.connect();
  try {
    const { rows } = await client.query<{ nspname: string }>('SELECT nspname FROM pg_namespace WHERE nspname = $1 OR nspname LIKE $2', [
      schema,
      `${schema}\\_%`,
    ]);
    for (const r of rows) await client.query(`DROP SCHEMA IF EXISTS "${r.nspname}" CASCADE`);
  } finally {
    await client.end();
  }
}

// (b) article path on a sample
const sample = Math.min(ARTICLE_SAMPLE, items.length);
const t0 = performance.now();
const c0 = cpuSeconds();
let extractMs = 0;
for (let i = 0; i < sample; i++) {
  const it = items[i]!;
  if (!/^https?:\/\//.test(it.link)) continue;
  const html = `<html><head><title>${escapeHtml(it.title)}</title></head><body><article><h1>${escapeHtml(it.title)}</h1>${bodyOf(i)}</article></body></html>`;
  const t = performance.now();
  const page = extractArticle(html, it.link);
  extractMs += performance.now() - t;
  buildDocument({ source: SOURCE, url: it.link, fetchedAt: FETCHED, page });
}
const wall = (performance.now() - t0) / 1000;
const cpu = cpuSeconds() - c0;
console.log('');
console.log(`(b) article path: extractArticle (linkedom + readability) + buildDocument, first ${sample.toLocaleString('en-US')} items`);
console.log(
  `    ${sample.toLocaleString('en-US')} pages in ${wall.toFixed(2)} s wall, ${cpu.toFixed(2)} s CPU: ${Math.round(sample / wall).toLocaleString('en-US')} pages/s wall, ${Math.round(sample / cpu).toLocaleString('en-US')} per CPU second; extractArticle ${(extractMs / sample).toFixed(2)} ms/page`,
);
