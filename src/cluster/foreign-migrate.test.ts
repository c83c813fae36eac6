/**
 * A worker keeps working when another store's job queue is installed in the same PostgreSQL
 * database: graphile-worker announces its breaking migrations on a database-wide channel
 * (`worker:migrate`), which stopped every running worker of every schema (seen in CI, where test
 * stores share the database `test`; in production, two Vigil stores on `?schema=…`). The worker
 * runs as `vigil run --worker`; the other queue is installed as `vigil run --worker` would
 * install it (openQueue → graphile-worker's migrate). PostgreSQL by nature.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startCli } from '../testing/cli.ts';
import { corpusPath, hasCorpus } from '../testing/corpus.ts';
import { otherSourcesOff } from '../testing/sources.ts';
import { TEST_BACKEND, testDatabase } from '../testing/store.ts';
import { startUpstream } from '../testing/upstream.ts';
import { openQueue } from './queue.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'vigil-foreign-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, probe: () => boolean, seconds: number): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(250);
  }
}

describe.skipIf(!hasCorpus() || TEST_BACKEND !== 'postgres')('a worker and another store’s job queue in the same database', () => {
  it('keeps working when the other queue is installed (its breaking migrations are not this schema’s)', async () => {
    const kev = readFileSync(corpusPath('cisa-kev', 'known_exploited_vulnerabilities-2025.08.18.json'));
    const upstream = await startUpstream({
      '/kev.json': (_req, res) => {
        res.setHeader('content-type', 'application/json');
        res.end(kev);
        return true;
      },
    });
    const mine = testDatabase('postgres');
    const other = testDatabase('postgres');
    const file = path.join(dir, 'vigil.config.yaml');
    writeFileSync(file, `database: "${mine.database}"\nsources:\n  kev: { url: "${upstream.baseUrl}/kev.json" }\n${otherSourcesOff(['kev'])}`);
    const worker = startCli(['--config', file, 'run', '--worker', '--no-initial-sync', '--concurrency', '1'], { VIGIL_LOG_LEVEL: 'info' });
    try {
      await until('the worker to start', () => worker.stderr().includes('vigil worker: started'), 120);
      // The other store's queue: graphile-worker installs its schema, breaking migrations included.
      const foreign = await openQueue(other.database);
      await foreign.release();
      // Then work for this worker: a KEV sync it must run.
      const queue = await openQueue(mine.database);
      try {
        await queue.sync('kev');
        await until('the KEV sync', () => upstream.requests.some((r) => r.startsWith('/kev.json')), 60);
      } finally {
        await queue.release();
      }
      expect(worker.stderr()).not.toContain('shutting down');
      expect(worker.child.exitCode).toBeNull();
      worker.child.kill('SIGTERM');
      expect((await worker.done).status).toBe(0);
    } finally {
      worker.child.kill('SIGKILL');
      await Promise.all([mine.drop(), other.drop(), upstream.close()]);
    }
  }, 240_000);
});
