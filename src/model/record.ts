/**
 * The merged record: one {@link Vulnerability} per CVE, built by `analysis/merge.ts` from every
 * source's {@link VulnObservation}, with per-field provenance; and the views built around it.
 */
import type { AdvisoryKind } from './advisory.ts';
import type {
  AffectedProduct,
  CveState,
  CvssVersion,
  KevEntry,
  RecordSourceId,
  Reference,
  Severity,
  SsvcInputs,
} from './vulnerability.ts';

/** A CVSS assessment after scoring: the base score is computed from the vector by us. */
export interface ScoredCvss {
  version: CvssVersion;
  vector: string;
  /** Base score computed from the vector (ae-cvss-calculator), 0–10. */
  baseScore: number;
  /** Qualitative rating of `baseScore` per that version's specification. */
  baseSeverity: Severity;
  /** Score the source stated, 0–10, or `null`; differs from `baseScore` only on a mismatch. */
  statedScore: number | null;
  /** Who scored it (`nvd@nist.gov`, CNA short name, `CISA-ADP`). */
  scorer: string;
  type?: 'Primary' | 'Secondary';
  /** Feed it came from. */
  source: RecordSourceId;
}

/** One NVD CPE match with its CPE 2.3 name split into vendor/product/version. */
export interface CpeApplicability {
  criteria: string;
  vendor: string;
  product: string;
  /** Exact version in the CPE name (`*` = any, `-` = not applicable). */
  version: string;
  vulnerable: boolean;
  versionStartIncluding?: string;
  versionStartExcluding?: string;
  versionEndIncluding?: string;
  versionEndExcluding?: string;
}

/** A CWE with its catalog name and the feeds that listed it. */
export interface CweRef {
  id: string;
  name?: string;
  sources: RecordSourceId[];
}

/** A (vendor, product) pair named by CPE data or a CNA/ADP `affected` entry. */
export interface ProductRef {
  vendor: string;
  product: string;
}

/** SSVC inputs with CISA's decision for a given Mission & Well-being level. */
export interface SsvcAssessment extends SsvcInputs {
  missionWellbeing: 'low' | 'medium' | 'high';
  decision: 'Track' | 'Track*' | 'Attend' | 'Act';
}

/** Which feed supplied each merged field (`description: 'cve5'`). */
export type Provenance = Partial<Record<'state' | 'vulnStatus' | 'title' | 'description' | 'published' | 'lastModified' | 'severity' | 'ssvc' | 'assigner', RecordSourceId>>;

/** One CVE, merged across feeds. EPSS and KEV are joined at read time (see {@link VulnerabilityView}). */
export interface Vulnerability {
  id: string;
  state: CveState;
  vulnStatus?: string;
  assigner?: string;
  title?: string;
  description?: string;
  /** ISO 8601 UTC. */
  published?: string;
  /** ISO 8601 UTC: the newest `lastModified` of any feed. */
  lastModified: string;
  /** Every CVSS assessment from every feed, scored. */
  cvss: ScoredCvss[];
  /** The assessment that sets {@link severity} and the CVSS priority factor (see merge.ts). */
  primaryCvss: ScoredCvss | null;
  severity: Severity | null;
  cwes: CweRef[];
  cpes: CpeApplicability[];
  affected: (AffectedProduct & { source: RecordSourceId })[];
  /**
   * Distinct vendor/product pairs from vulnerable CPEs and `affected` entries that may be affected,
   * as stated (display form). Products listed only as unaffected are in {@link unaffectedProducts}.
   */
  products: ProductRef[];
  /**
   * Products every `affected` entry naming them lists with no affected version (CVE-2024-3400's
   * "Cloud NGFW: All (unaffected)"); absent on records not built by analysis/merge.ts (KEV-only).
   */
  unaffectedProducts?: ProductRef[];
  references: Reference[];
  ssvc: SsvcAssessment | null;
  provenance: Provenance;
  /** Feeds that contributed, with their own lastModified. */
  sources: { source: RecordSourceId; lastModified: string; vulnStatus?: string }[];
}

