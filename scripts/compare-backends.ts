/**
 * Cross-back-end check of issue 12: "`vigil show CVE-… --json` is identical (volatile fields aside)
 * on both back ends for every record of the corpus". Imports the corpus (sources/registry.ts
 * `corpusPlan`) into a new SQLite file and a new PostgreSQL schema, each through its own write
 * paths (or, with `--via migrate`, imports into SQLite and copies it with `vigil migrate`'s
 * copyStore), then compares the `vigil show --json` view (analysis/view.ts `loadCveView`) of every
 * CVE either store holds, and every stored advisory (`getAdvisory`). Prints the counts and the
 * first differences; exit code 1 when anything differs.
 *
 * Usage: node --import tsx scripts/compare-backends.ts [--pg postgres://127.0.0.1:5432/test]
 *   [--via import|migrate] [--sources cve5,nvd,kev,...] [--keep] [--show 5]
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { loadCveView } from '../src/analysis/view.ts';
import { createLogger } from '../src/log.ts';
import { importFiles } from '../src/pipeline.ts';
import { corpusPlan, findSource } from '../src/sources/registry.ts';
import { copyStore } from '../src/store/copy/index.ts';
import { openStores, type Stores } from '../src/store/index.ts';
import { parsePostgresUrl } from '../src/store/postgres/pool.ts';
import { corpusDir } from '../src/testing/corpus.ts';

/** Fields that may differ between two imports of the same data: when this store first saw an advisory. */
const VOLATILE = new Set(['firstSeen']);

const { values: args } = parseArgs({
  options: {
    pg: { type: 'string', default: 'postgres://127.0.0.1:5432/test' },
    via: { type: 'string', default: 'import' },
    sources: { type: 'string' },
    keep: { type: 'boolean', default: false },
    show: { type: 'string', default: '5' },
  },
});
if (args.via !== 'import' && args.via !== 'migrate') throw new Error(`--via ${args.via}: expected import or migrate`);

/** The value with volatile fields removed, as canonical JSON (keys sorted). */
function canonical(value: unknown): string {
  const strip = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(strip);
    if (v && typeof v === 'object') {
      return Object.fromEntries(
        Object.entries(v)
          .filter(([k]) => !VOLATILE.has(k))
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([k, x]) => [k, strip(x)]),
      );
    }
    return v;
  };
  return JSON.stringify(strip(value));
}

/** The first place two JSON texts differ, with some context. */
function firstDifference(a: string, b: string): string {
  let i = 0;
  while (i < a.length && a[i] === b[i]) i++;
  const from = Math.max(0, i - 80);
  return `sqlite: …${a.slice(from, i + 120)}…\n      postgres: …${b.slice(from, i + 120)}…`;
}

/** Imports the corpus plan into `stores` (its writer); returns seconds per source. */
async function importCorpus(stores: Stores, only: Set<string> | null): Promise<Record<string, number>> {
  const log = createLogger('silent');
  const seconds: Record<string, number> = {};
  for (const step of corpusPlan(corpusDir)) {
    if (only && !only.has(step.source)) continue;
    const paths = step.paths.filter((p) => existsSync(p));
    if (!paths.length) continue;
    const started = performance.now();
    await importFiles(findSource(step.source).source, paths, { store: stores.writer, log }, step.options);
    seconds[step.source] = (seconds[step.source] ?? 0) + (performance.now() - started) / 1000;
  }
  return seconds;
}

/** Every CVE id with a `vulns` row, and every advisory id. */
async function ids(stores: Stores, table: 'vulns' | 'advisories'): Promise<string[]> {
  const column = table === 'vulns' ? 'cve_id' : 'id';
  if (stores.sqlite) return stores.sqlite.db.prepare(`SELECT ${column} FROM ${table} ORDER BY ${column}`).pluck().all() as string[];
  return (await (stores.pg as NonNullable<Stores['pg']>).query<{ id: string }>(`SELECT ${column} AS id FROM ${table} ORDER BY 1`)).map((r) => r.id);
}

/** Drops a schema (and its job queue's) of the comparison. */
async function dropSchema(url: string): Promise<void> {
  const { connectionString, schema } = parsePostgresUrl(url);
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await client.query(`DROP SCHEMA IF EXISTS "${schema}_jobs" CASCADE`);
  } finally {
    await client.end();
  }
}

