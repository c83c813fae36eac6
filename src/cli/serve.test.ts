/**
 * The "done when", end to end: on an empty store `vigil serve` imports the corpus (here a
 * real subset, linked not copied), prints its URL and a one-time setup token; the first admin is
 * made either through the setup form's API or with `vigil users add NAME --admin`; the dashboard
 * and the API then answer over the real data; SIGTERM stops it cleanly. On the back end under test
 * (`VIGIL_DB` a SQLite file or a PostgreSQL URL).
 */
import { mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStores } from '../store/index.ts';
import { runCli, startCli } from '../testing/cli.ts';
import { corpusPath, hasCorpus } from '../testing/corpus.ts';
import { TEST_BACKEND, testDatabase } from '../testing/store.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'vigil-serve-'));
const target = testDatabase();
const db = target.database;

/** A corpus folder holding links to part of the real corpus (CVE 5 tree, KEV, one EPSS day, OWASP). */
function subsetCorpus(): string {
  const data = path.join(dir, 'data');
  for (const sub of ['cve5', 'cisa-kev', 'epss']) mkdirSync(path.join(data, sub), { recursive: true });
  symlinkSync(corpusPath('cve5', 'records'), path.join(data, 'cve5', 'records'));
  symlinkSync(corpusPath('owasp-top10'), path.join(data, 'owasp-top10'));
  for (const f of ['known_exploited_vulnerabilities-2025.08.18.json', 'known_exploited_vulnerabilities.json']) symlinkSync(corpusPath('cisa-kev', f), path.join(data, 'cisa-kev', f));
  symlinkSync(corpusPath('epss', 'emba-epss-2026-08-16.ssv.gz'), path.join(data, 'epss', 'emba-epss-2026-08-16.ssv.gz'));
  return data;
}

