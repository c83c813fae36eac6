/**
 * Collection jobs: `POST /api/collect` starts a sync of some or all enabled sources (through the
 * daemon's queue when it runs, so a job never races a scheduled sync) and answers 202 with the
 * job; `GET /api/collect/{id}` reports its progress per source. Jobs are stored, so their outcome
 * survives a restart (a job cut short by one is marked failed at the next start). A source
 * already queued or running in a job is not queued again: a request whose sources are all
 * pending answers with the job that holds the first of them, and one that adds sources gets a job
 * for the new ones only (20 requests in a row are one sync per source, not 20).
 *
 * Several replicas share one store: each job is leased to the process running it, which beats for
 * it every {@link JOB_HEARTBEAT_SECONDS}; a replica starting (and every replica on each beat)
 * fails only the unfinished jobs whose heartbeat is older than {@link JOB_LEASE_SECONDS}, those of
 * a process that stopped, never a live replica's.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsync } from 'fastify';
import { VigilError } from '../../errors.ts';
import type { Job } from '../../model/account.ts';
import { enabledSources, findSource } from '../../sources/registry.ts';
import { errors } from '../schemas.ts';

/** Seconds between a server's heartbeats for the jobs it runs. */
export const JOB_HEARTBEAT_SECONDS = 30;
/** Seconds without a heartbeat after which an unfinished job is taken for abandoned (4 beats missed). */
export const JOB_LEASE_SECONDS = 120;

/** ISO 8601 time `seconds` before `at`. */
export function leaseCutoff(at: Date, seconds = JOB_LEASE_SECONDS): string {
  return new Date(at.getTime() - seconds * 1000).toISOString();
}

export const jobRoutes: FastifyPluginAsync = async (app) => {
  const { auth, sync, now, config, log } = app.deps;
  /** Source id → the job in which it is queued or running (this process runs every job it accepted). */
  const pending = new Map<string, Job>();
  /** This process's id as the owner of the jobs it runs. */
  const owner = randomUUID();
  const lease = () => ({ owner, at: now().toISOString() });
  const saveJob = (job: Job) => auth.saveJob(job, lease());

  // Beats for this process's jobs, then fails those of processes that stopped beating.
  const beat = async () => {
    const at = now();
    if (pending.size) await auth.heartbeatJobs(owner, at.toISOString());
    const failed = await auth.failUnfinishedJobs(at.toISOString(), leaseCutoff(at));
    if (failed) log.warn({ jobs: failed, leaseSeconds: JOB_LEASE_SECONDS }, 'collection jobs without a heartbeat marked failed (their server stopped)');
  };
  const timer = setInterval(() => beat().catch((err: Error) => log.warn({ err: err.message }, 'job heartbeat failed')), JOB_HEARTBEAT_SECONDS * 1000);
  timer.unref();
  app.addHook('onClose', async () => clearInterval(timer));

  /** Runs the job's sources one after the other, saving progress after each step. */
  async function run(job: Job): Promise<void> {
    job.status = 'running';
    job.startedAt = now().toISOString();
    await saveJob(job);
    for (const step of job.progress) {
      step.status = 'running';
      await saveJob(job);
      const summary = await sync(step.source);
      step.stored = summary.stored;
      step.error = summary.error ?? null;
      step.status = summary.error ? 'failed' : 'succeeded';
      await saveJob(job);
    }
    const failed = job.progress.filter((s) => s.status === 'failed');
    job.status = failed.length ? 'failed' : 'succeeded';
    job.error = failed.length ? failed.map((s) => `${s.source}: ${s.error}`).join('; ') : null;
    job.finishedAt = now().toISOString();
    await saveJob(job);
  }

  /** Forgets the job's sources as pending (when it ends, however it ends). */
  function release(job: Job): void {
    for (const s of job.sources) if (pending.get(s) === job) pending.delete(s);
  }

  app.post<{ Body: { sources?: string[] } | undefined }>(
    '/api/collect',
    {
      config: { access: { role: 'analyst', scope: 'collect', action: 'collect.start' } },
      schema: {
        tags: ['jobs'],
        summary: 'Starts a sync of the given (default: every enabled) source; answers 202 with the job (sources already queued or running are not queued again)',
        body: {
          type: 'object',
          additionalProperties: false,
          properties: { sources: { type: 'array', minItems: 1, maxItems: 20, uniqueItems: true, items: { type: 'string', maxLength: 32 } } },
        },
        response: { 202: { $ref: 'Job#' }, ...errors(400, 401, 403, 413, 415, 429) },
      },
    },
    async (request, reply) => {
      const sources = request.body?.sources ?? enabledSources(config);
      for (const s of sources) findSource(s); // VIGIL_UNKNOWN_SOURCE names the known ones
      const fresh = sources.filter((s) => !pending.has(s));
      if (!fresh.length) {
        const existing = pending.get(sources[0]!)!;
        request.auditTarget = `job:${existing.id}`;
        request.auditDetail = { sources, joined: true };
        return reply.code(202).send(structuredClone(existing));
      }
      const job: Job = {
        id: randomUUID(),
        kind: 'collect',
        status: 'queued',
        sources: fresh,
        progress: fresh.map((source) => ({ source, status: 'queued', stored: 0, error: null })),
        requestedBy: request.principal?.user ?? null,
        createdAt: now().toISOString(),
        startedAt: null,
        finishedAt: null,
        error: null,
      };
      await saveJob(job);
      for (const s of fresh) pending.set(s, job);
      request.auditTarget = `job:${job.id}`;
      request.auditDetail = fresh.length < sources.length ? { sources: fresh, alreadyPending: sources.filter((s) => !fresh.includes(s)) } : { sources };
      const answer = structuredClone(job);
      run(job)
        .catch(async (err) => {
          log.error({ err, job: job.id }, 'collection job failed');
          for (const step of job.progress) if (step.status === 'running' || step.status === 'queued') step.status = 'failed';
          await saveJob({ ...job, status: 'failed', error: (err as Error).message, finishedAt: now().toISOString() }).catch((e) => log.error({ err: e }, 'could not save the failed job'));
        })
        .finally(() => release(job));
      return reply.code(202).send(answer);
    },
  );

  app.get<{ Params: { id: string } }>(
    '/api/collect/:id',
    {
      config: { access: { role: 'viewer', scope: 'read' } },
      schema: {
        tags: ['jobs'],
        summary: 'A collection job and its progress per source',
        params: { type: 'object', required: ['id'], properties: { id: { type: 'string', format: 'uuid' } } },
        response: { 200: { $ref: 'Job#' }, ...errors(400, 401, 403, 404, 429) },
      },
    },
    async (request) => {
      const job = await auth.getJob(request.params.id);
      if (!job) throw new VigilError('VIGIL_NOT_FOUND', [`job ${request.params.id}`]);
      return job;
    },
  );
};
