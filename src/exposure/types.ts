/**
 * The cumulative threat-exposure index (issue 15, seed 003; docs/exposure.md). For a scope, the
 * daily weighted threat score W_t = Σ priority/100 over the scope's non-rejected CVEs published on
 * day t (UTC; priority 0–100, docs/priority.md), and the exposure E_t = W_t + 2^(−1/H)·E_{t−1} with
 * half-life H days, for every calendar day (days without CVEs still decay), computed by a recursive
 * CTE on SQLite and PostgreSQL. The open series counts only CVEs still open in the scope (see
 * {@link ExposurePoint.openScore}).
 */

/** What the index covers: every CVE, the CVEs a watchlist matches, or those of a team's watchlists (their union). */
export type ExposureScope = { kind: 'all' } | { kind: 'watchlist'; name: string } | { kind: 'team'; name: string };

/** Default half-life H, days. */
export const DEFAULT_HALF_LIFE_DAYS = 30;

/** A scope resolved to CVEs and the watchlists whose alerts decide what is open (exposure/scope.ts). */
export interface ResolvedScope {
  scope: ExposureScope;
  /** `all`, `watchlist:NAME`, `team:NAME`. */
  label: string;
  /** The scope's CVE ids; null: every CVE. */
  cves: string[] | null;
  /** Watchlists whose alerts count for the open series; null: every alert. */
  watchlists: string[] | null;
}

/** A store query: a resolved scope's CVEs and watchlists, a window and the half-life. */
export interface ExposureStoreQuery {
  cves: readonly string[] | null;
  watchlists: readonly string[] | null;
  /** First day returned, `YYYY-MM-DD` (the recursion still starts at the scope's first CVE: E_t carries everything before). Default: 365 days before `until`. */
  since?: string;
  /** Last day returned, `YYYY-MM-DD`. Default: today (UTC). */
  until?: string;
  /** H, days, > 0 (default {@link DEFAULT_HALF_LIFE_DAYS}). */
  halfLifeDays?: number;
}

/** One calendar day of the index. */
export interface ExposurePoint {
  /** `YYYY-MM-DD`. */
  date: string;
  /** W_t: Σ priority/100 of the scope's CVEs published that day (0 on a day without any). */
  score: number;
  /** E_t = W_t + 2^(−1/H)·E_{t−1}. */
  exposure: number;
  /** W_t over open CVEs only: those without an alert in the scope's watchlists, or with one not triaged `fixed` or `ignored`. */
  openScore: number;
  /** The exposure recursion over {@link openScore}. */
  openExposure: number;
}

/** Exposure reads over a store (both back ends; store/sqlite/exposure.ts, store/postgres/exposure.ts). */
export interface ExposureStore {
  /**
   * The daily series, every calendar day of the window, oldest first.
   * @throws {VigilError} VIGIL_INPUT_FORMAT for a half-life ≤ 0 or a window inverted.
   */
  exposure(q: ExposureStoreQuery): Promise<ExposurePoint[]>;
  /**
   * The CVEs weighing most in E_t on `until` (each one's priority/100 · 2^(−(until − published)/H)),
   * largest first, at most `limit` (default 5): what an exposure alert names.
   * @throws {VigilError} VIGIL_INPUT_FORMAT as {@link exposure}.
   */
  contributors(q: ExposureStoreQuery & { limit?: number }): Promise<ExposureContributor[]>;
}

/** One CVE's share of the exposure on a day. */
export interface ExposureContributor {
  cveId: string;
  /** `YYYY-MM-DD` (UTC). */
  published: string;
  /** 0–100. */
  priority: number;
  /** priority/100 · 2^(−days since published / H), in E_t's units. */
  contribution: number;
}
