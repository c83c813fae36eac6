/**
 * `node --import tsx bench/search-load.ts`: search and record requests under concurrency (50
 * connections) on the 300k-record store, served with the SQLite reader pool off (0 readers: every
 * query on the server's one JavaScript thread) and on (2 readers: one per core). Appends to
 * bench/RESULTS.md. Target (issue 12): search p95 ≤ 50 ms at 50 connections.
 *
 * With `BENCH_PG_URL` (e.g. postgres://127.0.0.1/test) the same runs follow on PostgreSQL: the 300k
 * store is copied there with `vigil migrate` (into a new schema, dropped after) and served over the
 * pool.
 *
 * Environment: as bench/api.ts (`BENCH_STORE`, `BENCH_NO_WRITE`); `BENCH_READERS=0,2` the pool
 * sizes to compare; `BENCH_SECONDS=15` each run's length; `BENCH_PG_URL`.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type Load, load, loadRow, prepare, QUERIES, serve, storeFile } from './api.ts';
import { pct } from './scale.ts';

const lines: string[] = [];
const say = (s = '') => {
  console.log(s);
  lines.push(s);
};

const file = await storeFile();
const { token, cves } = await prepare(file);
const sizes = (process.env.BENCH_READERS ?? '0,2').split(',').map(Number);
const targets: { label: string; database: string; readers: number }[] = sizes.map((readers) => ({ label: `SQLite, ${readers} reader(s)`, database: file, readers }));
let pgSchema: { url: string; schema: string } | null = null;
if (process.env.BENCH_PG_URL) {
  const url = new URL(process.env.BENCH_PG_URL);
  const schema = `bench_search_${randomBytes(4).toString('hex')}`;
  url.searchParams.set('schema', schema);
  pgSchema = { url: url.toString(), schema };
  console.log(`copying the store to ${schema} (vigil migrate)…`);
  const copy = spawnSync(process.execPath, ['bin/vigil.js', 'migrate', '--from', file, '--to', url.toString()], { stdio: ['ignore', 'ignore', 'inherit'] });
  if (copy.status !== 0) throw new Error('vigil migrate failed');
  targets.push({ label: 'PostgreSQL', database: url.toString(), readers: 0 });
}
const seconds = Number(process.env.BENCH_SECONDS ?? 15);
let q = 0;
const search = () => `/api/v1/search?q=${encodeURIComponent(QUERIES[q++ % QUERIES.length] as string)}`;
// Every request a question never asked before (so never answered from the API's page cache): the
// same searches with a \`since\` date one day later each time (1970-01-01 onwards: the filter keeps
// nearly every match, so each costs what the plain search costs).
let u = 0;
const DAY_MS = 86_400_000;
const unique = () => {
  const n = u++;
  const since = new Date(n * DAY_MS).toISOString().slice(0, 10);
  return `/api/v1/search?q=${encodeURIComponent(QUERIES[n % QUERIES.length] as string)}&since=${since}`;
};

say();
say('### Search under concurrency: the SQLite reader pool');
say();
say(
  `Measured ${new Date().toISOString()} (\`node --import tsx bench/search-load.ts\`) on ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}; load average ${os.loadavg()[0]?.toFixed(1)} at the start. Store: the 300k-record store of part 2 (**${cves} CVEs**).`,
);
say(
  'Server: bench/serve-stores.ts, the API alone over `openStores(db, { readers: n })` in its own process (no daemon); n = 0 runs every query on its JavaScript thread, n ≥ 1 sends `getVulnerability`, `rank`, `countRanked` and the advisory reads to n read-only connections in worker threads (src/store/sqlite/readers.ts). autocannon runs in this process, on the same 2 cores.',
);
say(
  `"Repeated": ${QUERIES.length} searches in turn (\`/api/v1/search?q=…\`, priority order), as users and dashboards ask the same questions; after the first round they are answered from the API's page cache (src/api/view-cache.ts), valid while the store does not change. "Unique": each request a search never asked before (the same ${QUERIES.length} with a \`since\` date one day later each time), so each runs its queries on a reader. ${seconds} s per run after a 3 s warm-up.`,
);
say();
say('| store | load | responses | req/s | p50 ms | p90 ms | p95 ms | p99 ms | max ms | non-2xx | errors | server CPU ms per response | CPU use server / client |');
say('|---|---|---|---|---|---|---|---|---|---|---|---|---|');
const summary: string[] = [];
for (const { label: store, database, readers } of targets) {
  const server = await serve(database, null, { readers });
  try {
    await load(server, token, search, { connections: 50, seconds: 3 }); // warm-up, not reported
    const runs: [string, Load][] = [
      ['repeated searches, 50 connections, as fast as they go', await load(server, token, search, { connections: 50, seconds })],
      ['repeated searches, 50 connections, capped at 200/s', await load(server, token, search, { connections: 50, seconds, rate: 200 })],
      ['unique searches, 50 connections, as fast as they go', await load(server, token, unique, { connections: 50, seconds })],
      ['unique searches, 50 connections, capped at 50/s', await load(server, token, unique, { connections: 50, seconds, rate: 50 })],
      ['unique searches, 50 connections, capped at 100/s', await load(server, token, unique, { connections: 50, seconds, rate: 100 })],
    ];
    for (const [label, l] of runs) say(loadRow(`${store} | ${label}`, l));
    for (const [label, l] of runs.filter(([label]) => label.includes('as fast') || label.includes('100/s')))
      summary.push(
        l.responses
          ? `${store}, ${label}: p95 **${pct(l.latencies, 95).toFixed(1)} ms** at ${(l.responses / l.seconds).toFixed(0)}/s`
              : `${store}, ${label}: no answer within autocannon's 10 s timeout`,
      );
  } finally {
    await server.stop();
  }
}
say();
say(`Target: search p95 ≤ 50 ms at 50 connections. ${summary.join('; ')}.`);
say();

if (pgSchema) spawnSync('psql', [process.env.BENCH_PG_URL as string, '-qc', `DROP SCHEMA IF EXISTS ${pgSchema.schema} CASCADE; DROP SCHEMA IF EXISTS ${pgSchema.schema}_jobs CASCADE`], { stdio: 'inherit' });
if (!process.env.BENCH_NO_WRITE) appendFileSync(path.join('bench', 'RESULTS.md'), `${lines.join('\n')}\n`);
process.exit(0);