describe.skipIf(!hasCorpus())('vigil serve on a fresh store', () => {
  let server: ReturnType<typeof startCli>;
  let base = '';
  let setupToken = '';
  let out = '';
  let err = '';

  beforeAll(async () => {
    // The signing key from the environment (issue 10 item 17), and the log at its default level.
    const env = { VIGIL_DATA_DIR: subsetCorpus(), VIGIL_DB: db, VIGIL_JWT_KEY: 'a-test-signing-key-of-forty-characters!!', VIGIL_LOG_LEVEL: 'info' };
    server = startCli(['serve', '--port', '0', '--no-daemon', '--web-dir', path.resolve('dist/web')], env);
    server.child.stdout?.on('data', (d) => (out += d));
    server.child.stderr?.on('data', (d) => (err += d));
    const deadline = Date.now() + 120_000;
    while (!/setup token: \S+/.test(out)) {
      if (Date.now() > deadline || server.child.exitCode !== null) throw new Error(`vigil serve did not start:\n${out}\n${err}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    base = /serving (http:\/\/\S+)\/ui\//.exec(out)?.[1] ?? '';
    setupToken = /setup token: (\S+)/.exec(out)?.[1] ?? '';
  }, 150_000);

  afterAll(async () => {
    if (server?.child.exitCode === null) server.child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    await target.drop();
  });

  it('imports the corpus, serves the dashboard, and needs the setup token for the first admin', async () => {
    expect(base).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect((await fetch(`${base}/health`)).status).toBe(200);
    const page = await fetch(`${base}/ui/`);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(await page.text()).toMatch(/<script[^>]+src="\/ui\/assets\//);
    expect(await (await fetch(`${base}/api/v1/auth/setup`)).json()).toEqual({ needed: true });
    // No default credentials: nothing signs in before the first admin exists.
    for (const [username, password] of [['admin', 'admin'], ['admin', 'password'], ['root', 'root']]) {
      const r = await fetch(`${base}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) });
      expect(r.status).toBe(401);
    }
    const post = (token: string) =>
      fetch(`${base}/api/v1/auth/setup`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ setupToken: token, username: 'root-admin', password: 'a long enough passphrase' }) });
    expect((await post('not-the-token')).status).toBe(401);
    const created = await post(setupToken);
    expect(created.status).toBe(201);
    const { accessToken } = (await created.json()) as { accessToken: string };
    expect((await post(setupToken)).status).toBe(409);

    const auth = { authorization: `Bearer ${accessToken}` };
    const top = (await (await fetch(`${base}/api/v1/cves?kev=true&limit=5`, { headers: auth })).json()) as { items: { id: string; kev: boolean }[] };
    expect(top.items).toHaveLength(5);
    expect(top.items.every((c) => c.kev)).toBe(true);
    const cve = (await (await fetch(`${base}/api/v1/cves/CVE-2024-3400`, { headers: auth })).json()) as { kev: { dateAdded: string }; epss: { date: string } };
    expect(cve.kev.dateAdded).toBe('2024-04-12');
    expect(cve.epss.date).toBe('2026-08-16');

    // What the corpus import stored from each source, and when (item 12), and that it finished (item 18).
    const status = (await (await fetch(`${base}/api/status`, { headers: auth })).json()) as {
      sources: { source: string; imported: { stored: number; finishedAt: string } | null }[];
      corpusImport: { status: string } | null;
    };
    expect(status.corpusImport?.status).toBe('done');
    const imported = Object.fromEntries(status.sources.map((s) => [s.source, s.imported]));
    expect(imported.cve5?.stored).toBe(400);
    expect(imported.kev?.stored).toBeGreaterThan(1_000);
    expect(imported.epss?.finishedAt).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  it('creates the store owner-only (SQLite: the file is mode 0600) and keeps an environment-given JWT key out of it (item 17)', async () => {
    if (TEST_BACKEND === 'sqlite') for (const f of [db, `${db}-wal`, `${db}-shm`]) expect((statSync(f).mode & 0o777).toString(8), f).toBe('600');
    const stores = await openStores(db);
    try {
      expect(await stores.auth.getSetting('jwt.key')).toBeNull();
    } finally {
      await stores.close();
    }
    expect(err).not.toMatch(/warning: .* is mode/);
  });

  it('summarises merge issues in one line instead of logging each one (item 12)', () => {
    expect(err).not.toMatch(/"msg":"merge issue"/);
    expect(err).toMatch(/^ {2}6 merge issue\(s\) \(CVSS score mismatches, invalid vectors or CPEs\): VIGIL_LOG_LEVEL=debug logs each one$/m);
  });

  it('vigil users add --admin prints a password that signs in while the server runs', async () => {
    const r = await runCli(['users', 'add', 'second-admin', '--admin'], { VIGIL_DB: db });
    expect(r.status, r.stderr).toBe(0);
    const password = /password \(shown once\): (\S+)/.exec(r.stdout)?.[1];
    expect(password).toBeTruthy();
    const login = await fetch(`${base}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'second-admin', password }) });
    expect(login.status).toBe(200);
    const me = await fetch(`${base}/api/v1/auth/me`, { headers: { authorization: `Bearer ${((await login.json()) as { accessToken: string }).accessToken}` } });
    expect(await me.json()).toMatchObject({ name: 'second-admin', role: 'admin', via: 'session' });
  });

  it('vigil users add --password-stdin takes exactly the passwords sign-in takes (12 to 256 characters)', async () => {
    const add = (name: string, password: string) => {
      const run = startCli(['users', 'add', name, '--role', 'analyst', '--password-stdin'], { VIGIL_DB: db });
      run.child.stdin?.end(`${password}\n`);
      return run.done;
    };
    const tooLong = await add('long-pass', 'p'.repeat(257));
    expect(tooLong.status).toBe(1);
    expect(tooLong.stderr).toMatch(/user long-pass: the password needs 12 to 256 characters/);
    expect((await add('short-pass', 'p'.repeat(11))).stderr).toMatch(/needs 12 to 256 characters/);
    const longest = 'p'.repeat(256);
    const ok = await add('long-pass', longest);
    expect(ok.status, ok.stderr).toBe(0);
    const login = await fetch(`${base}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'long-pass', password: longest }) });
    expect(login.status).toBe(200);
   }, 240_000);

  it('stops cleanly on SIGTERM', async () => {
    server.child.kill('SIGTERM');
    const done = await server.done;
    expect(done.status, done.stderr).toBe(0);
  });
});
