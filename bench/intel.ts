/**
 * Intel extraction benchmark (issue 13): parse + extract + dedupe of ~10,000 real documents on one
 * core (target: at least 500 documents/s; the store is measured elsewhere).
 *
 * Documents: the first 10,000 items (title, link, date) of EndlessFractal's threat-intel digest
 * history (34k real items of 34 security feeds), each given a real full-text body: the
 * `content:encoded` articles of the Microsoft Security Blog and Krebs feeds, the CISA advisories'
 * HTML, and the plain-text bodies of the libre-devops digest (paragraphs wrapped in <p>). There are
 * far fewer bodies than items, so bodies are recycled (said in the output). Items are written into
 * RSS 2.0 feeds of 50 items (not timed), then timed:
 *   (a) feed path: parseFeed → buildDocument (paragraph text, language, SHA-256, SimHash, CVEs,
 *       summary) → near-duplicate lookup in an in-memory SimHash band index;
 *   (b) article path: the same items' HTML read as fetched pages: extractArticle (linkedom +
 *       readability) → buildDocument with the page. Readability dominates: run on a sample.
 * Usage: node --import tsx bench/intel.ts [--items N] [--article-sample N]
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { gunzipSync } from 'node:zlib';
import { hammingDistance, simhashBands } from '../src/intel/dedupe/simhash.ts';
import { extractArticle } from '../src/intel/extract/article.ts';
import { buildDocument } from '../src/intel/extract/document.ts';
import { decodeEntities, parseFeed } from '../src/intel/feeds/parse.ts';
import { NEAR_DUPLICATE_BITS } from '../src/intel/types.ts';
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

/** SimHash band index (Manku et al. §3): a document joins the first stored one within NEAR_DUPLICATE_BITS. */
class BandIndex {
  private readonly bands = [new Map<number, string[]>(), new Map<number, string[]>(), new Map<number, string[]>(), new Map<number, string[]>()];
  nearDuplicates = 0;

  add(hash: string): void {
    const keys = simhashBands(hash);
    let found = false;
    for (let b = 0; b < 4 && !found; b++) {
      for (const other of this.bands[b]!.get(keys[b]!) ?? []) {
        if (hammingDistance(hash, other) <= NEAR_DUPLICATE_BITS) {
          found = true;
          break;
        }
      }
    }
    if (found) this.nearDuplicates++;
    else for (let b = 0; b < 4; b++) this.bands[b]!.set(keys[b]!, [...(this.bands[b]!.get(keys[b]!) ?? []), hash]);
  }
}

const { html: pool, origin } = bodies();
const items = digestItems(ITEMS);
const bodyOf = (i: number) => pool[i % pool.length]!;
const feeds: string[] = [];
for (let i = 0; i < items.length; i += 50) feeds.push(rss(items.slice(i, i + 50), bodyOf, i));
const poolBytes = pool.reduce((s, h) => s + h.length, 0);
console.log(
  `Intel extraction benchmark, Node ${process.version}, one thread; load average ${os.loadavg()[0]!.toFixed(1)} on ${os.availableParallelism()} cores`,
);
console.log(`items: ${items.length.toLocaleString('en-US')} real digest items (title, link, date) in ${feeds.length} RSS feeds of 50`);
console.log(`bodies: ${pool.length} real bodies (${origin.join(', ')}; mean ${Math.round(poolBytes / pool.length / 1024)} KB of HTML)`);
console.log(`        RECYCLED: body i % ${pool.length} goes to item i, so each body serves ~${Math.round(items.length / pool.length)} items`);

// (a) feed path
let t0 = performance.now();
let c0 = cpuSeconds();
let parseMs = 0;
let buildMs = 0;
let dedupeMs = 0;
let documents = 0;
let noLink = 0;
let cves = 0;
const languages = new Map<string, number>();
const index = new BandIndex();
for (const xml of feeds) {
  let t = performance.now();
  const parsed = parseFeed(xml, 'https://example.com/');
  parseMs += performance.now() - t;
  for (const item of parsed.items) {
    if (item.url === null) {
      noLink++;
      continue;
    }
    t = performance.now();
    const doc = buildDocument({ source: SOURCE, url: item.url, fetchedAt: FETCHED, item });
    const t2 = performance.now();
    buildMs += t2 - t;
    index.add(doc.simhash);
    dedupeMs += performance.now() - t2;
    documents++;
    cves += doc.cves.length;
    languages.set(String(doc.language), (languages.get(String(doc.language)) ?? 0) + 1);
  }
}
let wall = (performance.now() - t0) / 1000;
let cpu = cpuSeconds() - c0;
console.log('');
console.log(`(a) feed path: parseFeed + buildDocument + SimHash band lookup`);
console.log(
  `    ${documents.toLocaleString('en-US')} documents in ${wall.toFixed(2)} s wall, ${cpu.toFixed(2)} s CPU: ${Math.round(documents / wall).toLocaleString('en-US')} documents/s wall, ${Math.round(documents / cpu).toLocaleString('en-US')} per CPU second (target ≥ 500)`,
);
if (noLink > 0) console.log(`    ${noLink} items left out: their link is not an absolute http(s) URL`);
console.log(`    parse ${(parseMs / 1000).toFixed(2)} s, buildDocument ${(buildMs / 1000).toFixed(2)} s, band lookup ${(dedupeMs / 1000).toFixed(2)} s`);
console.log(
  `    near-duplicates found: ${index.nearDuplicates.toLocaleString('en-US')} (expected ~${(documents - pool.length).toLocaleString('en-US')}: recycled bodies); CVE mentions ${cves.toLocaleString('en-US')}; languages ${JSON.stringify(Object.fromEntries(languages))}`,
);

// (b) article path on a sample
const sample = Math.min(ARTICLE_SAMPLE, items.length);
t0 = performance.now();
c0 = cpuSeconds();
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
wall = (performance.now() - t0) / 1000;
cpu = cpuSeconds() - c0;
console.log('');
console.log(`(b) article path: extractArticle (linkedom + readability) + buildDocument, first ${sample.toLocaleString('en-US')} items`);
console.log(
  `    ${sample.toLocaleString('en-US')} pages in ${wall.toFixed(2)} s wall, ${cpu.toFixed(2)} s CPU: ${Math.round(sample / wall).toLocaleString('en-US')} pages/s wall, ${Math.round(sample / cpu).toLocaleString('en-US')} per CPU second; extractArticle ${(extractMs / sample).toFixed(2)} ms/page`,
);
