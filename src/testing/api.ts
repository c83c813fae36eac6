/**
 * A real API server over a store imported from the real-data corpus, for the API, authorization
 * and browser tests, on the back end under test (testing/store.ts: `VIGIL_TEST_DB=postgres` for
 * PostgreSQL). The corpus subset (the CVE 5 record tree with CISA ADP vulnrichment, NVD API 2.0
 * records, both KEV catalogs, two EPSS days, advisory samples) is imported once per test run into
 * a fixture (a file under the OS temp folder, or a schema `vigil_apifix_<pid>` on PostgreSQL); each
 * {@link startTestApi} copies it into a database of its own, so tests never share writes.
 *
 * Accounts (password {@link TEST_PASSWORD} for all): `ada` admin, `ana` and `ann` analysts, `vic`
 * viewer, `dis` a disabled analyst. Watchlist `edge` (owner `ana`, PAN-OS, subscribed to the
 * `inbox` channel) has been evaluated, so the inbox holds real alerts.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import pg from 'pg';
import { evaluate } from '../alerts/engine.ts';
import { buildApp } from '../api/app.ts';
import { hashPassword } from '../api/auth/credentials.ts';
import type { ApiDeps } from '../api/context.ts';
import { loadConfig, type VigilConfig } from '../config.ts';
import { createLogger } from '../log.ts';
import type { Role, Scope } from '../model/account.ts';
import { emptySummary, importFiles, type RunSummary } from '../pipeline.ts';
import { readOwaspTop10 } from '../sources/owasp/index.ts';
import { findSource } from '../sources/registry.ts';
import { type Backend, openStores, type Stores } from '../store/index.ts';
import { parsePostgresUrl } from '../store/postgres/pool.ts';
import type { StatsStore } from '../store/server.ts';
import type { SqliteStore } from '../store/sqlite/index.ts';
import type { Store } from '../store/types.ts';
import { vi } from 'vitest';
import { corpusDir, corpusPath } from './corpus.ts';
import { TEST_BACKEND, TEST_PG_URL, testDatabase } from './store.ts';

// The first startTestApi of a run builds the fixture (measured on 2 busy cores: ~20 s on SQLite,
// ~60 s on PostgreSQL) while the other test files wait for it: more than the suite's 60 s hook limit.
vi.setConfig({ hookTimeout: 300_000 });

/** Password of every test account. */
export const TEST_PASSWORD = 'correct horse battery staple';

/** The test accounts and their roles. */
export const TEST_USERS: Record<string, { role: Role; disabled?: boolean }> = {
  ada: { role: 'admin' },
  ana: { role: 'analyst' },
  ann: { role: 'analyst' },
  vic: { role: 'viewer' },
  dis: { role: 'analyst', disabled: true },
};

/** What the fixture imports, in order (a subset of `vigil demo`'s plan: seconds, not minutes). */
function fixturePlan(): { source: string; paths: string[] }[] {
  const p = (...parts: string[]) => corpusPath(...parts);
  return [
    { source: 'cve5', paths: [p('cve5', 'records')] },
    { source: 'nvd', paths: [p('nvd', 'api2')] },
    { source: 'kev', paths: [p('cisa-kev', 'known_exploited_vulnerabilities-2025.08.18.json'), p('cisa-kev', 'known_exploited_vulnerabilities.json')] },
    { source: 'epss', paths: [p('epss', 'emba-epss-2026-08-09.ssv.gz'), p('epss', 'emba-epss-2026-08-16.ssv.gz')] },
    // Advisories: the sample folders (not the big JSON Lines files) keep the fixture fast.
    { source: 'osv', paths: [p('ghsa', 'advisories'), p('osv', 'go-vulndb')] },
    { source: 'exploitdb', paths: [p('exploitdb', 'files_exploits-sample.csv')] },
    { source: 'certfr', paths: [p('cert-fr', 'avis')] },
    { source: 'certeu', paths: [p('cert-eu', 'samples')] },
    { source: 'csaf', paths: [p('csaf', 'cisagov', 'csaf_files'), p('csaf', 'redhat')] },
  ];
}

