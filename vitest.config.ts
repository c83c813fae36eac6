import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { defineConfig } from 'vitest/config';

/**
 * Test files that open a store (directly, through the API fixture or by running the CLI on a
 * database): the ones whose outcome can depend on the back end. `npm run test:pg`
 * (VIGIL_TEST_DB=postgres) runs these; the others (parsers, CVSS, matchers, channels, …) open no
 * store, give the same result on both back ends, and run once, in `npm test`.
 */
const STORE_TEST = /openTestStores|testDatabase|startTestApi|openStores|TEST_BACKEND|testing\/api|testing\/store|'--db'|vigil\.db|runCli|startCli|openMonitor|postgres/;

/**
 * A file that matches {@link STORE_TEST} but whose outcome cannot depend on the back end says so
 * with this line (it opens a store only because the CLI or the API fixture needs one).
 */
const ONE_BACKEND = /^\/\/ vigil-test: the back end cannot matter/m;

function storeTests(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => {
      if (!f.endsWith('.test.ts')) return false;
      const text = readFileSync(path.join(dir, f), 'utf8');
      return STORE_TEST.test(text) && !ONE_BACKEND.test(text);
    })
    .map((f) => path.join(dir, f).split(path.sep).join('/'));
}

export default defineConfig({
  test: {
    include: process.env.VIGIL_TEST_DB === 'postgres' ? storeTests('src') : ['src/**/*.test.ts'],
    // Generous: CI runs both passes at once on 2 cores, and CLI tests spawn processes that start
    // tsx (~3 s each) and, since issue 14, analyse what they collect.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // The CLI bundled once per run for the end-to-end tests that spawn it (scripts/test-bundle.ts).
    globalSetup: ['./scripts/test-bundle.ts'],
    // vitest runs availableParallelism() - 1 files at once: one on this 2-core machine. Both passes
    // run two: the PostgreSQL pass mostly waits on the server (CI: ~16 → ~10 min), and the SQLite
    // pass's heaviest files mostly wait on the CLI processes they spawn (it took 13 of CI's 30 min
    // with one file at a time once issue 13's tests came).
    // The PostgreSQL pass runs three: most of its time is spent waiting on the server.
    maxWorkers: process.env.VIGIL_TEST_DB === 'postgres' ? 3 : 2,
    reporters: ['default', './scripts/count-reporter.ts'],
    // Servers the tests start must not train the analysis models in the background (minutes of CPU each).
    env: { VIGIL_AUTO_TRAIN: '0' },
  },
});
