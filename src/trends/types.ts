/**
 * Trends (issue 15): counts of CVEs, advisories and intel documents per day, week or month along
 * one dimension, EPSS movers over a window, intel mentions per CVE ("buzz"), and breakouts (a
 * series rising well above its own trailing baseline; the test is documented in docs/trends.md).
 * Read by `vigil trends`, `GET /api/v1/trends`, the dashboard's Trends page and the subscribers'
 * report. Implemented for both back ends (store/sqlite/trends.ts, store/postgres/trends.ts).
 */

/** Bucket width. Weeks start on Monday (ISO 8601 weeks); months on the 1st; all in UTC. */
export type TrendInterval = 'day' | 'week' | 'month';
export const TREND_INTERVALS: readonly TrendInterval[] = ['day', 'week', 'month'];

/**
 * What a series is keyed by:
 * - `vendor`, `product` (`vendor/product` keys): CVEs by their affected products (CPE/CNA keys,
 *   display names as every list shows them); a CVE with two vendors counts once for each;
 * - `cwe`: CVEs per CWE (`CWE-79`); `owasp`: per OWASP Top 10 category of the newest stored edition
 *   (through its CWE mapping); `severity`: per qualitative severity of the primary CVSS (or `UNKNOWN`);
 * - `cna`: CVEs per assigning CNA;
 * - `source`: advisories and intel documents per Vigil source (`certfr`, `osv`, `exploitdb`, an
 *   intel source's name), by their publication date;
 * - `intel`: intel documents per news-event type (the document analysis' top label, else `unclassified`);
 * - `kev`: KEV additions (`dateAdded`), one series per vendorProject;
 * - `buzz`: intel documents naming each CVE (mentions), one series per CVE.
 * CVE dimensions count non-rejected CVEs by `published` day (UTC).
 */
export type TrendDimension = 'vendor' | 'product' | 'cwe' | 'owasp' | 'severity' | 'cna' | 'source' | 'intel' | 'kev' | 'buzz';
export const TREND_DIMENSIONS: readonly TrendDimension[] = ['vendor', 'product', 'cwe', 'owasp', 'severity', 'cna', 'source', 'intel', 'kev', 'buzz'];

/** A trend request. */
export interface TrendQuery {
  by: TrendDimension;
  interval: TrendInterval;
  /** First day counted, `YYYY-MM-DD` (inclusive). Default: 90 days, 26 weeks or 24 months before `until`. */
  since?: string;
  /** Last day counted, `YYYY-MM-DD` (inclusive). Default: the newest day with data, or today when none. */
  until?: string;
  /** Series returned: the N keys with the largest totals in the window (default 10, at most 50); the rest sum into `other`. */
  top?: number;
  /** Only these CVEs (a watchlist's or team's scope, resolved by exposure/scope.ts); absent: everything. CVE dimensions and `buzz` only. */
  cves?: readonly string[];
}

/** A breakout: one bucket of a series well above its trailing baseline (docs/trends.md gives the test). */
export interface Breakout {
  /** Bucket start, `YYYY-MM-DD`. */
  bucket: string;
  /** Count in that bucket. */
  count: number;
  /** Mean count per bucket over the trailing baseline window (buckets before this one). */
  baseline: number;
  /** Poisson upper-tail probability of at least `count` given `baseline` (0–1; smaller is more surprising). */
  pValue: number;
}

/** One keyed series. */
export interface TrendSeriesItem {
  /** Stable key (`microsoft`, `microsoft/windows`, `CWE-79`, `A03`, `HIGH`, `certfr`, `CVE-2024-3400`). */
  key: string;
  /** What to show (`Microsoft`, `Windows (Microsoft)`, `CWE-79 Cross-site Scripting`, `A03:2021 Injection`). */
  label: string;
  /** One count per bucket, aligned with {@link TrendResult.buckets}. */
  counts: number[];
  /** Sum of `counts`. */
  total: number;
  /** Buckets flagged as breakouts (oldest first). */
  breakouts: Breakout[];
}

