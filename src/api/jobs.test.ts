/**
 * Collection jobs (`POST /api/collect`, `GET /api/collect/{id}`) running real syncs: every
 * source's URL points at a loopback mirror of its upstream serving the corpus (testing/mirror.ts),
 * and the API's `sync` is the pipeline's own `syncSource`. The mirror serves an EPSS day the
 * fixture does not hold, so the job stores something checkable against the raw file.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config.ts';
import { createLogger } from '../log.ts';
import { type RunSummary, syncSource } from '../pipeline.ts';
import { HttpClient } from '../sources/http.ts';
import { findSource } from '../sources/registry.ts';
import { startTestApi, type TestApi } from '../testing/api.ts';
import { corpusDir, corpusPath, hasCorpus } from '../testing/corpus.ts';
import { type Mirror, startMirror } from '../testing/mirror.ts';

interface Job {
  id: string;
  kind: string;
  status: 'queued' | 'running' | 'succeeded' | 'failed';
  sources: string[];
  progress: { source: string; status: string; stored: number; error: string | null }[];
  requestedBy: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  error: string | null;
}

const EPSS_DAY = '2026-06-14';

describe.skipIf(!hasCorpus())('collection jobs running real syncs against a loopback mirror', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'vigil-jobs-'));
  const log = createLogger('silent');
  let mirror: Mirror;
  let api: TestApi;
  const tokens: Record<string, string> = {};
  /** What each sync returned, by source, in call order. */
  const summaries: RunSummary[] = [];
  /** Every sync waits for this first (a test holds a job in its running state with it). */
  let gate: Promise<void> = Promise.resolve();

  async function call(credential: string, method: 'GET' | 'POST', url: string, payload?: unknown) {
    return api.app.inject({
      method,
      url,
      headers: { authorization: `Bearer ${credential}` },
      ...(payload !== undefined ? { payload: payload as Record<string, unknown> } : {}),
    });
  }

  /** Polls the job until it is finished. */
  async function finished(id: string): Promise<Job> {
    const until = Date.now() + 120_000;
    for (;;) {
      const r = await call(tokens.vic as string, 'GET', `/api/collect/${id}`);
      expect(r.statusCode, r.body).toBe(200);
      const job = r.json() as Job;
      if (job.status === 'succeeded' || job.status === 'failed') return job;
      if (Date.now() > until) throw new Error(`job ${id} still ${job.status}`);
      await new Promise((res) => setTimeout(res, 100));
    }
  }

  /** (cve_id, source) → hash of every stored observation. */
  async function observations(): Promise<Map<string, string>> {
    const rows = await api.sql<{ cve_id: string; source: string; hash: string }>('SELECT cve_id, source, hash FROM observations');
    return new Map(rows.map((r) => [`${r.source} ${r.cve_id}`, r.hash]));
  }

  const countJobs = async () => (await api.sql<{ n: number }>('SELECT count(*) AS n FROM jobs'))[0]?.n as number;

  beforeAll(async () => {
    mirror = await startMirror();
    mirror.serve({ epssDay: EPSS_DAY });
    const file = path.join(dir, 'vigil.config.yaml');
    writeFileSync(file, mirror.sourcesYaml());
    const mirrored = loadConfig(file, { VIGIL_DATA_DIR: corpusDir });
    api = await startTestApi({
      configure: (c) => {
        c.sources = mirrored.sources;
      },
      syncs: async (id) => {
        await gate;
        const summary = await syncSource(findSource(id).source, api.config.sources[id]?.config, {
          store: api.store,
          log,
          http: new HttpClient({ retries: 0 }),
          merge: api.config.ssvc,
        });
        summaries.push(summary);
        return summary;
      },
    });
    for (const u of ['ana', 'vic']) tokens[u] = await api.login(u);
  });
  afterAll(async () => {
    await api?.close();
    await mirror?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs every enabled source (202 with the job), reports progress per source with stored counts, and stores the new EPSS day', async () => {
    const before = await observations();
    expect(await api.sql('SELECT 1 FROM epss_days WHERE date = ?', EPSS_DAY)).toEqual([]);

    const r = await call(tokens.ana as string, 'POST', '/api/collect', {});
    expect(r.statusCode, r.body).toBe(202);
    const started = r.json() as Job;
    expect(started.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    // The answer is the job as it starts: it may already be running its first step.
    expect(started).toMatchObject({ kind: 'collect', sources: ['cve5', 'nvd', 'kev', 'epss'], requestedBy: 'ana', finishedAt: null, error: null });
    expect(['queued', 'running']).toContain(started.status);
    expect(started.progress.map((p) => [p.source, p.stored])).toEqual(started.sources.map((s) => [s, 0]));

    const job = await finished(started.id);
    expect(job.status, JSON.stringify(job)).toBe('succeeded');
    expect(job.error).toBeNull();
    expect(Date.parse(job.startedAt as string)).toBeLessThanOrEqual(Date.parse(job.finishedAt as string));
    // Progress is what each real sync returned.
    expect(summaries.map((s) => s.source)).toEqual(['cve5', 'nvd', 'kev', 'epss']);
    expect(job.progress).toEqual(summaries.map((s) => ({ source: s.source, status: 'succeeded', stored: s.stored, error: null })));

    // EPSS: the served day, every row of the raw file, now stored.
    const lines = gunzipSync(readFileSync(corpusPath('epss', `emba-epss-${EPSS_DAY}.ssv.gz`)))
      .toString('utf8')
      .trim()
      .split('\n').length;
    expect(job.progress.find((p) => p.source === 'epss')?.stored).toBe(lines);
    expect(await api.sql('SELECT rows FROM epss_days WHERE date = ?', EPSS_DAY)).toEqual([{ rows: lines }]);
    // KEV: the mirror serves the catalog the fixture already holds, so nothing is stored.
    expect(job.progress.find((p) => p.source === 'kev')?.stored).toBe(0);
    // CVE 5 and NVD: the records the fixture was imported from; stored = observations new or changed.
    const after = await observations();
    for (const source of ['cve5', 'nvd']) {
      const changed = [...after].filter(([k, hash]) => k.startsWith(`${source} `) && before.get(k) !== hash).length;
      expect(job.progress.find((p) => p.source === source)?.stored, source).toBe(changed);
    }
    // The sync state shows the runs.
    const states = await api.sql("SELECT source, last_error FROM source_state WHERE source IN ('cve5', 'epss', 'kev', 'nvd') ORDER BY source");
    expect(states).toEqual(['cve5', 'epss', 'kev', 'nvd'].map((source) => ({ source, last_error: null })));
  });

  it('a sync that fails marks its step and the job failed, naming the source', async () => {
    const kev = api.config.sources.kev?.config as { url: string };
    const url = kev.url;
    kev.url = `${mirror.upstream.baseUrl}/no/such/feed.json`;
    try {
      const r = await call(tokens.ana as string, 'POST', '/api/collect', { sources: ['kev', 'epss'] });
      expect(r.statusCode).toBe(202);
      const job = await finished((r.json() as Job).id);
      expect(job.status).toBe('failed');
      expect(job.progress.map((p) => [p.source, p.status])).toEqual([
        ['kev', 'failed'],
        ['epss', 'succeeded'],
      ]);
      expect(job.progress[0]?.error).toMatch(/404/);
      expect(job.error).toBe(`kev: ${job.progress[0]?.error}`);
      // The EPSS day served is stored already: nothing new.
      expect(job.progress[1]?.stored).toBe(0);
    } finally {
      kev.url = url;
    }
  });

  describe('refusals', () => {
    it('an unknown source is 400 VIGIL_UNKNOWN_SOURCE, listing the known ones, and starts nothing', async () => {
      const before = await countJobs();
      const r = await call(tokens.ana as string, 'POST', '/api/collect', { sources: ['kev', 'shodan'] });
      expect(r.statusCode).toBe(400);
      expect(r.json()).toMatchObject({ statusCode: 400, code: 'VIGIL_UNKNOWN_SOURCE' });
      expect((r.json() as { message: string }).message).toBe(
        'Unknown source "shodan" (known: cve5, nvd, kev, epss, osv, ghsa, exploitdb, certfr, certeu, csaf, circl)',
      );
      expect(await countJobs()).toBe(before);
    });

    it('a viewer is 403', async () => {
      const r = await call(tokens.vic as string, 'POST', '/api/collect', { sources: ['kev'] });
      expect(r.statusCode).toBe(403);
      expect(r.json()).toMatchObject({ code: 'VIGIL_FORBIDDEN' });
    });

    it('an API token without the `collect` scope is 403; one with it starts a job', async () => {
      const without = await api.apiToken('ana', ['read', 'write']);
      const r = await call(without, 'POST', '/api/collect', { sources: ['kev'] });
      expect(r.statusCode).toBe(403);
      expect((r.json() as { message: string }).message).toContain('"collect" scope');
      const withScope = await api.apiToken('ana', ['collect']);
      const ok = await call(withScope, 'POST', '/api/collect', { sources: ['kev'] });
      expect(ok.statusCode, ok.body).toBe(202);
      const job = await finished((ok.json() as Job).id);
      expect(job).toMatchObject({ status: 'succeeded', requestedBy: 'ana' });
      // A collect-only token cannot read the job it started.
      expect((await call(withScope, 'GET', `/api/collect/${job.id}`)).statusCode).toBe(403);
    });

    it.each([
      { body: { sources: [] }, why: 'an empty list' },
      { body: { sources: ['kev', 'kev'] }, why: 'a repeated source' },
      { body: { sources: 'kev' }, why: 'a string for the list' },
      { body: { source: ['kev'] }, why: 'an unknown property' },
    ])('$why is 400 VIGIL_BAD_REQUEST', async ({ body }) => {
      const r = await call(tokens.ana as string, 'POST', '/api/collect', body);
      expect(r.statusCode, r.body).toBe(400);
      expect(r.json()).toMatchObject({ code: 'VIGIL_BAD_REQUEST' });
    });

    it('an unknown job is 404; a job id that is not a UUID is 400', async () => {
      expect((await call(tokens.vic as string, 'GET', '/api/collect/00000000-0000-4000-8000-000000000000')).json()).toMatchObject({
        statusCode: 404,
        code: 'VIGIL_NOT_FOUND',
      });
      expect((await call(tokens.vic as string, 'GET', '/api/collect/..%2f..%2fetc')).json()).toMatchObject({ statusCode: 400, code: 'VIGIL_BAD_REQUEST' });
    });
  });

  it('every job start is audited with its actor and target', async () => {
    await new Promise((r) => setTimeout(r, 20));
    const rows = await api.sql<{ actor: string; actor_kind: string; target: string | null; outcome: string; status_code: number }>(
      "SELECT actor, actor_kind, target, outcome, status_code FROM audit_log WHERE action = 'collect.start' ORDER BY id",
    );
    const ids = (await api.sql<{ id: string }>('SELECT id FROM jobs')).map((r) => r.id);
    const started = rows.filter((r) => r.outcome === 'success');
    expect(started.map((r) => r.target).sort()).toEqual(ids.map((id) => `job:${id}`).sort());
    expect(started.every((r) => r.actor === 'ana')).toBe(true);
    expect(rows.filter((r) => r.outcome === 'denied').map((r) => [r.actor, r.actor_kind, r.status_code])).toEqual([
      ['vic', 'session', 403],
      ['ana', 'token', 403],
    ]);
  });

  it('does not queue a source again while it is queued or running: 20 requests in a row are one job and one KEV fetch', async () => {
    let open!: () => void;
    gate = new Promise((r) => (open = r));
    const [jobsBefore, syncsBefore, fetchesBefore] = [await countJobs(), summaries.length, mirror.upstream.requests.length];
    try {
      const answers = [];
      for (let i = 0; i < 20; i++) answers.push(await call(tokens.ana as string, 'POST', '/api/collect', { sources: ['kev'] }));
      expect(answers.map((r) => r.statusCode)).toEqual(Array(20).fill(202));
      const ids = new Set(answers.map((r) => (r.json() as Job).id));
      expect(ids.size).toBe(1);
      // A request adding a source gets a job for that source only.
      const more = await call(tokens.ana as string, 'POST', '/api/collect', { sources: ['kev', 'epss'] });
      expect(more.statusCode).toBe(202);
      expect((more.json() as Job).sources).toEqual(['epss']);
      expect(await countJobs()).toBe(jobsBefore + 2);
      open();
      const [kevJob, epssJob] = [await finished([...ids][0]!), await finished((more.json() as Job).id)];
      expect([kevJob.status, epssJob.status]).toEqual(['succeeded', 'succeeded']);
      expect(
        summaries
          .slice(syncsBefore)
          .map((s) => s.source)
          .sort(),
      ).toEqual(['epss', 'kev']);
      // One fetch of the KEV catalog for the 20 requests (EPSS's one sync reads several days).
      expect(mirror.upstream.requests.slice(fetchesBefore).filter((r) => r.includes('known_exploited_vulnerabilities')).length).toBe(1);
      // Once finished, the source is queued again by the next request.
      const again = await call(tokens.ana as string, 'POST', '/api/collect', { sources: ['kev'] });
      expect(ids.has((again.json() as Job).id)).toBe(false);
      await finished((again.json() as Job).id);
    } finally {
      open();
      gate = Promise.resolve();
    }
  });
});
