/**
 * Builds the view of one CVE that users see (`vigil show`, the API): the merged record with
 * KEV, EPSS and its history, the priority score with its explanation, and the change history.
 */
import type { KevView, VulnerabilityView } from '../model/record.ts';
import type { StoredVulnerability } from '../store/types.ts';
import { type MergeOptions, mergeVulnerability } from './merge.ts';
import { computePriority } from './priority.ts';

/** Assembles a {@link VulnerabilityView} from what the store holds (merging its observations). */
export function buildView(stored: StoredVulnerability, options: MergeOptions = {}): VulnerabilityView {
  const { kev: entry, kevHint, epss } = stored;
  const v = mergeVulnerability(stored.observations, options).vulnerability;
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
  });
  return {
    ...v,
    epss: epss ? { ...epss, history: stored.epssHistory } : null,
    kev,
    priority,
    history: stored.history.map(({ cveId: _id, ...c }) => c),
  };
}
