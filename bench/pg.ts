/**
 * `npm run bench:pg`: Vigil on PostgreSQL (issue 12). Each part uses its own schema of
 * `BENCH_PG_URL` (default postgres://127.0.0.1/test), named `bench_<part>_<hex>` and dropped at
 * the end. Appends to bench/RESULTS.md.
 *
 * 1. The real corpus's CVE records (CVE 5 + NVD) and KEV, imported by 1 importer process, then by
 *    2 at once into a new schema (one takes CVE 5, the other NVD: their CVEs overlap, so they
 *    merge into the same rows; PgDb.tx retries serialization failures).
 * 2. The API over the corpus store (bench/serve-stores.ts, the API alone over `openStores`) at a
 *    fixed 1,000 requests/s: `GET /api/v1/cves/{id}` and search.
 * 3. A 1M-record store: the real corpus, then real records replicated under new ids (bench/replicate.ts
 *    with 30, 8, 8 copies: copy k moves every CVE id to year + 100·k, contents unchanged): import
 *    rate (2 importers), disk size (pg_total_relation_size of the schema's tables), and the latency
 *    of `show`, `top` and search in-process. `BENCH_PG_MILLION=0` skips it.
 *
 * Environment: `BENCH_PG_URL`, `BENCH_PG_MILLION`, `BENCH_NO_WRITE=1` (leave RESULTS.md alone),
 * `BENCH_PG_KEEP=1` (keep the schemas, their names printed).
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { hashPassword, newApiToken, tokenHash } from '../src/api/auth/credentials.ts';
import { buildView } from '../src/analysis/view.ts';
import { corpusPlan } from '../src/cli/demo.ts';
import { openStores, type Stores } from '../src/store/index.ts';
import { parsePostgresUrl } from '../src/store/postgres/pool.ts';
import type { RankQuery } from '../src/store/types.ts';
import { corpusDir } from '../src/testing/corpus.ts';
import { load, loadRow, QUERIES, serve } from './api.ts';
import { pct, replicateInput } from './scale.ts';

const BASE = process.env.BENCH_PG_URL ?? 'postgres://127.0.0.1/test';
const tmp = mkdtempSync(path.join(os.tmpdir(), 'vigil-bench-pg-'));
const lines: string[] = [];
const say = (s = '') => {
  console.log(s);
  lines.push(s);
};
const schemas: string[] = [];

/** A new schema's database URL (dropped at the end unless BENCH_PG_KEEP). */
function database(part: string): string {
  const schema = `bench_${part}_${randomBytes(4).toString('hex')}`;
  schemas.push(schema);
  const url = new URL(BASE);
  url.searchParams.set('schema', schema);
  return url.toString();
}

/** Runs SQL on the server as the bench's own client (not through the stores). */
async function adminQuery<R>(sql: string, params: unknown[] = []): Promise<R[]> {
  const client = new pg.Client({ connectionString: parsePostgresUrl(BASE).connectionString });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows as R[];
  } finally {
    await client.end();
  }
}

/** Drops the bench's schemas and the ones named after them (`<schema>_jobs`, …). */
async function dropSchemas(): Promise<void> {
  if (process.env.BENCH_PG_KEEP) {
    console.log(`kept schemas: ${schemas.join(', ')}`);
    return;
  }
  for (const s of schemas) {
    const rows = await adminQuery<{ nspname: string }>('SELECT nspname FROM pg_namespace WHERE nspname = $1 OR nspname LIKE $2', [s, `${s}\\_%`]);
    for (const r of rows) await adminQuery(`DROP SCHEMA IF EXISTS "${r.nspname}" CASCADE`);
  }
}

/** What one importer process did. */
interface ImportRun {
  read: number;
  stored: number;
  seconds: number;
  steps: { source: string; read: number; stored: number; seconds: number }[];
}

/** Starts one importer process (bench/pg-import.ts) on `db` with `steps` (`source:path,…`). */
function importer(db: string, steps: string[]): Promise<ImportRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--max-old-space-size=320', '--import', 'tsx', 'bench/pg-import.ts', db, ...steps], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.once('exit', (code) => (code === 0 ? resolve(JSON.parse(out.trim().split('\n').pop() as string) as ImportRun) : reject(new Error(`bench/pg-import.ts exited ${code}`))));
  });
}

/** Imports with the given importer processes running at once; returns each run and the wall time. */
async function importAll(db: string, plans: string[][]): Promise<{ runs: ImportRun[]; seconds: number }> {
  const t0 = performance.now();
  const runs = await Promise.all(plans.map((p) => importer(db, p)));
  return { runs, seconds: (performance.now() - t0) / 1000 };
}

