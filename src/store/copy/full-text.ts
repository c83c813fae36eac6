/**
 * The full-text index of a copied store, rebuilt on the target (`vigil migrate`): it is the one
 * part of a store that cannot be copied as rows (SQLite's FTS5 tables are contentless, keyed by
 * rowids the target does not share; PostgreSQL's `fts` column is a lossy tsvector). It is made
 * again from the stored text, as the write paths make it:
 * - a CVE with a record: its merged record (analysis/merge.ts over the stored observations) gives
 *   cve_id, title, description, products and CWEs (sqlite/rows.ts `toRows`);
 * - a CVE known only from KEV (a stub, `has_record = 0`): its catalog entry (sqlite/known.ts);
 * - an advisory: id, title and summary (store/advisory-rows.ts);
 * - an intel document: title and text (postgres/intel.ts; on SQLite, triggers index copied rows).
 */
import type { Database } from 'better-sqlite3';
import { mergeVulnerability } from '../../analysis/merge.ts';
import type { Advisory } from '../../model/advisory.ts';
import type { KevEntry, VulnObservation } from '../../model/vulnerability.ts';
import type { PgClient } from '../postgres/pool.ts';
import { intelFtsDocument } from '../postgres/intel.ts';
import { ftsDocument, ftsTokens } from '../postgres/query-pg.ts';

/** Full-text columns of a `vulns` row: cve_id, title, description, products, CWEs (FTS5 `vulns_fts`). */
export type VulnText = [string, string, string, string, string];
/** Full-text columns of an advisory: id, title, summary (FTS5 `advisories_fts`). */
export type AdvisoryText = [string, string, string];

/**
 * The text a record is searched by: the merged record's title, description, products
 * (`vendor product`, space-separated) and CWEs (`CWE-79 name`), as sqlite/rows.ts `toRows` indexes it.
 * @param observations the stored observations of one CVE (at least one).
 */
export function recordText(observations: VulnObservation[]): VulnText {
  const v = mergeVulnerability(observations).vulnerability;
  return [
    v.id,
    v.title ?? '',
    v.description ?? '',
    v.products.map((p) => `${p.vendor} ${p.product}`).join(' '),
    v.cwes.map((c) => `${c.id} ${c.name ?? ''}`).join(' '),
  ];
}

/** The text a KEV stub is searched by (sqlite/known.ts `kevStubWriter`). */
export function stubText(e: KevEntry): VulnText {
  return [e.cveId, e.vulnerabilityName, e.shortDescription, `${e.vendorProject} ${e.product}`, e.cwes.filter((c) => c.startsWith('CWE-')).join(' ')];
}

/** The text an advisory is searched by (store/advisory-rows.ts `toAdvisoryRows`). */
export function advisoryText(a: Advisory): AdvisoryText {
  return [a.id, a.title, a.summary ?? ''];
}

/** Progress of a rebuild: rows of `table` given their full text so far. */
export type FullTextProgress = (table: 'vulns' | 'advisories' | 'intel_documents', done: number, total: number) => void;

/** What a rebuild wrote: rows given full text per table. */
export interface FullTextCounts {
  vulns: number;
  advisories: number;
  /** Intel documents (SQLite: indexed by the `intel_fts` triggers as the rows were copied; counted). */
  intel: number;
}

/** One batch of `vulns` rows and what their text is made from. */
interface VulnBatchRow {
  key: string | number;
  cveId: string;
  hasRecord: boolean;
}

/** Groups `rows` (cve_id, JSON) by CVE id. */
function byCve(rows: [string, string][]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [id, json] of rows) {
    const list = out.get(id);
    if (list) list.push(json);
    else out.set(id, [json]);
  }
  return out;
}

/** The text of a row: its record's, or a stub's (from its KEV entry; just the id when neither is stored). */
export interface RowText {
  text: VulnText;
  stub: boolean;
}

/** The text of each row of a batch, from its CVE's observations or KEV entry. */
function batchText(batch: VulnBatchRow[], observations: Map<string, string[]>, kev: Map<string, string[]>): RowText[] {
  return batch.map((r) => {
    const obs = r.hasRecord ? observations.get(r.cveId) : undefined;
    if (obs?.length) return { text: recordText(obs.map((d) => JSON.parse(d) as VulnObservation)), stub: false };
    const entry = kev.get(r.cveId)?.[0];
    return { text: entry ? stubText(JSON.parse(entry) as KevEntry) : [r.cveId, '', '', '', ''], stub: true };
  });
}

