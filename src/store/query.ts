/**
 * The ranked-list query (`vigil top`, `vigil search`), built once with Kysely for both back ends
 * (the {@link Dialect} changes only full text and text collation). Full-text input is never passed
 * to the engine as query syntax: on SQLite each word becomes a quoted term (FTS5 string, §3.1 of
 * https://sqlite.org/fts5.html), so `"`, `*`, `-`, `NEAR`, `OR` and parentheses are just
 * characters; on PostgreSQL the same words become a `tsquery` literal of the same tokens
 * (postgres/query-pg.ts), matched against `vulns.fts` and ranked by `ts_rank_cd`.
 */
import { type Kysely, type RawBuilder, sql } from 'kysely';
import { productKey } from '../enrich/product-key.ts';
import type { RankedVulnerability } from '../model/record.ts';
import { ftsTsquery } from './postgres/query-pg.ts';
import type { RankQuery } from './types.ts';

/** The SQL dialect a query is built for. */
export type Dialect = 'sqlite' | 'postgres';

/** Column shapes of the tables the query touches. */
export interface RankTables {
  vulns: {
    cve_id: string;
    state: string;
    published: string | null;
    title: string | null;
    snippet: string | null;
    severity: string | null;
    cvss_score: number | null;
    cvss_version: string | null;
    kev: number;
    ransomware: number;
    epss: number | null;
    epss_percentile: number | null;
    vendors: string | null;
    exploits: number;
    priority: number;
  };
  vuln_products: { vendor_key: string; product_key: string; cve_id: string };
  vulns_fts: { rowid: number; cve_id: string; vulns_fts: string; rank: number };
}

/**
 * CVE ids compared as SQLite compares text (BINARY: by code point): PostgreSQL's default collation
 * may be a locale's (`en_US` ignores `-`), which would order ties and pages differently. Dates need
 * none: ISO 8601 strings of one format order alike under any collation, and keep their index.
 */
function binary(dialect: Dialect, expr: RawBuilder<unknown>): RawBuilder<unknown> {
  return dialect === 'postgres' ? sql`${expr} COLLATE "C"` : expr;
}

/** Largest `limit` honoured. */
export const MAX_LIMIT = 10_000;

/**
 * Turns free text into an FTS5 query of ANDed quoted terms.
 * @returns `null` when the text holds no searchable word.
 * @example ftsQuery('pan-os "globalprotect') // '"pan" "os" "globalprotect"'
 */
export function ftsQuery(text: string): string | null {
  const words = text.match(/[\p{L}\p{N}_]+/gu) ?? [];
  return words.length ? words.map((w) => `"${w}"`).join(' ') : null;
}

/** Normalises `since` (`YYYY-MM-DD` or ISO 8601) to an ISO string comparable with `published`. */
function sinceIso(since: string): string {
  const d = new Date(/^\d{4}-\d{2}-\d{2}$/.test(since) ? `${since}T00:00:00.000Z` : since);
  if (Number.isNaN(d.getTime())) throw new RangeError(`invalid date "${since}": expected YYYY-MM-DD or ISO 8601`);
  return d.toISOString();
}

/**
 * Builds the ranked-list query for `q` in `dialect` (default SQLite; its SQL is the same as before
 * PostgreSQL existed). Compile it with a Kysely instance of that dialect.
 */
