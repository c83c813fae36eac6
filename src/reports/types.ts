/**
 * The subscribers' report (issue 15; docs/reports.md): what happened in one scope over one period —
 * new critical CVEs, KEV additions, EPSS movers, the intel documents that mattered, the exposure
 * change — as plain data. `build.ts` fills it from the stores; `html.ts` (e-mail, with server-side
 * SVG charts from `charts.ts`) and `text.ts` (chat channels) render it. Stored as JSON in a `report`
 * alert's facts ({@link ReportFacts}), rendered at send time.
 *
 * Days are UTC calendar days `YYYY-MM-DD`; EPSS values are probabilities 0–1; CVSS scores 0–10;
 * priority 0–100.
 */
import type { AlertFacts } from '../model/alert.ts';
import type { Severity } from '../model/vulnerability.ts';
import type { BuzzRow } from '../trends/types.ts';

/** Report period: one UTC day, or the seven UTC days ending on the report date. */
export type ReportPeriod = 'day' | 'week';
export const REPORT_PERIODS: readonly ReportPeriod[] = ['day', 'week'];

/** Severity buckets of the daily counts (`UNKNOWN`: no CVSS assessment yet). */
export type SeverityBucket = Severity | 'UNKNOWN';
export const SEVERITY_BUCKETS: readonly SeverityBucket[] = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'NONE', 'UNKNOWN'];

/** A CVE as the report lists it. */
export interface ReportCve {
  cveId: string;
  title: string | null;
  severity: Severity | null;
  /** Primary CVSS base score, 0–10. */
  cvss: number | null;
  /** EPSS probability 0–1. */
  epss: number | null;
  kev: boolean;
  /** Vigil's priority 0–100. */
  priority: number;
  /** ISO 8601. */
  published: string | null;
  vendors: string[];
}

/** One KEV addition in the period. */
export interface ReportKev {
  cveId: string;
  title: string | null;
  /** `YYYY-MM-DD` (KEV `dateAdded`). */
  dateAdded: string;
  /** KEV `vendorProject` as the trends store labels it. */
  vendor: string;
  priority: number | null;
}

/** One CVE whose EPSS moved over the period (trends/types.ts EpssMover). */
export interface ReportMover {
  cveId: string;
  title: string | null;
  /** EPSS probability 0–1 before the period (null: not scored then). */
  before: number | null;
  after: number;
  /** Absolute probability points, −1–1. */
  delta: number;
  kev: boolean;
}

/** One intel document of the period (one per story cluster). */
export interface ReportIntel {
  id: string;
  source: string;
  title: string;
  url: string;
  /** ISO 8601 (published, else fetched). */
  date: string;
  cves: string[];
  /** Documents telling the same story. */
  clusterSize: number;
}

/** New CVEs of one day, per severity. */
export interface ReportDay {
  date: string;
  counts: Record<SeverityBucket, number>;
}

/** The exposure index (exposure/types.ts) around the period. */
export interface ReportExposure {
  /** The 90 days ending on the period's last day: E_t and the open series. */
  series: { date: string; exposure: number; openExposure: number }[];
  /** E_t on the day before the period and on its last day, and the change (after − before). */
  before: number;
  after: number;
  change: number;
}

/** A part of the report its data source could not give (named in every rendering). */
export interface ReportGap {
  section: 'scope' | 'newCves' | 'kev' | 'movers' | 'intel' | 'buzz' | 'exposure';
  error: string;
}

/** Most rows of each list. */
export const REPORT_LIST_MAX = 10;

/** Everything one report says. */
export interface ReportData {
  version: 1;
  /** `all`, `watchlist:NAME`, `team:NAME`. */
  scope: string;
  period: ReportPeriod;
  /** First day (inclusive) and the day after the last (exclusive), `YYYY-MM-DD`. */
  start: string;
  end: string;
  /** ISO 8601. */
  generatedAt: string;
  totals: {
    /** Non-rejected CVEs in scope published in the period. */
    newCves: number;
    /** Of them, severity CRITICAL (primary CVSS ≥ 9.0, v3.x/v4.0). */
    critical: number;
    high: number;
    kevAdded: number;
    /** Intel documents published in the period (naming a CVE in scope, unless the scope is `all`). */
    intel: number;
  };
  /** One row per day of the period, oldest first. */
  days: ReportDay[];
  /** New critical CVEs, highest priority first, at most {@link REPORT_LIST_MAX}. */
  critical: ReportCve[];
  kev: ReportKev[];
  movers: ReportMover[];
  intel: ReportIntel[];
  buzz: BuzzRow[];
  exposure: ReportExposure | null;
  gaps: ReportGap[];
  /** Dashboard base URL (`alerts.linkBase`) for links, or null: CVE links go to NVD. */
  linkBase: string | null;
}

/** A `report` alert's facts: the usual fields (subject `report:<scope>`) plus the report. */
export interface ReportFacts extends AlertFacts {
  report: ReportData;
}

/** Whether alert facts carry a report. */
export function isReportFacts(facts: AlertFacts): facts is ReportFacts {
  const r = (facts as Partial<ReportFacts>).report;
  return typeof r === 'object' && r !== null && r.version === 1;
}
