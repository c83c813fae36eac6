/**
 * {@link IocStore} on SQLite (tables: migration 11 'iocs'). What saving a document's indicators
 * writes is decided by ../ioc-rows.ts `planDocumentIocs` (shared with PostgreSQL); the plan and the
 * recount of the indicators it touches are written in one transaction.
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
import type { SqliteStore } from './index.ts';

/** Every method of {@link IocStore}: what a store worker thread answers (threaded.ts `threadedIocStore`). */
export const IOC_METHODS = [
  'saveDocumentIocs',
  'listIocs',
  'countIocs',
  'getIoc',
  'sightings',
  'iocsOfDocument',
  'sightingsSince',
  'lastSightingId',
  'saveDocumentAnalysis',
  'getDocumentAnalysis',
  'documentsWithoutAnalysis',
  'getLookup',
  'saveLookup',
] as const satisfies readonly (keyof IocStore)[];

/** A sighting with its document's title and URL (null when the document is gone). */
const SIGHTING_SELECT = `SELECT s.id, s.type, s.value, s.document_id AS documentId, s.source, d.title, d.url, s.seen, s.original, s.tlp
  FROM ioc_sightings s LEFT JOIN intel_documents d ON d.id = s.document_id`;

/** Aggregates of the indicators of a JSON array of `[type, value]`, counted from their sightings. */
const AGGREGATES = `
  WITH k(type, value) AS (SELECT json_extract(j.value, '$[0]'), json_extract(j.value, '$[1]') FROM json_each(?) j)
  SELECT k.type, k.value, a.n, a.first_seen, a.last_seen, a.tlp_rank,
    (SELECT json_group_array(source) FROM (SELECT DISTINCT s.source FROM ioc_sightings s WHERE s.type = k.type AND s.value = k.value)) AS sources,
    (SELECT json_group_array(cve_id) FROM (SELECT DISTINCT x.cve_id FROM ioc_sightings s JOIN ioc_document_cves x ON x.document_id = s.document_id
       WHERE s.type = k.type AND s.value = k.value ORDER BY x.cve_id LIMIT 50)) AS cves,
    w.warning_list, w.warning_name
  FROM k
  JOIN (SELECT s.type, s.value, count(*) AS n, min(s.seen) AS first_seen, max(s.seen) AS last_seen, max(${tlpRankSql('s.tlp')}) AS tlp_rank
        FROM ioc_sightings s WHERE (s.type, s.value) IN (SELECT type, value FROM k) GROUP BY s.type, s.value) a ON a.type = k.type AND a.value = k.value
  LEFT JOIN ioc_sightings w ON w.id = (SELECT s.id FROM ioc_sightings s WHERE s.type = k.type AND s.value = k.value ORDER BY s.seen DESC, s.id DESC LIMIT 1)`;

export class SqliteIocStore implements IocStore {
  constructor(private readonly store: SqliteStore) {}

  async saveDocumentIocs(doc: DocumentIocs): Promise<{ newIocs: number; newSightings: number }> {
    const { db } = this.store;
    return db.transaction(() => {
      const stored = this.store.stmt('SELECT * FROM ioc_sightings WHERE document_id = ?').all(doc.documentId) as SightingRow[];
      const storedCves = this.store.stmt('SELECT cve_id FROM ioc_document_cves WHERE document_id = ?').pluck().all(doc.documentId) as string[];
      const plan = planDocumentIocs(doc, stored, storedCves);
      if (!plan.affected.length && !plan.cves) return { newIocs: 0, newSightings: 0 };
      const known = this.store.stmt('SELECT 1 FROM iocs WHERE type = ? AND value = ?').pluck();
      const newIocs = plan.insert.filter((s) => !known.get(s.type, s.value)).length;
      const del = this.store.stmt('DELETE FROM ioc_sightings WHERE id = ?');
      for (const id of plan.remove) del.run(id);
      const update = this.store.stmt(`UPDATE ioc_sightings SET ${SIGHTING_COLUMNS.map((c) => `${c} = ?`).join(', ')} WHERE id = ?`);
      for (const s of plan.update) update.run(...SIGHTING_COLUMNS.map((c) => s[c]), s.id);
      const insert = this.store.stmt(`INSERT INTO ioc_sightings (${SIGHTING_COLUMNS.join(', ')}) VALUES (${SIGHTING_COLUMNS.map(() => '?').join(', ')})`);
      for (const s of plan.insert) insert.run(...SIGHTING_COLUMNS.map((c) => s[c]));
      if (plan.cves) {
        this.store.stmt('DELETE FROM ioc_document_cves WHERE document_id = ?').run(doc.documentId);
        const put = this.store.stmt('INSERT INTO ioc_document_cves (document_id, cve_id) VALUES (?, ?)');
        for (const cve of plan.cves) put.run(doc.documentId, cve);
      }
      this.recount(plan.affected);
      return { newIocs, newSightings: plan.insert.length };
    })();
  }

  /** Counts the aggregates of `keys` again from their sightings; an indicator left without any is deleted. */
  private recount(keys: [string, string][]): void {
    if (!keys.length) return;
    const aggregates = this.store.stmt(AGGREGATES).all(JSON.stringify(keys)) as IocAggregate[];
    const counted = new Set(aggregates.map((a) => `${a.type}\0${a.value}`));
    const del = this.store.stmt('DELETE FROM iocs WHERE type = ? AND value = ?');
    for (const [type, value] of keys) if (!counted.has(`${type}\0${value}`)) del.run(type, value);
    const sets = IOC_COLUMNS.filter((c) => c !== 'type' && c !== 'value').map((c) => `${c} = excluded.${c}`);
    const upsert = this.store.stmt(
      `INSERT INTO iocs (${IOC_COLUMNS.join(', ')}) VALUES (${IOC_COLUMNS.map(() => '?').join(', ')})
       ON CONFLICT (type, value) DO UPDATE SET ${sets.join(', ')}`,
    );
    for (const a of aggregates) {
      const row = aggregateRow(a);
      upsert.run(...IOC_COLUMNS.map((c) => row[c]));
    }
  }

