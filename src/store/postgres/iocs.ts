/**
 * {@link IocStore} on PostgreSQL (tables: migration 11 'iocs'), with the semantics of
 * ../sqlite/iocs.ts: ../ioc-rows.ts `planDocumentIocs` decides what a document's save writes, and
 * the plan plus the recount of the indicators it touches are one transaction. Saves serialize on a
 * transaction-level advisory lock: two documents naming one indicator at once must not both count
 * its aggregates from a snapshot without the other's sighting.
 */
import type { CachedLookup, DocumentIocs, IocPage, IocQuery, IocSighting, IocStore, StoredIoc } from '../../iocs/types.ts';
import type { AnalysisResult, IocType } from '../../nlp/types.ts';
import {
  aggregateRow,
  IOC_COLUMNS,
  IOC_ORDER,
  type IocAggregate,
  type IocRow,
  iocFilters,
  iocLimit,
  iocPage,
  planDocumentIocs,
  SIGHTING_COLUMNS,
  type SightingRow,
  tlpRankSql,
  toStoredIoc,
} from '../ioc-rows.ts';
import type { PgClient, PgDb } from './pool.ts';

/** Key of the advisory lock IOC saves take ("VIOC"). */
const IOC_LOCK = 0x5649_4f43;

const SIGHTING_SELECT = `SELECT s.id, s.type, s.value, s.document_id AS "documentId", s.source, d.title, d.url, s.seen, s.original, s.tlp
  FROM ioc_sightings s LEFT JOIN intel_documents d ON d.id = s.document_id`;

/** Aggregates of the indicators `unnest($1, $2)`, counted from their sightings (none: no row). */
const AGGREGATES = `
  WITH k AS (SELECT DISTINCT type, value FROM unnest($1::text[], $2::text[]) AS k(type, value))
  SELECT a.*,
    (SELECT json_agg(DISTINCT s.source)::text FROM ioc_sightings s WHERE s.type = a.type AND s.value = a.value) AS sources,
    (SELECT coalesce(json_agg(c.cve_id), '[]')::text FROM (SELECT DISTINCT x.cve_id FROM ioc_sightings s
       JOIN ioc_document_cves x ON x.document_id = s.document_id WHERE s.type = a.type AND s.value = a.value ORDER BY x.cve_id LIMIT 50) c) AS cves,
    w.warning_list, w.warning_name
  FROM (SELECT s.type, s.value, count(*) AS n, min(s.seen) AS first_seen, max(s.seen) AS last_seen, max(${tlpRankSql('s.tlp')}) AS tlp_rank
        FROM ioc_sightings s JOIN k ON k.type = s.type AND k.value = s.value GROUP BY s.type, s.value) a
  LEFT JOIN LATERAL (SELECT s.warning_list, s.warning_name FROM ioc_sightings s WHERE s.type = a.type AND s.value = a.value
        ORDER BY s.seen DESC, s.id DESC LIMIT 1) w ON true`;

/** Counts the aggregates of `keys` again from their sightings; an indicator left without any is deleted. */
async function recount(c: PgClient, keys: [string, string][]): Promise<void> {
  if (!keys.length) return;
  const types = keys.map((k) => k[0]);
  const values = keys.map((k) => k[1]);
  const { rows } = await c.query<IocAggregate>(AGGREGATES, [types, values]);
  await c.query(
    `DELETE FROM iocs i USING unnest($1::text[], $2::text[]) AS k(type, value)
     WHERE i.type = k.type AND i.value = k.value AND NOT EXISTS (SELECT 1 FROM ioc_sightings s WHERE s.type = k.type AND s.value = k.value)`,
    [types, values],
  );
  if (!rows.length) return;
  const sets = IOC_COLUMNS.filter((col) => col !== 'type' && col !== 'value').map((col) => `${col} = excluded.${col}`);
  await c.query(
    `INSERT INTO iocs (${IOC_COLUMNS.join(', ')})
     SELECT ${IOC_COLUMNS.join(', ')} FROM json_to_recordset($1::json) AS r(type text, value text, first_seen text, last_seen text,
       sightings integer, sources text, cves text, warning_list text, warning_name text, tlp text)
     ON CONFLICT (type, value) DO UPDATE SET ${sets.join(', ')}`,
    [JSON.stringify(rows.map(aggregateRow))],
  );
}

