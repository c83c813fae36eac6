/**
 * CVE records on PostgreSQL: observations, the `vulns` row per CVE (ranking columns, priority),
 * products, CWEs, full text and change history; ranked lists, source state and sizes.
 * Same semantics as the SQLite store (../sqlite/index.ts, rows.ts, ../query.ts); the write path is
 * records-write.ts, full text query-pg.ts. Each read is one statement (one snapshot).
 */
import { computePriority } from '../../analysis/priority.ts';
import type { Change, RankedVulnerability } from '../../model/record.ts';
import type { CvssVersion, CveState, KevEntry, KevHint, RecordSourceId, Severity, VulnObservation } from '../../model/vulnerability.ts';
import { buildCountQuery, buildRankQuery, type RankTables } from '../query.ts';
import { dayStart } from '../sqlite/known.ts';
import { AsyncVendorNames, SAMPLE } from '../sqlite/vendor-names.ts';
import type { MergeState, RankQuery, SourceState, StoredVulnerability, StoreStats } from '../types.ts';
import type { PgDb } from './pool.ts';
import { pgCompiler } from './query-pg.ts';
import { afterSaves } from './records-write.ts';

export { saveVulnerabilities } from './records-write.ts';

const qb = pgCompiler<RankTables>();

/**
 * What is stored of these CVEs (missing ids are absent). Waits for the saves this process issued
 * before it (see records-write.ts afterSaves), as the pipeline expects.
 */
export async function loadForMerge(db: PgDb, cveIds: string[]): Promise<Map<string, MergeState>> {
  await afterSaves(db);
  const out = new Map<string, MergeState>();
  if (!cveIds.length) return out;
  const rows = await db.query<{ cve_id: string; source: RecordSourceId; hash: string; data: string }>(
    'SELECT cve_id, source, hash, data FROM observations WHERE cve_id = ANY($1::text[])',
    [[...new Set(cveIds)]],
  );
  for (const r of rows) {
    let s = out.get(r.cve_id);
    if (!s) {
      s = { observations: new Map() };
      out.set(r.cve_id, s);
    }
    s.observations.set(r.source, { observation: JSON.parse(r.data) as VulnObservation, hash: r.hash });
  }
  return out;
}

interface VulnRow {
  has_row: boolean;
  kev_hint: string | null;
  epss: number | null;
  epss_percentile: number | null;
  epss_date: string | null;
  priority: number | null;
  has_record: number | null;
  awaiting_epss: number | null;
  last_modified: string | null;
  exploits: number | null;
  observations: string[] | null;
  kev: string | null;
  epss_dates: string[] | null;
  epss_scores: number[] | null;
  epss_percentiles: number[] | null;
  history: Change[] | null;
  /** Only for a CVE without a row: its current EPSS score and exploit count. */
  current: { epss: number; percentile: number; date: string } | null;
  exploit_count: number | null;
}

/**
 * Everything stored about one CVE, in one statement. A CVE only EPSS knows has no row: its view is
 * built from the EPSS tables, as ../sqlite/index.ts epssOnly does (read ../sqlite/known.ts).
 */
