/**
 * The SQLite store with its connection in a worker thread, for imports and syncs: the caller's
 * thread parses and merges the next batch while the worker writes the previous one, so the two
 * cores both work. Same interface and guarantees as {@link SqliteStore}; requests run in the
 * order they are sent.
 */
import { existsSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import type { IntelStore } from '../../intel/types.ts';
import type { IocStore } from '../../iocs/types.ts';
import type { Advisory, AdvisoryLink, AdvisorySummary } from '../../model/advisory.ts';
import type { RankedVulnerability } from '../../model/record.ts';
import type { EpssDay, KevCatalog } from '../../model/vulnerability.ts';
import type {
  AdvisoryQuery,
  AdvisorySaveResult,
  EpssImportResult,
  KevImportResult,
  MergeState,
  RankQuery,
  SourceState,
  Store,
  StoredAdvisory,
  StoredVulnerability,
  StoreStats,
  VulnWrite,
} from '../types.ts';
import { toAdvisoryRows } from './advisories.ts';
import { mergeStates } from './index.ts';
import { INTEL_METHODS } from './intel.ts';
import { IOC_METHODS } from './iocs.ts';
import { type PackedEpssDay, toRows } from './rows.ts';

function packEpssDay(day: EpssDay): PackedEpssDay {
  return {
    date: day.date,
    modelVersion: day.modelVersion,
    ids: day.scores.map((s) => s.cveId).join('\n'),
    epss: Float64Array.from(day.scores, (s) => s.epss),
    percentile: Float64Array.from(day.scores, (s) => s.percentile),
  };
}

/** Options of {@link ThreadedSqliteStore}. */
export interface ThreadedStoreOptions {
  /**
   * Open the file read-only (a reader of sqlite/readers.ts): no migration, and every write rejects
   * with SQLite's `SQLITE_READONLY`. The file must exist (created by a writer first).
   */
  readonly?: boolean;
}

/**
 * Starts the worker: the bundled `store-worker.js` beside dist/vigil.js, or, when running from
 * source (tests, `tsx`), worker.ts through tsx's loader (Node 20 workers do not take `--import`).
 */
function startWorker(file: string, options: ThreadedStoreOptions): Worker {
  const bundled = new URL('./store-worker.js', import.meta.url);
  // A bounded heap makes V8 collect before it grows: an EPSS day leaves ~100 MB of garbage. A
  // reader holds one query's rows at a time.
  const resourceLimits = { maxOldGenerationSizeMb: options.readonly ? 128 : 256 };
  const workerData = { file, readonly: options.readonly ?? false };
  if (!import.meta.url.endsWith('.ts') && existsSync(bundled)) return new Worker(bundled, { workerData, resourceLimits });
  const source = new URL('./worker.ts', import.meta.url).href;
  const boot = `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(source)}); })`;
  return new Worker(boot, { eval: true, workerData, resourceLimits });
}

/** {@link Store} on SQLite, run in a worker thread. */
export class ThreadedSqliteStore implements Store {
  readonly #worker: Worker;
  readonly #pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  #next = 0;
  #failed: Error | null = null;

  constructor(file: string, options: ThreadedStoreOptions = {}) {
    this.#worker = startWorker(file, options);
    this.#worker.on(
      'message',
      ({ id, result, error }: { id: number; result?: unknown; error?: { message: string; name: string; code?: string; stack?: string } }) => {
        const p = this.#pending.get(id);
        this.#pending.delete(id);
        if (!p) return;
        if (error) p.reject(Object.assign(new Error(error.message), { name: error.name, code: error.code, stack: error.stack }));
        else p.resolve(result);
      },
    );
    this.#worker.on('error', (err) => this.#fail(err));
    this.#worker.on('exit', (code) => {
      if (this.#pending.size) this.#fail(new Error(`store worker exited (code ${code}) with ${this.#pending.size} request(s) pending`));
    });
  }

  /** Requests sent and not answered yet (the reader pool sends each request to the least busy). */
  get pending(): number {
    return this.#pending.size;
  }

  #fail(err: Error): void {
    this.#failed = err;
    for (const p of this.#pending.values()) p.reject(err);
    this.#pending.clear();
  }

  #call<T>(method: string, ...args: unknown[]): Promise<T> {
    return this.#send(method, args, []);
  }

  #send<T>(method: string, args: unknown[], transfer: ArrayBuffer[]): Promise<T> {
    if (this.#failed) return Promise.reject(this.#failed);
    const id = this.#next++;
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.#worker.postMessage({ id, method, args }, transfer);
    });
  }

  async loadForMerge(cveIds: string[]): Promise<Map<string, MergeState>> {
    return mergeStates(await this.#call('loadObservationRows', cveIds));
  }
  saveVulnerabilities(writes: VulnWrite[]): Promise<void> {
    return this.#call('writeRows', toRows(writes));
  }
  /** Sends the day packed (ids as one string, scores as transferred arrays): cloning 360k objects would double its memory. */
  applyEpssDay(day: EpssDay): Promise<EpssImportResult> {
    const packed = packEpssDay(day);
    return this.#send('applyEpssDayPacked', [packed], [packed.epss.buffer as ArrayBuffer, packed.percentile.buffer as ArrayBuffer]);
  }
  applyKevCatalog(catalog: KevCatalog): Promise<KevImportResult> {
    return this.#call('applyKevCatalog', catalog);
  }
  getVulnerability(cveId: string): Promise<StoredVulnerability | null> {
    return this.#call('getVulnerability', cveId);
  }
  rank(query: RankQuery): Promise<RankedVulnerability[]> {
    return this.#call('rank', query);
  }
  countRanked(query: RankQuery): Promise<number> {
    return this.#call('countRanked', query);
  }
  getSourceState(source: string): Promise<SourceState | null> {
    return this.#call('getSourceState', source);
  }
  saveSourceState(state: SourceState): Promise<void> {
    return this.#call('saveSourceState', state);
  }
  listSourceStates(): Promise<SourceState[]> {
    return this.#call('listSourceStates');
  }
  newestLastModified(source: string): Promise<string | null> {
    return this.#call('newestLastModified', source);
  }
  stats(): Promise<StoreStats> {
    return this.#call('stats');
  }
  /** Flattens and hashes the batch here, so that the worker only writes. */
  saveAdvisories(advisories: Advisory[]): Promise<AdvisorySaveResult> {
    return this.#call('writeAdvisoryRows', toAdvisoryRows(advisories));
  }
  getAdvisory(id: string): Promise<StoredAdvisory | null> {
    return this.#call('getAdvisory', id);
  }
  listAdvisories(query: AdvisoryQuery): Promise<AdvisorySummary[]> {
    return this.#call('listAdvisories', query);
  }
  countAdvisories(query: AdvisoryQuery): Promise<number> {
    return this.#call('countAdvisories', query);
  }
  advisoriesForCve(cveId: string): Promise<AdvisoryLink[]> {
    return this.#call('advisoriesForCve', cveId);
  }
  /** Calls an {@link IntelStore} method in the worker (ThreadedIntelStore). */
  callIntel<T>(method: (typeof INTEL_METHODS)[number], args: unknown[]): Promise<T> {
    return this.#call(`intel.${method}`, ...args);
  }
  /** Calls an {@link IocStore} method in the worker (threadedIocStore). */
  callIocs<T>(method: (typeof IOC_METHODS)[number], args: unknown[]): Promise<T> {
    return this.#call(`iocs.${method}`, ...args);
  }
  async close(): Promise<void> {
    if (!this.#failed) await this.#call('close');
    await this.#worker.terminate();
  }
}

/**
 * The {@link IntelStore} of a store worker thread: intel collection in `vigil serve` writes (and
 * indexes the full text of) its documents there, not on the thread serving the API.
 */
export function threadedIntelStore(store: ThreadedSqliteStore): IntelStore {
  return Object.fromEntries(INTEL_METHODS.map((m) => [m, (...args: unknown[]) => store.callIntel(m, args)])) as unknown as IntelStore;
}

/** The {@link IocStore} of a store worker thread: the indicators of collected documents are written there, beside the documents. */
export function threadedIocStore(store: ThreadedSqliteStore): IocStore {
  return Object.fromEntries(IOC_METHODS.map((m) => [m, (...args: unknown[]) => store.callIocs(m, args)])) as unknown as IocStore;
}