/** The OWASP Top 10 mappings of the corpus, as `vigil serve` loads them. */
async function loadOwaspMappings(config: VigilConfig, stats: StatsStore): Promise<void> {
  const dir = path.join(config.dataDir, 'owasp-top10');
  if (!existsSync(dir)) return;
  const categories = await readOwaspTop10(dir);
  for (const edition of new Set(categories.map((c) => c.edition))) {
    const rows = categories.filter((c) => c.edition === edition).flatMap((c) => c.cwes.map((cwe) => ({ category: c.id, title: c.title, cwe })));
    await stats.saveOwaspMapping(edition, rows);
  }
}

async function buildFixture(database: string, config: VigilConfig): Promise<void> {
  const log = createLogger('silent');
  const stores = await openStores(database);
  const { store, alerts, auth } = stores;
  try {
    for (const step of fixturePlan()) {
      const summary: RunSummary = await importFiles(findSource(step.source).source, step.paths, { store, log, merge: config.ssvc });
      if (summary.error) throw new Error(`fixture import of ${step.source} failed: ${summary.error}`);
    }
    await loadOwaspMappings(config, stores.stats);
    const hash = await hashPassword(TEST_PASSWORD);
    for (const [name, { role, disabled }] of Object.entries(TEST_USERS)) {
      await alerts.upsertUser({ name, email: `${name}@example.org`, handles: {} });
      await auth.upsertAccount({ name, role, passwordHash: hash, disabled: disabled ?? false });
    }
    await alerts.upsertWatchlist({ name: 'edge', owner: { user: 'ana' }, description: 'PAN-OS on the edge' });
    await alerts.addEntry({ watchlist: 'edge', kind: 'product', value: 'pan-os', vendor: 'paloaltonetworks', thresholds: {} });
    await alerts.upsertSubscription({
      watchlist: 'edge',
      channel: 'inbox',
      target: null,
      events: ['new', 'kev_added', 'epss_threshold', 'rejected'],
      mode: 'immediate',
      quietHours: null,
      timezone: 'UTC',
      epssAbove: 0.5,
      epssJump: 0.2,
    });
    await evaluate({ store, alerts, config: config.alerts, log, merge: config.ssvc });
  } finally {
    await stores.close();
  }
}

/**
 * PostgreSQL fixtures are databases: `vigil_apifix_<pid>` per test run, and each test's copy
 * `vigil_apit_<pid>_<hex>` made by `CREATE DATABASE … TEMPLATE` (a file-level copy: ~1.5 s for the
 * fixture's ~170 MB, where copying its 740k EPSS rows table by table took 15 s).
 * https://www.postgresql.org/docs/15/manage-ag-templatedbs.html
 */
const PG_FIXTURE_PREFIX = 'vigil_apifix_';
const PG_COPY_PREFIX = 'vigil_apit_';

/** The PID of this test run (vitest's main process), which names its fixtures. */
const RUN_PID = process.env.VITEST_POOL_ID ? process.ppid : process.pid;

/** Runs `fn` with a client on the PostgreSQL test database. */
async function withPgAdmin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: parsePostgresUrl(TEST_PG_URL).connectionString });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** The URL of database `name` on the test server. */
function pgDatabaseUrl(name: string): string {
  const url = new URL(TEST_PG_URL);
  url.pathname = `/${name}`;
  url.searchParams.delete('schema');
  return url.toString();
}

/** Whether process `pid` is alive on this machine. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Drops the fixture databases (and copies) of test runs that have ended (their process is gone). */
async function dropStaleFixtures(): Promise<void> {
  await withPgAdmin(async (client) => {
    const { rows } = await client.query<{ datname: string }>('SELECT datname FROM pg_database WHERE datname LIKE $1 OR datname LIKE $2', [
      `${PG_FIXTURE_PREFIX}%`,
      `${PG_COPY_PREFIX}%`,
    ]);
    for (const { datname } of rows) {
      const pid = Number(datname.replace(PG_FIXTURE_PREFIX, '').replace(PG_COPY_PREFIX, '').split('_')[0]);
      if (Number.isInteger(pid) && !alive(pid)) await client.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
    }
  });
}

