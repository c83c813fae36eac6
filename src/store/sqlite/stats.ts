/**
 * {@link StatsStore} on SQLite: the dashboard overview's figures, each one indexed query over the
 * record columns (migration 1), `vuln_cwes` and `owasp_cwes` (migration 3). On the 300k-CVE store
 * the whole set takes well under a second; the API caches it until the store changes.
 */
import { cweName } from '../../enrich/cwe.ts';
import type { Stats, StatsStore } from '../server.ts';
import { SqliteAlertStore } from './alerts.ts';
import type { SqliteStore } from './index.ts';

/** Days before `day` (`YYYY-MM-DD`), as `YYYY-MM-DD`. */
function daysBefore(day: string, n: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) - n * 86_400_000).toISOString().slice(0, 10);
}

/** The newest OWASP Top 10 edition stored, or null. */
function newestEdition(store: SqliteStore): string | null {
  return (store.stmt('SELECT max(edition) FROM owasp_cwes').pluck().get() as string | null) ?? null;
}

/** Statistics over the records of `store`. */
export class SqliteStatsStore implements StatsStore {
  constructor(private readonly store: SqliteStore) {}

  async stats(today: string): Promise<Stats> {
    const s = this.store;
    const weekStart = daysBefore(today, 6);
    const count = (sql: string, ...args: unknown[]) =>
      s
        .stmt(sql)
        .pluck()
        .get(...args) as number;
    const totals = s
      .stmt(
        `SELECT count(*) AS cves, coalesce(sum(kev), 0) AS kev, coalesce(sum(state = 'REJECTED'), 0) AS rejected,
         coalesce(sum(epss IS NOT NULL), 0) AS withEpss, coalesce(sum(has_record), 0) AS withRecord FROM vulns`,
      )
      .get() as Stats['totals'];
    const severity: Record<string, number> = {};
    // Records only: a CVE known only from KEV/EPSS has no CVSS yet, which says nothing of its severity.
    for (const r of s
      .stmt("SELECT coalesce(severity, 'UNKNOWN') AS severity, count(*) AS n FROM vulns WHERE state != 'REJECTED' AND has_record = 1 GROUP BY 1")
      .all() as {
      severity: string;
      n: number;
    }[]) {
      severity[r.severity] = r.n;
    }
    const newest = (s.stmt('SELECT max(published) FROM vulns').pluck().get() as string | null)?.slice(0, 10) ?? today;
    const end = newest < today ? newest : today;
    const counted = new Map(
      (
        s
          .stmt(
            `SELECT substr(published, 1, 10) AS date, count(*) AS count FROM vulns
             WHERE published >= ? AND published < ? GROUP BY 1`,
          )
          .all(`${daysBefore(end, 89)}T`, `${daysBefore(end, -1)}T`) as { date: string; count: number }[]
      ).map((r) => [r.date, r.count]),
    );
    // Every day of the window, days without a CVE as 0 (a chart must not join across them).
    const perDay = Array.from({ length: 90 }, (_, i) => daysBefore(end, 89 - i)).map((date) => ({ date, count: counted.get(date) ?? 0 }));
    const edition = newestEdition(s);
    const owasp = s.stmt('SELECT category AS id, title FROM owasp_cwes WHERE edition = ? AND cwe = ? ORDER BY category');
    const cwes = (
      s.stmt('SELECT cwe, count(*) AS count FROM vuln_cwes GROUP BY cwe ORDER BY count DESC, cwe LIMIT 15').all() as { cwe: string; count: number }[]
    ).map((r) => ({ ...r, name: cweName(r.cwe) ?? null, owasp: edition ? (owasp.all(edition, r.cwe) as { id: string; title: string }[]) : [] }));
    const topVendors = s
      .stmt(
        `SELECT vendor_key, count(DISTINCT cve_id) AS count FROM vuln_products
         WHERE vendor_key NOT IN ('', 'n/a', 'na', '-', '*', 'unknown', 'unspecified') GROUP BY vendor_key ORDER BY count DESC LIMIT 10`,
      )
      .all() as { vendor_key: string; count: number }[];
    // Display name: the one every list shows for that vendor (vendor-names.ts: `Microsoft`, not the key `microsoft`).
    const displayName = (key: string) => s.vendorNames.ofKey(key) ?? key;
    const kevRecent = (
      s.stmt("SELECT data FROM kev WHERE removed_in IS NULL ORDER BY json_extract(data, '$.dateAdded') DESC, cve_id LIMIT 10").pluck().all() as string[]
    ).map((d) => {
      const e = JSON.parse(d) as Stats['kevRecent'][number];
      return { cveId: e.cveId, dateAdded: e.dateAdded, vendorProject: e.vendorProject, product: e.product, vulnerabilityName: e.vulnerabilityName };
    });
    const lastDay = (s.stmt('SELECT max(date) FROM epss_days').pluck().get() as string | null) ?? null;
    // The alert engine's query: CVEs whose score changed that day, with the score before it.
    const epssMovers = lastDay
      ? (await new SqliteAlertStore(s).epssMoves(lastDay))
          .filter((m) => m.previousScore !== null)
          .map((m) => ({ cveId: m.cveId, date: lastDay, score: m.score, previousScore: m.previousScore, delta: m.score - (m.previousScore ?? 0) }))
          .sort((a, b) => b.delta - a.delta || a.cveId.localeCompare(b.cveId))
          .slice(0, 10)
      : [];
    return {
      generatedAt: new Date().toISOString(),
      totals,
      today,
      newToday: count('SELECT count(*) FROM vulns WHERE published >= ? AND published < ?', `${today}T`, `${daysBefore(today, -1)}T`),
      newThisWeek: count('SELECT count(*) FROM vulns WHERE published >= ? AND published < ?', `${weekStart}T`, `${daysBefore(today, -1)}T`),
      kevAddedThisWeek: count("SELECT count(*) FROM kev WHERE removed_in IS NULL AND json_extract(data, '$.dateAdded') BETWEEN ? AND ?", weekStart, today),
      kevRecent,
      severity,
      topVendors: topVendors.map((v) => ({ vendor: displayName(v.vendor_key), count: v.count })),
      cwes,
      perDay,
      epssMovers,
      topPriority: await s.rank({ limit: 10 }),
    };
  }

  async generation(): Promise<string> {
    const r = this.store
      .stmt(
        `SELECT (SELECT coalesce(max(id), 0) FROM changes) AS c, (SELECT coalesce(max(date), '') FROM epss_days) AS e,
           (SELECT count(*) FROM kev_catalogs) AS k, (SELECT coalesce(max(id), 0) FROM advisory_changes) AS a`,
      )
      .get() as { c: number; e: string; k: number; a: number };
    // A CVE view shows its advisories and exploits: a stored advisory change is a new generation.
    return `${r.c}|${r.e}|${r.k}|${r.a}`;
  }

  async saveOwaspMapping(edition: string, rows: { category: string; title: string; cwe: string }[]): Promise<void> {
    const put = this.store.stmt('INSERT OR IGNORE INTO owasp_cwes (edition, category, title, cwe) VALUES (?, ?, ?, ?)');
    this.store.db.transaction(() => {
      this.store.stmt('DELETE FROM owasp_cwes WHERE edition = ?').run(edition);
      for (const r of rows) put.run(edition, r.category, r.title, r.cwe);
    })();
  }
}
