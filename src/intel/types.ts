/**
 * Threat-intel collection model (issue 13): the sources an analyst defines, the documents collected
 * from them, and the store that keeps both on either back end. Analysis of the text (IOCs,
 * entities, ATT&CK techniques) builds on {@link IntelDocument} later; here documents arrive clean,
 * complete, once and safely.
 *
 * Dates are ISO 8601 UTC strings with milliseconds (`2025-07-24T21:34:13.000Z`).
 */

/** `feed`: RSS 2.0 / Atom / RDF / JSON Feed; `page`: HTML list/article pages read with CSS selectors. */
export type IntelSourceKind = 'feed' | 'page';

/** `obey`: robots.txt is fetched and honoured for Vigil's User-Agent; `ignore`: not fetched (the analyst's call). */
export type RobotsPolicy = 'obey' | 'ignore';

/**
 * Whether a feed item's own page is fetched and read (readability) for the main text:
 * `auto` when the feed carries only a summary (no full `content:encoded`/Atom content, or shorter
 * than the source's `minContentLength`), `always`, or `never` (the feed's text is kept as is).
 */
export type FetchArticles = 'auto' | 'always' | 'never';

/** CSS selectors of a `page` source (cheerio syntax). Each is optional; readability fills what is missing. */
export interface PageSelectors {
  /** The article's title (text of the first match). */
  title?: string;
  /** The article's main content (text of every match, in order). */
  content?: string;
  /** The publication date (`datetime` attribute, else the text of the first match). */
  date?: string;
  /** Links to follow from a list page (`href` of every match; default every `a[href]`), filtered by `follow`. */
  links?: string;
}

/**
 * A source an analyst defines (`vigil intel sources add`, `POST /api/v1/scraping/sources`).
 * Validated by `IntelSourceInput` (intel/sources/schema.ts) when added or changed.
 */
export interface IntelSource {
  /** Unique: lowercase letters, digits, `.`, `_`, `-`; at most 64 characters (`bleepingcomputer`). */
  name: string;
  kind: IntelSourceKind;
  /** The feed URL, or the first page of a `page` source. http(s) only; checked by the SSRF guard. */
  url: string;
  enabled: boolean;
  /** Seconds between two collections by the daemon (default 3600, at least 300). */
  intervalSeconds: number;
  /** `none`, `tor` (the configured `intel.torProxy`), or a `socks5h://host:port` / `socks5://host:port` proxy. */
  proxy: string;
  /** Extra request headers (a cookie, an API key); `User-Agent` cannot be overridden. */
  headers: Record<string, string>;
  /** Minimum delay between two requests to one host, seconds (default: `intel.minDelaySeconds`). */
  minDelaySeconds: number | null;
  robots: RobotsPolicy;
  /** Feed sources: when item pages are fetched. */
  fetchArticles: FetchArticles;
  /** Page sources: CSS selectors. */
  selectors: PageSelectors;
  /** Page sources: a regular expression (RE2 syntax) an absolute link must match to be followed. */
  follow: string | null;
  /** Page sources: pages fetched per collection, list pages included (default 20, at most 500). */
  maxPages: number;
  /** Page sources: link depth from `url` (default 1: the list page and the pages it links to). */
  maxDepth: number;
  /** Documents whose main text is shorter are skipped (navigation, stubs); characters (default 200). */
  minContentLength: number;
  /** Labels given to every document of the source (`news`, `cert`, `vendor`, `darkweb`). */
  tags: string[];
  /** ISO 8601. */
  createdAt: string;
  updatedAt: string;
}