/**
 * This run's fixture on `backend`, built on first use (one builder at a time across test workers):
 * a SQLite file path, or the name of a PostgreSQL database.
 */
async function fixture(config: VigilConfig, backend: Backend): Promise<string> {
  const dir = path.join(tmpdir(), `vigil-api-fixture-${RUN_PID}`);
  // The SQLite fixture is the file itself; the PostgreSQL one a database, named in a marker file once built.
  const file = path.join(dir, backend === 'sqlite' ? 'fixture.db' : 'fixture.pg');
  const read = () => (backend === 'sqlite' ? file : readFileSync(file, 'utf8'));
  mkdirSync(dir, { recursive: true });
  const lock = path.join(dir, 'lock');
  for (;;) {
    if (existsSync(file)) return read();
    try {
      mkdirSync(lock);
    } catch {
      await new Promise((r) => setTimeout(r, 200));
      continue;
    }
    try {
      if (existsSync(file)) return read();
      if (backend === 'sqlite') {
        const partial = path.join(dir, `building-${process.pid}.db`);
        await buildFixture(partial, config);
        renameSync(partial, file);
      } else {
        await dropStaleFixtures();
        const name = `${PG_FIXTURE_PREFIX}${RUN_PID}`;
        await withPgAdmin(async (client) => {
          await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
          await client.query(`CREATE DATABASE "${name}"`);
        });
        await buildFixture(pgDatabaseUrl(name), config);
        writeFileSync(file, name);
      }
      return read();
    } finally {
      rmSync(lock, { recursive: true, force: true });
    }
  }
}

