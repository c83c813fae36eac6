/**
 * The state of the corpus import job (`vigil serve`'s first start; the runner is
 * cli/corpus-job.ts), kept in the alerting store's key/value state under `corpus.import`, for
 * the runner, `vigil status` and `GET /api/status`.
 */

/** State key of the job. */
export const CORPUS_JOB_KEY = 'corpus.import';

/** A finished step of the corpus import. */
export interface CorpusStepResult {
  source: string;
  /** Records read and stored (new or changed) by the step. */
  read: number;
  stored: number;
  /** Records rejected, and merge issues found (CVSS mismatches, invalid vectors or CPEs). */
  rejected: number;
  issues: number;
  /** ISO 8601 of the step's end. */
  finishedAt: string;
}

/** The corpus import job, as stored. */
export interface CorpusImportJob {
  /** `running` until every step ended: a job found `running` at start was interrupted. */
  status: 'running' | 'done';
  dataDir: string;
  /** ISO 8601. */
  startedAt: string;
  finishedAt: string | null;
  /** Finished steps, in plan order. */
  steps: CorpusStepResult[];
}

/** Where the job's state lives (the alerting store's key/value state). */
export interface JobStateStore {
  getState(key: string): Promise<string | null>;
  setState(key: string, value: string): Promise<void>;
}

/** The stored job, or `null` when this store never ran one. */
export async function loadCorpusJob(state: JobStateStore): Promise<CorpusImportJob | null> {
  const raw = await state.getState(CORPUS_JOB_KEY);
  return raw ? (JSON.parse(raw) as CorpusImportJob) : null;
}

/** One line about the job for `vigil status` ("corpus import: done …" or "… interrupted …"). */
export function describeCorpusJob(job: CorpusImportJob | null): string | null {
  if (!job) return null;
  const steps = job.steps.map((s) => `${s.source} ${s.stored} stored at ${s.finishedAt}`).join('; ');
  return job.status === 'done'
    ? `corpus import: done ${job.finishedAt} from ${job.dataDir} (${steps || 'nothing to import'})`
    : `corpus import: INTERRUPTED (started ${job.startedAt}, steps done: ${steps || 'none'}); the next vigil serve finishes it`;
}
