/**
 * Two `vigil run --worker` processes on one PostgreSQL store share the work and alert exactly
 * once: the CVE 5 corpus is imported as ten chunk jobs, then a newer KEV catalog is synced; both
 * workers take jobs, every chunk runs once, and every alert reaches the loopback webhook receiver
 * in exactly one request. A cluster is about PostgreSQL, so this runs on it whatever
 * VIGIL_TEST_DB says.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { openStores, type Stores } from '../store/index.ts';
import { startCli } from '../testing/cli.ts';
import { corpusPath, hasCorpus } from '../testing/corpus.ts';
import { startReceiver } from '../testing/receiver.ts';
import { otherSourcesOff } from '../testing/sources.ts';
import { TEST_BACKEND, testDatabase } from '../testing/store.ts';
import { startUpstream } from '../testing/upstream.ts';
import { type JobQueue, openQueue, queueTarget } from './queue.ts';

const SECRET = 'cluster-webhook-secret-0123456789';
const dir = mkdtempSync(path.join(tmpdir(), 'vigil-share-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// Patient: alone this test takes ~16 s, but CI's PostgreSQL pass runs three files at once on 2
// cores and the two worker processes then took over 120 s to evaluate and deliver (a wait, not a target).
async function until<T>(what: string, probe: () => Promise<T | undefined | null | false>, seconds = 240, state?: () => string): Promise<T> {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== null && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${state ? `: ${state()}` : ''}`);
    await sleep(1000);
  }
}

/** Tasks of the jobs waiting or running (graphile-worker's `jobs` view), future delivery passes aside. */
async function pendingTasks(database: string): Promise<string[]> {
  const t = queueTarget(database);
  const client = new pg.Client({ connectionString: t.connectionString });
  await client.connect();
  try {
    const { rows } = await client.query<{ task_identifier: string }>(
      `SELECT task_identifier FROM "${t.schema}".jobs WHERE run_at <= now() OR locked_at IS NOT NULL`,
    );
    return rows.map((r) => r.task_identifier);
  } finally {
    await client.end();
  }
}

/** How many stored alerts meet `where` (SQL over the store's alerts table). */
async function alertsWith(database: string, where: string): Promise<number> {
  const t = queueTarget(database);
  const client = new pg.Client({ connectionString: t.connectionString });
  await client.connect();
  try {
    const { rows } = await client.query<{ n: string }>(`SELECT count(*) AS n FROM "${t.storeSchema}".alerts WHERE ${where}`);
    return Number(rows[0]?.n ?? 0);
  } finally {
    await client.end();
  }
}

/** Jobs a worker's log says it completed: [job id, task]. */
function completed(stderr: string): [string, string][] {
  const out: [string, string][] = [];
  for (const line of stderr.split('\n')) {
    const m = /"msg":"Completed task (\d+) \(([\w-]+)/.exec(line);
    if (m) out.push([m[1] as string, m[2] as string]);
  }
  return out;
}

