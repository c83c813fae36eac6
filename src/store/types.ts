/**
 * The store interface. The embedded SQLite back end (`sqlite/`) implements it today; a
 * PostgreSQL back end will implement the same interface without touching callers. Every method
 * is async for that reason, and every write is idempotent and atomic: re-running an import changes
 * nothing, and an import killed at any point leaves the last complete batch stored.
 */
import type { Advisory, AdvisoryChange, AdvisoryKind, AdvisoryLink, AdvisorySummary } from '../model/advisory.ts';
import type { Change, RankedVulnerability, Vulnerability } from '../model/record.ts';

import type { EpssDay, KevCatalog, KevEntry, KevHint, RecordSourceId, VulnObservation } from '../model/vulnerability.ts';

/**
 * What the store holds of one CVE before a merge: the stored observation per feed, with the hash
 * of its canonical JSON. The merged record itself is not stored: it is a pure function of these
 * (analysis/merge.ts), recomputed when needed, so it can never disagree with its inputs.
 */
export interface MergeState {
  observations: Map<RecordSourceId, { observation: VulnObservation; hash: string }>;
}

/** One merged CVE to write, with the observation that caused it. */
export interface VulnWrite {
  observation: VulnObservation;
  /** The observation's canonical JSON, as stored. */
  json: string;
  /** Hash of {@link json} (see pipeline.ts). */
  hash: string;
  /** The CVE was not stored before (nothing to replace). */
  isNew: boolean;
  /** The merged record, for the columns that filter and rank and for the full-text index. */
  vulnerability: Vulnerability;
  kevHint: KevHint | null;
  changes: Change[];
  /**
   * What the merge was computed from: the hash of every other feed's observation of the CVE as
   * loaded (feed id → hash; `{}` when it had none). The store refuses the batch with
   * VIGIL_MERGE_CONFLICT when it holds something else by the time it writes — another process
   * stored an observation meanwhile (two workers syncing NVD and CVE 5 at once), and writing this
   * merge would drop it from the record. Absent: not checked.
   */
  basis?: Record<string, string>;
}

/** Result of storing one EPSS day. */
export interface EpssImportResult {
  date: string;
  rows: number;
  /** History rows written (CVEs whose score changed, or first seen). */
  changed: number;
  /** The day was already stored: nothing was written. */
  alreadyStored: boolean;
}

/** Result of storing one KEV catalog version. */
export interface KevImportResult {
  catalogVersion: string;
  entries: number;
  /** CVE ids new to the catalog since the previously stored version (none for the first catalog stored). */
  added: string[];
  /** CVE ids whose entry changed (due date, ransomware use, …). */
  updated: string[];
  /** CVE ids no longer in the catalog (only when this is the newest version). */
  removed: string[];
  alreadyStored: boolean;
}

/** Filters and order of a ranked list (`vigil top`, `vigil search`, `GET /api/v1/cves`). */
export interface RankQuery {
  /** Full-text query (words are ANDed; no query syntax is interpreted). */
  text?: string;
  kev?: boolean;
  /** Only CVEs with at least one public exploit (stored `kind: 'exploit'` advisories listing them). */
  exploit?: boolean;
  /** Minimum EPSS probability, 0–1. */
  minEpss?: number;
  /** Minimum CVSS base score of the primary assessment, 0–10. */
  minCvss?: number;
  /** Vendor name or prefix, matched on its normalised key. */
  vendor?: string;
  product?: string;
  /** Published on or after this date (`YYYY-MM-DD` or ISO 8601). */
  since?: string;
  /** Include REJECTED CVEs (default false). */
  includeRejected?: boolean;
  /**
   * `priority` (default), `relevance` (full-text rank; needs `text`), or, for keyset pages only,
   * `published`, `epss` or `cvss` (highest first).
   */
  sort?: 'priority' | 'relevance' | 'published' | 'epss' | 'cvss';
  limit?: number;
  /**
   * Keyset paging (the API): order by the sort key then CVE id, so that a page can continue
   * after the last row of the previous one. Without it the ranked list breaks priority ties by
   * EPSS, CVSS and date (`vigil top`).
   */
  keyset?: boolean;
  /** Continue after this row: its sort-key value and CVE id ({@link sortValue}). */
  after?: { value: number | string | null; id: string };
  /** Rows to skip (relevance order only, which has no stable key). */
  offset?: number;
}

/** Result of storing a batch of advisories. */
export interface AdvisorySaveResult {
  /** Advisories not stored before. */
  created: number;
  /** Stored advisories replaced by a newer `modified` with different content. */
  changed: number;
  /** Identical to what is stored (nothing written). */
  unchanged: number;
  /** Older than what is stored (`modified`), skipped. */
  stale: number;
  /** The changes written (history rows), for `advisory`/`exploit` alert events. */
  changes: AdvisoryChange[];
}

