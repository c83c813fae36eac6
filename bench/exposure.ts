/**
 * The exposure index on the 300k-record store (issue 15, "Performance": every day of the store,
 * any scope, ≤ 200 ms): `Stores.exposure.exposure()` for scope `all` and for a large watchlist
 * scope (vendor entries Microsoft, Google, Oracle, Apple, Linux: tens of thousands of CVEs, passed
 * as one JSON / text[] parameter), from the first published CVE to today. Cold: the first call in
 * this process (the OS page cache may already hold the file); warm: the median and p95 of the next
 * 20. Resolving the watchlist through the alert matcher is timed apart (it is not the SQL).
 *
 * Usage: `BENCH_STORE=FILE node --import tsx bench/exposure.ts` (the 300k store of bench/api.ts,
 * built there when missing); `BENCH_PG=postgres://…?schema=…` also measures a PostgreSQL store
 * holding the same data (not built here).
 */
import { resolveScope } from '../src/exposure/scope.ts';
import type { ExposureStoreQuery } from '../src/exposure/types.ts';
import { openStores, type Stores } from '../src/store/index.ts';
import { storeFile } from './api.ts';
import { pct, timed } from './scale.ts';

const VENDORS = ['Microsoft', 'Google', 'Oracle', 'Apple', 'Linux'];

async function measure(stores: Stores, label: string, q: ExposureStoreQuery): Promise<string> {
  const cold = await timed(() => stores.exposure.exposure(q));
  const warm: number[] = [];
  for (let i = 0; i < 20; i++) warm.push((await timed(() => stores.exposure.exposure(q))).seconds * 1000);
  const days = cold.value.length;
  return `| ${stores.backend} | ${label} | ${days} | ${(cold.seconds * 1000).toFixed(0)} | ${pct(warm, 50).toFixed(0)} | ${pct(warm, 95).toFixed(0)} |`;
}

async function run(database: string): Promise<string[]> {
  const stores = await openStores(database);
  const out: string[] = [];
  try {
    const count = (await stores.store.stats()).vulnerabilities;
    out.push(`store: ${count} CVEs`);
    // Before the oldest published CVE (1988 in the corpus): every day of the store is computed and returned.
    const since = '1988-01-01';
    const until = new Date().toISOString().slice(0, 10);
    await stores.alerts.upsertUser({ name: 'bench', email: 'bench@example.org', handles: {} });
    if (!(await stores.alerts.getWatchlist('bench-vendors'))) {
      await stores.alerts.upsertWatchlist({ name: 'bench-vendors', owner: { user: 'bench' }, description: null });
      for (const v of VENDORS) await stores.alerts.addEntry({ watchlist: 'bench-vendors', kind: 'vendor', value: v, thresholds: {} });
    }
    const resolved = await timed(() => resolveScope(stores, { kind: 'watchlist', name: 'bench-vendors' }));
    out.push(
      `watchlist bench-vendors (${VENDORS.join(', ')}): ${resolved.value.cves?.length} CVEs, resolved through the matcher in ${resolved.seconds.toFixed(1)} s`,
    );
    out.push('');
    out.push('| back end | scope | days | cold ms | warm p50 ms | warm p95 ms |');
    out.push('|---|---|---|---|---|---|');
    out.push(await measure(stores, 'all, every day since 1988-01-01', { cves: null, watchlists: null, since, until }));
    out.push(await measure(stores, 'all, last 365 days (recursion still from the first CVE)', { cves: null, watchlists: null, until }));
    out.push(
      await measure(stores, `watchlist (${resolved.value.cves?.length} CVEs), every day`, {
        cves: resolved.value.cves,
        watchlists: resolved.value.watchlists,
        since,
        until,
      }),
    );
  } finally {
    await stores.close();
  }
  return out;
}

const lines = [...(await run(await storeFile()))];
if (process.env.BENCH_PG) lines.push('', ...(await run(process.env.BENCH_PG)));
console.log(lines.join('\n'));
