/**
 * Advisories on SQLite (tables: migration 7). The write path comes in two halves like rows.ts:
 * `toAdvisoryRows` (../advisory-rows.ts, shared with PostgreSQL) flattens advisories into plain
 * rows with their canonical JSON and hash (on the caller's thread), {@link writeAdvisoryRows} stores a batch in one transaction
 * (in-thread or in the store's worker).
 *
 * Idempotence: the key is the advisory id. Same hash → unchanged (nothing written); an older
 * `modified` → stale (never overwrites a newer one); equally new with other content → the greater
 * hash wins, so the result never depends on the order files are imported in (as pipeline.ts
 * `supersedes` does for CVE records).
 */
import type { Advisory, AdvisoryChange, AdvisoryKind, AdvisoryLink, AdvisorySummary } from '../../model/advisory.ts';
import { type AdvisoryRow, cveList, isStale, MAX_ADVISORY_LIMIT, sinceIso, vendorFilter } from '../advisory-rows.ts';
import { ftsQuery } from '../query.ts';
import type { AdvisoryQuery, AdvisorySaveResult, StoredAdvisory } from '../types.ts';
import type { SqliteStore } from './index.ts';

// The row-building half is shared with the PostgreSQL store; re-exported for this store's callers.
export { type AdvisoryRow, advisoryHash, MAX_ADVISORY_LIMIT, toAdvisoryRows } from '../advisory-rows.ts';

/**
 * Stores rows in one transaction: the advisory, its CVE links, vendor names, full text and
 * history, and the public-exploit count of the CVEs exploits name (`vulns.exploits`).
 *
 * History rows (`AdvisoryChange`), each `at` the advisory's `modified`: `created` (new: the
 * title); on a replacement `modified` (old/new: the `modified` values), `withdrawn` (old/new:
 * the withdrawn timestamps) when that changed, and `cves` (old/new: {@link cveList}) when the CVE
 * list changed.
 * @param now ISO 8601 stored as `first_seen` of new advisories.
 */
