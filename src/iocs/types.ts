/**
 * The IOC store (issue 14): every indicator found in a stored document, with when and where it was
 * seen. One row per indicator (`type` + normalised `value`), one sighting per (indicator,
 * document): analysing a document again changes nothing (idempotent); a document that changed
 * replaces its sightings. Look-up results (VirusTotal) are cached here too.
 *
 * Dates are ISO 8601 UTC strings with milliseconds.
 */
import type { AnalysisResult, Ioc, IocType, WarninglistHit } from '../nlp/types.ts';

/** FIRST TLP 2.0 labels (https://www.first.org/tlp/), lowercase. Public sources default to `clear`. */
export type Tlp = 'clear' | 'green' | 'amber' | 'amber+strict' | 'red';

/** An indicator as stored, with its sightings summarised. */
export interface StoredIoc {
  type: IocType;
  value: string;
  /** First and last `seen` of its sightings (the document's published date, else fetched). */
  firstSeen: string;
  lastSeen: string;
  /** Number of documents it was seen in. */
  sightings: number;
  /** Intel source names it was seen in, sorted. */
  sources: string[];
  /** CVE ids named in the documents it was seen in (at most 50, sorted). */
  cves: string[];
  /** The warninglist it is on (as of its last sighting), or null. */
  warning: WarninglistHit | null;
  /** The most restrictive TLP of its sightings. */
  tlp: Tlp;
}

/** One sighting: an indicator in one document. */
export interface IocSighting {
  documentId: string;
  source: string;
  title: string | null;
  url: string | null;
  seen: string;
  /** How the document wrote it (`hxxp://evil[.]com`). */
  original: string;
  tlp: Tlp;
}

/** What a document's analysis contributes to the store. */
export interface DocumentIocs {
  documentId: string;
  source: string;
  /** The document's published date, else its fetched date. */
  seen: string;
  tlp: Tlp;
  iocs: Ioc[];
  cves: string[];
}

/** Filters of {@link IocStore.listIocs}. `cursor` is opaque (from the previous page). */
export interface IocQuery {
  type?: IocType;
  /** Substring of the value (case-insensitive). */
  q?: string;
  /** Last seen on or after (ISO date or date-time). */
  since?: string;
  source?: string;
  /** true: only warninglisted; false: only not warninglisted; undefined: both. */
  warning?: boolean;
  /** 1–1000, default 100. */
  limit?: number;
  cursor?: string;
}

/** A page of indicators, last seen newest first; `nextCursor` null on the last page. */
export interface IocPage {
  items: StoredIoc[];
  nextCursor: string | null;
}

/** A cached look-up result (VirusTotal API v3 object), keyed by provider, type and value. */
export interface CachedLookup {
  provider: string;
  type: IocType;
  value: string;
  fetched: string;
  /** The provider's answer, as received (JSON), or null for "not found" (VirusTotal 404 NotFoundError). */
  body: unknown;
}

/**
 * The store's IOC half, on SQLite and PostgreSQL alike (`Stores.iocs`).
 */
export interface IocStore {
  /**
   * Replaces the sightings of one document by those given (idempotent: the same input twice
   * changes nothing; an indicator no longer in a changed document loses that sighting).
   * @returns indicators seen for the first time, and sightings added (an indicator seen again in a new document).
   */
  saveDocumentIocs(doc: DocumentIocs): Promise<{ newIocs: number; newSightings: number }>;
  listIocs(query: IocQuery): Promise<IocPage>;
  countIocs(query: Omit<IocQuery, 'limit' | 'cursor'>): Promise<number>;
  getIoc(type: IocType, value: string): Promise<StoredIoc | null>;
  /** Sightings of one indicator, newest first (at most `limit`, default 100). */
  sightings(type: IocType, value: string, limit?: number): Promise<IocSighting[]>;
  /** Indicators seen in one document. */
  iocsOfDocument(documentId: string): Promise<StoredIoc[]>;
  /**
   * Sightings added after row `afterId`, oldest first (at most `limit`): the alert engine's `ioc`
   * feed (a watched indicator sighted again), read with its own cursor.
   */
  sightingsSince(afterId: number, limit: number): Promise<(IocSighting & { id: number; type: IocType; value: string })[]>;
  /** Id of the newest sighting row, 0 when none (the alert engine's baseline). */
  lastSightingId(): Promise<number>;
  /** Keeps a document's whole analysis (entities, techniques, labels, model stamps) for its page: replaces the previous one. */
  saveDocumentAnalysis(documentId: string, analysis: AnalysisResult, analysed: string): Promise<void>;
  getDocumentAnalysis(documentId: string): Promise<{ analysis: AnalysisResult; analysed: string } | null>;
  /** Ids of stored intel documents without an analysis (oldest first, at most `limit`): `vigil iocs reanalyse`, the daemon's catch-up. */
  documentsWithoutAnalysis(limit: number): Promise<string[]>;
  getLookup(provider: string, type: IocType, value: string): Promise<CachedLookup | null>;
  saveLookup(lookup: CachedLookup): Promise<void>;
}
