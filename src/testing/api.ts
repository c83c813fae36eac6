/**
 * A real API server over a store imported from the real-data corpus, for the API, authorization
 * and browser tests. The corpus subset (the CVE 5 record tree with CISA ADP vulnrichment, NVD API
 * 2.0 records, both KEV catalogs, two EPSS days) is imported once per test run into a fixture
 * file under the OS temp folder; each {@link startTestApi} copies it, so tests never share writes.
 *
 * Accounts (password {@link TEST_PASSWORD} for all): `ada` admin, `ana` and `ann` analysts, `vic`
 * viewer, `dis` a disabled analyst. Watchlist `edge` (owner `ana`, PAN-OS, subscribed to the
 * `inbox` channel) has been evaluated, so the inbox holds real alerts.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { evaluate } from '../alerts/engine.ts';
import { buildApp } from '../api/app.ts';
import { hashPassword } from '../api/auth/credentials.ts';
import type { ApiDeps } from '../api/context.ts';
import { loadOwasp } from '../cli/serve.ts';
import { loadConfig, type VigilConfig } from '../config.ts';
import { createLogger } from '../log.ts';
import type { Role, Scope } from '../model/account.ts';
import { emptySummary, importFiles, type RunSummary } from '../pipeline.ts';
import { findSource } from '../sources/registry.ts';
import { SqliteAlertStore } from '../store/sqlite/alerts.ts';
import { openSqliteStore, type SqliteStore } from '../store/sqlite/index.ts';
import { SqliteServerStore } from '../store/sqlite/server.ts';
import { SqliteStatsStore } from '../store/sqlite/stats.ts';
import { SqliteTriageStore } from '../store/sqlite/triage.ts';
import { corpusDir, corpusPath } from './corpus.ts';

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

async function buildFixture(file: string, config: VigilConfig): Promise<void> {
  const log = createLogger('silent');
  const store = openSqliteStore(file);
  try {
    for (const step of fixturePlan()) {
      const summary: RunSummary = await importFiles(findSource(step.source).source, step.paths, { store, log, merge: config.ssvc });
      if (summary.error) throw new Error(`fixture import of ${step.source} failed: ${summary.error}`);
    }
    await loadOwasp(config, store);
    const alerts = new SqliteAlertStore(store);
    const auth = new SqliteServerStore(store);
    const hash = await hashPassword(TEST_PASSWORD);
    for (const [name, { role, disabled }] of Object.entries(TEST_USERS)) {
      await alerts.upsertUser({ name, email: `${name}@example.org`, handles: {} });
      await auth.upsertAccount({ name, role, passwordHash: hash, disabled: disabled ?? false });
    }
    await alerts.upsertWatchlist({ name: 'edge', owner: { user: 'ana' }, description: 'PAN-OS on the edge' });
    await alerts.addEntry({ watchlist: 'edge', kind: 'product', value: 'pan-os', vendor: 'paloaltonetworks', thresholds: {} });
    await alerts.upsertSubscription({ watchlist: 'edge', channel: 'inbox', target: null, events: ['new', 'kev_added', 'epss_threshold', 'rejected'], mode: 'immediate', quietHours: null, timezone: 'UTC', epssAbove: 0.5, epssJump: 0.2 });
    await evaluate({ store, alerts, config: config.alerts, log, merge: config.ssvc });
  } finally {
    await store.close();
  }
}

/** Path of this run's fixture database, built on first use (one builder at a time across test workers). */
async function fixture(config: VigilConfig): Promise<string> {
  const dir = path.join(tmpdir(), `vigil-api-fixture-${process.env.VITEST_POOL_ID ? process.ppid : process.pid}`);
  const file = path.join(dir, 'fixture.db');
  mkdirSync(dir, { recursive: true });
  const lock = path.join(dir, 'lock');
  for (;;) {
    if (existsSync(file)) return file;
    try {
      mkdirSync(lock);
    } catch {
      await new Promise((r) => setTimeout(r, 200));
      continue;
    }
    try {
      if (existsSync(file)) return file;
      const partial = path.join(dir, `building-${process.pid}.db`);
      await buildFixture(partial, config);
      renameSync(partial, file);
      return file;
    } finally {
      rmSync(lock, { recursive: true, force: true });
    }
  }
}

/** A running test API. */
export interface TestApi {
  app: FastifyInstance;
  store: SqliteStore;
  deps: ApiDeps;
  config: VigilConfig;
  /** The copy of the fixture this server uses. */
  file: string;
  /** Signs in as `user` and returns the access token. */
  login(user: string): Promise<string>;
  /** Creates an API token for `user` (through the API, as that user). */
  apiToken(user: string, scopes: Scope[]): Promise<string>;
  close(): Promise<void>;
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
  const source = await fixture(config);
  const dir = mkdtempSync(path.join(tmpdir(), 'vigil-api-'));
  const file = path.join(dir, 'vigil.db');
  copyFileSync(source, file);
  config.database = file;
  const store = openSqliteStore(file);
  const alerts = new SqliteAlertStore(store);
  const deps: ApiDeps = {
    config,
    log: options.log ?? createLogger('silent'),
    store,
    alerts,
    auth: new SqliteServerStore(store),
    triage: new SqliteTriageStore(store),
    stats: new SqliteStatsStore(store),
    sync: options.syncs ?? (async (id) => ({ ...emptySummary(id), error: 'syncs are off in this test' })),
    daemon: false,
    now: options.now ?? (() => new Date()),
  };
  const app = await buildApp(deps, { webDir: options.webDir ?? path.join(dir, 'no-web') });
  if (options.listen) await app.listen({ host: '127.0.0.1', port: 0 });
  else await app.ready();
  async function login(user: string): Promise<string> {
    const r = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: user, password: TEST_PASSWORD } });
    if (r.statusCode !== 200) throw new Error(`login as ${user} failed: ${r.statusCode} ${r.body}`);
    return r.json().accessToken as string;
  }
  return {
    app,
    store,
    // The app's own deps (with the event hub it created).
    deps: app.deps,
    config,
    file,
    login,
    async apiToken(user, scopes) {
      const access = await login(user);
      const r = await app.inject({ method: 'POST', url: '/api/v1/tokens', headers: { authorization: `Bearer ${access}` }, payload: { name: `${user}-test`, scopes } });
      if (r.statusCode !== 201) throw new Error(`token for ${user} failed: ${r.statusCode} ${r.body}`);
      return r.json().token as string;
    },
    async close() {
      await app.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
