/**
 * Watchlist matching off the event loop: a worker thread (match-worker.ts) holds the compiled
 * entries and turns batches of stored records into preview matches, so a costly set of entries
 * (regexes over every CVE's text) never stops the API from answering other requests. A time
 * budget bounds the whole run: past it the worker is terminated (its memory goes with it) and
 * the caller gets `VIGIL_MATCH_TIMEOUT`. At most {@link MAX_MATCH_THREADS} run at once (the
 * others wait their turn, within their budget).
 */
import { existsSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import type { MergeOptions } from '../analysis/merge.ts';
import { VigilError } from '../errors.ts';
import type { WatchEntry } from '../model/alert.ts';
import type { StoredVulnerability } from '../store/types.ts';
import type { PreviewMatch } from './preview.ts';

/** Match workers running at once (the machines Vigil targets have two cores). */
export const MAX_MATCH_THREADS = 2;
/** Heap of one match worker, in MB: a runaway pattern set dies here, not in the server. */
const WORKER_HEAP_MB = 256;
/**
 * Time a worker may take to start and compile its entries, in ms. Kept apart from the caller's
 * budget, which counts matching only: from source (tsx) a worker takes seconds to load on a busy
 * machine, and that is not the cost of the entries.
 */
const WORKER_START_MS = 60_000;

/** What a match worker is started with. */
export interface MatchWorkerData {
  entries: WatchEntry[];
  merge: MergeOptions;
}
/** A batch sent to the worker, and its answer. */
export interface MatchRequest {
  id: number;
  records: StoredVulnerability[];
}
export interface MatchAnswer {
  /** -1 with `ready: true` once the worker has compiled its entries. */
  id: number;
  ready?: true;
  matches?: PreviewMatch[];
  error?: { name: string; message: string; stack?: string };
}

let running = 0;
const waiting: (() => void)[] = [];

function release(): void {
  running--;
  waiting.shift()?.();
}

/** Starts the bundled `match-worker.js` beside dist/vigil.js or, from source, match-worker.ts through tsx (as the store's worker). */
function startWorker(workerData: MatchWorkerData): Worker {
  const resourceLimits = { maxOldGenerationSizeMb: WORKER_HEAP_MB };
  const bundled = new URL('./match-worker.js', import.meta.url);
  if (!import.meta.url.endsWith('.ts') && existsSync(bundled)) return new Worker(bundled, { workerData, resourceLimits });
  const source = new URL('./match-worker.ts', import.meta.url).href;
  const boot = `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(source)}); })`;
  return new Worker(boot, { eval: true, workerData, resourceLimits });
}

/**
 * One matching run in a worker thread: {@link MatchThread.open}, {@link MatchThread.run} per
 * batch, {@link MatchThread.close} (always, in `finally`).
 * @example
 * const thread = await MatchThread.open(entries, merge, { budgetMs: 10_000 });
 * try { for (const batch of batches) matches.push(...(await thread.run(batch))); } finally { await thread.close(); }
 */
export class MatchThread {
  readonly #worker: Worker;
  #deadline: number;
  #started: { resolve: () => void; reject: (e: Error) => void } | null = null;
  readonly #budgetMs: number | undefined;
  #pending: { id: number; resolve: (m: PreviewMatch[]) => void; reject: (e: Error) => void } | null = null;
  #next = 0;
  #failed: Error | null = null;
  #closed = false;

  private constructor(data: MatchWorkerData, deadline: number, budgetMs: number | undefined) {
    this.#deadline = deadline;
    this.#budgetMs = budgetMs;
    this.#worker = startWorker(data);
    this.#worker.on('message', (answer: MatchAnswer) => {
      if (answer.ready) {
        this.#started?.resolve();
        this.#started = null;
        return;
      }
      const p = this.#pending;
      if (!p || p.id !== answer.id) return;
      this.#pending = null;
      if (answer.error) p.reject(Object.assign(new Error(answer.error.message), answer.error));
      else p.resolve(answer.matches ?? []);
    });
    this.#worker.on('error', (err) => this.#fail(new Error(`the match worker failed: ${err.message}`, { cause: err })));
    this.#worker.on('exit', (code) => {
      if (!this.#closed) this.#fail(new Error(`the match worker exited (code ${code})`));
    });
  }

  /**
   * Waits for a free slot (at most {@link MAX_MATCH_THREADS} run at once), then starts a worker
   * holding `entries` (validated: see validateEntry).
   * @param options.budgetMs time allowed for matching, in ms: first for a free slot, then from the
   *   worker's start (its loading is bounded apart, by WORKER_START_MS) until the last batch is
   *   answered; default unlimited (the CLI).
   * @throws VigilError `VIGIL_MATCH_TIMEOUT` when no slot frees within the budget.
   */
  static async open(entries: WatchEntry[], merge: MergeOptions, options: { budgetMs?: number } = {}): Promise<MatchThread> {
    const deadline = options.budgetMs === undefined ? Number.POSITIVE_INFINITY : Date.now() + options.budgetMs;
    if (running >= MAX_MATCH_THREADS) {
      let timer: NodeJS.Timeout | undefined;
      let turn: (() => void) | undefined;
      const got = await new Promise<boolean>((resolve) => {
        turn = () => resolve(true);
        waiting.push(turn);
        if (Number.isFinite(deadline)) timer = setTimeout(() => resolve(false), deadline - Date.now());
      });
      clearTimeout(timer);
      if (!got) {
        waiting.splice(waiting.indexOf(turn as () => void), 1);
        throw timeoutError(options.budgetMs, `${MAX_MATCH_THREADS} other matches were running`);
      }
    }
    running++;
    let thread: MatchThread;
    try {
      thread = new MatchThread({ entries, merge }, deadline, options.budgetMs);
    } catch (err) {
      release();
      throw err;
    }
    await thread.#start();
    // The budget counts matching, not the worker's start (see WORKER_START_MS).
    if (options.budgetMs !== undefined) thread.#deadline = Date.now() + options.budgetMs;
    return thread;
  }

  /** Resolves once the worker has compiled its entries; fails (and closes) after WORKER_START_MS or when it dies. */
  #start(): Promise<void> {
    if (this.#failed) {
      void this.close();
      return Promise.reject(this.#failed);
    }
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => this.#fail(new Error(`the match worker did not start within ${WORKER_START_MS / 1000} s`)), WORKER_START_MS);
      this.#started = {
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      };
    });
  }

  /**
   * The preview matches of `records` (one batch at a time).
   * @throws VigilError `VIGIL_MATCH_TIMEOUT` past the budget (the worker is then terminated);
   *   Error when the worker failed (out of its heap, a bug), with the cause.
   */
  run(records: StoredVulnerability[]): Promise<PreviewMatch[]> {
    if (this.#failed) return Promise.reject(this.#failed);
    if (this.#pending) return Promise.reject(new Error('MatchThread.run: one batch at a time'));
    const remaining = this.#deadline - Date.now();
    if (remaining <= 0) return Promise.reject(this.#timeout());
    const id = this.#next++;
    return new Promise<PreviewMatch[]>((resolve, reject) => {
      const timer = Number.isFinite(remaining) ? setTimeout(() => this.#fail(this.#timeout()), remaining) : undefined;
      this.#pending = {
        id,
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      };
      this.#worker.postMessage({ id, records } satisfies MatchRequest);
    });
  }

  /** Stops the worker and frees its slot. Safe to call more than once. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    release();
    await this.#worker.terminate();
  }

  #timeout(): VigilError {
    return timeoutError(this.#budgetMs, 'the entries are too costly to match in time (regex entries usually are): use fewer or simpler ones');
  }

  #fail(err: Error): void {
    this.#failed ??= err;
    this.#started?.reject(this.#failed);
    this.#started = null;
    const p = this.#pending;
    this.#pending = null;
    p?.reject(this.#failed);
    if (!this.#closed) void this.close();
  }
}

function timeoutError(budgetMs: number | undefined, why: string): VigilError {
  return new VigilError('VIGIL_MATCH_TIMEOUT', [((budgetMs ?? 0) / 1000).toFixed(1).replace(/\.0$/, ''), why]);
}