export function buildRankQuery(db: Kysely<RankTables>, q: RankQuery, dialect: Dialect = 'sqlite') {
  let query = db
    .selectFrom('vulns')
    .select([
      'vulns.cve_id',
      'vulns.state',
      'vulns.published',
      'vulns.title',
      'vulns.snippet',
      'vulns.severity',
      'vulns.cvss_score',
      'vulns.cvss_version',
      'vulns.kev',
      'vulns.ransomware',
      'vulns.epss',
      'vulns.epss_percentile',
      'vulns.vendors',
      'vulns.exploits',
      'vulns.priority',
    ]);
  const pg = dialect === 'postgres';
  const match = q.text === undefined ? null : pg ? ftsTsquery(q.text) : ftsQuery(q.text);
  if (q.text !== undefined) {
    // No searchable word: match nothing rather than everything.
    if (pg) query = query.where(match === null ? sql<boolean>`false` : sql<boolean>`vulns.fts @@ ${match}::tsquery`);
    else query = query.innerJoin('vulns_fts', (join) => join.on(sql<boolean>`vulns_fts.rowid = vulns.rowid`)).where(sql<boolean>`vulns_fts MATCH ${match ?? '""'}`);
  }
  // Best match first: FTS5's bm25 rank is smaller for better matches, ts_rank_cd larger.
  const relevance = pg ? sql`ts_rank_cd(vulns.fts, ${match}::tsquery) DESC` : sql`vulns_fts.rank`;
  const cveId = binary(dialect, sql.ref('vulns.cve_id'));
  if (!q.includeRejected) query = query.where('vulns.state', '!=', 'REJECTED');
  if (q.kev) query = query.where('vulns.kev', '=', 1);
  // `exploits > 0` as written: the partial index vulns_exploited (migration 8) has that condition.
  if (q.exploit) query = query.where(sql<boolean>`vulns.exploits > 0`);
  if (q.minEpss !== undefined) query = query.where('vulns.epss', '>=', q.minEpss);
  if (q.minCvss !== undefined) query = query.where('vulns.cvss_score', '>=', q.minCvss);
  if (q.since !== undefined) query = query.where('vulns.published', '>=', sinceIso(q.since));
  if (q.vendor !== undefined || q.product !== undefined) {
    const vendor = q.vendor !== undefined ? productKey(q.vendor) : undefined;
    const product = q.product !== undefined ? productKey(q.product) : undefined;
    query = query.where(({ exists, selectFrom }) =>
      exists(
        selectFrom('vuln_products as p')
          .select(sql`1`.as('one'))
          .whereRef('p.cve_id', '=', 'vulns.cve_id')
          .$if(vendor !== undefined, (s) => s.where('p.vendor_key', 'like', `${vendor}%`))
          .$if(product !== undefined, (s) => s.where('p.product_key', 'like', `${product}%`)),
      ),
    );
  }
  const limit = Math.min(Math.max(1, q.limit ?? 20), MAX_LIMIT);
  if (q.keyset) {
    if (q.sort === 'relevance' && match)
      return query
        .orderBy(relevance)
        .orderBy(pg ? cveId : 'vulns.cve_id')
        .limit(limit)
        .offset(q.offset ?? 0);
    const sort = q.sort === 'relevance' || q.sort === undefined ? 'priority' : q.sort;
    const key = sql.raw(KEYSET_COLUMNS[sort]);
    if (q.after) {
      const { value, id } = q.after;
      query = query.where(sql<boolean>`(${key} < ${value} OR (${key} = ${value} AND ${pg ? cveId : sql.raw('vulns.cve_id')} > ${id}))`);
    }
    return query
      .orderBy(sql`${key} DESC`)
      .orderBy(pg ? cveId : 'vulns.cve_id')
      .limit(limit);
  }
  if (q.sort === 'relevance' && match) query = query.orderBy(relevance);
  return query
    .orderBy('vulns.priority', 'desc')
    .orderBy('vulns.epss', (ob) => ob.desc().nullsLast())
    .orderBy('vulns.cvss_score', (ob) => ob.desc().nullsLast())
    .orderBy('vulns.published', (ob) => ob.desc().nullsLast())
    .orderBy(pg ? cveId : 'vulns.cve_id')
    .limit(limit);
}

/**
 * Counts the rows {@link buildRankQuery} would list for `q` without a limit (the list's total):
 * the same joins and filters, no order, no page.
 */
export function buildCountQuery(db: Kysely<RankTables>, q: RankQuery, dialect: Dialect = 'sqlite') {
  const { after: _a, offset: _o, keyset: _k, ...filters } = q;
  return buildRankQuery(db, { ...filters, sort: 'priority' }, dialect)
    .clearSelect()
    .clearOrderBy()
    .clearLimit()
    .select(sql<number>`count(*)`.as('n'));
}

/** Sort keys of keyset pages; NULLs sort last (coalesced below every real value). */
const KEYSET_COLUMNS = {
  priority: 'vulns.priority',
  published: "coalesce(vulns.published, '')",
  epss: 'coalesce(vulns.epss, -1)',
  cvss: 'coalesce(vulns.cvss_score, -1)',
} as const;

/**
 * The sort-key value of a row for {@link RankQuery.after}, as {@link KEYSET_COLUMNS} computes it.
 */
export function sortValue(row: RankedVulnerability, sort: RankQuery['sort']): number | string {
  switch (sort) {
    case 'published':
      return row.published ?? '';
    case 'epss':
      return row.epss ?? -1;
    case 'cvss':
      return row.cvssScore ?? -1;
    default:
      return row.priority;
  }
}