export async function getVulnerability(db: PgDb, cveId: string): Promise<StoredVulnerability | null> {
  const r = await db.one<VulnRow>(
    `SELECT v.cve_id IS NOT NULL AS has_row, v.kev_hint, v.epss, v.epss_percentile, v.epss_date, v.priority, v.has_record, v.awaiting_epss,
       v.last_modified, v.exploits,
       (SELECT array_agg(data ORDER BY source COLLATE "C") FROM observations WHERE cve_id = q.id) AS observations,
       (SELECT data FROM kev WHERE cve_id = q.id AND removed_in IS NULL) AS kev,
       (SELECT array_agg(date ORDER BY date COLLATE "C") FROM epss_history WHERE cve_id = q.id) AS epss_dates,
       (SELECT array_agg(epss ORDER BY date COLLATE "C") FROM epss_history WHERE cve_id = q.id) AS epss_scores,
       (SELECT array_agg(percentile ORDER BY date COLLATE "C") FROM epss_history WHERE cve_id = q.id) AS epss_percentiles,
       (SELECT json_agg(json_build_object('cveId', cve_id, 'field', field, 'old', old, 'new', new, 'source', source, 'at', at) ORDER BY at COLLATE "C", id)
          FROM changes WHERE cve_id = q.id) AS history,
       CASE WHEN v.cve_id IS NULL THEN (SELECT json_build_object('epss', epss, 'percentile', percentile, 'date', date) FROM epss_current WHERE cve_id = q.id) END AS current,
       CASE WHEN v.cve_id IS NULL THEN (SELECT count(*) FROM advisory_cves ec JOIN advisories ea ON ea.id = ec.advisory_id
         WHERE ec.cve_id = q.id AND ec.origin = 'listed' AND ea.kind = 'exploit' AND ea.withdrawn IS NULL) END AS exploit_count
     FROM (SELECT $1::text AS id) q LEFT JOIN vulns v ON v.cve_id = q.id`,
    [cveId],
  );
  if (!r) return null;
  const dates = r.epss_dates ?? [];
  const epssHistory = dates.map((date, i) => ({ date, score: r.epss_scores?.[i] as number, percentile: r.epss_percentiles?.[i] as number }));
  const history = r.history ?? [];
  if (!r.has_row) {
    const first = epssHistory[0];
    if (!first) return null;
    const exploits = r.exploit_count ?? 0;
    const current = r.current;
    return {
      cveId,
      observations: [],
      kev: null,
      kevHint: null,
      epss: current ? { score: current.epss, percentile: current.percentile, date: current.date } : null,
      epssHistory,
      history,
      priority: computePriority({ rejected: false, kev: false, ransomware: false, epss: current?.epss ?? null, cvssScore: null, exploits }).score,
      exploits,
      hasRecord: false,
      awaitingEpss: false,
      lastModified: dayStart(first.date),
    };
  }
  return {
    observations: (r.observations ?? []).map((d) => JSON.parse(d) as VulnObservation),
    kev: r.kev ? (JSON.parse(r.kev) as KevEntry) : null,
    kevHint: r.kev_hint ? (JSON.parse(r.kev_hint) as KevHint) : null,
    epss: r.epss !== null && r.epss_percentile !== null && r.epss_date !== null ? { score: r.epss, percentile: r.epss_percentile, date: r.epss_date } : null,
    epssHistory,
    history,
    priority: r.priority as number,
    exploits: r.exploits ?? 0,
    cveId,
    hasRecord: r.has_record === 1,
    awaitingEpss: r.awaiting_epss === 1,
    lastModified: r.last_modified as string,
  };
}

interface RankRow {
  cve_id: string;
  state: CveState;
  published: string | null;
  title: string | null;
  snippet: string | null;
  severity: Severity | null;
  cvss_score: number | null;
  cvss_version: CvssVersion | null;
  kev: number;
  ransomware: number;
  epss: number | null;
  epss_percentile: number | null;
  vendors: string | null;
  exploits: number;
  priority: number;
}

const vendorNames = new WeakMap<PgDb, AsyncVendorNames>();

/**
 * The vendor display names of the store on `db` (../sqlite/vendor-names.ts; one cache per pool):
 * for lists, the overview's top vendors and `vigil top`.
 */
export function vendorNamesOf(db: PgDb): AsyncVendorNames {
  let names = vendorNames.get(db);
  if (!names) {
    names = new AsyncVendorNames(async (keys) => {
      const out = new Map<string, string[]>();
      const rows = await db.query<{ key: string; vendors: string }>(
        `SELECT k.key, v.vendors FROM unnest($1::text[]) AS k(key)
         CROSS JOIN LATERAL (
           SELECT vendors FROM vulns WHERE vendors IS NOT NULL AND cve_id IN (
             SELECT DISTINCT cve_id COLLATE "C" FROM vuln_products WHERE vendor_key = k.key ORDER BY 1 LIMIT ${SAMPLE})) v`,
        [keys],
      );
      for (const r of rows) {
        const list = out.get(r.key);
        if (list) list.push(r.vendors);
        else out.set(r.key, [r.vendors]);
      }
      return out;
    });
    vendorNames.set(db, names);
  }
  return names;
}

/** The ranked list (../query.ts) with vendors in their display spelling. */
export async function rank(db: PgDb, q: RankQuery): Promise<RankedVulnerability[]> {
  const compiled = buildRankQuery(qb, q, 'postgres').compile();
  const rows = await db.query<RankRow>(compiled.sql, compiled.parameters as unknown[]);
  const vendors = await vendorNamesOf(db).displayAll(rows.map((r) => (r.vendors ? r.vendors.split(', ') : [])));
  return rows.map((r, i) => ({
    id: r.cve_id,
    state: r.state,
    published: r.published,
    severity: r.severity,
    cvssScore: r.cvss_score,
    cvssVersion: r.cvss_version,
    epss: r.epss,
    percentile: r.epss_percentile,
    kev: r.kev === 1,
    ransomware: r.ransomware === 1,
    priority: r.priority,
    title: r.title,
    snippet: r.snippet,
    vendors: vendors[i] ?? [],
    exploits: r.exploits,
  }));
}

