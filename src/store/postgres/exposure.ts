/**
 * {@link ExposureStore} on PostgreSQL: the recursive CTE of docs/exposure.md (issue 15).
 *
 * One statement, the same as SQLite's (store/sqlite/exposure.ts): `daily` sums priority/100 per
 * UTC publication day over the scope's non-rejected CVEs (and its open ones); `series` walks every
 * calendar day from the first of them (or `since` when earlier) to `until`,
 * E_t = W_t + 2^(−1/H)·E_{t−1}, reading W_t from `dense`: one row holding every day's W_t as a
 * `float8[]` (a join with `daily` in the recursive step would scan it once per day: 0.4 s for
 * 4,700 days; an array subscript is O(1)). The scope's CVEs and watchlists come as one `text[]` parameter
 * each (`unnest($n::text[])`). Sums are double precision, like SQLite's REAL.
 */
import type { ExposureContributor, ExposurePoint, ExposureStore, ExposureStoreQuery } from '../../exposure/types.ts';
import { exposureWindow, topContributors } from '../../exposure/window.ts';
import type { PgDb } from './pool.ts';

/**
 * The statement for a scope. Parameters: $1 since, $2 until, $3 decay (2^(−1/H)), $4 the scope's
 * CVE ids (`text[]`, absent when `scoped` is false), then the watchlists (`text[]`, absent when
 * `byWatchlist` is false).
 */
export function pgExposureSql(scoped: boolean, byWatchlist: boolean): string {
  const wl = scoped ? '$5' : '$4';
  return `
    WITH RECURSIVE
    closed AS MATERIALIZED (
      -- CVEs whose alerts (in the scope's watchlists) are all triaged fixed or ignored
      SELECT cve_id FROM alerts
      ${byWatchlist ? `WHERE watchlist = ANY (${wl}::text[])` : ''}
      GROUP BY cve_id
      HAVING bool_and(triage IN ('fixed', 'ignored'))
    ),
    daily AS MATERIALIZED (
      SELECT substr(v.published, 1, 10)::date AS day, sum(v.priority) / 100.0 AS w,
             coalesce(sum(v.priority) FILTER (WHERE c.cve_id IS NULL), 0) / 100.0 AS ow
      FROM vulns v
      ${scoped ? 'JOIN (SELECT DISTINCT unnest($4::text[]) AS cve_id) s ON s.cve_id = v.cve_id' : ''}
      LEFT JOIN closed c ON c.cve_id = v.cve_id
      WHERE v.state <> 'REJECTED' AND v.published IS NOT NULL AND v.published < ($2::text || 'U')
      GROUP BY 1
    ),
    dense AS MATERIALIZED (
      -- W_t of every calendar day from the first (the scope's first CVE, or since) to until, as arrays
      SELECT f.day AS first, array_agg(coalesce(d.w, 0)::float8 ORDER BY g.day) AS w, array_agg(coalesce(d.ow, 0)::float8 ORDER BY g.day) AS ow
      FROM (SELECT least((SELECT min(day) FROM daily), $1::date) AS day) f
      CROSS JOIN LATERAL generate_series(f.day, $2::date, interval '1 day') g(day)
      LEFT JOIN daily d ON d.day = g.day::date
      GROUP BY f.day
    ),
    series(n, day, w, e, ow, oe) AS (
      SELECT 1, first, w[1], w[1], ow[1], ow[1] FROM dense
      UNION ALL
      SELECT s.n + 1, s.day + 1, a.w[s.n + 1], a.w[s.n + 1] + $3::float8 * s.e, a.ow[s.n + 1], a.ow[s.n + 1] + $3::float8 * s.oe
      FROM series s CROSS JOIN dense a
      WHERE s.day < $2::date
    )
    SELECT to_char(day, 'YYYY-MM-DD') AS date, w AS score, e AS exposure, ow AS "openScore", oe AS "openExposure"
    FROM series WHERE day >= $1::date ORDER BY day`;
}

/** Exposure reads over the PostgreSQL store. */
export function createPgExposureStore(db: PgDb): ExposureStore {
  return {
    async exposure(q: ExposureStoreQuery): Promise<ExposurePoint[]> {
      const win = exposureWindow(q);
      const params: unknown[] = [win.since, win.until, win.decay];
      if (q.cves !== null) params.push([...q.cves]);
      if (q.watchlists !== null) params.push([...q.watchlists]);
      return db.query<ExposurePoint>(pgExposureSql(q.cves !== null, q.watchlists !== null), params);
    },
    async contributors(q: ExposureStoreQuery & { limit?: number }): Promise<ExposureContributor[]> {
      const win = exposureWindow(q);
      const rows = await db.query<{ cveId: string; priority: number; published: string }>(
        `SELECT cve_id AS "cveId", priority, substr(published, 1, 10) AS published FROM vulns
         WHERE state <> 'REJECTED' AND published IS NOT NULL AND published < ($1::text || 'U') AND priority > 0
         ${q.cves !== null ? 'AND cve_id = ANY ($2::text[])' : ''}`,
        [win.until, ...(q.cves !== null ? [[...q.cves]] : [])],
      );
      return topContributors(rows, win, q.limit);
    },
  };
}