/** The IOC store on the pool `db`. */
export function createPgIocStore(db: PgDb): IocStore {
  function where(q: IocQuery): { sql: string; params: unknown[] } {
    const params: unknown[] = [];
    const clauses = iocFilters(
      q,
      (v) => `$${params.push(v)}`,
      (column, needle) => `strpos(lower(${column}), ${needle}) > 0`,
    );
    return { sql: clauses.length ? `WHERE ${clauses.join(' AND ')}` : '', params };
  }

  return {
    async saveDocumentIocs(doc: DocumentIocs): Promise<{ newIocs: number; newSightings: number }> {
      return db.tx(async (c) => {
        await c.query('SELECT pg_advisory_xact_lock($1::int4, 0)', [IOC_LOCK]);
        const stored = (await c.query<SightingRow>('SELECT * FROM ioc_sightings WHERE document_id = $1', [doc.documentId])).rows;
        const storedCves = (await c.query<{ cve_id: string }>('SELECT cve_id FROM ioc_document_cves WHERE document_id = $1', [doc.documentId])).rows.map(
          (r) => r.cve_id,
        );
        const plan = planDocumentIocs(
          doc,
          stored.map((s) => ({ ...s, id: Number(s.id) })),
          storedCves,
        );
        if (!plan.affected.length && !plan.cves) return { newIocs: 0, newSightings: 0 };
        let newIocs = 0;
        if (plan.insert.length) {
          const known = await c.query<{ n: number }>(
            'SELECT count(*) AS n FROM iocs i JOIN unnest($1::text[], $2::text[]) AS k(type, value) ON i.type = k.type AND i.value = k.value',
            [plan.insert.map((s) => s.type), plan.insert.map((s) => s.value)],
          );
          newIocs = plan.insert.length - Number(known.rows[0]?.n ?? 0);
        }
        if (plan.remove.length) await c.query('DELETE FROM ioc_sightings WHERE id = ANY($1::bigint[])', [plan.remove]);
        const cols = `${SIGHTING_COLUMNS.map((col) => `${col} text`).join(', ')}`;
        if (plan.update.length) {
          await c.query(
            `UPDATE ioc_sightings s SET ${SIGHTING_COLUMNS.map((col) => `${col} = r.${col}`).join(', ')}
             FROM json_to_recordset($1::json) AS r(id bigint, ${cols}) WHERE s.id = r.id`,
            [JSON.stringify(plan.update)],
          );
        }
        if (plan.insert.length) {
          // In document order: sighting ids follow it.
          await c.query(
            `INSERT INTO ioc_sightings (${SIGHTING_COLUMNS.join(', ')})
             SELECT ${SIGHTING_COLUMNS.join(', ')} FROM ROWS FROM (json_to_recordset($1::json) AS (${cols})) WITH ORDINALITY AS r(${SIGHTING_COLUMNS.join(', ')}, n)
             ORDER BY n`,
            [JSON.stringify(plan.insert)],
          );
        }
        if (plan.cves) {
          await c.query('DELETE FROM ioc_document_cves WHERE document_id = $1', [doc.documentId]);
          if (plan.cves.length) await c.query('INSERT INTO ioc_document_cves (document_id, cve_id) SELECT $1, unnest($2::text[])', [doc.documentId, plan.cves]);
        }
        await recount(c, plan.affected);
        return { newIocs, newSightings: plan.insert.length };
      });
    },

    async listIocs(query: IocQuery): Promise<IocPage> {
      const limit = iocLimit(query.limit);
      const { sql, params } = where(query);
      return iocPage(await db.query<IocRow>(`SELECT i.* FROM iocs i ${sql} ${IOC_ORDER} LIMIT ${limit + 1}`, params), limit);
    },

    async countIocs(query: Omit<IocQuery, 'limit' | 'cursor'>): Promise<number> {
      const { sql, params } = where(query);
      return (await db.one<{ n: number }>(`SELECT count(*) AS n FROM iocs i ${sql}`, params))?.n ?? 0;
    },

    async getIoc(type: IocType, value: string): Promise<StoredIoc | null> {
      const row = await db.one<IocRow>('SELECT * FROM iocs WHERE type = $1 AND value = $2', [type, value]);
      return row ? toStoredIoc(row) : null;
    },

    async sightings(type: IocType, value: string, limit = 100): Promise<IocSighting[]> {
      const rows = await db.query<IocSighting & { id: number; type: string; value: string }>(
        `${SIGHTING_SELECT} WHERE s.type = $1 AND s.value = $2 ORDER BY s.seen DESC, s.id DESC LIMIT $3`,
        [type, value, Math.max(1, Math.trunc(limit))],
      );
      return rows.map(({ id: _id, type: _t, value: _v, ...s }) => s);
    },

    async iocsOfDocument(documentId: string): Promise<StoredIoc[]> {
      const rows = await db.query<IocRow>(
        'SELECT i.* FROM ioc_sightings s JOIN iocs i ON i.type = s.type AND i.value = s.value WHERE s.document_id = $1 ORDER BY i.type, i.value',
        [documentId],
      );
      return rows.map(toStoredIoc);
    },

    // Ids are taken at insert, not at commit: SHARE mode waits for every transaction writing
    // sightings and holds new ones off for this read, so no id below the last one read can still
    // appear (as intel.ts intelChangesSince; https://www.postgresql.org/docs/15/explicit-locking.html).
    async sightingsSince(afterId: number, limit: number): Promise<(IocSighting & { id: number; type: IocType; value: string })[]> {
      return db.tx(async (c) => {
        await c.query('LOCK TABLE ioc_sightings IN SHARE MODE');
        const { rows } = await c.query(`${SIGHTING_SELECT} WHERE s.id > $1 ORDER BY s.id LIMIT $2`, [afterId, Math.max(1, Math.trunc(limit))]);
        return rows as (IocSighting & { id: number; type: IocType; value: string })[];
      });
    },

    async lastSightingId(): Promise<number> {
      return (await db.one<{ n: number }>('SELECT coalesce(max(id), 0) AS n FROM ioc_sightings'))?.n ?? 0;
    },

    async saveDocumentAnalysis(documentId: string, analysis: AnalysisResult, analysed: string): Promise<void> {
      await db.query(
        `INSERT INTO document_analyses (document_id, analysis, analysed) VALUES ($1, $2, $3)
         ON CONFLICT (document_id) DO UPDATE SET analysis = excluded.analysis, analysed = excluded.analysed`,
        [documentId, JSON.stringify(analysis), analysed],
      );
    },

    async getDocumentAnalysis(documentId: string): Promise<{ analysis: AnalysisResult; analysed: string } | null> {
      const row = await db.one<{ analysis: string; analysed: string }>('SELECT analysis, analysed FROM document_analyses WHERE document_id = $1', [documentId]);
      return row ? { analysis: JSON.parse(row.analysis) as AnalysisResult, analysed: row.analysed } : null;
    },

    async documentsWithoutAnalysis(limit: number): Promise<string[]> {
      const rows = await db.query<{ id: string }>(
        `SELECT d.id FROM intel_documents d WHERE NOT EXISTS (SELECT 1 FROM document_analyses a WHERE a.document_id = d.id)
         ORDER BY d.first_seen, d.id LIMIT $1`,
        [Math.max(1, Math.trunc(limit))],
      );
      return rows.map((r) => r.id);
    },

    async getLookup(provider: string, type: IocType, value: string): Promise<CachedLookup | null> {
      const row = await db.one<Omit<CachedLookup, 'body'> & { body: string }>(
        'SELECT provider, type, value, fetched, body FROM ioc_lookups WHERE provider = $1 AND type = $2 AND value = $3',
        [provider, type, value],
      );
      return row ? { ...row, body: JSON.parse(row.body) as unknown } : null;
    },

    async saveLookup(lookup: CachedLookup): Promise<void> {
      await db.query(
        `INSERT INTO ioc_lookups (provider, type, value, fetched, body) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (provider, type, value) DO UPDATE SET fetched = excluded.fetched, body = excluded.body`,
        [lookup.provider, lookup.type, lookup.value, lookup.fetched, JSON.stringify(lookup.body ?? null)],
      );
    },
  };
}
