/**
 * {@link IntelStore} on SQLite (tables: migration 10 'intel'). What a batch writes is decided by
 * ../intel-rows.ts `planIntelSave` (shared with PostgreSQL); this file reads what it needs and
 * writes the plan in one transaction. Full text (`intel_fts`, FTS5) is kept by triggers on
 * `intel_documents` (see the migration).
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
  INTEL_DOCUMENT_COLUMNS,
  INTEL_SOURCE_COLUMNS,
  INTEL_SUMMARY_COLUMNS,
  type IntelDocumentRow,
  type IntelSourceRow,
  type IntelSummaryRow,
  fromSourceRow,
  intelLimit,
  planIntelSave,
  type StoredIntelState,
  toSourceRow,
  toStoredDocument,
  toSummary,
} from '../intel-rows.ts';
import { ftsQuery } from '../query.ts';
import type { SqliteStore } from './index.ts';

/** `published ?? fetchedAt`: the list order, as the index `intel_documents_date` has it. */
const SORT_DATE = 'coalesce(d.published, d.fetched_at)';

/** WHERE clause and parameters of the filters of `q` (paging excluded). */
function filters(q: IntelQuery): { where: string[]; params: unknown[] } {
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (clause: string, ...values: unknown[]) => {
    where.push(clause);
    params.push(...values);
  };
  if (q.source !== undefined) add('d.source = ?', q.source);
  if (q.cluster !== undefined) add('d.cluster = ?', q.cluster);
  if (q.cve !== undefined) add('d.id IN (SELECT document_id FROM intel_document_cves WHERE cve_id = ?)', q.cve.toUpperCase());
  // Each word a quoted FTS5 string (nothing typed is query syntax); no searchable word: nothing matches.
  if (q.text !== undefined) add('d.rowid IN (SELECT rowid FROM intel_fts WHERE intel_fts MATCH ?)', ftsQuery(q.text) ?? '""');
  if (q.since !== undefined) add(`${SORT_DATE} >= ?`, sinceIso(q.since));
  return { where, params };
}

function whereSql(where: string[]): string {
  return where.length ? `WHERE ${where.join(' AND ')}` : '';
}

/** Intel sources, documents and validators on the connection of `store`. */
/** Every method of {@link IntelStore}: what a store worker thread answers (threaded.ts `ThreadedIntelStore`). */
export const INTEL_METHODS = [
  'listSources',
  'getSource',
  'saveSource',
  'deleteSource',
  'saveDocuments',
  'getDocument',
  'listDocuments',
  'countDocuments',
  'documentsForCve',
  'sourceCounts',
  'getValidators',
  'saveValidators',
  'intelChangesSince',
  'lastIntelChangeId',
] as const satisfies readonly (keyof IntelStore)[];

export class SqliteIntelStore implements IntelStore {
  constructor(private readonly store: SqliteStore) {}

  async listSources(): Promise<IntelSource[]> {
    return (this.store.stmt('SELECT * FROM intel_sources ORDER BY name').all() as IntelSourceRow[]).map(fromSourceRow);
  }

  async getSource(name: string): Promise<IntelSource | null> {
    const row = this.store.stmt('SELECT * FROM intel_sources WHERE name = ?').get(name) as IntelSourceRow | undefined;
    return row ? fromSourceRow(row) : null;
  }

  async saveSource(source: IntelSource): Promise<void> {
    const row = toSourceRow(source);
    const sets = INTEL_SOURCE_COLUMNS.filter((c) => c !== 'name').map((c) => `${c} = excluded.${c}`);
    this.store
      .stmt(
        `INSERT INTO intel_sources (${INTEL_SOURCE_COLUMNS.join(', ')}) VALUES (${INTEL_SOURCE_COLUMNS.map(() => '?').join(', ')})
         ON CONFLICT (name) DO UPDATE SET ${sets.join(', ')}`,
      )
      .run(...INTEL_SOURCE_COLUMNS.map((c) => row[c]));
  }