/** A trend answer. */
export interface TrendResult {
  by: TrendDimension;
  interval: TrendInterval;
  since: string;
  until: string;
  /** Bucket start days, `YYYY-MM-DD`, every bucket of the window (empty ones included), oldest first. */
  buckets: string[];
  /** The top series, largest total first (ties: key order). */
  series: TrendSeriesItem[];
  /** Per bucket: everything outside the top series (counted once per key, as the series are). */
  other: number[];
}

/** One CVE's EPSS move over a window. */
export interface EpssMover {
  cveId: string;
  /** EPSS probability (0–1) on the last scored day on or before `from`; null when not scored then. */
  before: number | null;
  /** EPSS probability (0–1) on the last scored day on or before `to`. */
  after: number;
  /** `after - (before ?? 0)`, absolute probability points (−1–1). */
  delta: number;
  /** Percentile (0–1) stored with `after` (the store keeps a point per score change: the percentile of the day the score became `after`). */
  percentile: number;
  title: string | null;
  kev: boolean;
}

/** A CVE's mentions in intel documents over a window. */
export interface BuzzRow {
  cveId: string;
  /** Intel documents naming it published in the window. */
  mentions: number;
  /** Distinct intel sources among them. */
  sources: number;
  /** Newest mention, ISO 8601. */
  last: string;
  title: string | null;
}

/** What one bucket of one series counted (the Trends page's click-through). */
export interface TrendMember {
  /** `cve`: a CVE id; `advisory`: an advisory id; `intel`: an intel document id. */
  kind: 'cve' | 'advisory' | 'intel';
  id: string;
  title: string | null;
  /** The date it was counted on (published, KEV dateAdded), ISO 8601 or `YYYY-MM-DD`. */
  date: string;
  /** CVEs: Vigil's priority 0–100; else null. */
  priority: number | null;
}

/**
 * The store's vendors and products as normalised keys (enrich/product-key.ts: `Palo Alto
 * Networks` → `paloaltonetworks`) with the number of CVEs naming each (`vuln_products`: CVE 5
 * `affected` and NVD CPE matches alike); what the entity gazetteer matches (nlp/ner/cpe-gazetteer.ts).
 */
export interface VendorProductCatalog {
  vendors: { key: string; cves: number }[];
  products: { vendorKey: string; productKey: string; cves: number }[];
}

/** Trend reads over a store (both back ends). */
export interface TrendsStore {
  /**
   * Every vendor and product key named by at least `minCves` CVEs (default 1), keys that name
   * nothing (`n/a`, `*`, `unknown`…) left out, in key order. One grouped scan of `vuln_products`.
   */
  vendorProducts(q?: { minCves?: number }): Promise<VendorProductCatalog>;
  /**
   * Counts per bucket along `q.by` (see {@link TrendDimension}), with breakouts flagged.
   * @throws {VigilError} VIGIL_INPUT_FORMAT for a window that is inverted or over 20 years.
   */
  trend(q: TrendQuery): Promise<TrendResult>;
  /**
   * CVEs whose EPSS moved most between the last scored day on or before `from` and the last on or
   * before `to` (both `YYYY-MM-DD`), largest rise first (`direction: 'down'`: largest fall first).
   */
  epssMovers(q: { from: string; to: string; limit?: number; direction?: 'up' | 'down'; cves?: readonly string[] }): Promise<EpssMover[]>;
  /** CVEs most named by intel documents published in [`since`, `until`] (`YYYY-MM-DD`, inclusive), most mentions first. */
  buzz(q: { since: string; until: string; limit?: number; cves?: readonly string[] }): Promise<BuzzRow[]>;
  /**
   * What series `key` of dimension `by` counted in the bucket starting `bucket` (`YYYY-MM-DD`),
   * highest priority (else newest) first, at most `limit` (default 100), with the full count.
   */
  members(q: { by: TrendDimension; key: string; interval: TrendInterval; bucket: string; limit?: number; cves?: readonly string[] }): Promise<{
    total: number;
    items: TrendMember[];
  }>;
}
