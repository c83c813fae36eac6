/**
 * Builds the view of one CVE that users see (`vigil show`, the API): the merged record with
 * KEV, EPSS and its history, the priority score with its explanation, and the change history.
 * A CVE known only from KEV and/or EPSS (no record imported yet) gets a view too, from its KEV
 * entry, saying so (`recordImported: false`).
 */
import { cweName } from '../enrich/cwe.ts';
import type { KevView, Vulnerability, VulnerabilityView } from '../model/record.ts';
import type { KevEntry } from '../model/vulnerability.ts';
import type { StoredVulnerability } from '../store/types.ts';
import { type MergeOptions, mergeVulnerability } from './merge.ts';
import { computePriority } from './priority.ts';

/**
 * Provider of the `affected` entry made from a KEV entry (the same as alerts/facts.ts KEV_PROVIDER:
 * alert matching reads it to say a match came from the catalog).
 */
const KEV_PROVIDER = 'CISA-KEV';

/**
 * The record of a CVE that no CVE 5 or NVD record describes yet: what its KEV entry says (title,
 * description, vendor/product, CWEs), else only its id. Published, with no CVSS.
 */
function recordWithout(cveId: string, lastModified: string, e: KevEntry | null): Vulnerability {
  return {
    id: cveId,
    state: 'PUBLISHED',
    ...(e ? { title: e.vulnerabilityName, description: e.shortDescription } : {}),
    lastModified,
    cvss: [],
    primaryCvss: null,
    severity: null,
    cwes: (e?.cwes ?? [])
      .filter((id) => id.startsWith('CWE-'))
      .map((id) => {
        const name = cweName(id);
        return name ? { id, name, sources: [] } : { id, sources: [] };
      }),
    cpes: [],
    affected: e ? [{ vendor: e.vendorProject, product: e.product, versions: [], defaultStatus: 'affected', provider: KEV_PROVIDER, source: 'cve5' }] : [],
    products: e ? [{ vendor: e.vendorProject, product: e.product }] : [],
    references: [],
    ssvc: null,
    provenance: {},
    sources: [],
  };
}

/** Assembles a {@link VulnerabilityView} from what the store holds (merging its observations). */
export function buildView(stored: StoredVulnerability, options: MergeOptions = {}): VulnerabilityView {
  const { kev: entry, kevHint, epss } = stored;
  const recordImported = stored.observations.length > 0;
  const v = recordImported
    ? mergeVulnerability(stored.observations, options).vulnerability
    : recordWithout(stored.cveId ?? entry?.cveId ?? '', stored.lastModified ?? entry?.dateAdded ?? '', entry);
  let kev: KevView | null = null;
  if (entry) {
    const { cveId: _id, ...rest } = entry;
    kev = rest;
  } else if (kevHint) {
    // Only a feed's own KEV mark (CISA ADP or NVD): the catalog entry is not stored yet.
    kev = {
      vendorProject: '',
      product: '',
      vulnerabilityName: kevHint.vulnerabilityName ?? '',
      dateAdded: kevHint.dateAdded,
      shortDescription: '',
      requiredAction: kevHint.requiredAction ?? '',
      dueDate: kevHint.dueDate ?? '',
      knownRansomwareCampaignUse: 'Unknown',
      notes: 'from the CVE feed (CISA ADP / NVD); KEV catalog entry not imported',
      cwes: [],
    };
  }
  const priority = computePriority({
    rejected: v.state === 'REJECTED',
    kev: kev !== null,
    ransomware: kev?.knownRansomwareCampaignUse === 'Known',
    epss: epss?.score ?? null,
    cvssScore: v.primaryCvss?.baseScore ?? null,
    awaitingEpss: stored.awaitingEpss ?? false,
  });
  return {
    ...v,
    epss: epss ? { ...epss, history: stored.epssHistory } : null,
    kev,
    priority,
    history: stored.history.map(({ cveId: _id, ...c }) => c),
    recordImported,
  };
}