  private where(q: IocQuery): { sql: string; params: unknown[] } {
    const params: unknown[] = [];
    const where = iocFilters(
      q,
      (v) => {
        params.push(v);
        return '?';
      },
      (column, needle) => `instr(lower(${column}), ${needle}) > 0`,
    );
    return { sql: where.length ? `WHERE ${where.join(' AND ')}` : '', params };
  }

  async listIocs(query: IocQuery): Promise<IocPage> {
    const limit = iocLimit(query.limit);
    const { sql, params } = this.where(query);
    const rows = this.store.stmt(`SELECT i.* FROM iocs i ${sql} ${IOC_ORDER} LIMIT ${limit + 1}`).all(...params) as IocRow[];
    return iocPage(rows, limit);
  }

  async countIocs(query: Omit<IocQuery, 'limit' | 'cursor'>): Promise<number> {
    const { sql, params } = this.where(query);
    return this.store
      .stmt(`SELECT count(*) FROM iocs i ${sql}`)
      .pluck()
      .get(...params) as number;
  }

  async getIoc(type: IocType, value: string): Promise<StoredIoc | null> {
    const row = this.store.stmt('SELECT * FROM iocs WHERE type = ? AND value = ?').get(type, value) as IocRow | undefined;
    return row ? toStoredIoc(row) : null;
  }

  async sightings(type: IocType, value: string, limit = 100): Promise<IocSighting[]> {
    const rows = this.store
      .stmt(`${SIGHTING_SELECT} WHERE s.type = ? AND s.value = ? ORDER BY s.seen DESC, s.id DESC LIMIT ?`)
      .all(type, value, Math.max(1, Math.trunc(limit))) as (IocSighting & { id: number; type: string; value: string })[];
    return rows.map(({ id: _id, type: _t, value: _v, ...s }) => s);
  }

  async iocsOfDocument(documentId: string): Promise<StoredIoc[]> {
    const rows = this.store
      .stmt('SELECT i.* FROM ioc_sightings s JOIN iocs i ON i.type = s.type AND i.value = s.value WHERE s.document_id = ? ORDER BY i.type, i.value')
      .all(documentId) as IocRow[];
    return rows.map(toStoredIoc);
  }

  async sightingsSince(afterId: number, limit: number): Promise<(IocSighting & { id: number; type: IocType; value: string })[]> {
    return this.store.stmt(`${SIGHTING_SELECT} WHERE s.id > ? ORDER BY s.id LIMIT ?`).all(afterId, Math.max(1, Math.trunc(limit))) as (IocSighting & {
      id: number;
      type: IocType;
      value: string;
    })[];
  }

  async lastSightingId(): Promise<number> {
    // As on PostgreSQL. Ids are never handed out again (AUTOINCREMENT), so a baseline read before a
    // deletion still lies below every later sighting.
    return this.store.stmt('SELECT coalesce(max(id), 0) FROM ioc_sightings').pluck().get() as number;
  }

  async saveDocumentAnalysis(documentId: string, analysis: AnalysisResult, analysed: string): Promise<void> {
    this.store
      .stmt(
        `INSERT INTO document_analyses (document_id, analysis, analysed) VALUES (?, ?, ?)
         ON CONFLICT (document_id) DO UPDATE SET analysis = excluded.analysis, analysed = excluded.analysed`,
      )
      .run(documentId, JSON.stringify(analysis), analysed);
  }

  async getDocumentAnalysis(documentId: string): Promise<{ analysis: AnalysisResult; analysed: string } | null> {
    const row = this.store.stmt('SELECT analysis, analysed FROM document_analyses WHERE document_id = ?').get(documentId) as
      | { analysis: string; analysed: string }
      | undefined;
    return row ? { analysis: JSON.parse(row.analysis) as AnalysisResult, analysed: row.analysed } : null;
  }

  async documentsWithoutAnalysis(limit: number): Promise<string[]> {
    return this.store
      .stmt(
        `SELECT d.id FROM intel_documents d WHERE NOT EXISTS (SELECT 1 FROM document_analyses a WHERE a.document_id = d.id)
         ORDER BY d.first_seen, d.id LIMIT ?`,
      )
      .pluck()
      .all(Math.max(1, Math.trunc(limit))) as string[];
  }

  async getLookup(provider: string, type: IocType, value: string): Promise<CachedLookup | null> {
    const row = this.store
      .stmt('SELECT provider, type, value, fetched, body FROM ioc_lookups WHERE provider = ? AND type = ? AND value = ?')
      .get(provider, type, value) as (Omit<CachedLookup, 'body'> & { body: string }) | undefined;
    return row ? { ...row, body: JSON.parse(row.body) as unknown } : null;
  }

  async saveLookup(lookup: CachedLookup): Promise<void> {
    this.store
      .stmt(
        `INSERT INTO ioc_lookups (provider, type, value, fetched, body) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (provider, type, value) DO UPDATE SET fetched = excluded.fetched, body = excluded.body`,
      )
      .run(lookup.provider, lookup.type, lookup.value, lookup.fetched, JSON.stringify(lookup.body ?? null));
  }
}
