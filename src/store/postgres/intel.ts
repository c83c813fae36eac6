/**
 * {@link IntelStore} on PostgreSQL (tables: migration 10 'intel'), with the semantics of
 * ../sqlite/intel.ts: what a batch writes is decided by ../intel-rows.ts `planIntelSave`, and
 * written in one transaction of a few multi-row statements whatever the batch size. Batches
 * serialize on one transaction-level advisory lock, so two collectors saving near-duplicates at
 * once still put them in one cluster. Full text: `fts`, the `tsvector` literal of title and text
 * made as query-pg.ts `ftsDocument` makes it (the tokens FTS5 indexes on SQLite).
 */
import type {
  FetchValidators,
  IntelChange,
  IntelDocument,
  IntelQuery,
  IntelSaveResult,
  IntelSource,
  IntelSourceCounts,
  IntelStore,
  IntelSummary,
  StoredIntelDocument,
} from '../../intel/types.ts';
import { sinceIso } from '../advisory-rows.ts';
import {
  batchBands,
  type ClusterCandidate,
  fromSourceRow,
  INTEL_DOCUMENT_COLUMNS,
  INTEL_SOURCE_COLUMNS,
  INTEL_SUMMARY_COLUMNS,
  type IntelDocumentRow,
  type IntelSourceRow,
  type IntelSummaryRow,
  intelLimit,
  planIntelSave,
  type StoredIntelState,
  toSourceRow,
  toStoredDocument,
  toSummary,
} from '../intel-rows.ts';
import type { PgDb } from './pool.ts';
import { ftsDocument, ftsTsquery } from './query-pg.ts';

/** Key of the advisory lock intel batches take ("VINT"). */
const INTEL_LOCK = 0x5649_4e54;

/** `published ?? fetchedAt`: the list order, as the index `intel_documents_date` has it. */
const SORT_DATE = 'coalesce(d.published, d.fetched_at)';

/** SQL types of the `intel_documents` columns, for `json_to_recordset`. */
const DOCUMENT_TYPES: Record<(typeof INTEL_DOCUMENT_COLUMNS)[number], string> = {
  id: 'text',
  source: 'text',
  url: 'text',
  canonical_url: 'text',
  title: 'text',
  author: 'text',
  published: 'text',
  fetched_at: 'text',
  language: 'text',
  text: 'text',
  summary: 'text',
  content_hash: 'text',
  simhash: 'text',
  tags: 'text',
  cves: 'text',
  cluster: 'text',
  first_seen: 'text',
  band0: 'integer',
  band1: 'integer',
  band2: 'integer',
  band3: 'integer',
};

/** The `fts` column of a document row: title, then text (FTS5 `intel_fts` columns). */
export function intelFtsDocument(row: { title: string; text: string }): string {
  return ftsDocument([row.title, row.text]);
}

/** WHERE clause and parameters of the filters of `q` (paging excluded), as on SQLite. */
function filters(q: IntelQuery): { where: string[]; params: unknown[] } {
  const where: string[] = [];
  const params: unknown[] = [];
  const p = (value: unknown) => `$${params.push(value)}`;
  if (q.source !== undefined) where.push(`d.source = ${p(q.source)}`);
  if (q.cluster !== undefined) where.push(`d.cluster = ${p(q.cluster)}`);
  if (q.cve !== undefined) where.push(`d.id IN (SELECT document_id FROM intel_document_cves WHERE cve_id = ${p(q.cve.toUpperCase())})`);
  if (q.text !== undefined) {
    // No searchable word: match nothing rather than everything.
    const query = ftsTsquery(q.text);
    where.push(query ? `d.fts @@ ${p(query)}::tsquery` : 'false');
  }
  if (q.since !== undefined) where.push(`${SORT_DATE} >= ${p(sinceIso(q.since))}`);
  return { where, params };
}

function whereSql(where: string[]): string {
  return where.length ? `WHERE ${where.join(' AND ')}` : '';
}

