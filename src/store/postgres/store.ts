/**
 * {@link Store} on PostgreSQL 15+: the same interface and guarantees as the SQLite store, each
 * write one transaction. The methods live with their tables (records.ts, epss.ts, kev.ts,
 * advisories.ts); this class binds them to one {@link PgDb}.
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
import * as advisories from './advisories.ts';
import { applyEpssDay } from './epss.ts';
import { applyKevCatalog } from './kev.ts';
import type { PgDb } from './pool.ts';
import * as records from './records.ts';

/** {@link Store} on PostgreSQL. Closing it does not close the pool (the caller owns {@link PgDb}). */
export class PgStore implements Store {
  constructor(readonly db: PgDb) {}

  loadForMerge(cveIds: string[]): Promise<Map<string, MergeState>> {
    return records.loadForMerge(this.db, cveIds);
  }
  saveVulnerabilities(writes: VulnWrite[]): Promise<void> {
    return records.saveVulnerabilities(this.db, writes);
  }
  applyEpssDay(day: EpssDay): Promise<EpssImportResult> {
    return applyEpssDay(this.db, day);
  }
  applyKevCatalog(catalog: KevCatalog): Promise<KevImportResult> {
    return applyKevCatalog(this.db, catalog);
  }
  getVulnerability(cveId: string): Promise<StoredVulnerability | null> {
    return records.getVulnerability(this.db, cveId);
  }
  rank(query: RankQuery): Promise<RankedVulnerability[]> {
    return records.rank(this.db, query);
  }
  countRanked(query: RankQuery): Promise<number> {
    return records.countRanked(this.db, query);
  }
  getSourceState(source: string): Promise<SourceState | null> {
    return records.getSourceState(this.db, source);
  }
  saveSourceState(state: SourceState): Promise<void> {
    return records.saveSourceState(this.db, state);
  }
  listSourceStates(): Promise<SourceState[]> {
    return records.listSourceStates(this.db);
  }
  newestLastModified(source: string): Promise<string | null> {
    return records.newestLastModified(this.db, source);
  }
  stats(): Promise<StoreStats> {
    return records.storeStats(this.db);
  }
  saveAdvisories(list: Advisory[]): Promise<AdvisorySaveResult> {
    return advisories.saveAdvisories(this.db, list);
  }
  getAdvisory(id: string): Promise<StoredAdvisory | null> {
    return advisories.getAdvisory(this.db, id);
  }
  listAdvisories(query: AdvisoryQuery): Promise<AdvisorySummary[]> {
    return advisories.listAdvisories(this.db, query);
  }
  countAdvisories(query: AdvisoryQuery): Promise<number> {
    return advisories.countAdvisories(this.db, query);
  }
  advisoriesForCve(cveId: string): Promise<AdvisoryLink[]> {
    return advisories.advisoriesForCve(this.db, cveId);
  }
  async close(): Promise<void> {}
}
