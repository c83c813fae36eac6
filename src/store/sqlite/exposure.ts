/**
 * {@link ExposureStore} on SQLite: the recursive CTE of docs/exposure.md (issue 15).
 *
 * One statement: `daily` sums priority/100 per UTC publication day over the scope's non-rejected
 * CVEs (and over its open ones), materialized once; `series` then walks every calendar day from
 * the first of them (or `since` when earlier) to `until`, E_t = W_t + 2^(−1/H)·E_{t−1}, looking
 * each day's sums up in `daily` (an automatic index on the materialized table). The scope's CVEs
 * and watchlists come as JSON arrays (`json_each(?)`), one parameter each.
 */
import type { ExposureContributor, ExposurePoint, ExposureStore, ExposureStoreQuery } from '../../exposure/types.ts';
import { exposureWindow, topContributors } from '../../exposure/window.ts';
import type { SqliteStore } from './index.ts';

/**
 * The statement for a scope: `cves` / `watchlists` null (every CVE / every alert) drop their
 * filter. Parameters by name: `cves`, `watchlists` (JSON arrays), `since`, `until`, `decay`.
 */
export function sqliteExposureSql(scoped: boolean, byWatchlist: boolean): string {
  return `
    WITH RECURSIVE
    closed(cve_id) AS MATERIALIZED (
      -- CVEs whose alerts (in the scope's watchlists) are all triaged fixed or ignored
      SELECT cve_id FROM alerts
      ${byWatchlist ? 'WHERE watchlist IN (SELECT value FROM json_each(:watchlists))' : ''}
      GROUP BY cve_id
      HAVING sum(triage NOT IN ('fixed', 'ignored')) = 0
    ),
    daily(day, w, ow) AS MATERIALIZED (
      SELECT substr(v.published, 1, 10), sum(v.priority) / 100.0,
             coalesce(sum(CASE WHEN v.cve_id NOT IN (SELECT cve_id FROM closed) THEN v.priority END), 0) / 100.0
      FROM vulns v INDEXED BY vulns_exposure -- covering (migration 12): an index-only scan, also for a scope's IN list
      WHERE v.state != 'REJECTED' AND substr(v.published, 1, 10) <= :until
      ${scoped ? 'AND v.cve_id IN (SELECT value FROM json_each(:cves))' : ''}
      GROUP BY 1
    ),
    series(day, w, e, ow, oe) AS (
      SELECT s.day, coalesce(d.w, 0), coalesce(d.w, 0), coalesce(d.ow, 0), coalesce(d.ow, 0)
      FROM (SELECT min(coalesce((SELECT min(day) FROM daily), :since), :since) AS day) s
      LEFT JOIN daily d ON d.day = s.day
      UNION ALL
      SELECT date(s.day, '+1 day'), coalesce(d.w, 0), coalesce(d.w, 0) + :decay * s.e, coalesce(d.ow, 0), coalesce(d.ow, 0) + :decay * s.oe
      FROM series s
      LEFT JOIN daily d ON d.day = date(s.day, '+1 day')
      WHERE s.day < :until
    )
    SELECT day AS date, w AS score, e AS exposure, ow AS openScore, oe AS openExposure
    FROM series WHERE day >= :since ORDER BY day`;
}

/** Exposure reads over the SQLite store. */
export class SqliteExposureStore implements ExposureStore {
  constructor(readonly store: SqliteStore) {}

  /** See {@link ExposureStore.exposure}. */
  async exposure(q: ExposureStoreQuery): Promise<ExposurePoint[]> {
    const win = exposureWindow(q);
    const sql = sqliteExposureSql(q.cves !== null, q.watchlists !== null);
    const params: Record<string, unknown> = { since: win.since, until: win.until, decay: win.decay };
    if (q.cves !== null) params.cves = JSON.stringify(q.cves);
    if (q.watchlists !== null) params.watchlists = JSON.stringify(q.watchlists);
    return this.store.db.prepare(sql).all(params) as ExposurePoint[];
  }

  /** See {@link ExposureStore.contributors}. */
  async contributors(q: ExposureStoreQuery & { limit?: number }): Promise<ExposureContributor[]> {
    const win = exposureWindow(q);
    const rows = this.store.db
      .prepare(
        `SELECT cve_id AS cveId, priority, substr(published, 1, 10) AS published FROM vulns
         WHERE state != 'REJECTED' AND published IS NOT NULL AND published < ? AND priority > 0
         ${q.cves !== null ? 'AND cve_id IN (SELECT value FROM json_each(?))' : ''}`,
      )
      .all(...[`${win.until}\uffff`, ...(q.cves !== null ? [JSON.stringify(q.cves)] : [])]) as { cveId: string; priority: number; published: string }[];
    return topContributors(rows, win, q.limit);
  }
}
