/**
 * The advisory model: a document from one source about one or more vulnerabilities, with its own
 * id: a package advisory (OSV / GitHub `GHSA-…`, Go `GO-…`), a national-CERT bulletin
 * (CERT-FR `CERTFR-2026-AVI-0196`, alert `CERTFR-2024-ALE-001`, CERT-EU `CERT-EU-SA2026-001`), a vendor
 * CSAF advisory or VEX document (`tracking.id`), or a public exploit (Exploit-DB `EDB-12345`).
 * Sources turn upstream payloads into {@link Advisory} values; the store keeps each by id with
 * provenance and change history, and joins it to the CVEs it names (`cves`).
 *
 * All timestamps are ISO 8601 strings in UTC with a `Z` suffix; dates are `YYYY-MM-DD`.
 */

/**
 * What kind of document an advisory is:
 * - `package`: an OSV-format package advisory (OSV, GHSA, Go vulndb), ranges over package versions.
 * - `bulletin`: a national-CERT security bulletin (CERT-FR avis, CERT-EU security advisory).
 * - `alert`: a national-CERT alert about active exploitation (CERT-FR alerte, `…-ALE-…`).
 * - `vendor`: a vendor or coordinator advisory (CSAF `csaf_security_advisory`, `csaf_base`).
 * - `vex`: a CSAF VEX document (`csaf_vex`): product status per vulnerability.
 * - `exploit`: a public exploit (Exploit-DB); carries {@link ExploitInfo}.
 */
export type AdvisoryKind = 'package' | 'bulletin' | 'alert' | 'vendor' | 'vex' | 'exploit';

/** Every {@link AdvisoryKind}, for schemas and filters. */
export const ADVISORY_KINDS: readonly AdvisoryKind[] = ['package', 'bulletin', 'alert', 'vendor', 'vex', 'exploit'];

/**
 * A CVE an advisory names, and how: `listed` in the document's own CVE list (OSV `aliases`,
 * CERT-FR `cves`, CSAF `vulnerabilities[].cve`, Exploit-DB `codes`), or only `text`: found by
 * pattern in its prose (CERT-FR `content`, CERT-EU Markdown) and not listed.
 */
export interface AdvisoryCve {
  /** `CVE-YYYY-NNNN…`, upper case. */
  id: string;
  origin: 'listed' | 'text';
}

/**
 * One OSV range (https://ossf.github.io/osv-schema/#affectedranges-field): `events` in order,
 * each with exactly one of `introduced`, `fixed`, `last_affected`, `limit`.
 */
export interface AdvisoryRange {
  type: 'ECOSYSTEM' | 'SEMVER' | 'GIT';
  /** GIT ranges: the repository URL. */
  repo?: string;
  events: { introduced?: string; fixed?: string; last_affected?: string; limit?: string }[];
}

/**
 * Status of a product in an advisory. OSV/CERT entries are `affected`; CSAF `product_status`
 * (CSAF 2.0 §3.2.3.9) maps `known_affected`/`first_affected`/`last_affected` → `affected`,
 * `fixed`/`first_fixed` → `fixed`, `known_not_affected` → `not_affected` (VEX),
 * `under_investigation` → `under_investigation`, `recommended` → `fixed`.
 */
export type AdvisoryProductStatus = 'affected' | 'fixed' | 'not_affected' | 'under_investigation';

/** One affected (or, for VEX, not-affected) product or package of an advisory. */
export interface AdvisoryAffected {
  status: AdvisoryProductStatus;
  /** Vendor as the source words it (`Microsoft`, CSAF branch `vendor`), when known. */
  vendor?: string;
  /** Product as the source words it (`Windows Server 2022`, CSAF `product_name`). */
  product?: string;
  /** OSV ecosystem (`npm`, `Maven`, `PyPI`, `Go`, `crates.io`, `NuGet`, `RubyGems`, `Packagist`, …). */
  ecosystem?: string;
  /** Package name in its ecosystem (`org.springframework:spring-webmvc`, `lodash`). */
  packageName?: string;
  /** Package URL without version (https://github.com/package-url/purl-spec): `pkg:maven/org.springframework/spring-webmvc`. */
  purl?: string;
  /** CPE 2.3 formatted strings naming the product (CSAF `product_identification_helper.cpe`). */
  cpes?: string[];
  /** OSV `ranges`. */
  ranges?: AdvisoryRange[];
  /** Explicit versions (OSV `versions`, CSAF `product_version` names). */
  versions?: string[];
  /** Free-text scope as the source words it (CERT-FR `affected_systems[].description`: "versions antérieures à 5.3"). */
  description?: string;
  /** CERT-FR: the product is an industrial (SCADA) system. */
  scada?: boolean;
  /** CVEs this entry is about, when the source says per product (CSAF per vulnerability); otherwise all the advisory's. */
  cves?: string[];
}

