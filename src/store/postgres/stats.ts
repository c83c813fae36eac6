/**
 * {@link StatsStore} on PostgreSQL: the dashboard overview's figures, the same as ../sqlite/stats.ts
 * computes (a difference is a bug), over the record columns (migration 1), `vuln_cwes` and
 * `owasp_cwes` (migration 3). The queries run concurrently on the pool. EXPLAIN ANALYZE on a
 * synthetic 300k-CVE schema (450k product rows, 400k EPSS history rows), PostgreSQL 15 on the
 * shared 2-core machine under load: the whole overview in 1.3–1.5 s, the totals and severities
 * one parallel scan of `vulns` (~180 ms), the per-day counts a range of `vulns_published` (2 ms),
 * the CWE counts ~180 ms; the two slowest run side by side: the vendor counts (an index-only
 * scan of `vuln_products`' key, ~1.1 s) and the EPSS movers (a probe of `epss_history`'s key per
 * CVE of the newest day after a sequential scan for that day: no index on `date`, ~1.5 s). The
 * API caches the overview until {@link PgStatsStore.generation} changes.
 */
import { cweName } from '../../enrich/cwe.ts';
import type { Stats, StatsStore } from '../server.ts';
import type { PgDb } from './pool.ts';
import { vendorNamesOf } from './records.ts';
import { PgStore } from './store.ts';

/** Days before `day` (`YYYY-MM-DD`), as `YYYY-MM-DD`. */
function daysBefore(day: string, n: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) - n * 86_400_000).toISOString().slice(0, 10);
}

/** Vendor keys that name no vendor. */
const NO_VENDOR = `('', 'n/a', 'na', '-', '*', 'unknown', 'unspecified')`;

/** Statistics over the records of `db`. */
export class PgStatsStore implements StatsStore {
  readonly #store: PgStore;

  constructor(private readonly db: PgDb) {
    this.#store = new PgStore(db);
  }

  async stats(today: string): Promise<Stats> {
    const db = this.db;
    const weekStart = daysBefore(today, 6);
    const tomorrow = daysBefore(today, -1);
    const [groups, newest, edition, cwes, vendors, kevRecent, kevWeek, newCounts, epssMovers] = await Promise.all([
      // Totals and severities in one scan of vulns (the SQLite store makes two queries of it).
      db.query<{ severity: string; rejected: boolean; has_record: number; n: number; kev: number; epss: number }>(
        `SELECT coalesce(severity, 'UNKNOWN') AS severity, state = 'REJECTED' AS rejected, has_record,
           count(*) AS n, sum(kev)::int8 AS kev, count(epss) AS epss
         FROM vulns GROUP BY 1, 2, 3`,
      ),
      db.one<{ p: string | null }>('SELECT max(published) AS p FROM vulns'),
      db.one<{ e: string | null }>('SELECT max(edition) AS e FROM owasp_cwes'),
      db.query<{ cwe: string; count: number }>('SELECT cwe, count(*) AS count FROM vuln_cwes GROUP BY cwe ORDER BY count DESC, cwe COLLATE "C" LIMIT 15'),
      db.query<{ vendor_key: string; count: number }>(
        `SELECT vendor_key, count(DISTINCT cve_id) AS count FROM vuln_products
         WHERE vendor_key NOT IN ${NO_VENDOR} GROUP BY vendor_key ORDER BY count DESC, vendor_key COLLATE "C" LIMIT 10`,
      ),
      db.query<{ data: string }>(
        `SELECT data FROM kev WHERE removed_in IS NULL ORDER BY data::jsonb ->> 'dateAdded' COLLATE "C" DESC, cve_id COLLATE "C" LIMIT 10`,
      ),
      db.one<{ n: number }>(`SELECT count(*) AS n FROM kev WHERE removed_in IS NULL AND data::jsonb ->> 'dateAdded' BETWEEN $1 AND $2`, [weekStart, today]),
      db.one<{ today: number; week: number }>(
        `SELECT count(*) FILTER (WHERE published >= $2) AS today, count(*) AS week FROM vulns WHERE published >= $1 AND published < $3`,
        [`${weekStart}T`, `${today}T`, `${tomorrow}T`],
      ),
      // The slowest query (a probe per CVE of the day), so it runs beside the others, not after them.
      this.#epssMovers(),
    ]);

    const totals: Stats['totals'] = { cves: 0, kev: 0, rejected: 0, withEpss: 0, withRecord: 0 };
    const severity: Record<string, number> = {};
    for (const g of groups) {
      totals.cves += g.n;
      totals.kev += g.kev;
      totals.withEpss += g.epss;
      if (g.rejected) totals.rejected += g.n;
      if (g.has_record) totals.withRecord += g.n;
      // Records only: a CVE known only from KEV/EPSS has no CVSS yet, which says nothing of its severity.
      if (!g.rejected && g.has_record === 1) severity[g.severity] = (severity[g.severity] ?? 0) + g.n;
    }

    const newestDay = newest?.p?.slice(0, 10) ?? today;
    const end = newestDay < today ? newestDay : today;
    const counted = new Map(
      (
        await db.query<{ date: string; count: number }>(
          'SELECT substr(published, 1, 10) AS date, count(*) AS count FROM vulns WHERE published >= $1 AND published < $2 GROUP BY 1',
          [`${daysBefore(end, 89)}T`, `${daysBefore(end, -1)}T`],
        )
      ).map((r) => [r.date, r.count]),
    );
    // Every day of the window, days without a CVE as 0 (a chart must not join across them).
    const perDay = Array.from({ length: 90 }, (_, i) => daysBefore(end, 89 - i)).map((date) => ({ date, count: counted.get(date) ?? 0 }));

    const owasp = new Map<string, { id: string; title: string }[]>();
    if (edition?.e && cwes.length) {
      const rows = await db.query<{ cwe: string; id: string; title: string }>(
        'SELECT cwe, category AS id, title FROM owasp_cwes WHERE edition = $1 AND cwe = ANY($2) ORDER BY category COLLATE "C"',
        [edition.e, cwes.map((c) => c.cwe)],
      );
      for (const r of rows) owasp.set(r.cwe, [...(owasp.get(r.cwe) ?? []), { id: r.id, title: r.title }]);
    }

    const [topVendors, topPriority] = await Promise.all([
      // Display name: the one every list shows for that vendor (vendor-names.ts: `Microsoft`, not the key `microsoft`).
      vendorNamesOf(db)
        .ofKeys(vendors.map((v) => v.vendor_key))
        .then((names) => vendors.map((v) => ({ vendor: names.get(v.vendor_key) ?? v.vendor_key, count: v.count }))),
      this.#store.rank({ limit: 10 }),
    ]);
    return {
      generatedAt: new Date().toISOString(),
      totals,
      today,
      newToday: newCounts?.today ?? 0,
      newThisWeek: newCounts?.week ?? 0,
      kevAddedThisWeek: kevWeek?.n ?? 0,
      kevRecent: kevRecent.map(({ data }) => {
        const e = JSON.parse(data) as Stats['kevRecent'][number];
        return { cveId: e.cveId, dateAdded: e.dateAdded, vendorProject: e.vendorProject, product: e.product, vulnerabilityName: e.vulnerabilityName };
      }),
      severity,
      topVendors,
      cwes: cwes.map((r) => ({ ...r, name: cweName(r.cwe) ?? null, owasp: owasp.get(r.cwe) ?? [] })),
      perDay,
      epssMovers,
      topPriority,
    };
  }