/** One collected document: an article, a bulletin, a forum post. */
export interface IntelDocument {
  /** `intel-` + the first 20 hex digits of SHA-256(canonicalUrl): stable across fetches and sources. */
  id: string;
  /** The source name that first stored it. */
  source: string;
  /** The URL fetched (after redirects), or the feed item's link. */
  url: string;
  /** `<link rel=canonical>` when present and same-site, else `url`; tracking parameters and fragment removed. */
  canonicalUrl: string;
  title: string;
  author: string | null;
  /** When the source says it was published; null when it does not say. */
  published: string | null;
  /** When Vigil fetched the content stored. */
  fetchedAt: string;
  /** ISO 639-1 code (`en`, `fr`), or null when the text is too short to tell. */
  language: string | null;
  /** Main text: boilerplate removed, paragraphs separated by a blank line, whitespace collapsed. */
  text: string;
  /** At most 500 characters: the feed's summary, else the text's opening. */
  summary: string | null;
  /** SHA-256 hex of the normalised title + text: equal hash, nothing stored again. */
  contentHash: string;
  /** 64-bit SimHash of the text's word 3-shingles, 16 hex digits (intel/dedupe/simhash.ts). */
  simhash: string;
  /** Feed categories and the source's tags, deduplicated, in order. */
  tags: string[];
  /** CVE ids named in the title or text, upper case, sorted, unique. */
  cves: string[];
}

/** A stored document with the story cluster it belongs to. */
export interface StoredIntelDocument extends IntelDocument {
  /** Id of the cluster's first document (its own id when it starts the cluster). */
  cluster: string;
  /** Documents in that cluster (1: no near-duplicate known). */
  clusterSize: number;
  /** ISO 8601: when first stored. */
  firstSeen: string;
  /** Content changes after the first store, oldest first. */
  history: IntelChange[];
}

/** A content change of a stored document. */
export interface IntelChange {
  documentId: string;
  at: string;
  /** `created` for a new document, `changed` when its content hash moved. */
  kind: 'created' | 'changed';
  previousHash: string | null;
  contentHash: string;
  title: string;
}

/** A document in a list: no text. */
export interface IntelSummary {
  id: string;
  source: string;
  url: string;
  title: string;
  published: string | null;
  fetchedAt: string;
  language: string | null;
  summary: string | null;
  cves: string[];
  tags: string[];
  cluster: string;
  clusterSize: number;
}

/** Filters of a document list, newest first (`published ?? fetchedAt` descending, then id). */
export interface IntelQuery {
  source?: string;
  /** Published (else fetched) on or after (`YYYY-MM-DD` or ISO 8601). */
  since?: string;
  /** Only documents naming this CVE. */
  cve?: string;
  /** Documents of one story cluster. */
  cluster?: string;
  /** Words searched in title and text (full text: FTS5 / tsvector, ANDed). */
  text?: string;
  /** Default 50, at most 500. */
  limit?: number;
  /** Keyset paging: continue after this row. */
  after?: { date: string; id: string };
}

/** Outcome of {@link IntelStore.saveDocuments}. */
export interface IntelSaveResult {
  created: number;
  changed: number;
  /** Same content hash as stored: nothing written. */
  unchanged: number;
  /** What was written (for `intel` alert events), with each document's cluster. */
  changes: (IntelChange & { cluster: string })[];
}

/** HTTP validators of one fetched URL, for conditional GET (RFC 9110 §13). */
export interface FetchValidators {
  url: string;
  etag: string | null;
  lastModified: string | null;
  /** ISO 8601. */
  fetchedAt: string;
}

/** Per-source counts for the sources list. */
export interface IntelSourceCounts {
  source: string;
  documents: number;
  /** ISO 8601 of its newest stored document's fetch, or null. */
  lastFetched: string | null;
}

/**
 * Intel sources, documents, story clusters and HTTP validators, on SQLite and PostgreSQL alike
 * (`Stores.intel`). Every write is idempotent: saving a document with the stored content hash
 * writes nothing; saving a source equal to the stored one changes nothing but `updatedAt`.
 */
