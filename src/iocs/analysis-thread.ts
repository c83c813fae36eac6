/**
 * The analyzer in a worker thread, for processes that serve the API (`vigil serve`: the daemon's
 * collections and the collect route). Analysing a long article is tens of milliseconds of CPU;
 * on the serving thread it would hold every request behind it, as readability did before intel
 * extraction moved to its own thread (bench/NOTES.md, issue 13). One thread per process and
 * configuration, started at the first document and left running (unref'd: it never keeps the
 * process alive); a thread that died is started again at the next request.
 */
import { existsSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import type { VigilConfig } from '../config.ts';
import type { AnalysisResult, AnalyzeOptions } from '../nlp/types.ts';

/** An analyzer answering asynchronously (the thread's, or the in-process one). */
export interface AsyncAnalyzer {
  analyze(text: string, options?: AnalyzeOptions): AnalysisResult | Promise<AnalysisResult>;
}

/** The bundled `analysis-worker.js` beside dist/vigil.js, else analysis-worker.ts through tsx's loader (Node 20 workers take no `--import`). */
function startWorker(config: VigilConfig): Worker {
  const bundled = new URL('./analysis-worker.js', import.meta.url);
  const workerData = { config };
  const resourceLimits = { maxOldGenerationSizeMb: 1024 };
  if (!import.meta.url.endsWith('.ts') && existsSync(bundled)) return new Worker(bundled, { workerData, resourceLimits });
  const source = new URL('./analysis-worker.ts', import.meta.url).href;
  const boot = `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(source)}); })`;
  return new Worker(boot, { eval: true, workerData, resourceLimits });
}

/**
 * Starts an analysis thread. Requests are answered in order; a failing analysis rejects with the
 * thread's error (name, message, code kept); a thread that dies rejects every pending and later
 * request.
 */
export function startAnalysisThread(config: VigilConfig): AsyncAnalyzer & { readonly failed: boolean; close(): Promise<void> } {
  const worker = startWorker(config);
  worker.unref();
  const pending = new Map<number, { resolve: (r: AnalysisResult) => void; reject: (e: Error) => void }>();
  let next = 0;
  let failed: Error | null = null;
  worker.on('message', ({ id, result, error }: { id: number; result?: AnalysisResult; error?: { message: string; name: string; code?: string } }) => {
    const p = pending.get(id);
    pending.delete(id);
    if (!p) return;
    if (error) p.reject(Object.assign(new Error(error.message), { name: error.name, code: error.code }));
    else p.resolve(result as AnalysisResult);
  });
  const fail = (err: Error) => {
    failed = new Error(`the analysis thread stopped: ${err.message}`, { cause: err });
    for (const p of pending.values()) p.reject(failed);
    pending.clear();
  };
  worker.on('error', fail);
  worker.on('exit', (code) => {
    if (!failed) fail(new Error(`exit code ${code}`));
  });
  return {
    get failed() {
      return failed !== null;
    },
    analyze(text, options) {
      if (failed) return Promise.reject(failed);
      const id = next++;
      return new Promise<AnalysisResult>((resolve, reject) => {
        pending.set(id, { resolve, reject });
        // Keep the process alive while an answer is awaited, not while the thread idles.
        worker.ref();
        worker.postMessage({ id, text, ...(options ? { options } : {}) });
      }).finally(() => {
        if (!pending.size) worker.unref();
      });
    },
    async close() {
      failed ??= new Error('the analysis thread was closed');
      await worker.terminate();
    },
  };
}

const threads = new Map<string, ReturnType<typeof startAnalysisThread>>();

/** The analysis thread of this configuration (model folder, warninglists, data folder), started once per process. */
export function sharedAnalysisThread(config: VigilConfig): AsyncAnalyzer {
  const key = `${config.nlp.modelDir}\0${config.nlp.warninglistsDir ?? ''}\0${config.dataDir}`;
  let thread = threads.get(key);
  if (!thread || thread.failed) {
    thread = startAnalysisThread(config);
    threads.set(key, thread);
  }
  return thread;
}
