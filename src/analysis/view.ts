/**
 * Builds the view of one CVE that users see (`vigil show`, the API): the merged record with
 * KEV, EPSS and its history, the priority score with its explanation, and the change history.
 * A CVE known only from KEV and/or EPSS (no record imported yet) gets a view too, from its KEV
 * entry, saying so (`recordImported: false`).
 *
 * The views read from the store ({@link loadCveView}) also list the advisories and public exploits
 * naming the CVE and where they disagree with it (analysis/conflicts.ts); {@link advisoryView} is
 * the view of one advisory (`vigil advisories show`, `GET /api/v1/advisories/{id}`).
 */
import { cweName } from '../enrich/cwe.ts';
import type {
  Advisory,
  AdvisoryAffected,
  AdvisoryChange,
  AdvisoryCve,
  AdvisoryCvss,
  AdvisoryKind,
  AdvisoryReference,
  AdvisoryRevision,
  AdvisoryLink,
  ExploitInfo,
} from '../model/advisory.ts';
import type { CveAdvisoryRef, CveExploitRef, KevView, Vulnerability, VulnerabilityView } from '../model/record.ts';
import type { KevEntry } from '../model/vulnerability.ts';
import type { Store, StoredAdvisory, StoredVulnerability } from '../store/types.ts';
import { findConflicts } from './conflicts.ts';
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
    exploits: stored.exploits ?? 0,
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

/**
 * Advisories whose full document the conflict check reads: those with a severity word, and CSAF
 * documents (VEX statements). At most this many per CVE (newest first), so that a CVE named by
 * hundreds of bulletins costs a bounded number of reads.
 */
const CONFLICT_DOCUMENTS = 50;

/** Whether {@link findConflicts} may find something in `a` (severity word, or a CSAF/VEX document). */
function mayConflict(a: AdvisoryLink): boolean {
  return a.kind !== 'exploit' && (a.severity !== null || a.source === 'csaf' || a.kind === 'vex');
}

/**
 * The view with the advisories and exploits naming the CVE and the conflicts they raise.
 * @param summaries the CVE's advisories as the store lists them (newest first), exploits included.
 * @param documents full documents of (some of) them, for {@link findConflicts}.
 */
export function withAdvisories(view: VulnerabilityView, summaries: readonly AdvisoryLink[], documents: readonly Advisory[]): VulnerabilityView {
  const advisories: CveAdvisoryRef[] = [];
  const exploits: CveExploitRef[] = [];
  for (const a of summaries) {
    if (a.kind === 'exploit') {
      exploits.push({
        id: a.id,
        source: a.source,
        url: a.url,
        published: a.published,
        verified: a.exploit?.verified ?? false,
        type: a.exploit?.type ?? '',
        platform: a.exploit?.platform ?? '',
      });
    } else {
      advisories.push({ id: a.id, source: a.source, kind: a.kind, title: a.title, url: a.url, published: a.published });
    }
  }
  return { ...view, advisories, exploits, conflicts: findConflicts(view, documents) };
}

/**
 * What the store holds of a CVE named only by advisories (no record, no KEV entry, no EPSS
 * score): an empty record, first seen when its oldest advisory was published.
 */
function namedOnlyByAdvisories(cveId: string, summaries: readonly AdvisoryLink[]): StoredVulnerability {
  const dates = summaries.map((a) => a.published ?? a.modified).sort();
  const exploits = summaries.filter((a) => a.kind === 'exploit').length;
  return { cveId, observations: [], kev: null, kevHint: null, epss: null, epssHistory: [], history: [], priority: 0, hasRecord: false, lastModified: dates[0] ?? '', exploits };
}

/**
 * The view of one CVE as users see it (`vigil show`, `GET /api/v1/cves/{id}`): {@link buildView}
 * with its advisories, exploits and conflicts. A CVE that only advisories name gets a view too
 * (`recordImported: false`, no KEV, no EPSS).
 * @param summaries the CVE's advisories when the caller already read them (`store.advisoriesForCve`).
 * @returns null when the store knows nothing of the CVE.
 */
export async function loadCveView(
  store: Pick<Store, 'getVulnerability' | 'advisoriesForCve' | 'getAdvisory'>,
  cveId: string,
  options: MergeOptions = {},
  summaries?: readonly AdvisoryLink[],
): Promise<VulnerabilityView | null> {
  const [stored, named] = await Promise.all([store.getVulnerability(cveId), summaries ?? store.advisoriesForCve(cveId)]);
  if (!stored && !named.length) return null;
  const view = buildView(stored ?? namedOnlyByAdvisories(cveId, named), options);
  const documents: Advisory[] = [];
  for (const a of named.filter(mayConflict).slice(0, CONFLICT_DOCUMENTS)) {
    const doc = await store.getAdvisory(a.id);
    if (doc) documents.push(doc.advisory);
  }
  return withAdvisories(view, named, documents);
}

/** One advisory with what the store knows of it (`vigil advisories show --json`, `GET /api/v1/advisories/{id}`). */
export interface AdvisoryDetail {
  id: string;
  source: string;
  kind: AdvisoryKind;
  title: string;
  summary: string | null;
  details: string | null;
  /** ISO 8601 UTC. */
  published: string | null;
  modified: string;
  withdrawn: string | null;
  revisions: AdvisoryRevision[];
  /** As the source words it. */
  severity: string | null;
  cvss: AdvisoryCvss[];
  aliases: string[];
  /** Every CVE it names. */
  cves: string[];
  /** The same CVEs with how each is named: in its own list (`listed`) or only in its text (`text`). */
  cveDetails: AdvisoryCve[];
  cwes: string[];
  affected: AdvisoryAffected[];
  risks: string[];
  references: AdvisoryReference[];
  vendorAdvisories: AdvisoryReference[];
  url: string | null;
  tlp: string | null;
  exploit: ExploitInfo | null;
  /** ISO 8601: when this store first stored it. */
  firstSeen: string;
  /** Oldest first. */
  history: AdvisoryChange[];
}

/** The {@link AdvisoryDetail} of a stored advisory: absent optional fields become `null` or `[]`. */
export function advisoryView({ advisory: a, firstSeen, history }: StoredAdvisory): AdvisoryDetail {
  return {
    id: a.id,
    source: a.source,
    kind: a.kind,
    title: a.title,
    summary: a.summary ?? null,
    details: a.details ?? null,
    published: a.published ?? null,
    modified: a.modified,
    withdrawn: a.withdrawn ?? null,
    revisions: a.revisions ?? [],
    severity: a.severity ?? null,
    cvss: a.cvss ?? [],
    aliases: a.aliases,
    cves: a.cves.map((c) => c.id),
    cveDetails: a.cves,
    cwes: a.cwes ?? [],
    affected: a.affected,
    risks: a.risks ?? [],
    references: a.references,
    vendorAdvisories: a.vendorAdvisories ?? [],
    url: a.url ?? null,
    tlp: a.tlp ?? null,
    exploit: a.exploit ?? null,
    firstSeen,
    history,
  };
}