/** How many CVEs match the filters of `q` (order and page ignored). */
export async function countRanked(db: PgDb, q: RankQuery): Promise<number> {
  const compiled = buildCountQuery(qb, q, 'postgres').compile();
  return (await db.one<{ n: number }>(compiled.sql, compiled.parameters as unknown[]))?.n ?? 0;
}

interface SourceStateRow {
  source: string;
  cursor: string | null;
  last_success: string | null;
  last_attempt: string | null;
  last_error: string | null;
  last_count: number | null;
}

function toSourceState(r: SourceStateRow): SourceState {
  return {
    source: r.source,
    cursor: r.cursor,
    lastSuccess: r.last_success,
    lastAttempt: r.last_attempt,
    lastError: r.last_error,
    lastCount: r.last_count,
  };
}

export async function getSourceState(db: PgDb, source: string): Promise<SourceState | null> {
  const r = await db.one<SourceStateRow>('SELECT * FROM source_state WHERE source = $1', [source]);
  return r ? toSourceState(r) : null;
}

/** Creates or replaces the sync state of one source. */
export async function saveSourceState(db: PgDb, s: SourceState): Promise<void> {
  await db.query(
    `INSERT INTO source_state (source, cursor, last_success, last_attempt, last_error, last_count) VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (source) DO UPDATE SET cursor = excluded.cursor, last_success = excluded.last_success,
       last_attempt = excluded.last_attempt, last_error = excluded.last_error, last_count = excluded.last_count`,
    [s.source, s.cursor, s.lastSuccess, s.lastAttempt, s.lastError, s.lastCount],
  );
}

export async function listSourceStates(db: PgDb): Promise<SourceState[]> {
  return (await db.query<SourceStateRow>('SELECT * FROM source_state ORDER BY source COLLATE "C"')).map(toSourceState);
}

/** ISO 8601: the newest `lastModified` among one feed's observations (index `observations_source_modified`). */
export async function newestLastModified(db: PgDb, source: string): Promise<string | null> {
  return (await db.one<{ m: string | null }>('SELECT max(last_modified) AS m FROM observations WHERE source = $1', [source]))?.m ?? null;
}

/** Store sizes; `bytes` is the size of the schema's tables with their indexes and TOAST (pg_total_relation_size). */
export async function storeStats(db: PgDb): Promise<StoreStats> {
  const r = await db.one<Omit<StoreStats, 'advisories'> & { advisories: Record<string, number> | null }>(
    `SELECT
       (SELECT count(*) FROM vulns WHERE has_record = 1) AS vulnerabilities,
       (SELECT count(*) FROM vulns WHERE has_record = 0)
         + (SELECT count(*) FROM epss_current c WHERE NOT EXISTS (SELECT 1 FROM vulns v WHERE v.cve_id = c.cve_id)) AS "knownWithoutRecord",
       (SELECT count(*) FROM observations) AS observations,
       (SELECT count(*) FROM epss_current) AS "epssScores",
       (SELECT coalesce(array_agg(date ORDER BY date COLLATE "C"), '{}') FROM epss_days) AS "epssDays",
       (SELECT count(*) FROM kev WHERE removed_in IS NULL) AS "kevEntries",
       (SELECT max(catalog_version COLLATE "C") FROM kev_catalogs) AS "kevCatalogVersion",
       (SELECT count(*) FROM changes) AS changes,
       (SELECT json_object_agg(kind, n ORDER BY kind COLLATE "C") FROM (SELECT kind, count(*) AS n FROM advisories GROUP BY kind) a) AS advisories,
       (SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0)::bigint FROM pg_class c JOIN pg_namespace ns ON ns.oid = c.relnamespace
         WHERE ns.nspname = $1 AND c.relkind IN ('r', 'p', 'm')) AS bytes`,
    [db.schema],
  );
  if (!r) throw new Error('store statistics: no row');
  return { ...r, advisories: r.advisories ?? {} };
}
