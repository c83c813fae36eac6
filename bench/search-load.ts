/**
 * `node --import tsx bench/search-load.ts`: search and record requests under concurrency (50
 * connections) on the 300k-record store, served with the SQLite reader pool off (0 readers: every
 * query on the server's one JavaScript thread) and on (2 readers: one per core). Appends to
 * bench/RESULTS.md. Target (issue 12): search p95 ≤ 50 ms at 50 connections.
 *
 * Environment: as bench/api.ts (`BENCH_STORE`, `BENCH_NO_WRITE`); `BENCH_READERS=0,2` the pool
 * sizes to compare; `BENCH_SECONDS=15` each run's length.
 */
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
const seconds = Number(process.env.BENCH_SECONDS ?? 15);
let q = 0;
const search = () => `/api/v1/search?q=${encodeURIComponent(QUERIES[q++ % QUERIES.length] as string)}`;

say();
say('### Search under concurrency: the SQLite reader pool');
say();
say(
  `Measured ${new Date().toISOString()} (\`node --import tsx bench/search-load.ts\`) on ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}; load average ${os.loadavg()[0]?.toFixed(1)} at the start. Store: the 300k-record store of part 2 (**${cves} CVEs**).`,
);
say(
  'Server: bench/serve-stores.ts, the API alone over `openStores(db, { readers: n })` in its own process (no daemon); n = 0 runs every query on its JavaScript thread, n ≥ 1 sends `getVulnerability`, `rank`, `countRanked` and the advisory reads to n read-only connections in worker threads (src/store/sqlite/readers.ts). autocannon runs in this process, on the same 2 cores.',
);
say(`${QUERIES.length} searches in turn (\`/api/v1/search?q=…\`, priority order), ${seconds} s per run after a 3 s warm-up.`);
say();
say('| readers | load | responses | req/s | p50 ms | p90 ms | p95 ms | p99 ms | max ms | non-2xx | errors | server CPU ms per response | CPU use server / client |');
say('|---|---|---|---|---|---|---|---|---|---|---|---|---|');
const summary: string[] = [];
for (const readers of sizes) {
  const server = await serve(file, null, { readers });
  try {
    await load(server, token, search, { connections: 50, seconds: 3 }); // warm-up, not reported
    const runs: [string, Load][] = [
      ['search, 50 connections, as fast as they go', await load(server, token, search, { connections: 50, seconds })],
      ['search, 50 connections, capped at 100/s', await load(server, token, search, { connections: 50, seconds, rate: 100 })],
      ['search, 50 connections, capped at 200/s', await load(server, token, search, { connections: 50, seconds, rate: 200 })],
    ];
    for (const [label, l] of runs) say(loadRow(`${readers} | ${label}`, l));
    const capped = runs[1]?.[1];
    if (capped)
      summary.push(
        capped.responses
          ? `${readers} reader(s): search p95 **${pct(capped.latencies, 95).toFixed(1)} ms** at ${(capped.responses / capped.seconds).toFixed(0)}/s over 50 connections (capped at 100/s)`
          : `${readers} reader(s): no answer within autocannon's 10 s timeout at 100/s`,
      );
  } finally {
    await server.stop();
  }
}
say();
say(`Target: search p95 ≤ 50 ms at 50 connections. ${summary.join('; ')}.`);
say();

if (!process.env.BENCH_NO_WRITE) appendFileSync(path.join('bench', 'RESULTS.md'), `${lines.join('\n')}\n`);
process.exit(0);
