/**
 * Trends benchmark (issue 15): `node --import tsx bench/trends.ts`.
 *
 * 1. Speed on the 300k-record store (`BENCH_STORE=FILE`, else built from the corpus by
 *    bench/scale.ts into a temporary folder, ~12 min): every dimension per day over the longest
 *    window a query may ask (20 years), cold (the first query of a process: it reads every day's
 *    counts of the dimension) and warm (median of 5: the cached counts sliced), and scoped to 2,000
 *    random CVEs (median of 3). Target: ≤ 200 ms. `BENCH_PG_URL`: the same on a PostgreSQL store
 *    already holding the records (e.g. copied there by `vigil migrate`).
 * 2. False alarms of the breakout test (src/trends/breakout.ts, docs/trends.md): how often it fires
 *    on simulated Poisson series of constant rate (the null hypothesis holds), and per series-day on
 *    the real daily vendor and CWE series of the corpus (a store of the corpus import, `vigil demo`'s
 *    plan; `BENCH_CORPUS_STORE=FILE` reuses one), with the largest real breakouts as examples.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { corpusPlan } from '../src/cli/demo.ts';
import { createLogger } from '../src/log.ts';
import { importFiles } from '../src/pipeline.ts';
import { findSource } from '../src/sources/registry.ts';
import { openStores, type Stores } from '../src/store/index.ts';
import { corpusDir } from '../src/testing/corpus.ts';
import { BREAKOUT_DEFAULTS, detectBreakouts } from '../src/trends/breakout.ts';
import { addDays, bucketList } from '../src/trends/series.ts';
import type { SqlTrends } from '../src/trends/sql.ts';
import type { TrendDimension } from '../src/trends/types.ts';
import { importScaleStore, pct, replicateInput } from './scale.ts';

const say = (s = '') => console.log(s);
const DIMENSIONS: TrendDimension[] = ['vendor', 'product', 'cwe', 'owasp', 'severity', 'cna', 'source', 'intel', 'kev', 'buzz'];

/** Milliseconds of `fn`. */
async function ms(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

async function speed(label: string, stores: Stores, ids: string[]): Promise<void> {
  say(`### ${label}: every day of a 20-year window (2006-01-01 – 2025-12-31, 7,305 days)`);
  say();
  say('| by | cold ms | warm ms (median of 5) | scoped to 2,000 CVEs ms (median of 3) |');
  say('|---|---|---|---|');
  const q = { interval: 'day' as const, since: '2006-01-01', until: '2025-12-31' };
  for (const by of DIMENSIONS) {
    const cold = await ms(() => stores.trends.trend({ by, ...q }));
    const warm: number[] = [];
    for (let i = 0; i < 5; i++) warm.push(await ms(() => stores.trends.trend({ by, ...q })));
    const scoped: number[] = [];
    for (let i = 0; i < 3; i++) scoped.push(await ms(() => stores.trends.trend({ by, ...q, cves: ids })));
    say(`| ${by} | ${cold.toFixed(0)} | ${pct(warm, 50).toFixed(0)} | ${pct(scoped, 50).toFixed(0)} |`);
  }
  const movers = await ms(() => stores.trends.epssMovers({ from: '2026-06-14', to: '2026-08-16', limit: 20 }));
  say();
  say(`EPSS movers 2026-06-14 → 2026-08-16 (every CVE scored): ${movers.toFixed(0)} ms`);
  say();
}

/** A Poisson(λ) draw (Knuth for small λ, normal approximation above 50). */
function poisson(lambda: number, rnd: () => number): number {
  if (lambda > 50) return Math.max(0, Math.round(lambda + Math.sqrt(lambda) * Math.sqrt(-2 * Math.log(rnd())) * Math.cos(2 * Math.PI * rnd())));
  const l = Math.exp(-lambda);
  let k = 0;
  let p = 1;
  do {
    k++;
    p *= rnd();
  } while (p > l);
  return k - 1;
}

/** Mulberry32: a seeded generator, so the figures repeat. */
function seeded(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function simulated(): void {
  say('### Null series: constant-rate Poisson days (2,000 series × 365 days per rate, seed 1)');
  say();
  say(`Test: window ${BREAKOUT_DEFAULTS.day.window}, alpha ${BREAKOUT_DEFAULTS.day.alpha}, min count ${BREAKOUT_DEFAULTS.day.minCount}.`);
  say();
  say('| λ per day | days tested | breakouts | rate per series-day |');
  say('|---|---|---|---|');
  const rnd = seeded(1);
  const days = bucketList('2024-01-01', '2024-12-30', 'day');
  for (const lambda of [0.5, 1, 2, 5, 10, 30, 100]) {
    let fired = 0;
    let tested = 0;
    for (let s = 0; s < 2000; s++) {
      const counts = days.map(() => poisson(lambda, rnd));
      fired += detectBreakouts(counts, days, BREAKOUT_DEFAULTS.day).length;
      tested += days.length - BREAKOUT_DEFAULTS.day.window;
    }
    say(`| ${lambda} | ${tested} | ${fired} | ${(fired / tested).toExponential(2)} |`);
  }
  say();
}

async function corpusStore(): Promise<Stores> {
  if (process.env.BENCH_CORPUS_STORE) return openStores(process.env.BENCH_CORPUS_STORE);
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'vigil-bench-trends-')), 'corpus.db');
  const stores = await openStores(file);
  const log = createLogger('silent');
  for (const step of corpusPlan(corpusDir)) await importFiles(findSource(step.source).source, step.paths, { store: stores.store, log });
  return stores;
}