/** A new database holding a copy of this run's fixture. @returns its `database` setting and how to remove it. */
async function copyOfFixture(config: VigilConfig, backend: Backend): Promise<{ database: string; drop: () => Promise<void> }> {
  const source = await fixture(config, backend);
  if (backend === 'sqlite') {
    const target = testDatabase(backend);
    copyFileSync(source, target.database);
    return target;
  }
  const name = `${PG_COPY_PREFIX}${RUN_PID}_${randomBytes(6).toString('hex')}`;
  await withPgAdmin((client) => client.query(`CREATE DATABASE "${name}" TEMPLATE "${source}"`));
  return {
    database: pgDatabaseUrl(name),
    async drop() {
      await withPgAdmin((client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
    },
  };
}

/** A running test API. */
export interface TestApi {
  app: FastifyInstance;
  /** The records store the server uses (`stores.store`). */
  store: Store;
  /** Every store of the server's database. */
  stores: Stores;
  /** The back end it runs on. */
  backend: Backend;
  /** The SQLite store (SQLite only): for the few assertions that are about SQLite itself. */
  sqlite: SqliteStore | undefined;
  deps: ApiDeps;
  config: VigilConfig;
  /** The `database` setting of this server's copy of the fixture (a file, or a PostgreSQL URL): what `--db` takes. */
  file: string;
  /**
   * Rows of one SQL statement on either back end (none for a write), for assertions and set-ups no
   * store interface covers: `?` placeholders (turned into `$1`… on PostgreSQL); write portable SQL (no rowid, no
   * json_extract) and quote camelCase aliases (`AS "cveId"`: PostgreSQL folds unquoted names).
   */
  sql<T = Record<string, unknown>>(sql: string, ...args: unknown[]): Promise<T[]>;
  /**
   * Another API server on the same database with stores and connections of its own, as a second
   * `vigil serve --no-daemon` replica would be (nothing shared in memory). Closed with this one.
   */
  replica(): Promise<FastifyInstance>;
  /** Signs in as `user` and returns the access token. */
  login(user: string): Promise<string>;
  /** Creates an API token for `user` (through the API, as that user). */
  apiToken(user: string, scopes: Scope[]): Promise<string>;
  close(): Promise<void>;
}

/** `?` placeholders as PostgreSQL's `$1`… (the statements tests write hold no `?` inside literals). */
function numbered(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

/**
 * Starts an API over a fresh copy of the fixture (not listening: use `app.inject`, or
 * `listen: true` for a loopback port, then `app.server.address()`).
 * @param options.now frozen clock; `options.configure` overrides config keys (server limits…); `options.log` receives the server's log.
 */
export async function startTestApi(
  options: { now?: () => Date; listen?: boolean; webDir?: string; configure?: (c: VigilConfig) => void; syncs?: ApiDeps['sync']; log?: ApiDeps['log'] } = {},
): Promise<TestApi> {
  const config = loadConfig(undefined, { VIGIL_DATA_DIR: corpusDir });
  config.server.rateLimitPerMinute = 100_000;
  config.server.loginRateLimitPerMinute = 10_000;
  options.configure?.(config);
  const target = await copyOfFixture(config, TEST_BACKEND);
  config.database = target.database;
  let stores: Stores;
  try {
    stores = await openStores(target.database);
  } catch (err) {
    await target.drop();
    throw err;
  }
  const { store, sqlite } = stores;
  const dir = mkdtempSync(path.join(tmpdir(), 'vigil-api-'));
  const depsOf = (s: Stores): ApiDeps => ({
    config,
    log: options.log ?? createLogger('silent'),
    store: s.store,
    alerts: s.alerts,
    auth: s.auth,
    triage: s.triage,
    stats: s.stats,
    intel: s.intel,
    iocs: s.iocs,
    exposure: s.exposure,
    cveExport: s.cveExport,
    trends: s.trends,
    sync: options.syncs ?? (async (id) => ({ ...emptySummary(id), error: 'syncs are off in this test' })),
    daemon: false,
    now: options.now ?? (() => new Date()),
  });
  const webDir = options.webDir ?? path.join(dir, 'no-web');
  const app = await buildApp(depsOf(stores), { webDir });
  const replicas: { app: FastifyInstance; stores: Stores }[] = [];
  if (options.listen) await app.listen({ host: '127.0.0.1', port: 0 });
  else await app.ready();
  async function login(user: string): Promise<string> {
    const r = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: user, password: TEST_PASSWORD } });
    if (r.statusCode !== 200) throw new Error(`login as ${user} failed: ${r.statusCode} ${r.body}`);
    return r.json().accessToken as string;
  }
  async function sql<T>(text: string, ...args: unknown[]): Promise<T[]> {
    if (sqlite) {
      const stmt = sqlite.db.prepare(text);
      if (stmt.reader) return stmt.all(...args) as T[];
      stmt.run(...args);
      return [];
    }
    return (stores.pg as NonNullable<Stores['pg']>).query<T>(numbered(text), args);
  }
  return {
    app,
    store,
    stores,
    backend: stores.backend,
    sqlite,
    // The app's own deps (with the event hub it created).
    deps: app.deps,
    config,
    file: target.database,
    sql,
    async replica() {
      const own = await openStores(target.database);
      const other = await buildApp(depsOf(own), { webDir });
      replicas.push({ app: other, stores: own });
      await other.ready();
      return other;
    },
    login,
    async apiToken(user, scopes) {
      const access = await login(user);
      const r = await app.inject({
        method: 'POST',
        url: '/api/v1/tokens',
        headers: { authorization: `Bearer ${access}` },
        payload: { name: `${user}-test`, scopes },
      });
      if (r.statusCode !== 201) throw new Error(`token for ${user} failed: ${r.statusCode} ${r.body}`);
      return r.json().token as string;
    },
    async close() {
      try {
        for (const r of replicas) {
          await r.app.close();
          await r.stores.close();
        }
        await app.close();
        await stores.close();
      } finally {
        rmSync(dir, { recursive: true, force: true });
        await target.drop();
      }
    },
  };
}
