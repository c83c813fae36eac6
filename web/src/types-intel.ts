/**
 * Threat-intel shapes as the dashboard reads them (issue 13): the collected documents
 * (`GET /api/v1/intel`, `/api/v1/intel/{id}`) and the sources an analyst defines
 * (`/api/v1/scraping/sources`). The model types are re-exported type-only from src/intel/types.ts
 * (erased from the bundle); the answers that wrap them are defined here. Times are ISO 8601 UTC.
 */
import type { IntelDocument, IntelSource, IntelSummary, PageSelectors } from '../../src/intel/types.ts';

export type {
  FetchArticles,
  IntelChange,
  IntelDocument,
  IntelSource,
  IntelSourceKind,
  IntelSummary,
  PageSelectors,
  RobotsPolicy,
  StoredIntelDocument,
} from '../../src/intel/types.ts';

/** `GET /api/v1/intel`: a page of documents, newest first. */
export interface IntelPage {
  items: IntelSummary[];
  total: number;
  nextCursor: string | null;
}

/** A source in `GET /api/v1/scraping/sources`, with its collection state. */
export interface IntelSourceRow extends IntelSource {
  /** Documents stored from it. */
  documents: number;
  /** Fetch time of its newest stored document. */
  lastFetched: string | null;
  lastAttempt: string | null;
  lastSuccess: string | null;
  lastError: string | null;
}

/** `GET /api/v1/scraping/sources`. */
export interface IntelSourceList {
  sources: IntelSourceRow[];
}

/**
 * What a collection or a test did (`CollectReport` of src/intel/collect.ts). A test stores nothing
 * and answers the documents it would store in `preview` (each text cut to 2,000 characters).
 */
export interface CollectReport {
  source: string;
  /** HTTP requests made (robots.txt not counted). */
  requests: number;
  /** Conditional GETs answered 304. */
  notModified: number;
  /** Documents extracted (stored, or previewed). */
  documents: number;
  created: number;
  changed: number;
  unchanged: number;
  /** Items or pages left out on purpose: too short, robots.txt, no link, already fetched. */
  skipped: { url: string; reason: string }[];
  /** Items or pages that failed; the rest went on. */
  errors: { url: string; code: string; message: string }[];
  /** A test's documents: `text` cut to 2,000 characters, `textLength` the whole text's. */
  preview?: PreviewDocument[];
}

/** A document a test would store, its text cut (`textLength`: characters of the whole text). */
export interface PreviewDocument extends IntelDocument {
  textLength: number;
}

/**
 * `POST /api/v1/scraping/sources/{name}/collect`: the report, or the error that stopped the
 * collection (also kept as the source's `lastError`).
 */
export interface CollectAnswer {
  source: string;
  report: CollectReport | null;
  error: { code: string; message: string } | null;
}

/**
 * The body of `POST /api/v1/scraping/sources` (and of `…/sources/test`): what the add form sends.
 * Fields left out take the server's defaults.
 */
export interface IntelSourceInput {
  name: string;
  kind: 'feed' | 'page';
  url: string;
  enabled?: boolean;
  /** Seconds between two collections (at least 300). */
  intervalSeconds?: number;
  /** `none`, `tor`, or `socks5h://host:port`. */
  proxy?: string;
  headers?: Record<string, string>;
  minDelaySeconds?: number | null;
  robots?: 'obey' | 'ignore';
  fetchArticles?: 'auto' | 'always' | 'never';
  selectors?: PageSelectors;
  /** RE2 regular expression an absolute link must match to be followed. */
  follow?: string | null;
  maxPages?: number;
  maxDepth?: number;
  minContentLength?: number;
  tags?: string[];
}
