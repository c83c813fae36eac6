/**
 * The trend reads of both back ends (issue 15) as one SQL text per dimension, in the common
 * subset of SQLite and PostgreSQL plus two dialect helpers (JSON fields, a scope's CVE list). The
 * stores (store/sqlite/trends.ts, store/postgres/trends.ts) give an executor and vendor display
 * names; counting per key and day happens in SQL, bucketing, top-N and breakouts in ./series.ts.
 *
 * Tables read: vulns (published, state, severity, priority, title, kev), vuln_products,
 * vuln_cwes, owasp_cwes (newest edition), observations (`assigner` of the cve5 record, else of the
 * NVD one), kev (data JSON `dateAdded`, `vendorProject`), epss_history, advisories,
 * intel_documents, intel_document_cves, document_analyses (analysis JSON
 * `classification.labels[]` of scheme `event`).
 */
import { cweName } from '../enrich/cwe.ts';
import { VigilError } from '../errors.ts';
import { addDays, assembleTrend, baselineStart, bucketStart, type DayCount, nextBucket, trendWindow } from './series.ts';
import type { BuzzRow, EpssMover, TrendDimension, TrendInterval, TrendMember, TrendQuery, TrendResult, TrendsStore, VendorProductCatalog } from './types.ts';

/** How a store runs a statement: `?` placeholders (PostgreSQL's executor renumbers them). */
export interface TrendsExecutor {
  dialect: 'sqlite' | 'postgres';
  all<R>(sql: string, params: unknown[]): Promise<R[]>;
  /** Display names of vendor keys (vendor-names.ts); a key without one is left out. */
  vendorNames(keys: string[]): Promise<Map<string, string>>;
}

/** Vendor and product keys that name nothing. */
const NO_VENDOR = `('', 'n/a', 'na', '-', '*', 'unknown', 'unspecified')`;

/** Label of an intel document that has no analysis or no event label. */
export const UNCLASSIFIED = 'unclassified';

/** The event type of an analysis JSON (`classification.labels`, scheme `event`, highest probability), else {@link UNCLASSIFIED}. */
export function intelEvent(analysis: string | null): string {
  if (!analysis) return UNCLASSIFIED;
  try {
    const labels =
      (JSON.parse(analysis) as { classification?: { labels?: { label: string; probability: number; scheme?: string }[] } }).classification?.labels ?? [];
    let best: { label: string; probability: number } | null = null;
    for (const l of labels) if (l.scheme === 'event' && (!best || l.probability > best.probability)) best = l;
    return best?.label ?? UNCLASSIFIED;
  } catch {
    return UNCLASSIFIED;
  }
}

/** Today, UTC. */
function today(): string {
  return new Date().toISOString().slice(0, 10);
}

/** Trend reads over `x` (both back ends). */
export class SqlTrends implements TrendsStore {
  constructor(private readonly x: TrendsExecutor) {}

  /** A JSON text field of a JSON text column. */
  private json(column: string, field: string): string {
    return this.x.dialect === 'sqlite' ? `json_extract(${column}, '$.${field}')` : `(${column}::jsonb ->> '${field}')`;
  }

  /** Byte-order collation of ties (PostgreSQL's database collation may differ from SQLite's). */
  private get collate(): string {
    return this.x.dialect === 'postgres' ? ' COLLATE "C"' : '';
  }

  /** ` AND column IN scope` and its parameter, or nothing without a scope. */
  private scope(column: string, cves: readonly string[] | undefined): [string, unknown[]] {
    if (!cves) return ['', []];
    return this.x.dialect === 'sqlite'
      ? [` AND ${column} IN (SELECT value FROM json_each(?))`, [JSON.stringify(cves)]]
      : [` AND ${column} = ANY(?::text[])`, [[...cves]]];
  }

  /**
   * The rows a CVE dimension counts from: `vulns v`, or the scope's CVE list joined to it (the
   * list drives the join: a watchlist's few thousand CVEs are key look-ups, not a scan of the window).
   */
  private cveFrom(cves: readonly string[] | undefined): [string, unknown[]] {
    if (!cves) return ['vulns v', []];
    return this.x.dialect === 'sqlite'
      ? ['json_each(?) s CROSS JOIN vulns v ON v.cve_id = s.value', [JSON.stringify(cves)]]
      : ['unnest(?::text[]) AS s(value) JOIN vulns v ON v.cve_id = s.value', [[...cves]]];
  }