export interface IntelStore {
  listSources(): Promise<IntelSource[]>;
  getSource(name: string): Promise<IntelSource | null>;
  /** Inserts or replaces the source named `source.name` (created/updated dates kept/set by the caller). */
  saveSource(source: IntelSource): Promise<void>;
  /** Removes the source (its documents stay). @returns false when no such source. */
  deleteSource(name: string): Promise<boolean>;
  /**
   * Stores documents keyed by `id` atomically per batch: new → created (+ history row), same
   * `contentHash` → unchanged (nothing written), else changed (row replaced, `firstSeen` and
   * `source` kept, + history row). A new document joins the cluster of a stored document whose
   * SimHash differs by at most {@link NEAR_DUPLICATE_BITS} bits (the oldest such cluster), else
   * starts its own; a changed document keeps its cluster.
   */
  saveDocuments(documents: IntelDocument[]): Promise<IntelSaveResult>;
  getDocument(id: string): Promise<StoredIntelDocument | null>;
  listDocuments(query: IntelQuery): Promise<IntelSummary[]>;
  countDocuments(query: IntelQuery): Promise<number>;
  /** Documents naming one CVE, newest first (at most `limit`, default 20). */
  documentsForCve(cveId: string, limit?: number): Promise<IntelSummary[]>;
  sourceCounts(): Promise<IntelSourceCounts[]>;
  getValidators(url: string): Promise<FetchValidators | null>;
  saveValidators(validators: FetchValidators): Promise<void>;
  /**
   * The content history after history row `afterId`, oldest first (at most `limit` rows), each
   * with its row id: the alert engine's `intel` feed (alerts/intel-engine.ts), read with its own
   * cursor. On PostgreSQL no row committed later can appear below the last id returned.
   */
  intelChangesSince(afterId: number, limit: number): Promise<(IntelChange & { id: number })[]>;
  /** Id of the newest history row, 0 when there is none (the alert engine's baseline). */
  lastIntelChangeId(): Promise<number>;
}

/** Two SimHashes this close (Hamming distance, bits of 64) are the same story. */
export const NEAR_DUPLICATE_BITS = 3;

/** One request of the intel fetcher (intel/net/fetch.ts). */
export interface FetchRequest {
  url: string;
  /** The source's network settings: proxy (`none`, `tor`, `socks5h://…`), headers, per-host delay, robots policy. */
  source: Pick<IntelSource, 'name' | 'proxy' | 'headers' | 'minDelaySeconds' | 'robots'>;
  /** `feed`: RSS/Atom/RDF/JSON Feed content types (and XML/JSON/plain text); `html`: text/html, application/xhtml+xml. */
  accept: 'feed' | 'html';
  /** Validators of the last fetch of this URL: sent as If-None-Match / If-Modified-Since. */
  validators?: FetchValidators | null;
  signal?: AbortSignal;
}

/**
 * What a fetch gave. `url` is the final URL after redirects. `not-modified`: a 304 to a conditional
 * GET (nothing to parse). `robots-disallowed`: robots.txt forbids Vigil's User-Agent this path
 * (source policy `obey`); nothing was requested.
 */
export type FetchOutcome =
  | { status: 'ok'; url: string; httpStatus: number; contentType: string; body: Buffer; validators: FetchValidators }
  | { status: 'not-modified'; url: string; validators: FetchValidators }
  | {
      status: 'robots-disallowed';
      url: string /** Why: the rule, or robots.txt unreachable / answering 5xx (then everything is disallowed for a while). */;
      reason: string;
    };

/**
 * The safe fetcher every intel request goes through: SSRF guard on every hop, size/time/redirect
 * limits, per-host concurrency 1 with a minimum delay, Retry-After backoff, conditional GET,
 * robots.txt, SOCKS5 (`socks5h`, remote DNS; Tor circuit isolation by SOCKS username).
 * @throws {UrlRefusedError} (VIGIL_URL_REFUSED) when the guard refuses the URL, a redirect hop or a resolved address.
 * @throws {VigilError} VIGIL_FETCH_FAILED: HTTP 4xx (but 429), wrong content type, body over the limit,
 *   too many redirects, proxy unreachable or refusing (never a silent direct fetch).
 * @throws {SourceUnavailableError} 429/5xx/network errors once the retries are spent (`retryAfterSeconds` when known).
 */
export interface IntelFetcher {
  fetch(request: FetchRequest): Promise<FetchOutcome>;
  /** Closes the connection pools (undici agents, SOCKS dispatchers). */
  close(): Promise<void>;
}
