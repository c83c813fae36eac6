/**
 * `vigil serve` when things go wrong, as real processes (issue 10, items 7, 17, 18, 19):
 * a busy port is one clear line and exit 1; a store others can read is warned about; a corpus
 * import killed with SIGKILL is finished by the next start, to the same counts as a clean import;
 * a full disk (a real tmpfs, when this runs as root) is one clear line and exit 1, not a hang.
 * The resumed import runs on the back end under test; file permissions and the tmpfs full disk are
 * about the SQLite file (a PostgreSQL server owns its files and disk).
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStores } from '../store/index.ts';
import { PgDb } from '../store/postgres/pool.ts';
import { openSqliteStore } from '../store/sqlite/index.ts';
import { peekValue } from '../store/test-sql.ts';
import { runCli, startCli } from '../testing/cli.ts';
import { corpusPath, hasCorpus } from '../testing/corpus.ts';
import { type TestDatabase, testDatabase } from '../testing/store.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'vigil-serve-failures-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A corpus folder linking part of the real corpus: the 2018 NVD feed (16,591 CVEs), the CVE 5 records, KEV. */
function subsetCorpus(name: string): string {
  const data = path.join(dir, name);
  for (const sub of ['cve5', 'nvd', 'cisa-kev']) mkdirSync(path.join(data, sub), { recursive: true });
  symlinkSync(corpusPath('cve5', 'records'), path.join(data, 'cve5', 'records'));
  symlinkSync(corpusPath('nvd', 'nvdcve-1.1-2018.json.gz'), path.join(data, 'nvd', 'nvdcve-1.1-2018.json.gz'));
  for (const f of ['known_exploited_vulnerabilities-2025.08.18.json', 'known_exploited_vulnerabilities.json']) symlinkSync(corpusPath('cisa-kev', f), path.join(data, 'cisa-kev', f));
  return data;
}