  /**
   * A stamp that changes when the rows `by` counts may have changed: the newest change ids of
   * CVEs, advisories and intel documents, KEV catalogs, document analyses and OWASP mappings.
   */
  private async generation(by: TrendDimension): Promise<string> {
    const sql =
      by === 'kev'
        ? 'SELECT (SELECT count(*) FROM kev_catalogs) AS a, (SELECT count(*) FROM kev) AS b, 0 AS c'
        : by === 'source' || by === 'intel' || by === 'buzz'
          ? `SELECT (SELECT coalesce(max(id), 0) FROM intel_history) AS a, (SELECT coalesce(max(id), 0) FROM advisory_changes) AS b,
               (SELECT count(*) FROM document_analyses) AS c`
          : // The record write path logs every field change of a CVE (as the overview's cache relies on, stats.ts).
            'SELECT (SELECT coalesce(max(id), 0) FROM changes) AS a, (SELECT count(*) FROM owasp_cwes) AS b, 0 AS c';
    const [r] = await this.x.all<{ a: number; b: number; c: number }>(sql, []);
    return `${r?.a}|${r?.b}|${r?.c}`;
  }

  /** Every day's counts of each dimension over the whole store (no scope), with the generation they were read at. */
  readonly #cache = new Map<TrendDimension, { generation: string; rows: Promise<DayCount[]> }>();