// PostgreSQL by nature (the job queue): runs in the PostgreSQL pass (npm run test:pg), not again in the SQLite one.
describe.skipIf(!hasCorpus() || TEST_BACKEND !== 'postgres')('two vigil run --worker processes', () => {
  it('share syncs, import chunks and alerting, with every chunk run once and every alert delivered once', async () => {
    const receiver = await startReceiver({ webhookSecret: SECRET });
    let kev = 'known_exploited_vulnerabilities-2025.08.18.json';
    const upstream = await startUpstream({
      '/kev.json': (_req, res) => {
        res.setHeader('content-type', 'application/json');
        res.end(readFileSync(corpusPath('cisa-kev', kev)));
        return true;
      },
    });
    const target = testDatabase('postgres');
    let stores: Stores | null = null;
    let queue: JobQueue | null = null;
    const workers: ReturnType<typeof startCli>[] = [];
    try {
      const file = path.join(dir, 'vigil.config.yaml');
      writeFileSync(
        file,
        `database: "${target.database}"
sources:
  kev: { url: "${upstream.baseUrl}/kev.json" }
${otherSourcesOff(['kev'])}alerts:
  channels:
    hook: { type: webhook, url: "${receiver.baseUrl}/webhook/all", secret: "${SECRET}" }
`,
      );
      stores = await openStores(target.database);
      const s = stores;
      await s.alerts.upsertUser({ name: 'alice', email: null, handles: {} });
      await s.alerts.upsertWatchlist({ name: 'everything', owner: { user: 'alice' }, description: null });
      await s.alerts.addEntry({ watchlist: 'everything', kind: 'regex', value: '.', thresholds: {} });
      await s.alerts.upsertSubscription({
        watchlist: 'everything',
        channel: 'hook',
        events: ['new', 'changed', 'kev_added'],
        target: null,
        mode: 'immediate',
        quietHours: null,
        timezone: 'UTC',
        epssAbove: 0.1,
        epssJump: 0.1,
      });

      for (let i = 0; i < 2; i++)
        workers.push(startCli(['--config', file, 'run', '--worker', '--concurrency', '1', '--lease', '10'], { VIGIL_LOG_LEVEL: 'info' }));
      // The first KEV catalog (queued by both workers at start: one sync waits at most).
      await until('the first KEV sync', async () => (await s.store.getSourceState('kev'))?.lastSuccess);

      // The CVE 5 corpus as ten chunk jobs, any worker taking each.
      queue = await openQueue(target.database);
      const root = corpusPath('cve5', 'records');
      const files = readdirSync(root, { recursive: true, encoding: 'utf8' })
        .filter((f) => /CVE-\d+-\d+\.json$/.test(f))
        .sort()
        .map((f) => path.join(root, f));
      expect(await queue.importFiles({ source: 'cve5', paths: files }, Math.ceil(files.length / 10))).toBe(10);
      await until('the import', async () => !(await pendingTasks(target.database)).includes('import-files'));
      // Then KEV publishes a newer catalog and a sync is queued.
      kev = 'known_exploited_vulnerabilities.json';
      await queue.sync('kev');
      let last = '';
      await until(
        'KEV synced, everything evaluated and delivered',
        async () => {
          const left = await pendingTasks(target.database);
          const counts = await s.alerts.alertCounts();
          // Cheap probes, once a second: listing ~1,800 alerts with their facts five times a second
          // loaded this process, which also hosts the webhook receiver (a late answer is a retried delivery).
          const kevAdded = (await alertsWith(target.database, "event = 'kev_added'")) > 0;
          last = `kev_added ${kevAdded}, jobs left [${left.join(', ')}], alert counts ${JSON.stringify(counts)}, retried: ${await alertsWith(target.database, 'attempts > 1')}, KEV state ${JSON.stringify(await s.store.getSourceState('kev'))}`;
          return kevAdded && !left.some((t) => t !== 'deliver-alerts') && counts.pending === 0;
        },
        240,
        () => `${last}\nworker 1: ${workers[0]?.stderr().slice(-1500)}\nworker 2: ${workers[1]?.stderr().slice(-1500)}`,
      );

      for (const w of workers) w.child.kill('SIGTERM');
      const ended = await Promise.all(workers.map((w) => w.done));
      for (const e of ended) expect(e.status, e.stderr.slice(-2000)).toBe(0);

      // Shared: both workers ran jobs; each import chunk ran exactly once in the cluster.
      const done = ended.map((e) => completed(e.stderr));
      expect(done[0]?.length).toBeGreaterThan(0);
      expect(done[1]?.length).toBeGreaterThan(0);
      const chunks = done.flat().filter(([, task]) => task === 'import-files');
      expect(chunks).toHaveLength(10);
      expect(new Set(chunks.map(([id]) => id)).size).toBe(10);

      // Every alert delivered in exactly one webhook request, on its first attempt.
      const all = await s.alerts.listAlerts({ limit: 100_000 });
      const ids = all.map((a) => a.id).sort((x, y) => x - y);
      expect(ids.length).toBeGreaterThan(files.length);
      expect(all.some((a) => a.event === 'kev_added')).toBe(true);
      expect(receiver.rejected).toEqual([]);
      const seen = new Map<number, number>();
      for (const r of receiver.received.filter((x) => x.service === 'webhook'))
        for (const alert of (r.body as { alerts: { id: number }[] }).alerts) seen.set(alert.id, (seen.get(alert.id) ?? 0) + 1);
      expect([...seen.values()].filter((n) => n > 1)).toEqual([]);
      expect([...seen.keys()].sort((x, y) => x - y)).toEqual(ids);
      expect(all.every((a) => a.status === 'sent' && a.attempts === 1)).toBe(true);
      console.info(
        `two workers: ${done[0]?.length} and ${done[1]?.length} jobs; ${ids.length} alerts, each delivered once in ${receiver.received.length} webhook requests`,
      );
    } finally {
      for (const w of workers) w.child.kill('SIGKILL');
      await queue?.release();
      await stores?.close();
      await Promise.all([target.drop(), upstream.close(), receiver.close()]);
    }
  }, 600_000);
});
