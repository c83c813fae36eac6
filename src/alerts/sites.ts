/**
 * The product sites of a merged record for the matcher (match.ts): each NVD CPE match, CVE 5
 * `affected` product and CPE of one, with the versions it states as affected. Products an entry
 * names with no affected version are no site; a CPE's own `*` version counts only where no source
 * states versions for that product, and such a site is marked {@link Site.wildcard}.
 */
import { affectedStatus } from '../analysis/affected.ts';
import { parseCpe23 } from '../enrich/cpe.ts';
import { productKey } from '../enrich/product-key.ts';
import type { MatchVia } from '../model/alert.ts';
import type { CpeApplicability, Vulnerability } from '../model/record.ts';
import type { AffectedProduct } from '../model/vulnerability.ts';
import { rangeFromCpe, rangeFromCpeMatch, rangesFromAffected } from './ranges.ts';
import type { VersionRange } from './versions.ts';

/** A place in the record naming a product: an NVD CPE match, a CVE 5 `affected` product or one of its CPEs. */
export interface Site {
  via: MatchVia;
  field: string;
  matched: string;
  vendorKey: string | null;
  productKey: string | null;
  /** CPE part (`a`, `o`, `h`), when the site is a CPE. */
  part: string | null;
  /** What vendor entries report (absent: vendor entries do not match here). */
  vendor?: { field: string; matched: string };
  /** What a purl entry falling back to the product name reports. */
  product?: { field: string; matched: string };
  /** Affected versions (computed when first asked). */
  ranges: () => readonly VersionRange[];
  /** The only version data is a wildcard CPE (`*`): a version "in *" is not confirmed (see match.ts `WILDCARD_ONLY`). */
  wildcard?: true;
}

/** Names CNAs put where they have none. */
const PLACEHOLDERS = new Set(['n/a', 'na', 'unknown', '-', '*', 'unspecified', 'none']);

/** The key of a vendor or product name (enrich/product-key.ts), `null` for a placeholder (`n/a`). */
function nameKey(name: string | undefined): string | null {
  if (!name || PLACEHOLDERS.has(name.trim().toLowerCase())) return null;
  return productKey(name) || null;
}

/** ADP containers (CISA's Vulnrichment, the CVE Program's); anything else is the CNA. */
export function isAdp(provider: string): boolean {
  return provider === 'CISA-ADP' || provider === 'CVE' || /(?:^|-)ADP$/i.test(provider);
}

/** An `affected` entry naming no affected version (CVE-2024-3400's Cloud NGFW: "All (unaffected)"). */
export function claimsNothing(a: AffectedProduct): boolean {
  return affectedStatus(a) === 'unaffected';
}

/** Whether a range is every version (`{}`: a `*` CPE version without bounds). */
function isAny(r: VersionRange): boolean {
  return r.exact === undefined && !r.start && !r.end;
}

/** The versions one NVD CPE match covers (ranges.ts), none for version `-`. */
function cpeMatchRanges(m: CpeApplicability): VersionRange[] {
  const r = rangeFromCpeMatch({ ...m, update: parseCpe23(m.criteria).update });
  return r ? [r] : [];
}

/**
 * Product keys for which some source states versions: an `affected` entry saying which versions
 * are (or are not) affected, or an NVD CPE match with a version or bounds. A wildcard CPE of
 * such a product adds no versions of its own (it must not widen what the source states).
 */
function statedProducts(v: Vulnerability): Set<string> {
  const keys = new Set<string>();
  for (const a of v.affected) {
    const key = nameKey(a.product);
    if (key && affectedStatus(a) !== 'unknown') keys.add(key);
  }
  for (const m of v.cpes) {
    const key = nameKey(m.product);
    if (key && m.vulnerable && cpeMatchRanges(m).some((r) => !isAny(r))) keys.add(key);
  }
  return keys;
}

/** The product sites of a record (see {@link Site}), NVD CPE matches first, then `affected` in order. */
export function sitesOf(v: Vulnerability): Site[] {
  const sites: Site[] = [];
  let stated: Set<string> | undefined;
  const versionsStated = (key: string): boolean => {
    if (!stated) stated = statedProducts(v);
    return stated.has(key);
  };
  v.cpes.forEach((m, i) => {
    if (!m.vulnerable) return;
    const field = `cpes[${i}].criteria`;
    let ranges: VersionRange[] | undefined;
    sites.push({
      via: 'nvd-cpe', field, matched: m.criteria, vendorKey: nameKey(m.vendor), productKey: nameKey(m.product), part: m.criteria.split(':', 3)[2] ?? null,
      vendor: { field, matched: m.criteria }, product: { field: `cpes[${i}].product`, matched: m.product }, ranges: () => (ranges ??= cpeMatchRanges(m)),
    });
  });
  v.affected.forEach((a, i) => {
    if (claimsNothing(a)) return;
    const via: MatchVia = isAdp(a.provider) ? 'adp-affected' : 'cna-affected';
    let ranges: VersionRange[] | undefined;
    const affectedRanges = (): VersionRange[] => (ranges ??= rangesFromAffected(a).ranges);
    const field = `affected[${i}].product`;
    sites.push({
      via, field, matched: a.product ?? '', vendorKey: nameKey(a.vendor), productKey: nameKey(a.product), part: null, ranges: affectedRanges,
      ...(a.vendor ? { vendor: { field: `affected[${i}].vendor`, matched: a.vendor } } : {}), ...(a.product ? { product: { field, matched: a.product } } : {}),
    });
    // ADP CPEs carry the first version (or `*`); the range is in `versions`, so that wins when
    // the entry states affected versions. A CPE's own version counts only where it states none.
    const statesVersions = affectedStatus(a) === 'affected';
    a.cpes?.forEach((s, j) => {
      let cpe: ReturnType<typeof parseCpe23>;
      try {
        cpe = parseCpe23(s);
      } catch {
        return; // an invalid CPE names nothing we can compare
      }
      const productKey = nameKey(cpe.product);
      const site: Site = { via: 'cna-cpe', field: `affected[${i}].cpes[${j}]`, matched: s, vendorKey: nameKey(cpe.vendor), productKey, part: cpe.part, ranges: affectedRanges };
      const own = statesVersions ? undefined : rangeFromCpe(cpe);
      if (own === null) site.ranges = () => []; // version `-`: not applicable
      else if (own && !isAny(own)) site.ranges = () => [own];
      // A `*` beside versions some source states for this product must not widen them.
      else if (own && productKey && versionsStated(productKey)) site.ranges = () => [];
      else if (own) {
        site.ranges = () => [own];
        site.wildcard = true;
      }
      sites.push(site);
    });
  });
  return sites;
}
