/**
 * CSAF product tree flattening (CSAF 2.0 §3.2.2,
 * https://docs.oasis-open.org/csaf/csaf/v2.0/os/csaf-v2.0-os.html#322-product-tree-property) and
 * the product status of vulnerabilities (§3.2.3.9) turned into {@link AdvisoryAffected} entries.
 *
 * Each product id of the tree becomes a {@link FlatProduct}: vendor, product and version read off
 * the branch path (`vendor` → `product_family`/`product_name` → `product_version` or
 * `product_version_range`), purl and CPE from `product_identification_helper`. A relationship
 * (`default_component_of`, `installed_on`, …) is its component with the platform's CPEs and a
 * description naming the platform, which is how Red Hat says "bind 9.8.2 in RHEL 6 ELS".
 * Entries are grouped per (status, product, platform): a Red Hat tree lists one id per package,
 * architecture and platform, thousands for a kernel advisory, and the group keeps the output a
 * few entries per package.
 */
import { PackageURL } from 'packageurl-js';
import { formatCpe23, parseCpe23 } from '../../enrich/cpe.ts';
import type { AdvisoryAffected, AdvisoryProductStatus } from '../../model/advisory.ts';
import type { CsafBranch, CsafVulnerability, FullProductName, ProductTree } from './schema.ts';

/** One product id of a tree, flattened. */
export interface FlatProduct {
  productId: string;
  /** The full product name (`IBM webMethods Integration 10.15`). */
  name: string;
  vendor?: string;
  /** `product_name` branch, else the purl's name, else `product_family`, else the full name. */
  product: string;
  /** Versions: the purl's version (`epoch:version` for rpm with an epoch), else the `product_version` branch name. */
  versions: string[];
  /** `product_version_range` branch names (`< 3.02.01`), and for relationships the platform. */
  description?: string;
  /** Package URL without version and qualifiers. */
  purl?: string;
  /** CPE 2.3 formatted strings (2.2 URIs, as Red Hat writes them, converted). */
  cpes: string[];
}

/** CSAF product status → Vigil's (model/advisory.ts {@link AdvisoryProductStatus}). */
export const STATUS_MAP: Readonly<Record<string, AdvisoryProductStatus>> = {
  known_affected: 'affected',
  first_affected: 'affected',
  last_affected: 'affected',
  fixed: 'fixed',
  first_fixed: 'fixed',
  recommended: 'fixed',
  known_not_affected: 'not_affected',
  under_investigation: 'under_investigation',
};

/** How a relationship category reads in an entry's description (§3.2.2.4). */
const RELATION_WORDS: Readonly<Record<string, string>> = {
  default_component_of: 'component of',
  optional_component_of: 'optional component of',
  external_component_of: 'external component of',
  installed_on: 'installed on',
  installed_with: 'installed with',
};

/**
 * Splits a purl into its versionless form and its version: `pkg:rpm/redhat/bind@9.8.2-0.68?arch=src&epoch=32`
 * → `{purl: 'pkg:rpm/redhat/bind', version: '32:9.8.2-0.68'}`. Qualifiers (arch, repository_url, tag)
 * are dropped, except an rpm `epoch`, which belongs to the version. `null` when not a valid purl.
 */
export function splitPurl(raw: string): { purl: string; version?: string } | null {
  let p: PackageURL;
  try {
    p = PackageURL.fromString(raw.trim());
  } catch {
    return null;
  }
  const purl = new PackageURL(p.type, p.namespace, p.name, undefined, undefined, p.subpath).toString();
  const epoch = p.qualifiers?.epoch;
  const version = p.version ? (epoch && epoch !== '0' ? `${epoch}:${p.version}` : p.version) : undefined;
  return version ? { purl, version } : { purl };
}

/**
 * A CPE as a CPE 2.3 formatted string: a 2.3 string is checked, a 2.2 URI (`cpe:/o:redhat:rhel_els:6`,
 * NISTIR 7695 §6.1) is converted (percent-decoded; empty → ANY; a packed `~` edition unpacked).
 * @returns the formatted string, or `null` when it is neither.
 * @example toCpe23('cpe:/a:redhat:enterprise_linux:8::appstream') // 'cpe:2.3:a:redhat:enterprise_linux:8:*:appstream:*:*:*:*:*'
 */
export function toCpe23(raw: string): string | null {
  const s = raw.trim();
  try {
    if (s.startsWith('cpe:2.3:')) return formatCpe23(parseCpe23(s));
    if (!s.toLowerCase().startsWith('cpe:/')) return null;
    const parts = s.slice(5).split(':').map((c) => decodeURIComponent(c));
    if (parts.length > 7) return null;
    const [part = '*', vendor = '', product = '', version = '', update = '', edition = '', language = ''] = parts;
    const ed = edition.startsWith('~') ? edition.slice(1).split('~') : [edition];
    const v = (x: string | undefined) => (x === undefined || x === '' ? '*' : x.toLowerCase());
    return formatCpe23({
      part: (part === '' ? '*' : part.toLowerCase()) as 'a',
      vendor: v(vendor), product: v(product), version: v(version), update: v(update),
      edition: v(ed[0]), language: v(language), swEdition: v(ed[1]), targetSw: v(ed[2]), targetHw: v(ed[3]), other: v(ed[4]),
    });
  } catch {
    // URIError from a bad %-escape, VigilError from the CPE 2.3 check: not a usable CPE.
    return null;
  }
}

