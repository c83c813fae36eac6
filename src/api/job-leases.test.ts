/**
 * Collection jobs with several replicas on one store: a server starting next to a live replica
 * leaves the replica's running job alone, and fails the jobs of a process that stopped (no
 * heartbeat within the lease, or no owner: jobs stored before leases existed).
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Job } from '../model/account.ts';
import { JOB_ABANDONED } from '../store/server.ts';
import { startTestApi, type TestApi } from '../testing/api.ts';
import { hasCorpus } from '../testing/corpus.ts';
import { JOB_LEASE_SECONDS, leaseCutoff } from './routes/jobs.ts';

function runningJob(source: string): Job {
  const at = new Date().toISOString();
  return {
    id: randomUUID(),
    kind: 'collect',
    status: 'running',
    sources: [source],
    progress: [{ source, status: 'running', stored: 0, error: null }],
    requestedBy: 'ana',
    createdAt: at,
    startedAt: at,
    finishedAt: null,
    error: null,
  };
}

describe.skipIf(!hasCorpus())('collection jobs across replicas', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi();
  });
  afterAll(() => api?.close());

  it('a replica starting fails only the jobs nobody beats for: not a live replica’s, those of a stopped one, those without an owner', async () => {
    const { auth } = api.deps;
    const now = new Date();
    const live = runningJob('kev');
    await auth.saveJob(live, { owner: 'replica-a', at: now.toISOString() });
    const stopped = runningJob('epss');
    await auth.saveJob(stopped, { owner: 'replica-b', at: new Date(now.getTime() - (JOB_LEASE_SECONDS + 60) * 1000).toISOString() });
    const legacy = runningJob('nvd');
    await auth.saveJob(legacy);

    await api.replica(); // its start-up marks abandoned jobs failed

    expect((await auth.getJob(live.id))?.status).toBe('running');
    for (const id of [stopped.id, legacy.id]) expect(await auth.getJob(id)).toMatchObject({ status: 'failed', error: JOB_ABANDONED });
  });

  it('a heartbeat keeps a job; without one past the lease it is failed at the next sweep', async () => {
    const { auth } = api.deps;
    const t0 = new Date();
    const job = runningJob('kev');
    await auth.saveJob(job, { owner: 'replica-c', at: t0.toISOString() });
    // A lease later: beaten meanwhile, so not stale.
    const later = new Date(t0.getTime() + JOB_LEASE_SECONDS * 1000);
    expect(await auth.heartbeatJobs('replica-c', new Date(later.getTime() - 1000).toISOString())).toBe(1);
    await auth.failUnfinishedJobs(later.toISOString(), leaseCutoff(later)); // other tests' jobs may go
    expect((await auth.getJob(job.id))?.status).toBe('running');
    expect(await auth.heartbeatJobs('someone-else', later.toISOString())).toBe(0);
    // Two leases later without a beat: abandoned.
    const much = new Date(t0.getTime() + 2 * JOB_LEASE_SECONDS * 1000 + 1000);
    expect(await auth.failUnfinishedJobs(much.toISOString(), leaseCutoff(much))).toBeGreaterThanOrEqual(1);
    expect(await auth.getJob(job.id)).toMatchObject({ status: 'failed', finishedAt: much.toISOString() });
    // A finished job is not beaten for, nor failed again.
    expect(await auth.heartbeatJobs('replica-c', much.toISOString())).toBe(0);
  });

  it('a job saved again keeps its owner and heartbeat when the save names none', async () => {
    const { auth } = api.deps;
    const job = runningJob('osv');
    const at = new Date().toISOString();
    await auth.saveJob(job, { owner: 'replica-d', at });
    await auth.saveJob({ ...job, progress: [{ source: 'osv', status: 'running', stored: 5, error: null }] });
    const rows = await api.sql<{ owner: string; heartbeat_at: string }>('SELECT owner, heartbeat_at FROM jobs WHERE id = ?', job.id);
    expect(rows).toEqual([{ owner: 'replica-d', heartbeat_at: at }]);
  });
});
