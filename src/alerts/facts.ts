/**
 * The facts an alert carries, taken from the CVE's view when the alert is made, so that every
 * attempt (and every retry) sends the same message.
 */
import { productKey } from '../enrich/product-key.ts';
import { computePriority } from '../analysis/priority.ts';
import type { AlertFacts, MatchReason } from '../model/alert.ts';
import type { VulnerabilityView } from '../model/record.ts';
import type { KevEntry } from '../model/vulnerability.ts';

/** Provider name of the `affected` entry {@link kevOnlyView} makes from a KEV entry. */
export const KEV_PROVIDER = 'CISA-KEV';

/**
 * A view of a CVE known only from the KEV catalog (CISA can list a CVE before Vigil has its
 * record): title, description, vendor/product and CWEs from the catalog entry, so that
 * watchlists can match it and "added to KEV" is not lost. The vendor/product appear as an
 * `affected` entry of provider {@link KEV_PROVIDER}; see {@link kevReasons}.
 */
export function kevOnlyView(e: KevEntry, epss: { score: number; percentile: number; date: string } | null): VulnerabilityView {
  const { cveId, ...kev } = e;
  return {
    id: cveId,
    state: 'PUBLISHED',
    title: e.vulnerabilityName,
    description: e.shortDescription,
    lastModified: e.dateAdded,
    cvss: [],
    primaryCvss: null,
    severity: null,
    cwes: e.cwes.map((id) => ({ id, sources: [] })),
    cpes: [],
    affected: [{ vendor: e.vendorProject, product: e.product, versions: [], defaultStatus: 'affected', provider: KEV_PROVIDER, source: 'cve5' }],
    products: [{ vendor: e.vendorProject, product: e.product }],
    references: [],
    ssvc: null,
    provenance: {},
    sources: [],
    epss: epss ? { ...epss, history: [] } : null,
    kev,
    priority: computePriority({ rejected: false, kev: true, ransomware: e.knownRansomwareCampaignUse === 'Known', epss: epss?.score ?? null, cvssScore: null }),
    history: [],
  };
}

/** Reasons that matched a {@link kevOnlyView}'s catalog data say so (`via: 'kev'`). */
export function kevReasons(reasons: MatchReason[]): MatchReason[] {
  return reasons.map((r) => (r.via === 'cna-affected' || r.via === 'adp-affected' ? { ...r, via: 'kev', field: r.field.replace(/^affected\[\d+\]/, 'kev') } : r));
}

const PLACEHOLDER = new Set(['', 'na', 'unknown', 'notapplicable']);

/** Whether the record names no real vendor (only `n/a`-style placeholders or nothing). */
export function vendorUnknown(view: VulnerabilityView): boolean {
  return view.products.every((p) => PLACEHOLDER.has(productKey(p.vendor)));
}

/**
 * Builds {@link AlertFacts} from a view.
 * @param linkBase dashboard base URL (`https://vigil.example.org`), or undefined for NVD's page.
 */
export function factsFromView(view: VulnerabilityView, linkBase?: string): AlertFacts {
  const cvss = view.primaryCvss;
  // Affected products only: CNAs also list what is not affected (`Cloud NGFW: unaffected`).
  // CNA names first: `Palo Alto Networks PAN-OS` reads better than the CPE's `paloaltonetworks pan-os`.
  const affected = [
    ...view.affected.filter((a) => a.defaultStatus === 'affected' || a.versions.some((v) => v.status === 'affected')).map((a) => ({ vendor: a.vendor ?? '', product: a.product ?? a.packageName ?? '' })),
    ...view.cpes.filter((c) => c.vulnerable).map((c) => ({ vendor: c.vendor, product: c.product })),
  ];
  const products: string[] = [];
  const seen = new Set<string>();
  for (const p of affected.length ? affected : view.products) {
    if (PLACEHOLDER.has(productKey(p.product))) continue;
    const vendor = PLACEHOLDER.has(productKey(p.vendor)) ? '' : p.vendor;
    const key = `${productKey(vendor)}:${productKey(p.product)}`;
    if (seen.has(key)) continue;
    seen.add(key);
    products.push(`${vendor} ${p.product}`.trim());
    if (products.length === 10) break;
  }
  return {
    cveId: view.id,
    state: view.state,
    title: view.title ?? null,
    description: view.description ? view.description.slice(0, 500) : null,
    published: view.published ?? null,
    severity: view.severity,
    cvss: cvss ? { score: cvss.baseScore, version: cvss.version, vector: cvss.vector } : null,
    epss: view.epss ? { score: view.epss.score, percentile: view.epss.percentile, date: view.epss.date } : null,
    kev: view.kev ? { dateAdded: view.kev.dateAdded, dueDate: view.kev.dueDate || null, ransomware: view.kev.knownRansomwareCampaignUse === 'Known' } : null,
    ssvc: view.ssvc?.decision ?? null,
    priority: view.priority.score,
    products,
    link: linkBase ? `${linkBase.replace(/\/+$/, '')}/cves/${view.id}` : `https://nvd.nist.gov/vuln/detail/${view.id}`,
  };
}