interface BranchPath {
  vendor?: string;
  family?: string;
  productName?: string;
  version?: string;
  range?: string;
}

function flatten(fpn: FullProductName, path: BranchPath): FlatProduct {
  const helper = fpn.product_identification_helper;
  const purl = helper?.purl ? splitPurl(helper.purl) : null;
  const cpe = helper?.cpe ? toCpe23(helper.cpe) : null;
  const purlName = purl ? purl.purl.slice(purl.purl.lastIndexOf('/') + 1) : undefined;
  const version = purl?.version ?? path.version;
  return {
    productId: fpn.product_id,
    name: fpn.name,
    ...(path.vendor ? { vendor: path.vendor } : {}),
    product: path.productName ?? (purlName ? decodeURIComponent(purlName) : undefined) ?? path.family ?? fpn.name,
    versions: version ? [version] : [],
    ...(path.range ? { description: path.range } : {}),
    ...(purl ? { purl: purl.purl } : {}),
    cpes: cpe ? [cpe] : [],
  };
}

function walk(branches: readonly CsafBranch[], path: BranchPath, out: Map<string, FlatProduct>): void {
  for (const b of branches) {
    const here: BranchPath = { ...path };
    if (b.category === 'vendor') here.vendor = b.name;
    else if (b.category === 'product_family') here.family = b.name;
    else if (b.category === 'product_name') here.productName = b.name;
    else if (b.category === 'product_version') here.version = b.name;
    else if (b.category === 'product_version_range') here.range = b.name;
    if (b.product) out.set(b.product.product_id, flatten(b.product, here));
    if (b.branches) walk(b.branches, here, out);
  }
}

/**
 * Every product id of a product tree, flattened (see the module doc). Relationships are read
 * after branches and `full_product_names`, so their component and platform are known.
 */
export function flattenProductTree(tree: ProductTree | undefined): Map<string, FlatProduct> {
  const out = new Map<string, FlatProduct>();
  if (!tree) return out;
  walk(tree.branches ?? [], {}, out);
  for (const fpn of tree.full_product_names ?? []) out.set(fpn.product_id, flatten(fpn, {}));
  for (const rel of tree.relationships ?? []) {
    const component = out.get(rel.product_reference) ?? flatten({ name: rel.product_reference, product_id: rel.product_reference }, {});
    const platform = out.get(rel.relates_to_product_reference);
    const platformName = platform ? (platform.name || platform.product) : rel.relates_to_product_reference;
    const relation = `${RELATION_WORDS[rel.category] ?? rel.category.replaceAll('_', ' ')} ${platformName}`;
    out.set(rel.full_product_name.product_id, {
      ...component,
      productId: rel.full_product_name.product_id,
      name: rel.full_product_name.name,
      vendor: component.vendor ?? platform?.vendor,
      description: component.description ? `${component.description}; ${relation}` : relation,
      cpes: [...new Set([...component.cpes, ...(platform?.cpes ?? [])])],
    });
  }
  return out;
}

/**
 * The affected entries of a document: each vulnerability's product status (§3.2.3.9) mapped
 * through {@link STATUS_MAP}, giving each (product id, status) the set of CVEs it is stated for;
 * then product ids with the same vendor, product, purl, CPEs, description, status and CVE set are
 * one entry with the union of their versions. So an entry never claims a status for a version and
 * CVE the document does not pair. An id the tree does not define (the spec forbids it, §6.1.1) is
 * its own product. Order: first appearance.
 */
export function affectedEntries(products: Map<string, FlatProduct>, vulnerabilities: readonly CsafVulnerability[]): AdvisoryAffected[] {
  const perId = new Map<string, { id: string; status: AdvisoryProductStatus; cves: Set<string> }>();
  for (const v of vulnerabilities) {
    for (const [csafStatus, ids] of Object.entries(v.product_status ?? {})) {
      const status = STATUS_MAP[csafStatus];
      if (!status || !ids) continue;
      for (const id of ids) {
        const key = `${status}\u0000${id}`;
        let s = perId.get(key);
        if (!s) {
          s = { id, status, cves: new Set() };
          perId.set(key, s);
        }
        if (v.cve) s.cves.add(v.cve);
      }
    }
  }
  const groups = new Map<string, { entry: AdvisoryAffected; versions: Set<string>; cves: string[] }>();
  for (const { id, status, cves } of perId.values()) {
    const p = products.get(id) ?? { productId: id, name: id, product: id, versions: [], cpes: [] };
    const key = JSON.stringify([status, p.vendor, p.product, p.purl, p.cpes, p.description, [...cves].sort()]);
    let g = groups.get(key);
    if (!g) {
      const entry: AdvisoryAffected = { status, ...(p.vendor ? { vendor: p.vendor } : {}), product: p.product };
      if (p.purl) entry.purl = p.purl;
      if (p.cpes.length > 0) entry.cpes = p.cpes;
      if (p.description) entry.description = p.description;
      g = { entry, versions: new Set(), cves: [...cves] };
      groups.set(key, g);
    }
    for (const ver of p.versions) g.versions.add(ver);
  }
  return [...groups.values()].map(({ entry, versions, cves }) => ({
    ...entry,
    ...(versions.size > 0 ? { versions: [...versions] } : {}),
    ...(cves.length > 0 ? { cves } : {}),
  }));
}
