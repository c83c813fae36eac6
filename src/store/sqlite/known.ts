/**
 * CVEs known before their record. A CVE in the KEV catalog without a CVE 5 or NVD record yet gets
 * a `vulns` row of its own (`has_record = 0`: a stub) from its catalog entry (title, description,
 * vendor, product, CWEs for search; `last_modified` its `dateAdded`), so that it is shown, counted, ranked,
 * searched and filtered like any other (`vigil top --kev` lists the whole catalog). When its record
 * arrives, the write path (rows.ts) turns the stub into an ordinary row in place (same rowid),
 * replacing the catalog's products and full text.
 *
 * A CVE only EPSS knows gets no row: EPSS scores every published CVE (360k), most of them absent
 * from a store that imported a subset of records, and a row each would make every daily EPSS
 * update move 360k rows in the rank index. Its view is built on lookup from the EPSS tables
 * (index.ts getVulnerability); it joins the lists when its record (or a KEV entry) arrives.
 *
 * The same functions serve the live paths (kev.ts, epss.ts, rows.ts) and migration 5, which
 * backfills a store built before stubs existed; a test checks both give the same rows.
 */
import type Database from 'better-sqlite3';
import { AWAITING_EPSS } from '../../analysis/priority.ts';
import { listText } from '../../analysis/title.ts';
import { productKey } from '../../enrich/product-key.ts';
import type { KevEntry } from '../../model/vulnerability.ts';
import { EXPLOIT_COUNT_SQL } from './advisories.ts';

/** `YYYY-MM-DD` → the ISO 8601 instant stored as a stub's `last_modified`. */
export function dayStart(day: string): string {
  return `${day}T00:00:00.000Z`;
}

/**
 * Returns a writer of KEV stubs on `db` (statements prepared once): for each catalog entry whose
 * CVE has no record, creates or refreshes its stub from the entry; a CVE with a record is left to
 * the record. Call inside the caller's transaction.
 */
export function kevStubWriter(db: Database.Database): (entry: KevEntry) => void {
  // The public-exploit count (migration 7) of a new stub: exploits may be stored before it. Migration
  // 5's backfill runs on the older schema, without the column (and without any advisory).
  const exploits = db.prepare("SELECT 1 FROM pragma_table_info('vulns') WHERE name = 'exploits'").get() !== undefined;
  const get = db.prepare('SELECT rowid, has_record FROM vulns WHERE cve_id = ?');
  const epss = db.prepare('SELECT epss, percentile, date FROM epss_current WHERE cve_id = ?');
  const insert = db.prepare(
    `INSERT INTO vulns (cve_id, state, last_modified, title, snippet, vendors, has_record, epss, epss_percentile, epss_date${exploits ? ', exploits' : ''})
     VALUES (?, 'PUBLISHED', ?, ?, ?, ?, 0, ?, ?, ?${exploits ? `, ${EXPLOIT_COUNT_SQL}` : ''})`,
  );
  const update = db.prepare('UPDATE vulns SET title = ?, snippet = ?, vendors = ?, last_modified = ? WHERE cve_id = ?');
  const delProducts = db.prepare('DELETE FROM vuln_products WHERE cve_id = ?');
  const delFts = db.prepare('DELETE FROM vulns_fts WHERE rowid = ?');
  const putProduct = db.prepare('INSERT OR IGNORE INTO vuln_products (vendor_key, product_key, cve_id) VALUES (?, ?, ?)');
  const putFts = db.prepare('INSERT INTO vulns_fts (rowid, cve_id, title, description, products, cwes) VALUES (?, ?, ?, ?, ?, ?)');
  return (e) => {
    const row = get.get(e.cveId) as { rowid: number; has_record: number } | undefined;
    if (row?.has_record) return;
    const vendors = e.vendorProject || null;
    const text = listText(e.vulnerabilityName, e.shortDescription);
    let rowid: number;
    if (row) {
      update.run(text.title, text.snippet, vendors, dayStart(e.dateAdded), e.cveId);
      delProducts.run(e.cveId);
      delFts.run(row.rowid);
      rowid = row.rowid;
    } else {
      const s = epss.get(e.cveId) as { epss: number; percentile: number; date: string } | undefined;
      const args = [e.cveId, dayStart(e.dateAdded), text.title, text.snippet, vendors, s?.epss ?? null, s?.percentile ?? null, s?.date ?? null];
      rowid = Number(insert.run(...args, ...(exploits ? [e.cveId] : [])).lastInsertRowid);
    }
    if (e.vendorProject || e.product) putProduct.run(productKey(e.vendorProject), productKey(e.product), e.cveId);
    // Its CWEs are searchable, but not counted in the CWE breakdown (vuln_cwes), which, like the
    // severity breakdown, describes the records.
    const cwes = e.cwes.filter((c) => c.startsWith('CWE-'));
    putFts.run(rowid, e.cveId, e.vulnerabilityName, e.shortDescription, `${e.vendorProject} ${e.product}`, cwes.join(' '));
  };
}

/**
 * The earliest publication date (ISO 8601 prefix) from which a CVE without an EPSS score counts as
 * awaiting its first one, given the newest stored EPSS day; null when no EPSS day is stored (EPSS
 * not used: no prior for anyone). See {@link AWAITING_EPSS} and docs/priority.md.
 */
export function awaitingSince(newestEpssDay: string | null): string | null {
  if (newestEpssDay === null) return null;
  return new Date(Date.parse(dayStart(newestEpssDay)) - AWAITING_EPSS.days * 86_400_000).toISOString().slice(0, 10);
}

/**
 * Whether a record is awaiting its first EPSS score: not REJECTED, no score, and published on or
 * after {@link awaitingSince} (a CVE without a publication date is not).
 */
export function isAwaitingEpss(r: { state: string; published: string | null; epss: number | null }, since: string | null): boolean {
  return since !== null && r.epss === null && r.state !== 'REJECTED' && r.published !== null && r.published >= since;
}

/** Recomputes `awaiting_epss` of every record after the newest EPSS day changed (SQL form of {@link isAwaitingEpss}). */
export function refreshAwaitingEpss(db: Database.Database): void {
  const newest = (db.prepare('SELECT max(date) FROM epss_days').pluck().get() as string | null) ?? null;
  const since = awaitingSince(newest);
  if (since === null) return;
  db.prepare('UPDATE vulns SET awaiting_epss = 0 WHERE awaiting_epss = 1 AND (epss IS NOT NULL OR published < ?)').run(since);
  db.prepare(
    `UPDATE vulns SET awaiting_epss = 1
     WHERE published >= ? AND awaiting_epss = 0 AND epss IS NULL AND state != 'REJECTED' AND has_record = 1`,
  ).run(since);
}

/**
 * Migration 5's backfill: stubs for every CVE the stored KEV rows name without a record, with
 * their current EPSS scores and KEV flags, and `awaiting_epss` of every record.
 */
export function backfillKnown(db: Database.Database): void {
  const put = kevStubWriter(db);
  for (const data of db.prepare('SELECT data FROM kev ORDER BY cve_id').pluck().all() as string[]) put(JSON.parse(data) as KevEntry);
  db.exec(`
    UPDATE vulns SET kev = 1, ransomware = k.ransomware FROM kev k
      WHERE k.cve_id = vulns.cve_id AND k.removed_in IS NULL AND vulns.has_record = 0;
  `);
  refreshAwaitingEpss(db);
}