async function realSeries(stores: Stores): Promise<void> {
  const sql = stores.trends as unknown as SqlTrends;
  say('### Real daily series of the corpus (every key, every day from its first count to the newest day)');
  say();
  say('| by | series | series-days tested | breakouts | rate per series-day |');
  say('|---|---|---|---|---|');
  const examples: { by: string; key: string; bucket: string; count: number; baseline: number; pValue: number }[] = [];
  for (const by of ['vendor', 'cwe'] as const) {
    const rows = await sql.dayCounts(by, '1999-01-01', '2026-12-31');
    const newest = rows.reduce((m, r) => (r.day > m ? r.day : m), '');
    const perKey = new Map<string, Map<string, number>>();
    for (const r of rows) {
      const m = perKey.get(r.key) ?? new Map<string, number>();
      m.set(r.day, (m.get(r.day) ?? 0) + Number(r.n));
      perKey.set(r.key, m);
    }
    let tested = 0;
    let fired = 0;
    for (const [key, m] of perKey) {
      const first = [...m.keys()].reduce((a, b) => (a < b ? a : b));
      const days = bucketList(addDays(first, 0), newest, 'day');
      const counts = days.map((d) => m.get(d) ?? 0);
      const b = detectBreakouts(counts, days, BREAKOUT_DEFAULTS.day);
      tested += Math.max(0, days.length - BREAKOUT_DEFAULTS.day.window);
      fired += b.length;
      for (const x of b) examples.push({ by, key, ...x });
    }
    say(`| ${by} | ${perKey.size} | ${tested} | ${fired} | ${(fired / Math.max(1, tested)).toExponential(2)} |`);
  }
  say();
  say('Largest real breakouts (count over baseline):');
  say();
  say('| by | key | day | count | trailing mean | p |');
  say('|---|---|---|---|---|---|');
  examples.sort((a, b) => b.count / (b.baseline + 0.5) - a.count / (a.baseline + 0.5));
  for (const e of examples.slice(0, 10)) say(`| ${e.by} | ${e.key} | ${e.bucket} | ${e.count} | ${e.baseline.toFixed(2)} | ${e.pValue.toExponential(1)} |`);
  say();
}

async function main(): Promise<void> {
  say('## Trends (bench/trends.ts)');
  say();
  say(`Machine: ${os.cpus().length} cores (${os.cpus()[0]?.model ?? '?'}), shared; Node ${process.version}.`);
  say();
  simulated();
  const corpus = await corpusStore();
  try {
    await realSeries(corpus);
  } finally {
    await corpus.close();
  }
  let file = process.env.BENCH_STORE;
  if (!file) {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'vigil-bench-trends-big-'));
    replicateInput(dir);
    file = path.join(dir, 'big.db');
    await importScaleStore(dir, file);
  }
  for (const [label, database] of [['SQLite, 300k store', file], ...(process.env.BENCH_PG_URL ? [['PostgreSQL', process.env.BENCH_PG_URL]] : [])] as [
    string,
    string,
  ][]) {
    const stores = await openStores(database);
    try {
      const ids = (await stores.store.rank({ limit: 20_000 })).map((r) => r.id).filter((_, i) => i % 10 === 0);
      await speed(label, stores, ids);
    } finally {
      await stores.close();
    }
  }
}

await main();