const dir = mkdtempSync(path.join(tmpdir(), 'vigil-compare-'));
const sqliteFile = path.join(dir, 'vigil.db');
const pgUrl = new URL(args.pg);
pgUrl.searchParams.set('schema', `vigil_compare_${randomBytes(4).toString('hex')}`);
const pgDatabase = pgUrl.toString();
const only = args.sources ? new Set(args.sources.split(',')) : null;
const show = Number(args.show);
let failed = false;
try {
  console.log(`corpus ${corpusDir}; SQLite ${sqliteFile}; PostgreSQL schema ${pgUrl.searchParams.get('schema')}; via ${args.via}`);
  const sqlite = await openStores(sqliteFile, { writer: true });
  let t = performance.now();
  const sqliteTimes = await importCorpus(sqlite, only);
  console.log(`SQLite import: ${((performance.now() - t) / 1000).toFixed(1)} s`, JSON.stringify(Object.fromEntries(Object.entries(sqliteTimes).map(([k, v]) => [k, +v.toFixed(1)]))));
  await sqlite.close();
  t = performance.now();
  if (args.via === 'migrate') {
    const report = await copyStore(sqliteFile, pgDatabase);
    console.log(`vigil migrate to PostgreSQL: ${(report.ms / 1000).toFixed(1)} s, counts ${report.ok ? 'equal' : 'DIFFER'}`);
    if (!report.ok) failed = true;
  } else {
    const postgres = await openStores(pgDatabase);
    const pgTimes = await importCorpus(postgres, only);
    console.log(`PostgreSQL import: ${((performance.now() - t) / 1000).toFixed(1)} s`, JSON.stringify(Object.fromEntries(Object.entries(pgTimes).map(([k, v]) => [k, +v.toFixed(1)]))));
    await postgres.close();
  }

  const a = await openStores(sqliteFile);
  const b = await openStores(pgDatabase);
  try {
    for (const [table, label] of [
      ['vulns', 'CVE views (vigil show --json)'],
      ['advisories', 'advisories (getAdvisory)'],
    ] as const) {
      const [left, right] = [await ids(a, table), await ids(b, table)];
      const rightSet = new Set(right);
      const leftSet = new Set(left);
      const onlyLeft = left.filter((id) => !rightSet.has(id));
      const onlyRight = right.filter((id) => !leftSet.has(id));
      let same = 0;
      const differing: { id: string; detail: string }[] = [];
      t = performance.now();
      for (const id of left.filter((x) => rightSet.has(x))) {
        const read = (s: Stores) => (table === 'vulns' ? loadCveView(s.store, id) : s.store.getAdvisory(id));
        const [x, y] = [canonical(await read(a)), canonical(await read(b))];
        if (x === y) same++;
        else differing.push({ id, detail: firstDifference(x, y) });
      }
      console.log(
        `\n${label}: ${left.length} on SQLite, ${right.length} on PostgreSQL; ${same} identical, ${differing.length} different, ` +
          `${onlyLeft.length} only on SQLite, ${onlyRight.length} only on PostgreSQL (${((performance.now() - t) / 1000).toFixed(1)} s)`,
      );
      if (onlyLeft.length) console.log(`  only on SQLite: ${onlyLeft.slice(0, 10).join(', ')}${onlyLeft.length > 10 ? ', …' : ''}`);
      if (onlyRight.length) console.log(`  only on PostgreSQL: ${onlyRight.slice(0, 10).join(', ')}${onlyRight.length > 10 ? ', …' : ''}`);
      for (const d of differing.slice(0, show)) console.log(`  ${d.id}:\n      ${d.detail}`);
      if (differing.length || onlyLeft.length || onlyRight.length) failed = true;
    }
  } finally {
    await a.close();
    await b.close();
  }
} finally {
  if (!args.keep) {
    rmSync(dir, { recursive: true, force: true });
    await dropSchema(pgDatabase).catch((err: unknown) => console.error(`could not drop the schema: ${(err as Error).message}`));
  } else console.log(`kept: ${sqliteFile} and ${pgDatabase}`);
}
console.log(failed ? '\nthe back ends DIFFER' : '\nthe back ends agree');
process.exitCode = failed ? 1 : 0;