/** A CVSS vector an advisory states (OSV `severity[]`, CSAF `scores[]`). */
export interface AdvisoryCvss {
  /** Full vector with its `CVSS:3.1/` prefix (v2 has none). */
  vector: string;
  /** Base score the source states, 0–10, or computed from the vector; `null` when neither. */
  score: number | null;
}

/** A link of an advisory: a reference, a patch, or a vendor advisory. */
export interface AdvisoryReference {
  url: string;
  /** OSV `type` (`ADVISORY`, `FIX`, `WEB`, …), CSAF `category`, or the CERT's link title. */
  type?: string;
  title?: string;
  /** For vendor advisories: the vendor's publication date, `YYYY-MM-DD`, when stated. */
  published?: string;
}

/** A revision of a bulletin (CERT-FR `revisions[]`, CSAF `tracking.revision_history[]`). */
export interface AdvisoryRevision {
  /** ISO 8601 UTC. */
  date: string;
  description: string;
}

/** Exploit-DB facts of an exploit (`files_exploits.csv` columns). */
export interface ExploitInfo {
  /** `linux`, `windows`, `php`, `multiple`, … */
  platform: string;
  /** `local`, `remote`, `webapps`, `dos`, … */
  type: string;
  author: string;
  /** Exploit-DB verified the exploit works. */
  verified: boolean;
  /** Target TCP/UDP port, when stated. */
  port?: number;
  /** Exploit-DB tags (`Metasploit Framework (MSF)`, `WordPress Plugin`, …). */
  tags: string[];
  /** Path of the exploit file in the Exploit-DB repository (`exploits/linux/local/40839.c`). */
  file: string;
}

/** One advisory, validated and normalised by its source. */
export interface Advisory {
  /** The document's own id: `GHSA-36p3-wjmg-h94x`, `GO-2024-2593`, `CERTFR-2026-AVI-0196`, `ICSA-24-291-03`, `EDB-40839`. */
  id: string;
  /** Vigil source id that produced it (`osv`, `ghsa`, `exploitdb`, `certfr`, `certeu`, `csaf`, `circl`). */
  source: string;
  kind: AdvisoryKind;
  title: string;
  /** Short summary (OSV `summary`, CERT-FR `summary`), plain text. */
  summary?: string;
  /** Long text (OSV `details`, CERT-FR `content`, CSAF notes), Markdown or plain text. */
  details?: string;
  /** ISO 8601 UTC. */
  published?: string;
  /** ISO 8601 UTC: the source's last change; newer `modified` supersedes the stored document. */
  modified: string;
  /** ISO 8601 UTC, when withdrawn (OSV `withdrawn`). */
  withdrawn?: string;
  revisions?: AdvisoryRevision[];
  /** Severity as the source words it (`HIGH`, `MODERATE`, `Important`, CSAF aggregate severity); not normalised. */
  severity?: string;
  cvss?: AdvisoryCvss[];
  /** Other ids of the same advisory (OSV `aliases` that are not CVEs, Exploit-DB `aliases`, `OSVDB-…`). */
  aliases: string[];
  cves: AdvisoryCve[];
  /** `CWE-79` form. */
  cwes?: string[];
  affected: AdvisoryAffected[];
  /** CERT-FR `risks[].description` ("Exécution de code arbitraire à distance"), as worded. */
  risks?: string[];
  references: AdvisoryReference[];
  /** CERT-FR `vendor_advisories`, CSAF vendor fixes. */
  vendorAdvisories?: AdvisoryReference[];
  /** The document's page for a human (ANSSI bulletin page, GitHub advisory page, Exploit-DB page). */
  url?: string;
  /** TLP label when the document carries one (CSAF `distribution.tlp.label`). */
  tlp?: string;
  /** Set for `kind: 'exploit'`. */
  exploit?: ExploitInfo;
}

/**
 * One advisory as a CVE's page lists it (`store.advisoriesForCve`): a {@link AdvisorySummary}
 * without the list of every CVE it names (a bulletin may name 1,924; a CVE page does not need them).
 */
export interface AdvisoryLink {
  id: string;
  source: string;
  kind: AdvisoryKind;
  title: string;
  url: string | null;
  /** ISO 8601 UTC. */
  published: string | null;
  modified: string;
  severity: string | null;
  /** Exploits only. */
  exploit?: { verified: boolean; type: string; platform: string };
}

/** One advisory in a list (`vigil advisories list`, `GET /api/v1/advisories`). */
export interface AdvisorySummary extends AdvisoryLink {
  /** CVE ids it names (listed and found in text). */
  cves: string[];
}

/** A change to a stored advisory (new, revised, withdrawn), for history and `advisory` events. */
export interface AdvisoryChange {
  advisoryId: string;
  /** `created`, `modified` (any stored field changed), `withdrawn`, or `cves` (the CVE list changed). */
  field: 'created' | 'modified' | 'withdrawn' | 'cves';
  old: string | null;
  new: string | null;
  source: string;
  /** ISO 8601: the advisory's `modified` that brought the change. */
  at: string;
}
