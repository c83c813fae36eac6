/**
 * A store damaged mid-file is noticed (issue 10, item 21): a real small store (the corpus's KEV
 * catalog and CVE 5 records imported through the pipeline) is copied and the copy overwritten
 * with garbage in the middle; SQLite's quick check finds it, `vigil doctor` reports it with exit
 * code 1 (the intact original: 0), and `vigil serve` / `vigil run` refuse to start on it in one
 * line instead of serving 500s. The damaged file is SQLite's own matter: those tests run on SQLite
 * whatever the back end under test; on PostgreSQL, doctor says the server is reachable and migrated.
 */
import { copyFileSync, mkdtempSync, openSync, rmSync, statSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../log.ts';
import { importFiles } from '../pipeline.ts';
import { findSource } from '../sources/registry.ts';
import { openSqliteStore } from '../store/sqlite/index.ts';
import { checkIntegrity } from '../store/sqlite/integrity.ts';
import { type CliResult, startCli } from '../testing/cli.ts';
import { corpusPath, hasCorpus } from '../testing/corpus.ts';
import { TEST_BACKEND, testDatabase } from '../testing/store.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'vigil-doctor-'));
const good = path.join(dir, 'good.db');
const bad = path.join(dir, 'bad.db');

/** Runs the CLI, killing it (and failing) if it is still running after `ms`. */
async function cli(args: string[], ms = 150_000): Promise<CliResult> {
  const { child, done } = startCli(args, { VIGIL_DATA_DIR: path.join(dir, 'no-corpus') });
  const timer = setTimeout(() => child.kill('SIGKILL'), ms);
  try {
    return await done;
  } finally {
    clearTimeout(timer);
  }
}

describe.skipIf(!hasCorpus())('a store damaged mid-file', () => {
  beforeAll(async () => {
    const store = openSqliteStore(good);
    try {
      const log = createLogger('silent');
      await importFiles(findSource('kev').source, [corpusPath('cisa-kev', 'known_exploited_vulnerabilities.json')], { store, log, merge: { missionWellbeing: 'medium' } });
      await importFiles(findSource('cve5').source, [corpusPath('cve5', 'records')], { store, log, merge: { missionWellbeing: 'medium' } });
      store.db.pragma('wal_checkpoint(TRUNCATE)');
    } finally {
      await store.close();
    }
    copyFileSync(good, bad);
    // 64 KB of garbage in the middle of the file: whole pages of some table or index.
    const size = statSync(bad).size;
    expect(size).toBeGreaterThan(1_000_000);
    const fd = openSync(bad, 'r+');
    writeSync(fd, Buffer.alloc(65_536, 0xa5), 0, 65_536, Math.floor(size / 2 / 16_384) * 16_384);
    closeSync(fd);
  }, 300_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is found by the quick check; the intact original is not', () => {
    expect(checkIntegrity(good, 'quick').problems).toEqual([]);
    expect(checkIntegrity(good, 'full').problems).toEqual([]);
    const found = checkIntegrity(bad, 'quick');
    expect(found.problems.length).toBeGreaterThan(0);
    expect(found.problems.join('\n')).toMatch(/page|tree|malformed|corrupt/i);
  });

  it('vigil doctor reports it with exit code 1, and the intact store as ok', async () => {
    const ok = await cli(['--db', good, 'doctor']);
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/store .*good\.db: ok \(integrity_check, \d+\.\d s\)/);
    const damaged = await cli(['--db', bad, 'doctor']);
    expect(damaged.status).toBe(1);
    expect(damaged.stdout).toMatch(/bad\.db: DAMAGED \(integrity_check found \d+\+? problems/);
  }, 300_000);

  it.each([['serve', '--no-daemon', '--no-import', '--port', '0'], ['run', '--once']])('vigil %s refuses to start on it, in one line', async (...args) => {
    const r = await cli(['--db', bad, ...args]);
    expect(r.signal, 'it started anyway').toBeNull();
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toMatch(/^vigil: The store .*bad\.db is damaged \(quick_check: .+\): `vigil doctor` runs the full check/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  }, 200_000);
});

describe.skipIf(TEST_BACKEND !== 'postgres')('vigil doctor on PostgreSQL', () => {
  it('says the store is reachable and migrated, and where page checks live (pg_amcheck)', async () => {
    const db = testDatabase();
    try {
      const r = await cli(['--db', db.database, 'doctor']);
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/^store postgres:\/\/\S+: ok \(PostgreSQL, reachable, \d+ migrations applied, newest \d+\)$/m);
      expect(r.stdout).toContain('pg_amcheck');
    } finally {
      await db.drop();
    }
  }, 120_000);
});