const step = (source: string, paths: string[]) => `${source}:${paths.join(',')}`;
const plan = corpusPlan(corpusDir);
const pathsOf = (source: string) => plan.filter((s) => s.source === source).flatMap((s) => s.paths);
const CVE5 = step('cve5', pathsOf('cve5'));
const NVD = step('nvd', pathsOf('nvd'));
const KEV = step('kev', pathsOf('kev'));

/** Rows of an import table: each importer, then all together. */
function importRows(label: string, r: { runs: ImportRun[]; seconds: number }): void {
  r.runs.forEach((run, i) => {
    const what = run.steps.map((s) => `${s.source} ${s.read}`).join(' + ');
    say(`| ${label}: importer ${i + 1} (${what}) | ${run.read} | ${run.stored} | ${run.seconds.toFixed(2)} | ${(run.read / run.seconds).toFixed(0)} |`);
  });
  const read = r.runs.reduce((s, x) => s + x.read, 0);
  const stored = r.runs.reduce((s, x) => s + x.stored, 0);
  say(`| **${label}: all together** | ${read} | ${stored} | ${r.seconds.toFixed(2)} | **${(read / r.seconds).toFixed(0)}** |`);
}

/** An analyst with a read-scoped API token (as bench/api.ts `prepare`, through the interfaces); random ids of the store. */
async function prepareStores(db: string): Promise<{ token: string; ids: string[] }> {
  const stores = await openStores(db);
  try {
    await stores.alerts.upsertUser({ name: 'bench-analyst', email: null, handles: {} });
    await stores.auth.upsertAccount({ name: 'bench-analyst', role: 'analyst', passwordHash: await hashPassword('bench password, loopback only') });
    const token = newApiToken();
    await stores.auth.createToken({ user: 'bench-analyst', name: `bench ${new Date().toISOString()}`, tokenHash: tokenHash(token), prefix: token.slice(0, 8), scopes: ['read'], expiresAt: null });
    const ids = ((await stores.pg?.query<{ cve_id: string }>('SELECT cve_id FROM vulns WHERE has_record = 1 ORDER BY random() LIMIT 31000')) ?? []).map((r) => r.cve_id);
    return { token, ids };
  } finally {
    await stores.close();
  }
}

/** Latency of `show`, `top` and search in-process on `stores` (as bench/run.ts measures SQLite). */
async function latencies(stores: Stores): Promise<string[]> {
  const ids = ((await stores.pg?.query<{ cve_id: string }>('SELECT cve_id FROM vulns WHERE has_record = 1 ORDER BY random() LIMIT 200')) ?? []).map((r) => r.cve_id);
  const show: number[] = [];
  for (const id of ids) {
    const t0 = performance.now();
    const s = await stores.store.getVulnerability(id);
    if (s) JSON.stringify(buildView(s));
    show.push(performance.now() - t0);
  }
  const out = [`| \`show\` (get + view + JSON), ${ids.length} random ids | median ${pct(show, 50).toFixed(2)} ms, p95 ${pct(show, 95).toFixed(2)} ms, max ${Math.max(...show).toFixed(2)} ms |`];
  const queries: [string, RankQuery][] = [
    ['top --limit 20', { limit: 20 }],
    ['top --kev --limit 20', { kev: true, limit: 20 }],
    ['top --vendor microsoft --limit 20', { vendor: 'microsoft', limit: 20 }],
    ['search "remote code execution"', { text: 'remote code execution', limit: 20 }],
    ['search "cross-site scripting"', { text: 'cross-site scripting', limit: 20 }],
  ];
  for (const [name, q] of queries) {
    const t: number[] = [];
    for (let i = 0; i < 20; i++) {
      const t0 = performance.now();
      await stores.store.rank(q);
      t.push(performance.now() - t0);
    }
    out.push(`| \`${name}\` (20 runs) | median ${pct(t, 50).toFixed(2)} ms, p95 ${pct(t, 95).toFixed(2)} ms, max ${Math.max(...t).toFixed(2)} ms |`);
  }
  return out;
}

/** Bytes on disk of a schema's tables, with their indexes and TOAST. */
async function schemaBytes(db: string): Promise<number> {
  const schema = new URL(db).searchParams.get('schema');
  const [row] = await adminQuery<{ bytes: string }>(
    `SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) AS bytes FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relkind IN ('r', 'm')`,
    [schema],
  );
  return Number(row?.bytes ?? 0);
}