export function writeAdvisoryRows(store: SqliteStore, rows: AdvisoryRow[], now = new Date().toISOString()): AdvisorySaveResult {
  const result: AdvisorySaveResult = { created: 0, changed: 0, unchanged: 0, stale: 0, changes: [] };
  if (!rows.length) return result;
  const get = store.stmt('SELECT rowid, kind, hash, modified, withdrawn FROM advisories WHERE id = ?');
  const insert = store.stmt(
    `INSERT INTO advisories (id, source, kind, title, url, severity, published, modified, withdrawn, sort_date, exploit, hash, data, first_seen)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const update = store.stmt(
    `UPDATE advisories SET source = ?, kind = ?, title = ?, url = ?, severity = ?, published = ?, modified = ?, withdrawn = ?,
       sort_date = ?, exploit = ?, hash = ?, data = ? WHERE id = ?`,
  );
  const oldCves = store.stmt('SELECT cve_id, origin FROM advisory_cves WHERE advisory_id = ?').raw();
  const delCves = store.stmt('DELETE FROM advisory_cves WHERE advisory_id = ?');
  const putCve = store.stmt('INSERT INTO advisory_cves (advisory_id, cve_id, origin) VALUES (?, ?, ?)');
  const delNames = store.stmt('DELETE FROM advisory_vendors WHERE advisory_id = ?');
  const putName = store.stmt('INSERT OR IGNORE INTO advisory_vendors (name_key, advisory_id) VALUES (?, ?)');
  const delFts = store.stmt('DELETE FROM advisories_fts WHERE rowid = ?');
  const putFts = store.stmt('INSERT INTO advisories_fts (rowid, id, title, summary) VALUES (?, ?, ?, ?)');
  const putChange = store.stmt('INSERT INTO advisory_changes (advisory_id, field, old, new, source, at) VALUES (?, ?, ?, ?, ?, ?)');

  store.db.transaction(() => {
    /** CVEs whose public-exploit count may have changed. */
    const exploitCves = new Set<string>();
    const change = (r: AdvisoryRow, field: AdvisoryChange['field'], old: string | null, next: string | null) => {
      putChange.run(r.id, field, old, next, r.source, r.modified);
      result.changes.push({ advisoryId: r.id, field, old, new: next, source: r.source, at: r.modified });
    };
    for (const r of rows) {
      const stored = get.get(r.id) as { rowid: number; kind: string; hash: string; modified: string; withdrawn: string | null } | undefined;
      if (stored?.hash === r.hash) {
        result.unchanged++;
        continue;
      }
      if (stored && isStale(r, stored)) {
        result.stale++;
        continue;
      }
      const values = [r.title, r.url, r.severity, r.published, r.modified, r.withdrawn, r.sortDate, r.exploit, r.hash, r.json] as const;
      let rowid: number;
      if (stored) {
        const before = oldCves.all(r.id) as [string, string][];
        if (stored.kind === 'exploit') for (const [id] of before) exploitCves.add(id);
        update.run(r.source, r.kind, ...values, r.id);
        delCves.run(r.id);
        delNames.run(r.id);
        delFts.run(stored.rowid);
        rowid = stored.rowid;
        result.changed++;
        change(r, 'modified', stored.modified, r.modified);
        if (stored.withdrawn !== r.withdrawn) change(r, 'withdrawn', stored.withdrawn, r.withdrawn);
        const [was, is] = [cveList(before), cveList(r.cves)];
        if (was !== is) change(r, 'cves', was, is);
      } else {
        rowid = Number(insert.run(r.id, r.source, r.kind, ...values, now).lastInsertRowid);
        result.created++;
        change(r, 'created', null, r.title);
      }
      for (const [cve, origin] of r.cves) putCve.run(r.id, cve, origin);
      if (r.kind === 'exploit') for (const [cve] of r.cves) exploitCves.add(cve);
      for (const name of r.nameKeys) putName.run(name, r.id);
      putFts.run(rowid, r.id, r.title, r.summary);
    }
    refreshExploitCounts(store, exploitCves);
  })();
  return result;
}

/**
 * SQL of the public-exploit count of one CVE (bound `?`): exploits (kind `exploit`) that list it
 * (a CVE only mentioned in an exploit's text may be a reference to another flaw) and are not
 * withdrawn. rows.ts and known.ts use it when they create a CVE's row.
 */
export const EXPLOIT_COUNT_SQL = `(SELECT count(*) FROM advisory_cves ec JOIN advisories ea ON ea.id = ec.advisory_id
  WHERE ec.cve_id = ? AND ec.origin = 'listed' AND ea.kind = 'exploit' AND ea.withdrawn IS NULL)`;

/** Recomputes `vulns.exploits` of these CVEs (those without a row get theirs when it is created). */
export function refreshExploitCounts(store: SqliteStore, cveIds: Iterable<string>): void {
  const set = store.stmt(`UPDATE vulns SET exploits = ${EXPLOIT_COUNT_SQL} WHERE cve_id = ?`);
  for (const id of cveIds) set.run(id, id);
}

interface SummaryRow {
  id: string;
  source: string;
  kind: AdvisoryKind;
  title: string;
  url: string | null;
  published: string | null;
  modified: string;
  severity: string | null;
  exploit: string | null;
}

const SUMMARY_COLUMNS = 'a.id, a.source, a.kind, a.title, a.url, a.published, a.modified, a.severity, a.exploit';

/** Summaries of rows, with their CVE ids (listed first, then found in text; by id within each). */
function summaries(store: SqliteStore, rows: SummaryRow[]): AdvisorySummary[] {
  const cves = new Map<string, string[]>();
  for (let i = 0; i < rows.length; i += 500) {
    const ids = rows.slice(i, i + 500).map((r) => r.id);
    const links = store
      .stmt(`SELECT advisory_id, cve_id FROM advisory_cves WHERE advisory_id IN (${ids.map(() => '?').join(',')}) ORDER BY advisory_id, origin, cve_id`)
      .all(...ids) as { advisory_id: string; cve_id: string }[];
    for (const l of links) {
      const list = cves.get(l.advisory_id);
      if (list) list.push(l.cve_id);
      else cves.set(l.advisory_id, [l.cve_id]);
    }
  }
  return rows.map((r) => ({ ...linkOf(r), cves: cves.get(r.id) ?? [] }));
}

/** A row as a CVE's page lists it (no CVE list). */
function linkOf(r: SummaryRow): AdvisoryLink {
  return {
    id: r.id,
    source: r.source,
    kind: r.kind,
    title: r.title,
    url: r.url,
    published: r.published,
    modified: r.modified,
    severity: r.severity,
    ...(r.exploit ? { exploit: JSON.parse(r.exploit) as NonNullable<AdvisoryLink['exploit']> } : {}),
  };
}

/** WHERE clause and parameters of the filters of `q` (paging excluded). */
function filters(q: AdvisoryQuery): { where: string[]; params: unknown[] } {
  const where: string[] = [];
  const params: unknown[] = [];
  if (q.source !== undefined) where.push('a.source = ?') && params.push(q.source);
  if (q.kind !== undefined) where.push('a.kind = ?') && params.push(q.kind);
  if (q.cve !== undefined) where.push('a.id IN (SELECT advisory_id FROM advisory_cves WHERE cve_id = ?)') && params.push(q.cve.toUpperCase());
  if (q.vendor !== undefined) {
    // A vendor or product name key starting with the name's key, or the name as words of the title.
    const vendor = vendorFilter(q.vendor);
    if (!vendor) where.push('0');
    else {
      const { key, words } = vendor;
      where.push(`(a.id IN (SELECT advisory_id FROM advisory_vendors WHERE name_key >= ? AND name_key < ?)
        OR a.rowid IN (SELECT rowid FROM advisories_fts WHERE advisories_fts MATCH ?))`);
      params.push(key, `${key}\u{10FFFF}`, `title : "${words.join(' ')}"`);
    }
  }
  if (q.text !== undefined) {
    // No searchable word: match nothing rather than everything.
    where.push('a.rowid IN (SELECT rowid FROM advisories_fts WHERE advisories_fts MATCH ?)');
    params.push(ftsQuery(q.text) ?? '""');
  }
  if (q.since !== undefined) where.push('a.sort_date >= ?') && params.push(sinceIso(q.since));
  return { where, params };
}

/** Advisories matching `q`, newest first (`published ?? modified` descending, then id descending). */
export function listAdvisories(store: SqliteStore, q: AdvisoryQuery): AdvisorySummary[] {
  const { where, params } = filters(q);
  if (q.after) where.push('(a.sort_date < ? OR (a.sort_date = ? AND a.id < ?))') && params.push(q.after.published, q.after.published, q.after.id);
  const limit = Math.min(Math.max(1, Math.trunc(q.limit ?? 50)), MAX_ADVISORY_LIMIT);
  const sql = `SELECT ${SUMMARY_COLUMNS} FROM advisories a ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY a.sort_date DESC, a.id DESC LIMIT ?`;
  return summaries(store, store.stmt(sql).all(...params, limit) as SummaryRow[]);
}

/** How many advisories match the filters of `q`. */
export function countAdvisories(store: SqliteStore, q: AdvisoryQuery): number {
  const { where, params } = filters(q);
  return store
    .stmt(`SELECT count(*) FROM advisories a ${where.length ? `WHERE ${where.join(' AND ')}` : ''}`)
    .pluck()
    .get(...params) as number;
}

/**
 * Advisories of every kind naming `cveId`, newest first, without their own CVE lists: reading
 * those cost 6.5 ms for CVE-2023-44487 (64 advisories naming 8,209 CVEs between them), 0.1 ms without.
 */
export function advisoriesForCve(store: SqliteStore, cveId: string): AdvisoryLink[] {
  const rows = store
    .stmt(`SELECT ${SUMMARY_COLUMNS} FROM advisory_cves c JOIN advisories a ON a.id = c.advisory_id WHERE c.cve_id = ? ORDER BY a.sort_date DESC, a.id DESC`)
    .all(cveId.toUpperCase()) as SummaryRow[];
  return rows.map(linkOf);
}

/** One stored advisory with its first-seen time and history (oldest first), or null. */
export function getAdvisory(store: SqliteStore, id: string): StoredAdvisory | null {
  const row = store.stmt('SELECT data, first_seen FROM advisories WHERE id = ?').get(id) as { data: string; first_seen: string } | undefined;
  if (!row) return null;
  const history = store
    .stmt('SELECT advisory_id AS advisoryId, field, old, new, source, at FROM advisory_changes WHERE advisory_id = ? ORDER BY id')
    .all(id) as AdvisoryChange[];
  return { advisory: JSON.parse(row.data) as Advisory, firstSeen: row.first_seen, history };
}

/** Stored advisories per kind. */
export function advisoryCounts(store: SqliteStore): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of store.stmt('SELECT kind, count(*) AS n FROM advisories GROUP BY kind ORDER BY kind').all() as { kind: string; n: number }[])
    out[r.kind] = r.n;
  return out;
}
