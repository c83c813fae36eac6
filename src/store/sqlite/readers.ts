/**
 * A pool of read-only SQLite connections, each in its own worker thread, for the API under load.
 * better-sqlite3 is synchronous: on one thread, a 20 ms full-text search blocks every other request
 * for 20 ms, and concurrent searches queue behind each other (bench/NOTES.md, part 4). With the hot
 * reads on readers, the server's thread only routes and serializes while the queries run on other
 * cores. SQLite's WAL mode lets readers run beside the one writer: each query sees the last commit
 * made before it started (https://www.sqlite.org/wal.html, "Concurrency"), so a write made on the
 * caller's connection is seen by every read sent after it returned.
 */
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
import { ThreadedSqliteStore } from './threaded.ts';

/** Read-only connections in worker threads, each request sent to the least busy one. */
export class SqliteReaderPool {
  readonly #readers: ThreadedSqliteStore[];

  /**
   * Starts `size` readers on `file`, which must exist and be migrated (open it for writing first).
   * @throws {RangeError} when `size` is not a whole number from 1 to 64, or `file` is `:memory:`
   *   (an in-memory database is private to its connection).
   */
  constructor(file: string, size: number) {
    if (!Number.isInteger(size) || size < 1 || size > 64) throw new RangeError(`readers must be a whole number from 1 to 64, not ${size}`);
    if (file === ':memory:' || file === '') throw new RangeError('an in-memory SQLite database cannot have readers');
    this.#readers = Array.from({ length: size }, () => new ThreadedSqliteStore(file, { readonly: true }));
  }

  /** Number of readers. */
  get size(): number {
    return this.#readers.length;
  }

  /** The reader with the fewest requests in flight (the first of them on a tie). */
  reader(): Store {
    let best = this.#readers[0] as ThreadedSqliteStore;
    for (const r of this.#readers) if (r.pending < best.pending) best = r;
    return best;
  }

  /** Stops every reader (requests in flight finish first). */
  async close(): Promise<void> {
    await Promise.all(this.#readers.map((r) => r.close()));
  }
}

/**
 * A {@link Store} whose hot reads (`getVulnerability`, `rank`, `countRanked`, the advisory reads)
 * run on a {@link SqliteReaderPool}; writes, source states and `stats` stay on `primary` (the
 * caller's connection). Same results as `primary` alone: the readers see every commit made before
 * a request is sent.
 */
export class PooledSqliteStore implements Store {
  constructor(
    private readonly primary: Store,
    private readonly pool: SqliteReaderPool,
  ) {}

  getVulnerability(cveId: string): Promise<StoredVulnerability | null> {
    return this.pool.reader().getVulnerability(cveId);
  }
  rank(query: RankQuery): Promise<RankedVulnerability[]> {
    return this.pool.reader().rank(query);
  }
  countRanked(query: RankQuery): Promise<number> {
    return this.pool.reader().countRanked(query);
  }
  getAdvisory(id: string): Promise<StoredAdvisory | null> {
    return this.pool.reader().getAdvisory(id);
  }
  listAdvisories(query: AdvisoryQuery): Promise<AdvisorySummary[]> {
    return this.pool.reader().listAdvisories(query);
  }
  countAdvisories(query: AdvisoryQuery): Promise<number> {
    return this.pool.reader().countAdvisories(query);
  }
  advisoriesForCve(cveId: string): Promise<AdvisoryLink[]> {
    return this.pool.reader().advisoriesForCve(cveId);
  }

  loadForMerge(cveIds: string[]): Promise<Map<string, MergeState>> {
    return this.primary.loadForMerge(cveIds);
  }
  saveVulnerabilities(writes: VulnWrite[]): Promise<void> {
    return this.primary.saveVulnerabilities(writes);
  }
  applyEpssDay(day: EpssDay): Promise<EpssImportResult> {
    return this.primary.applyEpssDay(day);
  }
  applyKevCatalog(catalog: KevCatalog): Promise<KevImportResult> {
    return this.primary.applyKevCatalog(catalog);
  }
  getSourceState(source: string): Promise<SourceState | null> {
    return this.primary.getSourceState(source);
  }
  saveSourceState(state: SourceState): Promise<void> {
    return this.primary.saveSourceState(state);
  }
  listSourceStates(): Promise<SourceState[]> {
    return this.primary.listSourceStates();
  }
  newestLastModified(source: string): Promise<string | null> {
    return this.primary.newestLastModified(source);
  }
  stats(): Promise<StoreStats> {
    return this.primary.stats();
  }
  saveAdvisories(advisories: Advisory[]): Promise<AdvisorySaveResult> {
    return this.primary.saveAdvisories(advisories);
  }
  /** Stops the readers; `primary` is closed by its owner. */
  close(): Promise<void> {
    return this.pool.close();
  }
}