/** Filters of an advisory list (`vigil advisories list`, `GET /api/v1/advisories`, `/exploits`). */
export interface AdvisoryQuery {
  /** Vigil source id (`certfr`, `osv`, …). */
  source?: string;
  kind?: AdvisoryKind;
  /** Only advisories naming this CVE. */
  cve?: string;
  /** Vendor name (case-insensitive, matched on the affected entries' vendor or product, or the title). */
  vendor?: string;
  /** Words searched in id, title and summary (ANDed). */
  text?: string;
  /** Published (or, without a date, modified) on or after this date (`YYYY-MM-DD` or ISO 8601). */
  since?: string;
  /** Page size: default 50, at most 500. The order is newest first: `published ?? modified` descending, then id descending. */
  limit?: number;
  /** Continue after this row (keyset paging): its `published ?? modified` and id. */
  after?: { published: string; id: string };
}

/** One stored advisory with what the store knows of it. */
export interface StoredAdvisory {
  advisory: Advisory;
  /** ISO 8601: when this store first stored it. */
  firstSeen: string;
  /** History, oldest first. */
  history: AdvisoryChange[];
}

/** Sync state of one source, for `vigil status`. */
export interface SourceState {
  source: string;
  cursor: string | null;
  /** ISO 8601 of the last successful sync or import. */
  lastSuccess: string | null;
  lastAttempt: string | null;
  lastError: string | null;
  /** Records stored by the last run. */
  lastCount: number | null;
}

/** Everything stored about one CVE, for views. */
export interface StoredVulnerability {
  /** Every feed's observation of the CVE (merge them for the record). */
  observations: VulnObservation[];
  kev: KevEntry | null;
  kevHint: KevHint | null;
  epss: { score: number; percentile: number; date: string } | null;
  epssHistory: { date: string; score: number; percentile: number }[];
  history: Change[];
  /** The stored priority score (generated from the columns). */
  priority: number;
  /** Public exploits naming the CVE (the priority's exploit factor; analysis/priority.ts `exploits`). Default 0. */
  exploits?: number;
  /** The CVE id (the store always sets it; views of hand-made values fall back to the observations'). */
  cveId?: string;
  /**
   * A CVE record (CVE 5 or NVD) is stored; false for a CVE known only from KEV and/or EPSS so far
   * (`observations` is empty: the view is built from the KEV entry and EPSS; store/sqlite/known.ts).
   * Default true.
   */
  hasRecord?: boolean;
  /** No EPSS score yet and new enough to be ranked with the prior (analysis/priority.ts AWAITING_EPSS). Default false. */
  awaitingEpss?: boolean;
  /** ISO 8601: the record's newest lastModified; for a CVE without a record, when a source first named it. */
  lastModified?: string;
}

/** Store sizes. */
export interface StoreStats {
  /** CVEs with a record (CVE 5 or NVD). */
  vulnerabilities: number;
  /** CVEs known only from KEV and/or EPSS so far (no record imported yet). */
  knownWithoutRecord: number;
  observations: number;
  epssScores: number;
  epssDays: string[];
  kevEntries: number;
  kevCatalogVersion: string | null;
  changes: number;
  /** Advisories stored, per kind (`package`, `bulletin`, `exploit`, …). */
  advisories?: Record<string, number>;
  /** Database size on disk in bytes, when known. */
  bytes: number | null;
}

/** The store. */
export interface Store {
  /** Loads what is stored of these CVEs (missing ids are absent from the map). */
  loadForMerge(cveIds: string[]): Promise<Map<string, MergeState>>;
  /** Writes merged records with their observations and changes, atomically. */
  saveVulnerabilities(writes: VulnWrite[]): Promise<void>;
  /** Stores one EPSS day (history rows only where the score changed) and updates the records. */
  applyEpssDay(day: EpssDay): Promise<EpssImportResult>;
  /** Stores one KEV catalog version, records KEV changes as history and updates the records. */
  applyKevCatalog(catalog: KevCatalog): Promise<KevImportResult>;
  getVulnerability(cveId: string): Promise<StoredVulnerability | null>;
  rank(query: RankQuery): Promise<RankedVulnerability[]>;
  /** How many CVEs match the filters of `query` (its order, page and limit ignored): the list's total. */
  countRanked(query: RankQuery): Promise<number>;
  getSourceState(source: string): Promise<SourceState | null>;
  saveSourceState(state: SourceState): Promise<void>;
  listSourceStates(): Promise<SourceState[]>;
  /** ISO 8601: the newest `lastModified` among one feed's stored observations (`nvd`, `cve5`), or `null` when it has none. */
  newestLastModified(source: string): Promise<string | null>;
  stats(): Promise<StoreStats>;
  /**
   * Stores advisories (idempotent: same content → unchanged; older `modified` → stale; key is the
   * advisory id) with their CVE links and change history, atomically per batch, and updates the
   * public-exploit count of the CVEs that `kind: 'exploit'` advisories name (priority factor).
   */
  saveAdvisories(advisories: Advisory[]): Promise<AdvisorySaveResult>;
  getAdvisory(id: string): Promise<StoredAdvisory | null>;
  /** Advisories matching the filters, newest first. */
  listAdvisories(query: AdvisoryQuery): Promise<AdvisorySummary[]>;
  /** How many advisories match the filters of `query` (paging ignored). */
  countAdvisories(query: AdvisoryQuery): Promise<number>;
  /** Advisories (all kinds, exploits included) naming one CVE, newest first. */
  advisoriesForCve(cveId: string): Promise<AdvisoryLink[]>;
  close(): Promise<void>;
}