/** Intel sources, documents and validators on the pool `db`. */
export function createPgIntelStore(db: PgDb): IntelStore & { saveDocuments(documents: IntelDocument[], now?: string): Promise<IntelSaveResult> } {
  return {
    async listSources(): Promise<IntelSource[]> {
      return (await db.query<IntelSourceRow>('SELECT * FROM intel_sources ORDER BY name')).map(fromSourceRow);
    },

    async getSource(name: string): Promise<IntelSource | null> {
      const row = await db.one<IntelSourceRow>('SELECT * FROM intel_sources WHERE name = $1', [name]);
      return row ? fromSourceRow(row) : null;
    },

    async saveSource(source: IntelSource): Promise<void> {
      const row = toSourceRow(source);
      const sets = INTEL_SOURCE_COLUMNS.filter((c) => c !== 'name').map((c) => `${c} = excluded.${c}`);
      await db.query(
        `INSERT INTO intel_sources (${INTEL_SOURCE_COLUMNS.join(', ')}) VALUES (${INTEL_SOURCE_COLUMNS.map((_, i) => `$${i + 1}`).join(', ')})
         ON CONFLICT (name) DO UPDATE SET ${sets.join(', ')}`,
        INTEL_SOURCE_COLUMNS.map((c) => row[c]),
      );
    },

    async deleteSource(name: string): Promise<boolean> {
      return (await db.query('DELETE FROM intel_sources WHERE name = $1 RETURNING name', [name])).length > 0;
    },

    /** See {@link IntelStore.saveDocuments}. @param now ISO 8601 stored as `firstSeen` of new documents. */
    async saveDocuments(documents: IntelDocument[], now: string = new Date().toISOString()): Promise<IntelSaveResult> {
      if (!documents.length) return { created: 0, changed: 0, unchanged: 0, changes: [] };
      return db.tx(async (c) => {
        await c.query('SELECT pg_advisory_xact_lock($1::int4, 0)', [INTEL_LOCK]);
        const ids = [...new Set(documents.map((d) => d.id))];
        const stored = await c.query<StoredIntelState>(
          'SELECT id, source, content_hash AS "contentHash", first_seen AS "firstSeen", cluster FROM intel_documents WHERE id = ANY($1::text[])',
          [ids],
        );
        // Only new documents are given a cluster: a batch of stored ones (a re-collection) reads no candidates.
        const known = new Set(stored.rows.map((s) => s.id));
        const fresh = documents.filter((d) => !known.has(d.id));
        const candidates = fresh.length
          ? (
              await c.query<ClusterCandidate>(
                // The oldest document of each SimHash only: copies of one hash are equally near, and the oldest near one wins.
                `SELECT DISTINCT ON (simhash) id, simhash, cluster, first_seen AS "firstSeen" FROM intel_documents
                 WHERE band0 = ANY($1::int[]) OR band1 = ANY($2::int[]) OR band2 = ANY($3::int[]) OR band3 = ANY($4::int[])
                 ORDER BY simhash, first_seen COLLATE "C", id COLLATE "C"`,
                batchBands(fresh),
              )
            ).rows
          : [];
        const plan = planIntelSave(documents, stored.rows, candidates, now);
        if (!plan.rows.length) return plan.result;
        const replaced = plan.rows.filter((r) => !r.created).map((r) => r.row.id);
        if (replaced.length) await c.query('DELETE FROM intel_document_cves WHERE document_id = ANY($1::text[])', [replaced]);
        const columns = INTEL_DOCUMENT_COLUMNS.join(', ');
        const sets = INTEL_DOCUMENT_COLUMNS.filter((col) => col !== 'id').map((col) => `${col} = excluded.${col}`);
        // One JSON parameter: pg escapes text arrays in JavaScript, JSON.stringify runs in C++.
        await c.query(
          `INSERT INTO intel_documents (${columns}, fts)
           SELECT ${INTEL_DOCUMENT_COLUMNS.map((col) => `i.${col}`).join(', ')}, i.fts::tsvector
           FROM json_to_recordset($1::json) AS i(${INTEL_DOCUMENT_COLUMNS.map((col) => `${col} ${DOCUMENT_TYPES[col]}`).join(', ')}, fts text)
           ON CONFLICT (id) DO UPDATE SET ${sets.join(', ')}, fts = excluded.fts`,
          [JSON.stringify(plan.rows.map(({ row }) => ({ ...row, fts: intelFtsDocument(row) })))],
        );
        const links = plan.rows.flatMap(({ row }) =>
          [...new Set((JSON.parse(row.cves) as string[]).map((cve) => cve.toUpperCase()))].map((cve) => [row.id, cve]),
        );
        if (links.length) {
          await c.query('INSERT INTO intel_document_cves (document_id, cve_id) SELECT * FROM unnest($1::text[], $2::text[])', [
            links.map((l) => l[0]),
            links.map((l) => l[1]),
          ]);
        }
        const h = plan.history;
        // In batch order: history ids follow it.
        await c.query(
          `INSERT INTO intel_history (document_id, at, kind, previous_hash, content_hash, title)
           SELECT document_id, at, kind, previous_hash, content_hash, title
           FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[])
             WITH ORDINALITY AS i(document_id, at, kind, previous_hash, content_hash, title, n) ORDER BY n`,
          [
            h.map((x) => x.documentId),
            h.map((x) => x.at),
            h.map((x) => x.kind),
            h.map((x) => x.previousHash),
            h.map((x) => x.contentHash),
            h.map((x) => x.title),
          ],
        );
        return plan.result;
      });
    },

    async getDocument(id: string): Promise<StoredIntelDocument | null> {
      const row = await db.one<IntelDocumentRow>(`SELECT ${INTEL_DOCUMENT_COLUMNS.join(', ')} FROM intel_documents WHERE id = $1`, [id]);
      if (!row) return null;
      const size = await db.one<{ n: number }>('SELECT count(*) AS n FROM intel_documents WHERE cluster = $1', [row.cluster]);
      const history = await db.query<IntelChange>(
        `SELECT document_id AS "documentId", at, kind, previous_hash AS "previousHash", content_hash AS "contentHash", title
         FROM intel_history WHERE document_id = $1 ORDER BY id`,
        [id],
      );
      return toStoredDocument(row, size?.n ?? 1, history);
    },

    async listDocuments(q: IntelQuery): Promise<IntelSummary[]> {
      const { where, params } = filters(q);
      if (q.after) {
        params.push(q.after.date, q.after.id);
        where.push(`(${SORT_DATE}, d.id) < ($${params.length - 1}, $${params.length})`);
      }
      params.push(intelLimit(q.limit));
      const sql = `SELECT ${INTEL_SUMMARY_COLUMNS} FROM intel_documents d ${whereSql(where)} ORDER BY ${SORT_DATE} DESC, d.id DESC LIMIT $${params.length}`;
      return (await db.query<IntelSummaryRow>(sql, params)).map(toSummary);
    },

    async countDocuments(q: IntelQuery): Promise<number> {
      const { where, params } = filters(q);
      const row = await db.one<{ n: number }>(`SELECT count(*) AS n FROM intel_documents d ${whereSql(where)}`, params);
      return row?.n ?? 0;
    },

    async documentsForCve(cveId: string, limit = 20): Promise<IntelSummary[]> {
      const rows = await db.query<IntelSummaryRow>(
        `SELECT ${INTEL_SUMMARY_COLUMNS} FROM intel_document_cves x JOIN intel_documents d ON d.id = x.document_id
         WHERE x.cve_id = $1 ORDER BY ${SORT_DATE} DESC, d.id DESC LIMIT $2`,
        [cveId.toUpperCase(), Math.max(1, Math.trunc(limit))],
      );
      return rows.map(toSummary);
    },

    async sourceCounts(): Promise<IntelSourceCounts[]> {
      return db.query<IntelSourceCounts>(
        `SELECT s.source, (SELECT count(*) FROM intel_documents d WHERE d.source = s.source) AS documents,
           (SELECT max(fetched_at) FROM intel_documents d WHERE d.source = s.source) AS "lastFetched"
         FROM (SELECT name AS source FROM intel_sources UNION SELECT DISTINCT source FROM intel_documents) s ORDER BY s.source`,
      );
    },

    async getValidators(url: string): Promise<FetchValidators | null> {
      return db.one<FetchValidators>('SELECT url, etag, last_modified AS "lastModified", fetched_at AS "fetchedAt" FROM intel_validators WHERE url = $1', [
        url,
      ]);
    },

    // Ids are taken at insert, not at commit: SHARE mode waits for every transaction writing the
    // history and holds new ones off for this read, so no id below the last one read can still
    // appear (store/postgres/alerts.ts readFeed; https://www.postgresql.org/docs/15/explicit-locking.html).
    async intelChangesSince(afterId: number, limit: number): Promise<(IntelChange & { id: number })[]> {
      return db.tx(async (c) => {
        await c.query('LOCK TABLE intel_history IN SHARE MODE');
        const { rows } = await c.query(
          `SELECT id, document_id AS "documentId", at, kind, previous_hash AS "previousHash", content_hash AS "contentHash", title
           FROM intel_history WHERE id > $1 ORDER BY id LIMIT $2`,
          [afterId, Math.max(1, Math.trunc(limit))],
        );
        return rows as (IntelChange & { id: number })[];
      });
    },

    async lastIntelChangeId(): Promise<number> {
      return (await db.one<{ n: number }>('SELECT coalesce(max(id), 0) AS n FROM intel_history'))?.n ?? 0;
    },

    async saveValidators(v: FetchValidators): Promise<void> {
      await db.query(
        `INSERT INTO intel_validators (url, etag, last_modified, fetched_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (url) DO UPDATE SET etag = excluded.etag, last_modified = excluded.last_modified, fetched_at = excluded.fetched_at`,
        [v.url, v.etag, v.lastModified, v.fetchedAt],
      );
    },
  };
}
