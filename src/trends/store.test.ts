/**
 * Trends on the back end of this pass (SQLite, then PostgreSQL in CI's second pass), over a real
 * corpus slice: the 400 CVE 5 records of the corpus, the KEV catalog, three EPSS days (scores of
 * those CVEs), the OWASP mappings and the items of two news feeds as intel documents. Every count
 * is checked against a recomputation in this file from the same input files (records' published
 * days, CWEs and assigners; the catalog's dateAdded; the EPSS files; the CVE ids in the feeds' text).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mergedProducts } from '../analysis/merge.ts';
import { productKey } from '../enrich/product-key.ts';
import { simhash } from '../intel/dedupe/simhash.ts';
import { htmlToText, parseFeed } from '../intel/feeds/parse.ts';
import type { IntelDocument } from '../intel/types.ts';
import { createLogger } from '../log.ts';
import type { VulnObservation } from '../model/vulnerability.ts';
import { importFiles } from '../pipeline.ts';
import { readOwaspTop10 } from '../sources/owasp/index.ts';
import { findSource } from '../sources/registry.ts';
import { corpusPath, hasCorpus } from '../testing/corpus.ts';
import { openTestStores, type TestStores } from '../testing/store.ts';
import { addDays, bucketStart } from './series.ts';

const log = createLogger('silent');
const EPSS_DAYS = ['2026-06-14', '2026-08-09', '2026-08-16'];
const FEEDS = [corpusPath('news', 'feeds', 'tsummey_cyberdash', 'securityweek.xml'), corpusPath('news', 'feeds', 'tsummey_cyberdash', 'bleepingcomputer.xml')];

/** UTC day of an ISO timestamp. */
const dayOf = (iso: string) => new Date(/[zZ]|[+-]\d\d:\d\d$/.test(iso) ? iso : `${iso}Z`).toISOString().slice(0, 10);

/** Count per key of `items`. */
function countBy<T>(items: T[], keys: (t: T) => string[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const t of items) for (const k of new Set(keys(t))) out.set(k, (out.get(k) ?? 0) + 1);
  return out;
}

/** EPSS scores of one corpus day for `ids`. */
function epssDay(date: string, ids: Set<string>): Map<string, { epss: number; percentile: number }> {
  const out = new Map<string, { epss: number; percentile: number }>();
  for (const line of gunzipSync(readFileSync(corpusPath('epss', `emba-epss-${date}.ssv.gz`)))
    .toString('utf8')
    .split('\n')) {
    const [cveId, epss, percentile] = line.split(';');
    if (cveId && ids.has(cveId)) out.set(cveId, { epss: Number(epss), percentile: Number(percentile) });
  }
  return out;
}

/** The feeds' items as intel documents, each naming the CVE ids its text holds. */
function documents(): IntelDocument[] {
  const sha = (t: string) => createHash('sha256').update(t).digest('hex');
  return FEEDS.flatMap((file, f) =>
    parseFeed(readFileSync(file), `https://feed${f}.example/`).items.map((item) => {
      const url = item.url ?? item.guid ?? `${file}#${item.title}`;
      const text = item.contentHtml ? htmlToText(item.contentHtml) : (item.summary ?? '');
      return {
        id: `intel-${sha(url).slice(0, 20)}`,
        source: f === 0 ? 'securityweek' : 'bleepingcomputer',
        url,
        canonicalUrl: url,
        title: item.title ?? '',
        author: item.author,
        published: item.published,
        fetchedAt: '2026-08-01T10:00:00.000Z',
        language: 'en',
        text,
        summary: text.slice(0, 500) || null,
        contentHash: sha(text),
        simhash: simhash(text),
        tags: [],
        cves: [...new Set(`${item.title ?? ''} ${text}`.match(/CVE-\d{4}-\d{4,}/g) ?? [])],
      };
    }),
  );
}

