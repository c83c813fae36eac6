/**
 * Trends, exposure and CVE-export shapes of the REST API (issue 15; docs/api.md), as the dashboard
 * reads them. The shapes are the server's own types, re-exported type-only (erased from the bundle);
 * the lists of dimensions and intervals are copies checked against the server's unions, so a copy
 * that falls behind fails to compile.
 */
import type { CveExportRow } from '../../src/export/cve-types.ts';
import type { ExposurePoint } from '../../src/exposure/types.ts';
import type { TrendDimension, TrendInterval, TrendMember } from '../../src/trends/types.ts';

export type { CveExportRow } from '../../src/export/cve-types.ts';
export type { ExposurePoint } from '../../src/exposure/types.ts';
export type { Breakout, BuzzRow, EpssMover, TrendDimension, TrendInterval, TrendMember, TrendResult, TrendSeriesItem } from '../../src/trends/types.ts';

/** `List` if it names every member of `All`, else `never` (as in types-alerts.ts). */
type Complete<List extends readonly unknown[], All> = [Exclude<All, List[number]>] extends [never] ? List : never;

const dimensions = ['vendor', 'product', 'cwe', 'owasp', 'severity', 'cna', 'source', 'intel', 'kev', 'buzz'] as const satisfies readonly TrendDimension[];
/** The server's `TREND_DIMENSIONS`, in the order the Trends page offers them. */
export const TREND_DIMENSIONS: Complete<typeof dimensions, TrendDimension> = dimensions;

const intervals = ['day', 'week', 'month'] as const satisfies readonly TrendInterval[];
/** The server's `TREND_INTERVALS`. */
export const TREND_INTERVALS: Complete<typeof intervals, TrendInterval> = intervals;

/** What each dimension is called on the page. */
export const DIMENSION_LABELS = {
  vendor: 'Vendor',
  product: 'Product',
  cwe: 'Weakness (CWE)',
  owasp: 'OWASP Top 10',
  severity: 'Severity',
  cna: 'CNA',
  source: 'Source',
  intel: 'Intel category',
  kev: 'KEV additions',
  buzz: 'Buzz (intel mentions)',
} as const satisfies Record<TrendDimension, string>;

/** `GET /api/v1/exposure`: the index of a scope, every calendar day of the window. */
export interface ExposureResponse {
  /** `all`, `watchlist:NAME` or `team:NAME`. */
  scope: string;
  /** CVEs in the scope (null: every CVE). */
  cves: number | null;
  /** H, days. */
  halfLifeDays: number;
  points: ExposurePoint[];
}

/** `GET /api/v1/trends/members`: what one bucket of one series counted. */
export interface TrendMembersResponse {
  /** All it counted (the items are the first `limit`). */
  total: number;
  items: TrendMember[];
}

const exportColumns = [
  'id',
  'title',
  'vendors',
  'products',
  'versions',
  'cvssScore',
  'severity',
  'cvssVersion',
  'cwes',
  'epss',
  'epssPercentile',
  'kev',
  'kevDateAdded',
  'exploits',
  'priority',
  'published',
  'lastModified',
  'state',
  'links',
] as const satisfies readonly (keyof CveExportRow)[];
/** The server's `CVE_EXPORT_COLUMNS` (the CSV's header). */
export const CVE_EXPORT_COLUMNS: Complete<typeof exportColumns, keyof CveExportRow> = exportColumns;
