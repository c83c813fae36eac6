/** A real vendor/product catalog for tests of the entity gazetteer, without a store. */
import { mergedProducts } from '../analysis/merge.ts';
import { productKey } from '../enrich/product-key.ts';
import { createLogger } from '../log.ts';
import { findSource } from '../sources/registry.ts';
import type { VendorProductCatalog } from '../trends/types.ts';
import { corpusPath } from './corpus.ts';

/**
 * The catalog TrendsStore.vendorProducts (minCves 1) gives for a store holding exactly the
 * corpus' 400 CVE 5 records (cve5/records), merged as the store merges them.
 */
export async function corpusCatalog(): Promise<VendorProductCatalog> {
  const vendors = new Map<string, Set<string>>();
  const products = new Map<string, Set<string>>();
  const add = (m: Map<string, Set<string>>, k: string, id: string) => m.set(k, (m.get(k) ?? new Set()).add(id));
  for await (const ev of findSource('cve5').source.importFiles([corpusPath('cve5', 'records')], { log: createLogger('silent') })) {
    if (ev.type !== 'vulns') continue;
    for (const r of ev.records)
      for (const p of mergedProducts([r]).products) {
        add(vendors, productKey(p.vendor), r.cveId);
        add(products, `${productKey(p.vendor)}/${productKey(p.product)}`, r.cveId);
      }
  }
  return {
    vendors: [...vendors].map(([key, s]) => ({ key, cves: s.size })),
    products: [...products].map(([k, s]) => ({ vendorKey: k.slice(0, k.indexOf('/')), productKey: k.slice(k.indexOf('/') + 1), cves: s.size })),
  };
}
