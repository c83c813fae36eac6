/**
 * `vigil run --worker` for real: worker processes (the CLI as child processes) against a fresh
 * PostgreSQL schema, the real corpus served by a loopback upstream. A cluster is about PostgreSQL,
 * so these tests run on it whatever VIGIL_TEST_DB says (a SQLite store is refused, tested too).
 *
 * Recovery: two workers with a 3-second lease; the NVD sync (pages slowed down) runs on one of
 * them for more than two leases without being taken from it (its heartbeats keep it), then that
 * worker is SIGKILLed between stored windows; the other takes the dead worker's job once the lease
 * expires, and the end state (every record, the change history, each source's cursor and status)
 * equals that of an uninterrupted sync.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config.ts';
import { createLogger } from '../log.ts';
import { syncSource } from '../pipeline.ts';
import { nvdApi } from '../sources/nvd/testing.ts';
import { HttpClient } from '../sources/http.ts';
import { findSource } from '../sources/registry.ts';
import { openStores, type Stores } from '../store/index.ts';
import { runCli, startCli } from '../testing/cli.ts';
import { corpusPath, hasCorpus } from '../testing/corpus.ts';
import { nvdRecords } from '../testing/mirror.ts';
import { otherSourcesOff } from '../testing/sources.ts';
import { TEST_BACKEND, testDatabase } from '../testing/store.ts';
import { startUpstream, type Upstream } from '../testing/upstream.ts';
import { readFileSync } from 'node:fs';
import { queueTarget } from './queue.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'vigil-cluster-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, probe: () => Promise<T | undefined | null | false>, seconds = 90): Promise<T> {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== null && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

/** NVD API 2.0 (the corpus's 56 records, 5 per page, each answer 300 ms late) and the KEV feed. */
async function slowUpstream(): Promise<Upstream> {
  const records = nvdRecords();
  const nvd = nvdApi(() => records as never, { apiKeys: [] });
  return startUpstream({
    '/rest/json/cves/2.0': async (req, res, url) => {
      await sleep(400);
      return nvd(req, res, url);
    },
    '/kev.json': (_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(readFileSync(corpusPath('cisa-kev', 'known_exploited_vulnerabilities.json')));
      return true;
    },
  });
}

function writeConfig(name: string, database: string, base: string): string {
  const file = path.join(dir, `${name}.yaml`);
  writeFileSync(
    file,
    `database: "${database}"
sources:
  nvd:
    baseUrl: ${base}/rest/json/cves/2.0
    since: "2020-09-01T00:00:00.000Z"
    pageSize: 5
    rateLimit: { requests: 100, perSeconds: 1 }
  kev: { url: "${base}/kev.json" }
${otherSourcesOff(['nvd', 'kev'])}`,
  );
  return file;
}

/** The jobs of a schema's queue (graphile-worker's `jobs` view). */
async function jobs(database: string): Promise<{ id: string; task_identifier: string; locked_by: string | null; attempts: number; locked_for: number | null; process: string | null }[]> {
  const t = queueTarget(database);
  const client = new pg.Client({ connectionString: t.connectionString });
  await client.connect();
  try {
    return (
      await client.query(
        `SELECT j.id, j.task_identifier, j.locked_by, j.attempts, extract(epoch FROM now() - j.locked_at)::float AS locked_for, w.process
         FROM "${t.schema}".jobs j LEFT JOIN "${t.schema}".vigil_workers w ON w.worker_id = j.locked_by ORDER BY j.id`,
      )
    ).rows;
  } catch (err) {
    // The queue's schema not made yet, or half-way through graphile-worker's migrations.
    if (['42P01', '42703', '3F000'].includes((err as { code?: string }).code ?? '')) return [];
    throw err;
  } finally {
    await client.end();
  }
}

/** What a store holds, for comparing two runs: every NVD record, the change history, source states. */
async function endState(stores: Stores, ids: string[]) {
  const records = await Promise.all(ids.map((id) => stores.store.getVulnerability(id)));
  // As a set: NVD and KEV sync side by side in the cluster, one after the other in the reference.
  const changes = (await stores.alerts.readChanges(0, 100_000)).map(({ id: _id, ...c }) => JSON.stringify(c)).sort();
  const states = (await stores.store.listSourceStates()).map((s) => ({ source: s.source, ok: !!s.lastSuccess && !s.lastError, cursor: s.cursor }));
  return { records, changes, states };
}

