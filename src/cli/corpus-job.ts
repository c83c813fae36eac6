/**
 * The corpus import of `vigil serve` as a resumable job. Its state is kept in the store (state
 * key `corpus.import`) and each step of the plan (see {@link corpusPlan}) is recorded when it
 * ends, so a start after a kill -9 or a full disk finishes the import instead of serving a
 * partial store: the finished steps are skipped and the interrupted one runs again (imports are
 * idempotent: what it stored before is counted as unchanged). `vigil status` and the Sources page
 * show the job: what each step stored, and when.
 */
import { existsSync } from 'node:fs';
import type { VigilConfig } from '../config.ts';
import type { Logger } from '../log.ts';
import { importFiles } from '../pipeline.ts';
import { findSource } from '../sources/registry.ts';
import type { Store } from '../store/types.ts';
import { CORPUS_JOB_KEY, type CorpusImportJob, type JobStateStore, loadCorpusJob } from '../corpus-job.ts';
import { corpusPlan } from './demo.ts';
import { progressBar } from './progress.ts';
import { formatSummary } from './summary.ts';

/**
 * Whether `vigil serve` should (start or finish) the corpus import: a job left `running`, or no
 * job yet and an empty store.
 */
export function corpusImportDue(job: CorpusImportJob | null, vulnerabilities: number): boolean {
  return job ? job.status === 'running' : vulnerabilities === 0;
}

/**
 * Runs the corpus import as a job: the steps already recorded as finished are skipped; each
 * other step is imported (files missing from the corpus folder are left out) and recorded.
 * @param options.print where summaries go (stderr for `vigil serve`).
 * @throws whatever the import throws (e.g. SQLITE_FULL); the job stays `running` for the next start.
 */
export async function runCorpusJob(
  config: VigilConfig,
  store: Store,
  state: JobStateStore,
  log: Logger,
  options: { print: (line: string) => void; now?: () => Date },
): Promise<CorpusImportJob> {
  const now = options.now ?? (() => new Date());
  const previous = await loadCorpusJob(state);
  const job: CorpusImportJob =
    previous?.status === 'running' ? previous : { status: 'running', dataDir: config.dataDir, startedAt: now().toISOString(), finishedAt: null, steps: [] };
  if (previous?.status === 'running') {
    const done = job.steps.map((s) => s.source).join(', ') || 'none';
    options.print(`resuming the corpus import interrupted since ${job.startedAt} (steps done: ${done})`);
  }
  await state.setState(CORPUS_JOB_KEY, JSON.stringify(job));
  for (const step of corpusPlan(config.dataDir)) {
    if (job.steps.some((s) => s.source === step.source)) continue;
    const paths = step.paths.filter((p) => existsSync(p));
    if (!paths.length) {
      // A partial mirror without this source's files: a step with nothing imported (a source given no file refuses).
      job.steps.push({ source: step.source, read: 0, stored: 0, rejected: 0, issues: 0, finishedAt: now().toISOString() });
      await state.setState(CORPUS_JOB_KEY, JSON.stringify(job));
      continue;
    }
    const bar = progressBar(step.source);
    try {
      const summary = await importFiles(findSource(step.source).source, paths, { store, log, merge: config.ssvc }, step.options, bar);
      options.print(formatSummary(summary, { issueExamples: 0 }));
      job.steps.push({ source: step.source, read: summary.read, stored: summary.stored, rejected: summary.rejected.length, issues: summary.issues.length, finishedAt: now().toISOString() });
    } finally {
      bar.stop();
    }
    await state.setState(CORPUS_JOB_KEY, JSON.stringify(job));
  }
  job.status = 'done';
  job.finishedAt = now().toISOString();
  await state.setState(CORPUS_JOB_KEY, JSON.stringify(job));
  return job;
}
