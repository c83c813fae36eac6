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
import type { VendorProductsProvider } from '../nlp/context.ts';
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

/** The thread's question for the store's vendors and products (analysis-worker.ts), and its answer. */
export interface VendorProductsRequest {
  type: 'vendorProducts';
  req: number;
}

/** An analysis thread; `vendorProducts` answers the thread's catalog questions (set or replaced at any time). */
export type AnalysisThread = AsyncAnalyzer & { readonly failed: boolean; vendorProducts: VendorProductsProvider | null; close(): Promise<void> };

/**
 * Starts an analysis thread. Requests are answered in order; a failing analysis rejects with the
 * thread's error (name, message, code kept); a thread that dies rejects every pending and later
 * request. The thread's entity gazetteer asks this side for the store's vendors and products
 * (`vendorProducts`; none without it).
 */
export function startAnalysisThread(config: VigilConfig, vendorProducts: VendorProductsProvider | null = null): AnalysisThread {
  const worker = startWorker(config);
  worker.unref();
  const pending = new Map<number, { resolve: (r: AnalysisResult) => void; reject: (e: Error) => void }>();
  let next = 0;
  let failed: Error | null = null;
  const thread: AnalysisThread = {
    vendorProducts,
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
  worker.on('message', (message: VendorProductsRequest | { id: number; result?: AnalysisResult; error?: { message: string; name: string; code?: string } }) => {
    if ('type' in message) {
      const ask = thread.vendorProducts;
      (ask ? ask() : Promise.resolve(null)).then(
        (catalog) => worker.postMessage({ type: 'vendorProducts', req: message.req, catalog }),
        () => worker.postMessage({ type: 'vendorProducts', req: message.req, catalog: null }),
      );
      return;
    }
    const { id, result, error } = message;
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
  return thread;
}

const threads = new Map<string, AnalysisThread>();

/**
 * The analysis thread of this configuration (model folder, warninglists, data folder), started
 * once per process; `vendorProducts` (the store's catalog) is kept for the thread when given.
 */
export function sharedAnalysisThread(config: VigilConfig, vendorProducts?: VendorProductsProvider): AsyncAnalyzer {
  const key = `${config.nlp.modelDir}\0${config.nlp.warninglistsDir ?? ''}\0${config.dataDir}`;
  let thread = threads.get(key);
  if (!thread || thread.failed) {
    thread = startAnalysisThread(config, vendorProducts ?? null);
    threads.set(key, thread);
  } else if (vendorProducts) thread.vendorProducts = vendorProducts;
  return thread;
}