describe.skipIf(!hasCorpus())('trends over a real corpus slice', () => {
  let stores: TestStores;
  const records: VulnObservation[] = [];
  let docs: IntelDocument[] = [];
  let kev: { cveID: string; dateAdded: string; vendorProject: string }[] = [];
  const epss = new Map<string, Map<string, { epss: number; percentile: number }>>();

  beforeAll(async () => {
    stores = await openTestStores();
    const cve5 = [corpusPath('cve5', 'records')];
    for await (const ev of findSource('cve5').source.importFiles(cve5, { log })) if (ev.type === 'vulns') records.push(...ev.records);
    for (const [source, paths] of [
      ['cve5', cve5],
      ['kev', [corpusPath('cisa-kev', 'known_exploited_vulnerabilities.json')]],
    ] as const) {
      const s = await importFiles(findSource(source).source, [...paths], { store: stores.store, log });
      expect(s.error, source).toBeNull();
    }
    kev = (JSON.parse(readFileSync(corpusPath('cisa-kev', 'known_exploited_vulnerabilities.json'), 'utf8')) as { vulnerabilities: typeof kev }).vulnerabilities;
    const ids = new Set(records.map((r) => r.cveId));
    for (const date of EPSS_DAYS) {
      const scores = epssDay(date, ids);
      epss.set(date, scores);
      await stores.store.applyEpssDay({ date, modelVersion: null, scores: [...scores].map(([cveId, s]) => ({ cveId, ...s })) });
    }
    const categories = await readOwaspTop10(corpusPath('owasp-top10'));
    for (const edition of new Set(categories.map((c) => c.edition)))
      await stores.stats.saveOwaspMapping(
        edition,
        categories.filter((c) => c.edition === edition).flatMap((c) => c.cwes.map((cwe) => ({ category: c.id, title: c.title, cwe }))),
      );
    docs = documents();
    await stores.intel.saveDocuments(docs);
  }, 120_000);
  afterAll(async () => {
    await stores?.close();
  });

  const live = () => records.filter((r) => r.state !== 'REJECTED' && r.published);
  const span = () => {
    const days = live().map((r) => dayOf(r.published as string));
    return { since: days.reduce((a, b) => (a < b ? a : b)), until: days.reduce((a, b) => (a > b ? a : b)) };
  };

  it('counts CVEs per CWE per month as the records say, with `other` holding the rest', async () => {
    const { since, until } = span();
    const r = await stores.trends.trend({ by: 'cwe', interval: 'month', since, until, top: 5 });
    const expected = countBy(live(), (v) => v.cwes.filter((c) => c.startsWith('CWE-')));
    expect(r.series.length).toBe(Math.min(5, expected.size));
    expect(r.buckets[0]).toBe(bucketStart(since, 'month'));
    for (const s of r.series) {
      expect(s.total, s.key).toBe(expected.get(s.key));
      expect(s.counts.reduce((a, b) => a + b, 0)).toBe(s.total);
      // Month by month: the records of that CWE published that month.
      const perMonth = countBy(
        live().filter((v) => v.cwes.includes(s.key)),
        (v) => [`${dayOf(v.published as string).slice(0, 7)}-01`],
      );
      r.buckets.forEach((b, i) => {
        expect(s.counts[i], `${s.key} ${b}`).toBe(perMonth.get(b) ?? 0);
      });
    }
    // Largest first; the rest of the keys sum into `other`.
    const totals = [...expected.values()].sort((a, b) => b - a);
    expect(r.series.map((s) => s.total)).toEqual(totals.slice(0, r.series.length));
    expect(r.other.reduce((a, b) => a + b, 0)).toBe(totals.slice(r.series.length).reduce((a, b) => a + b, 0));
    expect(r.series[0]?.label.startsWith(`${r.series[0]?.key} `)).toBe(true);
  });

  it('counts CVEs per assigning CNA per day, every day of the window present', async () => {
    const { since, until } = span();
    const r = await stores.trends.trend({ by: 'cna', interval: 'day', since, until, top: 50 });
    const expected = countBy(live(), (v) => [v.assigner ?? 'unknown']);
    expect(r.buckets.length).toBe((Date.parse(until) - Date.parse(since)) / 86_400_000 + 1);
    expect(new Map(r.series.map((s) => [s.key, s.total]))).toEqual(new Map([...expected].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, 50)));
  });

  it('scopes CVE dimensions to a list of CVEs, and lists the members of one bucket', async () => {
    const { since, until } = span();
    const scope = live()
      .filter((_, i) => i % 3 === 0)
      .map((v) => v.cveId);
    const inScope = live().filter((v) => scope.includes(v.cveId));
    const r = await stores.trends.trend({ by: 'cwe', interval: 'week', since, until, top: 50, cves: scope });
    const expected = countBy(inScope, (v) => v.cwes.filter((c) => c.startsWith('CWE-')));
    const all = r.series.reduce((a, s) => a + s.total, 0) + r.other.reduce((a, b) => a + b, 0);
    expect(all).toBe([...expected.values()].reduce((a, b) => a + b, 0));
    const top = r.series[0];
    if (!top) throw new Error('no series');
    const i = top.counts.findIndex((n) => n > 0);
    const bucket = r.buckets[i] as string;
    const m = await stores.trends.members({ by: 'cwe', key: top.key, interval: 'week', bucket, cves: scope });
    const want = inScope
      .filter((v) => v.cwes.includes(top.key) && bucketStart(dayOf(v.published as string), 'week') === bucket)
      .map((v) => v.cveId)
      .sort();
    expect(m.total).toBe(top.counts[i]);
    expect(m.items.map((x) => x.id).sort()).toEqual(want);
    const prios = m.items.map((x) => x.priority ?? -1);
    expect(prios).toEqual([...prios].sort((a, b) => b - a));
  });

  it("lists the vendor and product keys the CVEs name, with their CVE counts (the entity gazetteer's catalog)", async () => {
    const kevKeys = new Set(
      kev.flatMap((k) => [productKey(k.vendorProject), `${productKey(k.vendorProject)}/${productKey((k as { product?: string }).product ?? '')}`]),
    );
    const pairs = new Map<string, Set<string>>();
    for (const r of records)
      for (const p of mergedProducts([r]).products) {
        const key = `${productKey(p.vendor)}/${productKey(p.product)}`;
        const set = pairs.get(key) ?? new Set<string>();
        set.add(r.cveId);
        pairs.set(key, set);
      }
    const all = await stores.trends.vendorProducts();
    const got = new Map(all.products.map((p) => [`${p.vendorKey}/${p.productKey}`, p.cves]));
    let compared = 0;
    for (const [key, cves] of pairs) {
      const [vendor, product] = key.split('/') as [string, string];
      if (!vendor || !product || ['na', 'unknown', 'unspecified'].includes(vendor) || ['na', 'unknown', 'unspecified'].includes(product)) continue;
      if (kevKeys.has(key)) expect(got.get(key), key).toBeGreaterThanOrEqual(cves.size);
      else {
        expect(got.get(key), key).toBe(cves.size);
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(100);
    const vendorCves = new Map<string, Set<string>>();
    for (const [key, cves] of pairs) {
      const vendor = key.slice(0, key.indexOf('/'));
      vendorCves.set(vendor, new Set([...(vendorCves.get(vendor) ?? []), ...cves]));
    }
    const vendors = new Map(all.vendors.map((v) => [v.key, v.cves]));
    for (const [vendor, cves] of vendorCves) if (!kevKeys.has(vendor) && vendors.has(vendor)) expect(vendors.get(vendor), vendor).toBe(cves.size);
    expect(all.vendors.some((v) => v.key === 'na' || v.key === '')).toBe(false);
    // The threshold keeps what at least that many CVEs name.
    const five = await stores.trends.vendorProducts({ minCves: 5 });
    expect(five.products).toEqual(all.products.filter((p) => p.cves >= 5));
    expect(five.vendors).toEqual(all.vendors.filter((v) => v.cves >= 5));
    expect(five.vendors.length).toBeGreaterThan(0);
  });

  it('counts KEV additions per vendorProject by dateAdded', async () => {
    const r = await stores.trends.trend({ by: 'kev', interval: 'month', since: '2021-11-01', until: '2025-08-18', top: 10 });
    const inWindow = kev.filter((k) => k.dateAdded >= '2021-11-01' && k.dateAdded <= '2025-08-18');
    const expected = countBy(inWindow, (k) => [k.vendorProject]);
    for (const s of r.series) expect(s.total, s.key).toBe(expected.get(s.key));
    expect(r.series[0]?.total).toBe(Math.max(...expected.values()));
    expect(r.series.reduce((a, s) => a + s.total, 0) + r.other.reduce((a, b) => a + b, 0)).toBe(inWindow.length);
  });

  it('ranks EPSS movers between two days as the EPSS files say', async () => {
    const [first, , last] = EPSS_DAYS as [string, string, string];
    const before = epss.get(first) as Map<string, { epss: number }>;
    const after = epss.get(last) as Map<string, { epss: number; percentile: number }>;
    // The store keeps change points: a day's percentile is stored with a changed score only.
    const point = new Map<string, { epss: number; percentile: number }>();
    for (const day of EPSS_DAYS) for (const [id, s] of epss.get(day) ?? []) if (point.get(id)?.epss !== s.epss) point.set(id, s);
    const deltas = [...after]
      .map(([id, s]) => ({ id, delta: s.epss - (before.get(id)?.epss ?? 0) }))
      .filter((d) => d.delta > 0)
      .sort((a, b) => b.delta - a.delta || (a.id < b.id ? -1 : 1));
    const up = await stores.trends.epssMovers({ from: first, to: last, limit: 10 });
    expect(up.length).toBe(Math.min(10, deltas.length));
    up.forEach((m, i) => {
      expect(m.delta).toBeCloseTo(deltas[i]?.delta as number, 9);
      expect(m.after).toBe(after.get(m.cveId)?.epss);
      expect(m.percentile).toBe(point.get(m.cveId)?.percentile);
      expect(m.before).toBe(before.get(m.cveId)?.epss ?? null);
    });
    const down = await stores.trends.epssMovers({ from: first, to: last, limit: 5, direction: 'down' });
    const falls = [...after].map(([id, s]) => s.epss - (before.get(id)?.epss ?? 0)).filter((d) => d < 0);
    expect(down.length).toBe(Math.min(5, falls.length));
    if (down[0]) expect(down[0].delta).toBeCloseTo(Math.min(...falls), 9);
  });

  it('counts intel mentions per CVE (buzz) and documents per source', async () => {
    const days = docs.map((d) => dayOf(d.published ?? d.fetchedAt)).sort();
    const since = days[0] as string;
    const until = days.at(-1) as string;
    const mentions = countBy(docs, (d) => d.cves);
    const rows = await stores.trends.buzz({ since, until, limit: 1000 });
    expect(new Map(rows.map((r) => [r.cveId, r.mentions]))).toEqual(mentions);
    if (mentions.size) {
      const b = await stores.trends.trend({ by: 'buzz', interval: 'week', since, until, top: 50 });
      for (const s of b.series) expect(s.total).toBe(mentions.get(s.key));
    }
    const src = await stores.trends.trend({ by: 'source', interval: 'day', since: addDays(since, 0), until, top: 10 });
    expect(new Map(src.series.map((s) => [s.key, s.total]))).toEqual(countBy(docs, (d) => [d.source]));
    const intel = await stores.trends.trend({ by: 'intel', interval: 'month', since, until });
    // No analyses stored: every document is unclassified.
    expect(intel.series.map((s) => [s.key, s.total])).toEqual([['unclassified', docs.length]]);
  });

  it('rejects an inverted window', async () => {
    await expect(stores.trends.trend({ by: 'vendor', interval: 'day', since: '2024-02-01', until: '2024-01-01' })).rejects.toThrow(/after/);
  });
});
