/**
 * Which stored CVEs could match an entry, as a store query (`vigil watch test`): a superset that
 * the matcher then checks one by one.
 */
import { PackageURL } from 'packageurl-js';
import { parseCpe23 } from '../enrich/cpe.ts';
import { productKey } from '../enrich/product-key.ts';
import type { WatchEntry } from '../model/alert.ts';
import type { CandidateQuery } from '../store/alerts.ts';

/** The store query that finds every stored CVE `entry` could match. Assumes a validated entry. */
export function candidateQuery(entry: WatchEntry): CandidateQuery {
  switch (entry.kind) {
    case 'vendor':
      return { vendorKey: productKey(entry.value) };
    case 'product':
      return { productKey: productKey(entry.value), ...(entry.vendor ? { vendorKey: productKey(entry.vendor) } : {}) };
    case 'cpe': {
      const cpe = parseCpe23(entry.value);
      const known = (v: string) => v !== '*' && v !== '-';
      if (!known(cpe.vendor) && !known(cpe.product)) return { all: true };
      return {
        ...(known(cpe.vendor) ? { vendorKey: productKey(cpe.vendor) } : {}),
        ...(known(cpe.product) ? { productKey: productKey(cpe.product) } : {}),
      };
    }
    case 'purl': {
      const p = PackageURL.fromString(entry.value);
      const ns = p.namespace ?? '';
      const packageName = !ns ? p.name : p.type === 'maven' ? `${ns}:${p.name}` : `${ns}/${p.name}`;
      return { productKey: productKey(p.name), packageName };
    }
    case 'keyword':
      return { text: entry.value };
    case 'regex':
      return { all: true };
    case 'cve':
      return { cveIds: [entry.value.toUpperCase()] };
    case 'ioc': // indicators match intel sightings, never a CVE
      return { cveIds: [] };
  }
}