async function main(): Promise<void> {
  const [version] = await adminQuery<{ server_version: string }>('SHOW server_version');
  say();
  say('## 6. PostgreSQL');
  say();
  say(
    `Measured ${new Date().toISOString()} (\`npm run bench:pg\`, bench/pg.ts) on ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'unknown CPU'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB RAM, Node ${process.version}, PostgreSQL ${version?.server_version} on the same machine (loopback); load average ${os.loadavg()[0]?.toFixed(1)} at the start. Each part in its own schema, dropped after.`,
  );
  say();
  say('### (a) Import of the real corpus');
  say();
  say('Each importer is its own process (bench/pg-import.ts: `openStores(url).writer`, `importFiles`, as `vigil import` does). With 2, one imports CVE 5 and the other NVD at the same time: many CVEs are in both, so they merge into the same rows.');
  say();
  say('| run | records read | stored | seconds | records/s |');
  say('|---|---|---|---|---|');
  const one = database('corpus1');
  importRows('1 importer', await importAll(one, [[CVE5, NVD]]));
  const two = database('corpus2');
  importRows('2 importers', await importAll(two, [[CVE5], [NVD]]));
  await importAll(one, [[KEV]]);
  say();

  say('### (b) API at 1,000 requests/s on the corpus store');
  say();
  const { token, ids } = await prepareStores(one);
  const server = await serve(one, null, { readers: 0 });
  try {
    let r = 0;
    const record = () => `/api/v1/cves/${ids[r++ % ids.length]}`;
    let q = 0;
    const search = () => `/api/v1/search?q=${encodeURIComponent(QUERIES[q++ % QUERIES.length] as string)}`;
    say(`The API alone (bench/serve-stores.ts over \`openStores\` with its default pool, in its own process) on the corpus store of (a) with KEV; autocannon in this process on the same 2 cores, 15 s per run after a 3 s warm-up. Records: ${ids.length} random ids in turn; searches: the ${QUERIES.length} queries of bench/api.ts in turn.`);
    say();
    say('| load | responses | req/s | p50 ms | p90 ms | p95 ms | p99 ms | max ms | non-2xx | errors | server CPU ms per response | CPU use server / client |');
    say('|---|---|---|---|---|---|---|---|---|---|---|---|');
    await load(server, token, record, { connections: 10, seconds: 3, rate: 1000 });
    say(loadRow('`GET /api/v1/cves/{id}`, 10 connections, capped at 1,000/s', await load(server, token, record, { connections: 10, seconds: 15, rate: 1000 })));
    await load(server, token, search, { connections: 50, seconds: 3, rate: 1000 });
    say(loadRow('`GET /api/v1/search?q=…`, 50 connections, capped at 1,000/s', await load(server, token, search, { connections: 50, seconds: 15, rate: 1000 })));
    say(loadRow('`GET /api/v1/search?q=…`, 50 connections, capped at 100/s', await load(server, token, search, { connections: 50, seconds: 15, rate: 100 })));
  } finally {
    await server.stop();
  }
  say();

  if (process.env.BENCH_PG_MILLION !== '0') {
    say('### (c) A 1M-record store (replicated)');
    say();
    say('The real corpus, then real records replicated under new ids (bench/replicate.ts: the CVE 5 JSONL × 30, the NVD 2018 and 2025 feeds × 8; copy k moves every CVE id to year + 100·k, the contents are the real ones). Imported by 2 importer processes at once (CVE 5 files / NVD files).');
    say();
    replicateInput(tmp, [30, 8, 8]);
    const big = database('million');
    say('| run | records read | stored | seconds | records/s |');
    say('|---|---|---|---|---|');
    importRows('real corpus', await importAll(big, [[CVE5], [NVD]]));
    importRows(
      'replicated',
      await importAll(big, [[step('cve5', [path.join(tmp, 'cve5-replicated.jsonl.gz')])], [step('nvd', ['2018', '2025'].map((y) => path.join(tmp, `replicated-nvdcve-1.1-${y}.json.gz`)))]]),
    );
    await importAll(big, [[KEV]]);
    const stores = await openStores(big);
    try {
      const stats = await stores.store.stats();
      say();
      say(`Store: **${stats.vulnerabilities} CVEs**, ${stats.observations} observations, **${(((await schemaBytes(big)) / 2 ** 20) | 0).toLocaleString('en')} MiB** on disk (pg_total_relation_size of the schema's tables: heap, indexes, TOAST).`);
      say();
      say('| query (in-process, through the store interface) | latency |');
      say('|---|---|');
      for (const l of await latencies(stores)) say(l);
    } finally {
      await stores.close();
    }
    say();
  }
}

try {
  await main();
} finally {
  await dropSchemas();
  rmSync(tmp, { recursive: true, force: true });
}
if (!process.env.BENCH_NO_WRITE) appendFileSync(path.join('bench', 'RESULTS.md'), `${lines.join('\n')}\n`);
process.exit(0);