/** One recorded change of a merged field between syncs. */
export interface Change {
  cveId: string;
  field: string;
  old: string | null;
  new: string | null;
  /** Feed whose update caused it (`nvd`, `cve5`, `kev`, …). */
  source: string;
  /** When the source says the change happened (its lastModified / catalog or score date), ISO 8601. */
  at: string;
}

/** One factor of the priority score. */
export interface PriorityFactor {
  name: 'kev' | 'ransomware' | 'exploit' | 'epss' | 'cvss' | 'rejected';
  /** The input value (KEV: 1/0; exploit: number of public exploits; EPSS: 0–1 probability; CVSS: 0–10 base score). */
  value: number | null;
  /** Points added to the score. */
  contribution: number;
  explanation: string;
}

/** The priority score (0–100) and how it was reached. */
export interface Priority {
  score: number;
  factors: PriorityFactor[];
}

/** EPSS as shown with a record. */
export interface EpssView {
  score: number;
  percentile: number;
  date: string;
  history: { date: string; score: number; percentile: number }[];
}

/** KEV as shown with a record. */
export type KevView = Omit<KevEntry, 'cveId'>;

/** What `vigil show` and `GET /api/v1/cves/{id}` return. */
export interface VulnerabilityView extends Vulnerability {
  epss: EpssView | null;
  kev: KevView | null;
  priority: Priority;
  history: Omit<Change, 'cveId'>[];
  /**
   * False when no CVE record (CVE 5 or NVD) is stored yet and the CVE is known only from CISA KEV
   * and/or FIRST EPSS: title, description, product and CWEs then come from the KEV entry.
   * Absent in views not built from the store (treat as true).
   */
  recordImported?: boolean;
  /** Advisories naming the CVE, all kinds but `exploit`, newest first (set by the store-reading views: `vigil show`, the API). */
  advisories?: CveAdvisoryRef[];
  /** Public exploits naming the CVE (Exploit-DB), newest first. */
  exploits?: CveExploitRef[];
  /** Where an advisory disagrees with the CVE's own data (analysis/conflicts.ts). */
  conflicts?: Conflict[];
}

/** An advisory as a CVE's view lists it (a package advisory, bulletin, alert, vendor or VEX document). */
export interface CveAdvisoryRef {
  id: string;
  /** Vigil source id (`ghsa`, `osv`, `certfr`, `csaf`, …). */
  source: string;
  kind: AdvisoryKind;
  title: string;
  url: string | null;
  /** ISO 8601 UTC. */
  published: string | null;
}

/** A public exploit as a CVE's view lists it. */
export interface CveExploitRef {
  /** `EDB-40839`. */
  id: string;
  source: string;
  url: string | null;
  /** ISO 8601 UTC. */
  published: string | null;
  /** Exploit-DB verified it works. */
  verified: boolean;
  /** `local`, `remote`, `webapps`, `dos`, … */
  type: string;
  /** `linux`, `windows`, `php`, `multiple`, … */
  platform: string;
}

/**
 * A disagreement between an advisory and the CVE's own data:
 * - `severity`: the advisory's severity word differs from the primary CVSS severity;
 * - `vex`: a CSAF document says a product is not affected that the CVE's CPE or `affected` data names as vulnerable.
 */
export interface Conflict {
  kind: 'severity' | 'vex';
  /** Who disagrees: the advisory id and the other side (the CVSS scorer, or the feed naming the product). */
  sources: string[];
  /** One sentence for people. */
  detail: string;
}

/** One row of a ranked list (`vigil top`, `vigil search`). */
export interface RankedVulnerability {
  id: string;
  state: CveState;
  published: string | null;
  severity: Severity | null;
  cvssScore: number | null;
  cvssVersion: CvssVersion | null;
  epss: number | null;
  percentile: number | null;
  kev: boolean;
  ransomware: boolean;
  priority: number;
  /** The CNA's title, else the description's first sentence, cut between words (analysis/title.ts). */
  title: string | null;
  /** Description text the title does not show, cut between words; null when nothing is left. */
  snippet: string | null;
  vendors: string[];
  /** Public exploits naming the CVE (stored Exploit-DB exploits that list it): the priority's exploit factor. */
  exploits: number;
}