  async deleteSource(name: string): Promise<boolean> {
    return this.store.stmt('DELETE FROM intel_sources WHERE name = ?').run(name).changes > 0;
  }

  /** See {@link IntelStore.saveDocuments}. @param now ISO 8601 stored as `firstSeen` of new documents. */
  async saveDocuments(documents: IntelDocument[], now = new Date().toISOString()): Promise<IntelSaveResult> {
    if (!documents.length) return { created: 0, changed: 0, unchanged: 0, changes: [] };
    const { db } = this.store;
    return db.transaction(() => {
      const ids = JSON.stringify([...new Set(documents.map((d) => d.id))]);
      const stored = this.store
        .stmt(
          `SELECT id, source, content_hash AS contentHash, first_seen AS firstSeen, cluster
           FROM intel_documents WHERE id IN (SELECT value FROM json_each(?))`,
        )
        .all(ids) as StoredIntelState[];
      // Only new documents are given a cluster: a batch of stored ones (a re-collection) reads no candidates.
      const known = new Set(stored.map((s) => s.id));
      const fresh = documents.filter((d) => !known.has(d.id));
      const bands = batchBands(fresh).map((b) => JSON.stringify([...new Set(b)]));
      const candidates = fresh.length
        ? (this.store
            .stmt(
              // The oldest document of each SimHash only: copies of one hash are equally near, and the oldest near one wins.
              `SELECT id, simhash, cluster, firstSeen FROM (
                 SELECT id, simhash, cluster, first_seen AS firstSeen, row_number() OVER (PARTITION BY simhash ORDER BY first_seen, id) AS n
                 FROM intel_documents
                 WHERE band0 IN (SELECT value FROM json_each(?)) OR band1 IN (SELECT value FROM json_each(?))
                    OR band2 IN (SELECT value FROM json_each(?)) OR band3 IN (SELECT value FROM json_each(?)))
               WHERE n = 1`,
            )
            .all(...bands) as ClusterCandidate[])
        : [];
      const plan = planIntelSave(documents, stored, candidates, now);
      const columns = INTEL_DOCUMENT_COLUMNS.join(', ');
      const insert = this.store.stmt(`INSERT INTO intel_documents (${columns}) VALUES (${INTEL_DOCUMENT_COLUMNS.map(() => '?').join(', ')})`);
      const update = this.store.stmt(
        `UPDATE intel_documents SET ${INTEL_DOCUMENT_COLUMNS.filter((c) => c !== 'id')
          .map((c) => `${c} = ?`)
          .join(', ')} WHERE id = ?`,
      );
      const delCves = this.store.stmt('DELETE FROM intel_document_cves WHERE document_id = ?');
      const putCve = this.store.stmt('INSERT OR IGNORE INTO intel_document_cves (document_id, cve_id) VALUES (?, ?)');
      for (const { row, created } of plan.rows) {
        if (created) insert.run(...INTEL_DOCUMENT_COLUMNS.map((c) => row[c]));
        else {
          update.run(...INTEL_DOCUMENT_COLUMNS.filter((c) => c !== 'id').map((c) => row[c]), row.id);
          delCves.run(row.id);
        }
        for (const cve of JSON.parse(row.cves) as string[]) putCve.run(row.id, cve.toUpperCase());
      }
      const putHistory = this.store.stmt('INSERT INTO intel_history (document_id, at, kind, previous_hash, content_hash, title) VALUES (?, ?, ?, ?, ?, ?)');
      for (const h of plan.history) putHistory.run(h.documentId, h.at, h.kind, h.previousHash, h.contentHash, h.title);
      return plan.result;
    })();
  }