// PostgreSQL by nature (the job queue): runs in the PostgreSQL pass (npm run test:pg), not again in the SQLite one.
describe.skipIf(!hasCorpus() || TEST_BACKEND !== 'postgres')('vigil run --worker (PostgreSQL job queue)', () => {
  it('refuses a SQLite store with a clear message', async () => {
    const r = await runCli(['run', '--worker', '--db', path.join(dir, 'refused.db')]);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/needs PostgreSQL/);
  });

  it('a schedule fires once per tick across two workers', async () => {
    const upstream = await slowUpstream();
    const target = testDatabase('postgres');
    const children: ReturnType<typeof startCli>[] = [];
    try {
      const file = path.join(dir, 'every-minute.yaml');
      writeFileSync(file, `database: "${target.database}"\nsources:\n  kev: { url: "${upstream.baseUrl}/kev.json", schedule: "* * * * *" }\n${otherSourcesOff(['kev'])}`);
      // Nothing queued at start: only the schedule syncs KEV.
      for (let i = 0; i < 2; i++) children.push(startCli(['--config', file, 'run', '--worker', '--no-initial-sync', '--concurrency', '1']));
      const kevRequests = () => upstream.requests.filter((r) => r.startsWith('/kev.json')).length;
      await until('the first tick', async () => kevRequests() > 0, 150);
      await sleep(8000);
      expect(kevRequests()).toBe(1);
      for (const c of children) c.child.kill('SIGTERM');
      for (const c of children) expect((await c.done).status).toBe(0);
    } finally {
      for (const c of children) c.child.kill('SIGKILL');
      await Promise.all([target.drop(), upstream.close()]);
    }
  }, 240_000);

  it('a worker stopped (SIGTERM) mid-sync exits cleanly and its sync is retried from the saved cursor', async () => {
    const upstream = await slowUpstream();
    const target = testDatabase('postgres');
    const children: ReturnType<typeof startCli>[] = [];
    let stores: Stores | null = null;
    try {
      const file = writeConfig('stopped', target.database, upstream.baseUrl);
      const a = startCli(['--config', file, 'run', '--worker', '--concurrency', '1'], { VIGIL_LOG_LEVEL: 'info' });
      children.push(a);
      stores = await until('the store made by the worker', async () => openStores(target.database).catch(() => null), 60);
      const s = stores;
      const partial = await until('a partial NVD sync', async () => {
        const st = await s.store.getSourceState('nvd').catch(() => null);
        return st?.cursor && !st.lastSuccess ? st.cursor : undefined;
      });
      a.child.kill('SIGTERM');
      const ended = await a.done;
      expect(ended.status, ended.stderr).toBe(0);
      // The job is back in the queue, marked as stopped, not lost.
      const left = (await jobs(target.database)).filter((j) => j.task_identifier === 'sync-source');
      // (graphile-worker 0.17 records the failure without awaiting it: the worker drains its pool first.)
      expect(left.map((j) => [j.locked_by, j.attempts]), ended.stderr.slice(-3000)).toContainEqual([null, 1]);
      const b = startCli(['--config', file, 'run', '--worker', '--no-initial-sync', '--concurrency', '1']);
      children.push(b);
      const st = await until('the NVD sync finished by the next worker', async () => {
        const x = await s.store.getSourceState('nvd');
        const pending = (await jobs(target.database)).filter((j) => j.task_identifier === 'sync-source');
        return x?.lastSuccess && !pending.length ? x : undefined;
      });
      expect(Date.parse(st.cursor ?? '')).toBeGreaterThan(Date.parse(partial));
      expect((await s.store.stats()).vulnerabilities).toBe(nvdRecords().length);
      b.child.kill('SIGTERM');
      expect((await b.done).status).toBe(0);
    } finally {
      for (const c of children) c.child.kill('SIGKILL');
      await stores?.close();
      await Promise.all([target.drop(), upstream.close()]);
    }
  }, 240_000);

  it('a worker SIGKILLed mid-sync loses nothing: another takes its job after the lease, and the end state equals an uninterrupted run', async () => {
    const upstream = await slowUpstream();
    const killed = testDatabase('postgres');
    const reference = testDatabase('postgres');
    const ids = nvdRecords().map((r) => r.id);
    let stores: Stores | null = null;
    let ref: Stores | null = null;
    const children: ReturnType<typeof startCli>[] = [];
    try {
      const file = writeConfig('killed', killed.database, upstream.baseUrl);
      // Worker A queues a first sync of nvd and kev at start, as `vigil run` does; B queues nothing.
      const a = startCli(['--config', file, 'run', '--worker', '--lease', '3', '--concurrency', '1']);
      children.push(a);
      stores = await until('the store made by worker A', async () => openStores(killed.database).catch(() => null), 60);
      const s = stores;
      const b = startCli(['--config', file, 'run', '--worker', '--lease', '3', '--no-initial-sync', '--concurrency', '1']);
      children.push(b);
      // The NVD sync runs for more than two leases on one worker, never taken from it, with some
      // windows stored (a cursor saved) and more to come.
      const partial = await until('a long partial NVD sync', async () => {
        const st = await s.store.getSourceState('nvd').catch(() => null);
        const job = (await jobs(killed.database)).find((j) => j.task_identifier === 'sync-source' && j.locked_by && j.process);
        return st?.cursor && !st.lastSuccess && job && (job.locked_for ?? 0) > 6.5 ? { cursor: st.cursor, job } : undefined;
      });
      expect(partial.job.attempts).toBe(1);
      // Kill the worker running it.
      const [victim, survivor] = partial.job.process?.endsWith(`:${a.child.pid}`) ? [a, b] : [b, a];
      expect(partial.job.process?.endsWith(`:${victim.child.pid}`)).toBe(true);
      victim.child.kill('SIGKILL');
      await victim.done;
      expect((await s.store.stats()).vulnerabilities).toBeLessThan(ids.length);

      // The survivor takes the job after the lease (graphile-worker alone would wait 4 hours) and
      // finishes the sync from the saved cursor.
      await until(
        'the NVD sync finished by the surviving worker',
        async () => {
          const st = await s.store.getSourceState('nvd');
          const left = (await jobs(killed.database)).filter((j) => j.task_identifier === 'sync-source');
          return st?.lastSuccess && !left.length ? st : undefined;
        },
        120,
      );
      survivor.child.kill('SIGTERM');
      const ended = await survivor.done;
      expect(ended.status, ended.stderr).toBe(0);

      // The uninterrupted run: the same syncs in this process on another schema.
      ref = await openStores(reference.database);
      const config = loadConfig(writeConfig('reference', reference.database, upstream.baseUrl), {});
      for (const id of ['nvd', 'kev']) {
        const summary = await syncSource(findSource(id).source, config.sources[id]?.config, { store: ref.writer, log: createLogger('silent'), http: new HttpClient() });
        expect(summary.error).toBeNull();
      }
      const got = await endState(s, ids);
      const want = await endState(ref, ids);
      expect(got.records.filter(Boolean)).toHaveLength(ids.length);
      expect(got.records).toEqual(want.records);
      expect(got.changes).toEqual(want.changes);
      // Cursors: KEV's names the catalog (equal); NVD's is the end of its last window, "now" of each run.
      expect(got.states.map((x) => [x.source, x.ok])).toEqual(want.states.map((x) => [x.source, x.ok]));
      expect(got.states.find((x) => x.source === 'kev')?.cursor).toBe(want.states.find((x) => x.source === 'kev')?.cursor);
      const nvdCursor = got.states.find((x) => x.source === 'nvd')?.cursor ?? '';
      expect(Date.parse(nvdCursor)).toBeGreaterThan(Date.parse(partial.cursor));
    } finally {
      for (const c of children) c.child.kill('SIGKILL');
      await stores?.close();
      await ref?.close();
      await Promise.all([killed.drop(), reference.drop(), upstream.close()]);
    }
  }, 300_000);
});