  /**
   * Per-key, per-day counts of `by` for every day of the store, cached until {@link generation}
   * changes: the first trend of a dimension reads them all (seconds on a 300k-CVE store), the next
   * ones only slice them (bench/trends.ts measures both).
   */
  private async allDays(by: TrendDimension): Promise<DayCount[]> {
    const generation = await this.generation(by);
    const hit = this.#cache.get(by);
    if (hit && hit.generation === generation) return hit.rows;
    const rows = this.dayCounts(by, '0000-01-01', '9999-12-30');
    this.#cache.set(by, { generation, rows });
    rows.catch(() => this.#cache.delete(by));
    return rows;
  }

  /** The assigning CNA of CVE `v.cve_id`: the CVE record's short name, else NVD's source identifier. */
  private get cna(): string {
    const of = (source: string) => `(SELECT ${this.json('o.data', 'assigner')} FROM observations o WHERE o.cve_id = v.cve_id AND o.source = '${source}')`;
    return `coalesce(${of('cve5')}, ${of('nvd')}, 'unknown')`;
  }

  /** Key expression and joins of a CVE dimension over `vulns v`. */
  private cveDimension(by: TrendDimension): { key: string; join: string; where: string; distinct: boolean } | null {
    switch (by) {
      case 'vendor':
        return { key: 'p.vendor_key', join: 'JOIN vuln_products p ON p.cve_id = v.cve_id', where: ` AND p.vendor_key NOT IN ${NO_VENDOR}`, distinct: true };
      case 'product':
        return {
          key: "p.vendor_key || '/' || p.product_key",
          join: 'JOIN vuln_products p ON p.cve_id = v.cve_id',
          where: ` AND p.vendor_key NOT IN ${NO_VENDOR} AND p.product_key NOT IN ${NO_VENDOR}`,
          distinct: false,
        };
      case 'cwe':
        return { key: 'c.cwe', join: 'JOIN vuln_cwes c ON c.cve_id = v.cve_id', where: '', distinct: false };
      case 'owasp':
        return {
          key: 'o.category',
          join: 'JOIN vuln_cwes c ON c.cve_id = v.cve_id JOIN owasp_cwes o ON o.cwe = c.cwe AND o.edition = (SELECT max(edition) FROM owasp_cwes)',
          where: '',
          distinct: true,
        };
      case 'severity':
        return { key: "coalesce(v.severity, 'UNKNOWN')", join: '', where: '', distinct: false };
      case 'cna':
        return { key: this.cna, join: '', where: '', distinct: false };
      default:
        return null;
    }
  }

  /** The newest day (`YYYY-MM-DD`) with data for `by`, or null. */
  private async newest(by: TrendDimension): Promise<string | null> {
    const intel = 'SELECT max(coalesce(published, fetched_at)) AS d FROM intel_documents';
    const sql =
      by === 'kev'
        ? `SELECT max(${this.json('data', 'dateAdded')}) AS d FROM kev`
        : by === 'intel' || by === 'buzz'
          ? intel
          : by === 'source'
            ? `SELECT max(d) AS d FROM (SELECT max(coalesce(published, sort_date)) AS d FROM advisories UNION ALL ${intel}) t`
            : "SELECT max(published) AS d FROM vulns WHERE state <> 'REJECTED'";
    const [r] = await this.x.all<{ d: string | null }>(sql, []);
    return r?.d ? r.d.slice(0, 10) : null;
  }

  /** Per-key, per-day counts of `by` over days [from, until] (inclusive). */
  async dayCounts(by: TrendDimension, from: string, until: string, cves?: readonly string[]): Promise<DayCount[]> {
    const end = addDays(until, 1);
    const dim = this.cveDimension(by);
    if (dim) {
      const [rows, fp] = this.cveFrom(cves);
      return this.x.all<DayCount>(
        `SELECT ${dim.key} AS key, substr(v.published, 1, 10) AS day, count(${dim.distinct ? 'DISTINCT v.cve_id' : '*'}) AS n
         FROM ${rows} ${dim.join}
         WHERE v.state <> 'REJECTED' AND v.published >= ? AND v.published < ?${dim.where}
         GROUP BY 1, 2`,
        [...fp, from, end],
      );
    }
    const docDay = 'coalesce(d.published, d.fetched_at)';
    switch (by) {
      case 'source':
        return this.x.all<DayCount>(
          `SELECT source AS key, substr(coalesce(published, sort_date), 1, 10) AS day, count(*) AS n FROM advisories
           WHERE coalesce(published, sort_date) >= ? AND coalesce(published, sort_date) < ? GROUP BY 1, 2
           UNION ALL
           SELECT d.source AS key, substr(${docDay}, 1, 10) AS day, count(*) AS n FROM intel_documents d
           WHERE ${docDay} >= ? AND ${docDay} < ? GROUP BY 1, 2`,
          [from, end, from, end],
        );
      case 'intel': {
        const rows = await this.x.all<{ day: string; analysis: string | null }>(
          `SELECT substr(${docDay}, 1, 10) AS day, a.analysis FROM intel_documents d LEFT JOIN document_analyses a ON a.document_id = d.id
           WHERE ${docDay} >= ? AND ${docDay} < ?`,
          [from, end],
        );
        return rows.map((r) => ({ key: intelEvent(r.analysis), day: r.day, n: 1 }));
      }
      case 'kev': {
        const added = this.json('k.data', 'dateAdded');
        const [scope, sp] = this.scope('k.cve_id', cves);
        return this.x.all<DayCount>(
          `SELECT coalesce(${this.json('k.data', 'vendorProject')}, 'unknown') AS key, substr(${added}, 1, 10) AS day, count(*) AS n FROM kev k
           WHERE ${added} >= ? AND ${added} < ?${scope} GROUP BY 1, 2`,
          [from, end, ...sp],
        );
      }
      case 'buzz': {
        const [scope, sp] = this.scope('c.cve_id', cves);
        return this.x.all<DayCount>(
          `SELECT c.cve_id AS key, substr(${docDay}, 1, 10) AS day, count(*) AS n
           FROM intel_document_cves c JOIN intel_documents d ON d.id = c.document_id
           WHERE ${docDay} >= ? AND ${docDay} < ?${scope} GROUP BY 1, 2`,
          [from, end, ...sp],
        );
      }
      default:
        throw new VigilError('VIGIL_INPUT_FORMAT', ['trends by', `unknown dimension ${JSON.stringify(by)}`]);
    }
  }

  /** Display names of `keys` of dimension `by`. */
  private async labels(by: TrendDimension, keys: string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    if (by === 'vendor' || by === 'product') {
      const vendors = [...new Set(keys.map((k) => (by === 'product' ? k.slice(0, k.indexOf('/')) : k)))];
      const names = await this.x.vendorNames(vendors);
      for (const k of keys) {
        if (by === 'vendor') out.set(k, names.get(k) ?? k);
        else {
          const slash = k.indexOf('/');
          const vendor = k.slice(0, slash);
          out.set(k, `${k.slice(slash + 1)} (${names.get(vendor) ?? vendor})`);
        }
      }
    } else if (by === 'cwe') {
      for (const k of keys) {
        const name = cweName(k);
        out.set(k, name ? `${k} ${name}` : k);
      }
    } else if (by === 'owasp' && keys.length) {
      const rows = await this.x.all<{ category: string; title: string }>(
        'SELECT DISTINCT category, title FROM owasp_cwes WHERE edition = (SELECT max(edition) FROM owasp_cwes)',
        [],
      );
      for (const r of rows) out.set(r.category, `${r.category} ${r.title}`);
    }
    return out;
  }

  async trend(q: TrendQuery): Promise<TrendResult> {
    // The scope applies to what is keyed by CVE; `source` and `intel` count documents.
    const scoped = q.cves && q.by !== 'source' && q.by !== 'intel' ? q.cves : undefined;
    const cached = scoped ? null : await this.allDays(q.by);
    const newest = cached ? cached.reduce<string | null>((m, r) => (m === null || r.day > m ? r.day : m), null) : await this.newest(q.by);
    const window = trendWindow(q, newest, today());
    const rows = cached ?? (await this.dayCounts(q.by, baselineStart(window.since, q.interval), window.until, scoped));
    const keys = [...new Set(rows.map((r) => r.key))];
    // Labels only for what may be shown: resolving every vendor key would cost more than the counts.
    const draft = assembleTrend(q, window, rows, () => null);
    const names = await this.labels(
      q.by,
      draft.series.map((s) => s.key).filter((k) => keys.includes(k)),
    );
    return { ...draft, series: draft.series.map((s) => ({ ...s, label: names.get(s.key) ?? s.key })) };
  }

  async members(q: { by: TrendDimension; key: string; interval: TrendInterval; bucket: string; limit?: number; cves?: readonly string[] }): Promise<{
    total: number;
    items: TrendMember[];
  }> {
    const start = bucketStart(q.bucket, q.interval);
    const end = nextBucket(start, q.interval);
    const limit = Math.max(1, Math.min(1000, Math.floor(q.limit ?? 100)));
    const dim = this.cveDimension(q.by);
    const docDay = 'coalesce(d.published, d.fetched_at)';
    let rows: { id: string; title: string | null; date: string; priority: number | null; kind: TrendMember['kind'] }[];
    if (dim) {
      const [scope, sp] = this.scope('v.cve_id', q.cves);
      const keyed: Record<string, [string, unknown[]]> = {
        vendor: ['EXISTS (SELECT 1 FROM vuln_products p WHERE p.cve_id = v.cve_id AND p.vendor_key = ?)', [q.key]],
        product: [
          'EXISTS (SELECT 1 FROM vuln_products p WHERE p.cve_id = v.cve_id AND p.vendor_key = ? AND p.product_key = ?)',
          [q.key.slice(0, Math.max(0, q.key.indexOf('/'))), q.key.slice(q.key.indexOf('/') + 1)],
        ],
        cwe: ['EXISTS (SELECT 1 FROM vuln_cwes c WHERE c.cve_id = v.cve_id AND c.cwe = ?)', [q.key]],
        owasp: [
          `EXISTS (SELECT 1 FROM vuln_cwes c JOIN owasp_cwes o ON o.cwe = c.cwe AND o.edition = (SELECT max(edition) FROM owasp_cwes)
           WHERE c.cve_id = v.cve_id AND o.category = ?)`,
          [q.key],
        ],
        severity: ["coalesce(v.severity, 'UNKNOWN') = ?", [q.key]],
        cna: [`${this.cna} = ?`, [q.key]],
      };
      const [cond, cp] = keyed[q.by] as [string, unknown[]];
      rows = await this.x.all(
        `SELECT 'cve' AS kind, v.cve_id AS id, v.title, v.published AS date, v.priority FROM vulns v
         WHERE v.state <> 'REJECTED' AND v.published >= ? AND v.published < ? AND ${cond}${scope}`,
        [start, end, ...cp, ...sp],
      );
    } else if (q.by === 'kev') {
      const added = this.json('k.data', 'dateAdded');
      const [scope, sp] = this.scope('k.cve_id', q.cves);
      rows = await this.x.all(
        `SELECT 'cve' AS kind, k.cve_id AS id, v.title, substr(${added}, 1, 10) AS date, v.priority FROM kev k LEFT JOIN vulns v ON v.cve_id = k.cve_id
         WHERE ${added} >= ? AND ${added} < ? AND coalesce(${this.json('k.data', 'vendorProject')}, 'unknown') = ?${scope}`,
        [start, end, q.key, ...sp],
      );
    } else if (q.by === 'buzz') {
      if (q.cves && !q.cves.includes(q.key)) return { total: 0, items: [] };
      rows = await this.x.all(
        `SELECT 'intel' AS kind, d.id, d.title, ${docDay} AS date, NULL AS priority FROM intel_document_cves c JOIN intel_documents d ON d.id = c.document_id
         WHERE ${docDay} >= ? AND ${docDay} < ? AND c.cve_id = ?`,
        [start, end, q.key],
      );
    } else if (q.by === 'source') {
      rows = await this.x.all(
        `SELECT 'advisory' AS kind, id, title, coalesce(published, sort_date) AS date, NULL AS priority FROM advisories
         WHERE coalesce(published, sort_date) >= ? AND coalesce(published, sort_date) < ? AND source = ?
         UNION ALL
         SELECT 'intel' AS kind, d.id, d.title, ${docDay} AS date, NULL AS priority FROM intel_documents d
         WHERE ${docDay} >= ? AND ${docDay} < ? AND d.source = ?`,
        [start, end, q.key, start, end, q.key],
      );
    } else if (q.by === 'intel') {
      const all = await this.x.all<{ id: string; title: string; date: string; analysis: string | null }>(
        `SELECT d.id, d.title, ${docDay} AS date, a.analysis FROM intel_documents d LEFT JOIN document_analyses a ON a.document_id = d.id
         WHERE ${docDay} >= ? AND ${docDay} < ?`,
        [start, end],
      );
      rows = all
        .filter((r) => intelEvent(r.analysis) === q.key)
        .map((r) => ({ kind: 'intel' as const, id: r.id, title: r.title, date: r.date, priority: null }));
    } else throw new VigilError('VIGIL_INPUT_FORMAT', ['trends by', `unknown dimension ${JSON.stringify(q.by)}`]);
    rows.sort(
      (a, b) => (b.priority ?? -1) - (a.priority ?? -1) || (a.date < b.date ? 1 : a.date > b.date ? -1 : 0) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
    );
    return {
      total: rows.length,
      items: rows
        .slice(0, limit)
        .map((r) => ({ kind: r.kind, id: r.id, title: r.title ?? null, date: r.date, priority: r.priority === null ? null : Number(r.priority) })),
    };
  }

  async epssMovers(q: { from: string; to: string; limit?: number; direction?: 'up' | 'down'; cves?: readonly string[] }): Promise<EpssMover[]> {
    for (const [name, v] of [
      ['from', q.from],
      ['to', q.to],
    ] as const)
      if (!/^\d{4}-\d{2}-\d{2}$/.test(v)) throw new VigilError('VIGIL_INPUT_FORMAT', [`epss movers ${name}`, `expected YYYY-MM-DD, got ${JSON.stringify(v)}`]);
    if (q.from > q.to) throw new VigilError('VIGIL_INPUT_FORMAT', ['epss movers window', `from ${q.from} is after to ${q.to}`]);
    const limit = Math.max(1, Math.min(1000, Math.floor(q.limit ?? 20)));
    const [scope, sp] = this.scope('h.cve_id', q.cves);
    const last = (col: string, day: string) =>
      [`(SELECT h2.${col} FROM epss_history h2 WHERE h2.cve_id = m.cve_id AND h2.date <= ? ORDER BY h2.date DESC LIMIT 1)`, day] as const;
    const [before, b1] = last('epss', q.from);
    const [after, a1] = last('epss', q.to);
    const [pct, p1] = last('percentile', q.to);
    const rows = await this.x.all<{ cve_id: string; before: number | null; after: number; percentile: number; title: string | null; kev: number | null }>(
      `SELECT s.cve_id, s.before, s.after, s.percentile, v.title, v.kev FROM (
         SELECT m.cve_id, ${before} AS before, ${after} AS after, ${pct} AS percentile
         FROM (SELECT DISTINCT h.cve_id FROM epss_history h WHERE h.date > ? AND h.date <= ?${scope}) m
       ) s LEFT JOIN vulns v ON v.cve_id = s.cve_id
       ORDER BY (s.after - coalesce(s.before, 0)) ${q.direction === 'down' ? 'ASC' : 'DESC'}, s.cve_id${this.collate}
       LIMIT ?`,
      [b1, a1, p1, q.from, q.to, ...sp, limit],
    );
    return rows
      .map((r) => ({
        cveId: r.cve_id,
        before: r.before === null ? null : Number(r.before),
        after: Number(r.after),
        delta: Number(r.after) - Number(r.before ?? 0),
        percentile: Number(r.percentile),
        title: r.title ?? null,
        kev: Number(r.kev ?? 0) === 1,
      }))
      .filter((m) => (q.direction === 'down' ? m.delta < 0 : m.delta > 0));
  }

  async buzz(q: { since: string; until: string; limit?: number; cves?: readonly string[] }): Promise<BuzzRow[]> {
    const window = trendWindow({ since: q.since, until: q.until, interval: 'day' }, null, '9999-12-31');
    const limit = Math.max(1, Math.min(1000, Math.floor(q.limit ?? 20)));
    const docDay = 'coalesce(d.published, d.fetched_at)';
    const [scope, sp] = this.scope('c.cve_id', q.cves);
    const rows = await this.x.all<{ cve_id: string; mentions: number; sources: number; last: string; title: string | null }>(
      `SELECT b.cve_id, b.mentions, b.sources, b.last, v.title FROM (
         SELECT c.cve_id, count(*) AS mentions, count(DISTINCT d.source) AS sources, max(${docDay}) AS last
         FROM intel_document_cves c JOIN intel_documents d ON d.id = c.document_id
         WHERE ${docDay} >= ? AND ${docDay} < ?${scope} GROUP BY c.cve_id
       ) b LEFT JOIN vulns v ON v.cve_id = b.cve_id
       ORDER BY b.mentions DESC, b.cve_id${this.collate} LIMIT ?`,
      [window.since, addDays(window.until, 1), ...sp, limit],
    );
    return rows.map((r) => ({ cveId: r.cve_id, mentions: Number(r.mentions), sources: Number(r.sources), last: r.last, title: r.title ?? null }));
  }

  async vendorProducts(q: { minCves?: number } = {}): Promise<VendorProductCatalog> {
    const min = Math.max(1, Math.floor(q.minCves ?? 1));
    const vendors = await this.x.all<{ k: string; n: number }>(
      `SELECT vendor_key AS k, count(DISTINCT cve_id) AS n FROM vuln_products WHERE vendor_key NOT IN ${NO_VENDOR}
       GROUP BY vendor_key HAVING count(DISTINCT cve_id) >= ? ORDER BY vendor_key${this.collate}`,
      [min],
    );
    const products = await this.x.all<{ v: string; p: string; n: number }>(
      `SELECT vendor_key AS v, product_key AS p, count(*) AS n FROM vuln_products
       WHERE vendor_key NOT IN ${NO_VENDOR} AND product_key NOT IN ${NO_VENDOR}
       GROUP BY vendor_key, product_key HAVING count(*) >= ? ORDER BY vendor_key${this.collate}, product_key${this.collate}`,
      [min],
    );
    return {
      vendors: vendors.map((r) => ({ key: r.k, cves: Number(r.n) })),
      products: products.map((r) => ({ vendorKey: r.v, productKey: r.p, cves: Number(r.n) })),
    };
  }
}