  /**
   * The largest rises on the newest stored EPSS day: CVEs whose score changed that day (history
   * keeps change points only) against the newest earlier score, as the alert engine's `epssMoves`
   * pairs them (CVEs the store knows only: a record or a current KEV entry); a CVE first scored
   * that day has no previous score and is no mover.
   */
  async #epssMovers(): Promise<Stats['epssMovers']> {
    const rows = await this.db.query<{ cve_id: string; date: string; score: number; previous: number }>(
      `SELECT h.cve_id, h.date, h.epss AS score, p.epss AS previous FROM epss_history h
       CROSS JOIN LATERAL (SELECT q.epss FROM epss_history q WHERE q.cve_id = h.cve_id AND q.date < h.date ORDER BY q.date DESC LIMIT 1) p
       WHERE h.date = (SELECT max(date) FROM epss_days)
         AND (EXISTS (SELECT 1 FROM vulns v WHERE v.cve_id = h.cve_id) OR EXISTS (SELECT 1 FROM kev k WHERE k.cve_id = h.cve_id AND k.removed_in IS NULL))
       ORDER BY h.epss - p.epss DESC, h.cve_id COLLATE "C" LIMIT 10`,
    );
    return rows
      .map((r) => ({ cveId: r.cve_id, date: r.date, score: r.score, previousScore: r.previous, delta: r.score - r.previous }))
      .sort((a, b) => b.delta - a.delta || a.cveId.localeCompare(b.cveId));
  }

  async generation(): Promise<string> {
    const r = (await this.db.one<{ c: number; e: string; k: number; a: number }>(
      `SELECT (SELECT coalesce(max(id), 0) FROM changes) AS c, (SELECT coalesce(max(date), '') FROM epss_days) AS e,
         (SELECT count(*) FROM kev_catalogs) AS k, (SELECT coalesce(max(id), 0) FROM advisory_changes) AS a`,
    )) as { c: number; e: string; k: number; a: number };
    // A CVE view shows its advisories and exploits: a stored advisory change is a new generation.
    return `${r.c}|${r.e}|${r.k}|${r.a}`;
  }

  async saveOwaspMapping(edition: string, rows: { category: string; title: string; cwe: string }[]): Promise<void> {
    await this.db.tx(async (c) => {
      await c.query('DELETE FROM owasp_cwes WHERE edition = $1', [edition]);
      if (!rows.length) return;
      await c.query(
        `INSERT INTO owasp_cwes (edition, category, title, cwe)
         SELECT $1, * FROM unnest($2::text[], $3::text[], $4::text[]) ON CONFLICT DO NOTHING`,
        [edition, rows.map((r) => r.category), rows.map((r) => r.title), rows.map((r) => r.cwe)],
      );
    });
  }
}

/** The {@link StatsStore} of a PostgreSQL store. */
export function createPgStatsStore(db: PgDb): StatsStore {
  return new PgStatsStore(db);
}