/**
 * Rebuilds `vulns_fts` and `advisories_fts` of a SQLite store from its rows, inside the caller's
 * transaction (their rowids are those of `vulns` and `advisories` on this file).
 */
export function rebuildSqliteFullText(db: Database, batchSize: number, progress?: FullTextProgress): FullTextCounts {
  // 'delete-all' empties a contentless FTS5 table (https://sqlite.org/fts5.html §6.6).
  db.exec("INSERT INTO vulns_fts (vulns_fts) VALUES ('delete-all'); INSERT INTO advisories_fts (advisories_fts) VALUES ('delete-all');");
  const counts: FullTextCounts = { vulns: 0, advisories: 0, intel: 0 };
  const totalVulns = db.prepare('SELECT count(*) FROM vulns').pluck().get() as number;
  const page = db.prepare('SELECT rowid, cve_id, has_record FROM vulns WHERE rowid > ? ORDER BY rowid LIMIT ?').raw();
  const obs = db.prepare('SELECT cve_id, data FROM observations WHERE cve_id IN (SELECT value FROM json_each(?)) ORDER BY cve_id, source').raw();
  const kev = db.prepare('SELECT cve_id, data FROM kev WHERE cve_id IN (SELECT value FROM json_each(?))').raw();
  const putVuln = db.prepare('INSERT INTO vulns_fts (rowid, cve_id, title, description, products, cwes) VALUES (?, ?, ?, ?, ?, ?)');
  for (let last = 0; ; ) {
    const rows = (page.all(last, batchSize) as [number, string, number][]).map(([key, cveId, has]) => ({ key, cveId, hasRecord: has === 1 }));
    if (!rows.length) break;
    const ids = JSON.stringify(rows.map((r) => r.cveId));
    const texts = batchText(rows, byCve(obs.all(ids) as [string, string][]), byCve(kev.all(ids) as [string, string][]));
    rows.forEach((r, i) => {
      putVuln.run(r.key, ...(texts[i] as RowText).text);
    });
    last = rows.at(-1)?.key as number;
    counts.vulns += rows.length;
    progress?.('vulns', counts.vulns, totalVulns);
  }
  const totalAdvisories = db.prepare('SELECT count(*) FROM advisories').pluck().get() as number;
  const advisories = db.prepare('SELECT rowid, data FROM advisories WHERE rowid > ? ORDER BY rowid LIMIT ?').raw();
  const putAdvisory = db.prepare('INSERT INTO advisories_fts (rowid, id, title, summary) VALUES (?, ?, ?, ?)');
  for (let last = 0; ; ) {
    const rows = advisories.all(last, batchSize) as [number, string][];
    if (!rows.length) break;
    for (const [rowid, data] of rows) putAdvisory.run(rowid, ...advisoryText(JSON.parse(data) as Advisory));
    last = rows.at(-1)?.[0] as number;
    counts.advisories += rows.length;
    progress?.('advisories', counts.advisories, totalAdvisories);
  }
  // intel_fts is kept by triggers on intel_documents (migration 10): the copied rows indexed themselves.
  counts.intel = db.prepare('SELECT count(*) FROM intel_fts').pluck().get() as number;
  return counts;
}

/**
 * A `tsvector` literal of weighted columns, tokenized as FTS5 does (postgres/query-pg.ts
 * `ftsTokens`): each token at its position, one position skipped after each column (no phrase spans
 * two, as in FTS5), a column's positions labelled with its weight; at most 256 positions per lexeme
 * and positions up to 16,383 (PostgreSQL's limits, https://www.postgresql.org/docs/15/datatype-textsearch.html §8.11.1).
 */
export function weightedDocument(columns: [text: string, weight: '' | 'A'][]): string {
  const lexemes = new Map<string, string[]>();
  let position = 0;
  for (const [text, weight] of columns) {
    for (const token of ftsTokens(text)) {
      position = Math.min(position + 1, 16_383);
      const at = lexemes.get(token);
      if (!at) lexemes.set(token, [`${position}${weight}`]);
      else if (at.length < 256) at.push(`${position}${weight}`);
    }
    position++;
  }
  return [...lexemes].map(([lexeme, at]) => `'${lexeme.replace(/\\/g, '\\\\').replace(/'/g, "''")}':${at.join(',')}`).join(' ');
}