/** Starts `vigil serve --no-daemon` and resolves once it serves (or rejects when it ends first). */
async function serveUntilUp(env: NodeJS.ProcessEnv, seconds = 240) {
  const server = startCli(['serve', '--port', '0', '--no-daemon'], env);
  let out = '';
  let err = '';
  server.child.stdout?.on('data', (d) => (out += d));
  server.child.stderr?.on('data', (d) => (err += d));
  const deadline = Date.now() + seconds * 1000;
  while (!/Vigil is serving/.test(out)) {
    if (Date.now() > deadline || server.child.exitCode !== null) throw new Error(`vigil serve did not start:\n${out}\n${err}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return { ...server, stderr: () => err };
}

/** Store counts, without the size on disk (which depends on the write history). */
async function counts(db: string) {
  const stores = await openStores(db);
  try {
    const { bytes: _, ...rest } = await stores.store.stats();
    return rest;
  } finally {
    await stores.close();
  }
}

const databases: TestDatabase[] = [];
afterAll(async () => {
  for (const d of databases) await d.drop();
});
/** A new database on the back end under test, dropped after the file's tests. */
function newDatabase(): string {
  const d = testDatabase();
  databases.push(d);
  return d.database;
}

// The permission warning is about the SQLite file: it runs on SQLite whatever the back end under test.
describe('vigil serve: busy port and store permissions', () => {
  it('a busy port prints one line naming it and exits 1; a store others can read is warned about', async () => {
    const db = path.join(dir, 'perm.db');
    await openSqliteStore(db).close();
    chmodSync(db, 0o644);
    const busy = createServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
    const { port } = busy.address() as { port: number };
    try {
      const r = await runCli(['serve', '--port', String(port), '--no-daemon', '--no-import'], { VIGIL_DB: db });
      expect(r.status).toBe(1);
      expect(r.stderr).toContain(`vigil: port ${port} is in use: is Vigil already running? use --port`);
      expect(r.stderr).not.toMatch(/EADDRINUSE|^\s+at /m);
      expect(r.stderr).toContain(`warning: ${db} is mode 644: others can read it (it holds credentials): chmod 600 ${db}`);
    } finally {
      await new Promise((r) => busy.close(r));
    }
  }, 60_000);
});

describe.skipIf(!hasCorpus())('vigil serve: an interrupted corpus import is finished on restart', () => {
  it('after SIGKILL mid-import, the next start resumes it and ends with the counts of a clean import', async () => {
    // The reference: a clean, uninterrupted import of the same corpus.
    const cleanDb = newDatabase();
    const clean = await serveUntilUp({ VIGIL_DATA_DIR: subsetCorpus('data-clean'), VIGIL_DB: cleanDb });
    clean.child.kill('SIGTERM');
    expect((await clean.done).status).toBe(0);
    const expected = await counts(cleanDb);
    expect(expected.vulnerabilities).toBeGreaterThanOrEqual(16_591);

    const db = newDatabase();
    const data = subsetCorpus('data-killed');
    const first = startCli(['serve', '--port', '0', '--no-daemon'], { VIGIL_DATA_DIR: data, VIGIL_DB: db });
    // Killed once the NVD step has stored part of its records.
    const deadline = Date.now() + 180_000;
    for (;;) {
      if (Date.now() > deadline || first.child.exitCode !== null) throw new Error('the import did not get going');
      await new Promise((r) => setTimeout(r, 100));
      if ((await nvdObservations(db)) > 2_000) break;
    }
    first.child.kill('SIGKILL');
    await first.done;
    const partial = await counts(db);
    expect(partial.vulnerabilities).toBeLessThan(expected.vulnerabilities);

    const status = await runCli(['status'], { VIGIL_DB: db });
    expect(status.stdout).toMatch(/corpus import: INTERRUPTED \(started [^,]+, steps done: cve5 \d+ stored/);

    const second = await serveUntilUp({ VIGIL_DATA_DIR: data, VIGIL_DB: db });
    expect(second.stderr()).toMatch(/resuming the corpus import interrupted since \S+ \(steps done: cve5\)/);
    second.child.kill('SIGTERM');
    expect((await second.done).status).toBe(0);
    expect(await counts(db)).toEqual(expected);

    const json = JSON.parse((await runCli(['status', '--json'], { VIGIL_DB: db })).stdout) as {
      corpusImport: { status: string; steps: { source: string }[] };
      sources: { source: string; imported: { stored: number; finishedAt: string } | null }[];
    };
    expect(json.corpusImport.status).toBe('done');
    // Every source of the corpus plan has its step, in registry order, whether this partial corpus holds its files or not.
    expect(json.corpusImport.steps.map((s) => s.source)).toEqual(['cve5', 'nvd', 'kev', 'epss', 'osv', 'exploitdb', 'certfr', 'certeu', 'csaf']);
    expect(json.sources.find((s) => s.source === 'kev')?.imported).toMatchObject({ stored: expect.any(Number), finishedAt: expect.any(String) });
  }, 600_000);
});

/** NVD observations stored so far in `db` (0 while the store is not created yet), read while the import writes. */
async function nvdObservations(db: string): Promise<number> {
  if (!db.startsWith('postgres')) {
    try {
      const probe = openSqliteStore(db, { readonly: true });
      try {
        return Number(await peekValue({ sqlite: probe }, "SELECT count(*) FROM observations WHERE source = 'nvd'"));
      } finally {
        await probe.close();
      }
    } catch {
      return 0;
    }
  }
  const pg = new PgDb(db, { max: 1 });
  try {
    return Number(await peekValue({ pg }, "SELECT count(*) FROM observations WHERE source = 'nvd'"));
  } catch {
    return 0; // the schema is not migrated yet
  } finally {
    await pg.close();
  }
}

/** Whether this process may mount a tmpfs (root), for a real full disk. */
function canMount(): boolean {
  if (process.getuid?.() === 0) return true;
  console.warn('\n*** not root: cannot mount a small tmpfs, the full-disk test of vigil serve is SKIPPED ***\n');
  return false;
}

// SQLite only (whatever the back end under test): the full disk is the store file's tmpfs.
const full = path.join(dir, 'full');
describe.skipIf(!hasCorpus() || !canMount())('vigil serve on a full disk', () => {
  beforeAll(() => {
    mkdirSync(full, { recursive: true });
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=6m', 'tmpfs', full]);
  });
  afterAll(() => {
    try {
      execFileSync('umount', [full], { stdio: 'ignore' });
    } catch {
      // not mounted
    }
  });

  it('says the disk is full in one line and exits 1 instead of hanging', async () => {
    const started = Date.now();
    const run = startCli(['serve', '--port', '0'], { VIGIL_DATA_DIR: subsetCorpus('data-full'), VIGIL_DB: path.join(full, 'vigil.db') });
    const timer = setTimeout(() => run.child.kill('SIGKILL'), 240_000);
    const r = await run.done;
    clearTimeout(timer);
    expect(r.signal).toBeNull();
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`vigil: the disk holding ${path.join(full, 'vigil.db')} is full (SQLite: database or disk is full): free some space and start again`);
    expect(r.stderr).not.toMatch(/^\s+at /m);
    expect(Date.now() - started).toBeLessThan(240_000);
  }, 300_000);
});
