/**
 * Advisory and exploit shapes of the REST API as the dashboard reads them (issue 11 contract:
 * `GET /api/v1/advisories`, `/api/v1/advisories/{id}`, and the CVE view's `advisories`,
 * `exploits` and `conflicts`). Model types are re-exported type-only from `src/model/advisory.ts`;
 * wire shapes are written here, every field an older server may leave out marked optional.
 * Times are ISO 8601 UTC strings.
 */
import type {
  AdvisoryAffected,
  AdvisoryChange,
  AdvisoryCve,
  AdvisoryCvss,
  AdvisoryKind,
  AdvisoryReference,
  AdvisoryRevision,
  ExploitInfo,
} from '../../src/model/advisory.ts';
import type { CveSummary, VulnerabilityView } from './types.ts';

export type {
  AdvisoryAffected,
  AdvisoryChange,
  AdvisoryKind,
  AdvisoryRange,
  AdvisoryReference,
  AdvisorySummary,
  ExploitInfo,
} from '../../src/model/advisory.ts';

/** Kinds in the order the filter offers them, with their labels. */
export const KIND_LABELS: Record<AdvisoryKind, string> = {
  package: 'Package advisory',
  bulletin: 'CERT bulletin',
  alert: 'CERT alert',
  vendor: 'Vendor advisory',
  vex: 'VEX',
  exploit: 'Exploit',
};

/** Advisory sources and their display names (src/sources/registry.ts). */
export const ADVISORY_SOURCES: Record<string, string> = {
  osv: 'OSV',
  ghsa: 'GitHub (GHSA)',
  exploitdb: 'Exploit-DB',
  certfr: 'CERT-FR',
  certeu: 'CERT-EU',
  csaf: 'CSAF',
  circl: 'CIRCL',
};

/** `GET /api/v1/advisories/{id}`: one stored advisory with what the store knows of it. */
export interface AdvisoryView {
  id: string;
  source: string;
  kind: AdvisoryKind;
  title: string;
  summary?: string | null;
  /** Markdown or plain text (never HTML to insert). */
  details?: string | null;
  published?: string | null;
  modified: string;
  withdrawn?: string | null;
  revisions?: AdvisoryRevision[] | null;
  /** As the source words it (`MODERATE`, `Important`), not normalised. */
  severity?: string | null;
  cvss?: AdvisoryCvss[] | null;
  aliases?: string[] | null;
  /** CVE ids, listed and found in text. */
  cves: string[];
  /** Each CVE with how the document names it. */
  cveDetails?: AdvisoryCve[] | null;
  cwes?: string[] | null;
  affected?: AdvisoryAffected[] | null;
  risks?: string[] | null;
  references?: AdvisoryReference[] | null;
  vendorAdvisories?: AdvisoryReference[] | null;
  url?: string | null;
  tlp?: string | null;
  exploit?: ExploitInfo | null;
  firstSeen?: string | null;
  history?: AdvisoryChange[] | null;
}

/** An advisory in a CVE view (`advisories[]`: every kind but exploit). */
export interface CveAdvisory {
  id: string;
  source: string;
  kind: AdvisoryKind;
  title: string;
  url: string | null;
  published: string | null;
}

/** A public exploit in a CVE view (`exploits[]`). */
export interface CveExploit {
  id: string;
  source: string;
  url: string | null;
  published: string | null;
  verified: boolean;
  type: string;
  platform: string;
}

/** Sources that disagree about a CVE (`conflicts[]`): `detail` says how, in words. */
export interface CveConflict {
  kind: 'severity' | 'vex' | (string & {});
  sources: string[];
  detail: string;
}

/** `GET /api/v1/cves/{id}` with the issue 11 additions (absent from a server without them). */
export type CveView = VulnerabilityView & {
  advisories?: CveAdvisory[];
  exploits?: CveExploit[];
  conflicts?: CveConflict[];
};

/** A ranked row of `/api/v1/cves` or `/api/v1/search` with its count of public exploits. */
export type CveRow = CveSummary & { exploits?: number };