/**
 * What PostgreSQL's write paths store in `vulns.fts` for a row's text, as SQL on a text parameter:
 * the `tsvector` literal of query-pg.ts `ftsDocument` of its columns, for a record
 * (postgres/records-write.ts) and a KEV stub (postgres/known.ts) alike.
 */
export function pgVulnDocument(row: RowText): { stub: boolean; fts: string } {
  return { stub: row.stub, fts: ftsDocument(row.text) };
}

/** `advisories.fts` of an advisory's text (postgres/advisories.ts: the title weighted A, which the vendor filter's title phrase searches). */
export function pgAdvisoryDocument([id, title, summary]: AdvisoryText): string {
  return weightedDocument([
    [id, ''],
    [title, 'A'],
    [summary, ''],
  ]);
}

/** Rebuilds `vulns.fts`, `advisories.fts` and `intel_documents.fts` of a PostgreSQL store from its rows, inside the caller's transaction. */
export async function rebuildPgFullText(client: PgClient, batchSize: number, progress?: FullTextProgress): Promise<FullTextCounts> {
  const counts: FullTextCounts = { vulns: 0, advisories: 0, intel: 0 };
  const totalVulns = Number((await client.query<{ n: number }>('SELECT count(*) AS n FROM vulns')).rows[0]?.n ?? 0);
  for (let last = ''; ; ) {
    const rows = (
      await client.query({ text: 'SELECT cve_id, has_record FROM vulns WHERE cve_id > $1 ORDER BY cve_id LIMIT $2', values: [last, batchSize], rowMode: 'array' })
    ).rows.map((r) => {
      const [cveId, has] = r as [string, number];
      return { key: cveId, cveId, hasRecord: has === 1 };
    });
    if (!rows.length) break;
    const ids = rows.map((r) => r.cveId);
    const obs = await client.query({ text: 'SELECT cve_id, data FROM observations WHERE cve_id = ANY($1) ORDER BY cve_id, source', values: [ids], rowMode: 'array' });
    const kev = await client.query({ text: 'SELECT cve_id, data FROM kev WHERE cve_id = ANY($1)', values: [ids], rowMode: 'array' });
    const texts = batchText(rows, byCve(obs.rows as [string, string][]), byCve(kev.rows as [string, string][]));
    const docs = texts.map(pgVulnDocument);
    await client.query(
      'UPDATE vulns SET fts = t.fts::tsvector FROM unnest($1::text[], $2::text[]) AS t(id, fts) WHERE vulns.cve_id = t.id',
      [ids, docs.map((d) => d.fts)],
    );
    last = ids.at(-1) as string;
    counts.vulns += rows.length;
    progress?.('vulns', counts.vulns, totalVulns);
  }
  const totalAdvisories = Number((await client.query<{ n: number }>('SELECT count(*) AS n FROM advisories')).rows[0]?.n ?? 0);
  for (let last = ''; ; ) {
    const rows = (await client.query({ text: 'SELECT id, data FROM advisories WHERE id > $1 ORDER BY id LIMIT $2', values: [last, batchSize], rowMode: 'array' }))
      .rows as [string, string][];
    if (!rows.length) break;
    await client.query('UPDATE advisories SET fts = t.fts::tsvector FROM unnest($1::text[], $2::text[]) AS t(id, fts) WHERE advisories.id = t.id', [
      rows.map((r) => r[0]),
      rows.map((r) => pgAdvisoryDocument(advisoryText(JSON.parse(r[1]) as Advisory))),
    ]);
    last = rows.at(-1)?.[0] as string;
    counts.advisories += rows.length;
    progress?.('advisories', counts.advisories, totalAdvisories);
  }
  const totalIntel = Number((await client.query<{ n: number }>('SELECT count(*) AS n FROM intel_documents')).rows[0]?.n ?? 0);
  for (let last = ''; ; ) {
    const rows = (
      await client.query<{ id: string; title: string; text: string }>('SELECT id, title, text FROM intel_documents WHERE id > $1 ORDER BY id LIMIT $2', [last, batchSize])
    ).rows;
    if (!rows.length) break;
    await client.query('UPDATE intel_documents SET fts = t.fts::tsvector FROM unnest($1::text[], $2::text[]) AS t(id, fts) WHERE intel_documents.id = t.id', [
      rows.map((r) => r.id),
      rows.map(intelFtsDocument),
    ]);
    last = rows.at(-1)?.id as string;
    counts.intel += rows.length;
    progress?.('intel_documents', counts.intel, totalIntel);
  }
  return counts;
}
