/**
 * `vigil show CVE-2024-3400 --json` is the same on both back ends (issue 12, "done when"): the
 * corpus's files for it (CVE 5 and NVD records, both KEV catalogs, two EPSS days) imported with
 * `vigil import` into a SQLite file and a PostgreSQL schema, then shown by the CLI as a user runs it.
 * Needs both engines: it runs in the PostgreSQL pass of the suite (`VIGIL_TEST_DB=postgres`).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../testing/cli.ts';
import { corpusPath, hasCorpus } from '../testing/corpus.ts';
import { TEST_BACKEND, type TestDatabase, testDatabase } from '../testing/store.ts';

const CVE = 'CVE-2024-3400';

/** The imports of the sample, one `vigil import` each. */
const IMPORTS: [string, string[]][] = [
  ['epss', [corpusPath('epss', 'emba-epss-2026-08-09.ssv.gz')]],
  ['kev', [corpusPath('cisa-kev', 'known_exploited_vulnerabilities-2025.08.18.json'), corpusPath('cisa-kev', 'known_exploited_vulnerabilities.json')]],
  ['cve5', [corpusPath('cve5', 'records', '2024', '3xxx', `${CVE}.json`)]],
  ['nvd', [corpusPath('nvd', 'api2', 'records', `${CVE}.json`)]],
  ['epss', [corpusPath('epss', 'emba-epss-2026-08-16.ssv.gz')]],
];

async function showAfterImport(db: TestDatabase): Promise<unknown> {
  for (const [source, files] of IMPORTS) {
    const r = await runCli(['--db', db.database, 'import', source, ...files]);
    expect(r.status, `${source}: ${r.stderr}`).toBe(0);
  }
  const shown = await runCli(['--db', db.database, 'show', CVE, '--json']);
  expect(shown.status, shown.stderr).toBe(0);
  return JSON.parse(shown.stdout);
}

describe.skipIf(!hasCorpus() || TEST_BACKEND !== 'postgres')(`vigil show ${CVE} --json on both back ends`, () => {
  const dbs = [testDatabase('sqlite'), testDatabase('postgres')];
  afterAll(async () => {
    for (const db of dbs) await db.drop();
  });

  it('prints the same view after the same imports', async () => {
    const [sqlite, pg] = [await showAfterImport(dbs[0] as TestDatabase), await showAfterImport(dbs[1] as TestDatabase)];
    expect(sqlite).toMatchObject({ id: CVE, recordImported: true, kev: { product: 'PAN-OS' } });
    expect(pg).toEqual(sqlite);
  }, 600_000);
});
