/**
 * CVEs known before their record, on PostgreSQL: the same rules as ../sqlite/known.ts (read its
 * header), written set-based. A CVE in the KEV catalog without a CVE 5 or NVD record gets a stub
 * `vulns` row (`has_record = 0`) from its catalog entry; a CVE only EPSS knows gets no row; records
 * published since {@link awaitingSince} without a score are `awaiting_epss`. The pure rules
 * (`awaitingSince`, `isAwaitingEpss`, `dayStart`) are imported from the SQLite module, never copied.
 */
import { listText } from '../../analysis/title.ts';
import { productKey } from '../../enrich/product-key.ts';
import type { KevEntry } from '../../model/vulnerability.ts';
import { awaitingSince, dayStart } from '../sqlite/known.ts';
import type { PgClient } from './pool.ts';
import { ftsDocument } from './query-pg.ts';

/**
 * Public exploits naming a CVE (`vulns.exploits`, the priority's exploit factor): the PostgreSQL form
 * of ../sqlite/advisories.ts EXPLOIT_COUNT_SQL, on the CVE id column `cve`.
 */
function exploitCountSql(cve: string): string {
  return `(SELECT count(*) FROM advisory_cves ec JOIN advisories ea ON ea.id = ec.advisory_id
    WHERE ec.cve_id = ${cve} AND ec.origin = 'listed' AND ea.kind = 'exploit' AND ea.withdrawn IS NULL)`;
}

/**
 * Creates or refreshes the stubs of these KEV entries' CVEs (one entry per CVE), with their title
 * and snippet, vendor, `last_modified` (the entry's `dateAdded`), products and full text; a new stub
 * takes the CVE's current EPSS score and exploit count. A CVE with a record is left to the record.
 * Call inside the caller's transaction (three statements whatever the number of entries).
 */
export async function writeKevStubs(client: PgClient, entries: KevEntry[]): Promise<void> {
  if (!entries.length) return;
  const cols = { id: [] as string[], title: [] as (string | null)[], snippet: [] as (string | null)[], vendors: [] as (string | null)[], at: [] as string[], fts: [] as string[] };
  const products = { id: [] as string[], vendor: [] as string[], product: [] as string[] };
  for (const e of entries) {
    const text = listText(e.vulnerabilityName, e.shortDescription);
    cols.id.push(e.cveId);
    cols.title.push(text.title);
    cols.snippet.push(text.snippet);
    cols.vendors.push(e.vendorProject || null);
    cols.at.push(dayStart(e.dateAdded));
    // Its CWEs are searchable, but not counted in the CWE breakdown (vuln_cwes), which describes the records.
    const cwes = e.cwes.filter((c) => c.startsWith('CWE-'));
    // FTS5's columns of sqlite/known.ts (cve_id, title, description, products, cwes), as the
    // tsvector literal records get (query-pg.ts): tokens made in JS, not by PostgreSQL's
    // locale-dependent parser, and no phrase across two columns.
    cols.fts.push(ftsDocument([e.cveId, e.vulnerabilityName, e.shortDescription, `${e.vendorProject} ${e.product}`, cwes.join(' ')]));
    if (e.vendorProject || e.product) {
      products.id.push(e.cveId);
      products.vendor.push(productKey(e.vendorProject));
      products.product.push(productKey(e.product));
    }
  }
  await client.query(
    `INSERT INTO vulns (cve_id, state, last_modified, title, snippet, vendors, has_record, epss, epss_percentile, epss_date, exploits, fts)
     SELECT i.cve_id, 'PUBLISHED', i.at, i.title, i.snippet, i.vendors, 0, c.epss, c.percentile, c.date, ${exploitCountSql('i.cve_id')}, i.fts::tsvector
     FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[]) AS i(cve_id, title, snippet, vendors, at, fts)
     LEFT JOIN epss_current c ON c.cve_id = i.cve_id
     ON CONFLICT (cve_id) DO UPDATE SET title = excluded.title, snippet = excluded.snippet, vendors = excluded.vendors,
       last_modified = excluded.last_modified, fts = excluded.fts
     WHERE vulns.has_record = 0`,
    [cols.id, cols.title, cols.snippet, cols.vendors, cols.at, cols.fts],
  );
  // The catalog's product replaces the stub's previous one.
  await client.query(
    `DELETE FROM vuln_products p USING vulns v
     WHERE v.cve_id = p.cve_id AND v.has_record = 0 AND p.cve_id = ANY($1::text[])`,
    [cols.id],
  );
  await client.query(
    `INSERT INTO vuln_products (vendor_key, product_key, cve_id)
     SELECT i.vendor_key, i.product_key, i.cve_id FROM unnest($1::text[], $2::text[], $3::text[]) AS i(cve_id, vendor_key, product_key)
     JOIN vulns v ON v.cve_id = i.cve_id AND v.has_record = 0
     ON CONFLICT DO NOTHING`,
    [products.id, products.vendor, products.product],
  );
}

/**
 * Recomputes `awaiting_epss` of every record after the newest EPSS day changed (the SQL form of
 * ../sqlite/known.ts isAwaitingEpss). Call inside the caller's transaction.
 */
export async function refreshAwaitingEpss(client: PgClient): Promise<void> {
  const newest = (await client.query<{ newest: string | null }>('SELECT max(date) AS newest FROM epss_days')).rows[0]?.newest ?? null;
  const since = awaitingSince(newest);
  if (since === null) return;
  await client.query('UPDATE vulns SET awaiting_epss = 0 WHERE awaiting_epss = 1 AND (epss IS NOT NULL OR published < $1)', [since]);
  await client.query(
    `UPDATE vulns SET awaiting_epss = 1
     WHERE published >= $1 AND awaiting_epss = 0 AND epss IS NULL AND state != 'REJECTED' AND has_record = 1`,
    [since],
  );
}
