/**
 * Backfill of migration 6: stores written before products named only as unaffected were kept
 * apart (`unaffectedProducts`, analysis/merge.ts; issue 10 item 3) indexed them in `vuln_products`
 * as if affected (CVE-2024-3400's Cloud NGFW and Prisma Access), so `top --vendor`, the vendor
 * statistics and watchlist candidates counted them. This re-merges the records that name an
 * unaffected version and drops those rows.
 */
import type { Database } from 'better-sqlite3';
import { mergedProducts } from '../../analysis/merge.ts';
import { productKey } from '../../enrich/product-key.ts';
import type { VulnObservation } from '../../model/vulnerability.ts';

/**
 * Deletes the `vuln_products` rows of products every feed of the CVE lists only as unaffected,
 * and recomputes `vulns.vendors` of those CVEs (one display name per vendor key, first named
 * first, as rows.ts writes it). Rows from anywhere else are left alone.
 * @returns the number of rows deleted.
 */
export function dropUnaffectedProducts(db: Database): number {
  // Only a record naming an unaffected version (or default) can name an unaffected-only product.
  const ids = db.prepare(`SELECT DISTINCT cve_id FROM observations WHERE data LIKE '%"unaffected"%'`).pluck().all() as string[];
  const observationsOf = db.prepare('SELECT data FROM observations WHERE cve_id = ? ORDER BY source').pluck();
  const drop = db.prepare('DELETE FROM vuln_products WHERE cve_id = ? AND vendor_key = ? AND product_key = ?');
  const setVendors = db.prepare('UPDATE vulns SET vendors = ? WHERE cve_id = ?');
  let dropped = 0;
  for (const id of ids) {
    const observations = (observationsOf.all(id) as string[]).map((d) => JSON.parse(d) as VulnObservation);
    const v = mergedProducts(observations);
    if (!v.unaffected.length) continue;
    for (const p of v.unaffected) dropped += drop.run(id, productKey(p.vendor), productKey(p.product)).changes;
    const vendors = new Map<string, string>();
    for (const p of v.products) if (!vendors.has(productKey(p.vendor))) vendors.set(productKey(p.vendor), p.vendor);
    setVendors.run(vendors.size ? [...vendors.values()].join(', ') : null, id);
  }
  return dropped;
}