  async getDocument(id: string): Promise<StoredIntelDocument | null> {
    const row = this.store.stmt('SELECT * FROM intel_documents WHERE id = ?').get(id) as IntelDocumentRow | undefined;
    if (!row) return null;
    const clusterSize = this.store.stmt('SELECT count(*) FROM intel_documents WHERE cluster = ?').pluck().get(row.cluster) as number;
    const history = this.store
      .stmt(
        `SELECT document_id AS documentId, at, kind, previous_hash AS previousHash, content_hash AS contentHash, title
         FROM intel_history WHERE document_id = ? ORDER BY id`,
      )
      .all(id) as IntelChange[];
    return toStoredDocument(row, clusterSize, history);
  }

  async listDocuments(q: IntelQuery): Promise<IntelSummary[]> {
    const { where, params } = filters(q);
    if (q.after) {
      where.push(`(${SORT_DATE} < ? OR (${SORT_DATE} = ? AND d.id < ?))`);
      params.push(q.after.date, q.after.date, q.after.id);
    }
    const sql = `SELECT ${INTEL_SUMMARY_COLUMNS} FROM intel_documents d ${whereSql(where)} ORDER BY ${SORT_DATE} DESC, d.id DESC LIMIT ?`;
    return (this.store.stmt(sql).all(...params, intelLimit(q.limit)) as IntelSummaryRow[]).map(toSummary);
  }

  async countDocuments(q: IntelQuery): Promise<number> {
    const { where, params } = filters(q);
    return this.store
      .stmt(`SELECT count(*) FROM intel_documents d ${whereSql(where)}`)
      .pluck()
      .get(...params) as number;
  }

  async documentsForCve(cveId: string, limit = 20): Promise<IntelSummary[]> {
    const rows = this.store
      .stmt(
        `SELECT ${INTEL_SUMMARY_COLUMNS} FROM intel_document_cves x JOIN intel_documents d ON d.id = x.document_id
         WHERE x.cve_id = ? ORDER BY ${SORT_DATE} DESC, d.id DESC LIMIT ?`,
      )
      .all(cveId.toUpperCase(), Math.max(1, Math.trunc(limit))) as IntelSummaryRow[];
    return rows.map(toSummary);
  }

  async sourceCounts(): Promise<IntelSourceCounts[]> {
    const rows = this.store
      .stmt(
        `SELECT s.source, (SELECT count(*) FROM intel_documents d WHERE d.source = s.source) AS documents,
           (SELECT max(fetched_at) FROM intel_documents d WHERE d.source = s.source) AS lastFetched
         FROM (SELECT name AS source FROM intel_sources UNION SELECT DISTINCT source FROM intel_documents) s ORDER BY s.source`,
      )
      .all() as IntelSourceCounts[];
    return rows;
  }

  async getValidators(url: string): Promise<FetchValidators | null> {
    const row = this.store.stmt('SELECT url, etag, last_modified AS lastModified, fetched_at AS fetchedAt FROM intel_validators WHERE url = ?').get(url) as
      | FetchValidators
      | undefined;
    return row ?? null;
  }

  async intelChangesSince(afterId: number, limit: number): Promise<(IntelChange & { id: number })[]> {
    return this.store
      .stmt(
        `SELECT id, document_id AS documentId, at, kind, previous_hash AS previousHash, content_hash AS contentHash, title
         FROM intel_history WHERE id > ? ORDER BY id LIMIT ?`,
      )
      .all(afterId, Math.max(1, Math.trunc(limit))) as (IntelChange & { id: number })[];
  }

  async lastIntelChangeId(): Promise<number> {
    return this.store.stmt('SELECT coalesce(max(id), 0) FROM intel_history').pluck().get() as number;
  }

  async saveValidators(v: FetchValidators): Promise<void> {
    this.store
      .stmt(
        `INSERT INTO intel_validators (url, etag, last_modified, fetched_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (url) DO UPDATE SET etag = excluded.etag, last_modified = excluded.last_modified, fetched_at = excluded.fetched_at`,
      )
      .run(v.url, v.etag, v.lastModified, v.fetchedAt);
  }
}
