/**
 * Conflicts between a CVE's own data and the advisories that name it, shown with the CVE
 * (`vigil show`, `GET /api/v1/cves/{id}`). Pure functions over the model.
 *
 * - `severity`: an advisory's severity word (GitHub `LOW`/`MODERATE`/`HIGH`/`CRITICAL`, a CSAF
 *   `aggregate_severity` such as Red Hat's `Low`/`Moderate`/`Important`/`Critical`) sits on another
 *   level than the CVE's primary CVSS severity; for a document naming several CVEs, only a lower
 *   level (its word rates the whole document). Words that name no level (a CERT's prose) are skipped.
 * - `vex`: a CSAF document lists a product as `not_affected` for this CVE (CSAF 2.0 §3.2.3.9
 *   `known_not_affected`) while the CVE's vulnerable CPEs or CVE 5 `affected` entries name that product.
 */
import { productKey } from '../enrich/product-key.ts';
import type { Advisory, AdvisoryAffected } from '../model/advisory.ts';
import type { Conflict, Vulnerability } from '../model/record.ts';

/** Levels of the qualitative scales, 0 (none) to 4 (critical). */
const LEVELS: Record<string, number> = {
  none: 0,
  low: 1,
  medium: 2,
  moderate: 2,
  high: 3,
  important: 3,
  critical: 4,
};

/** Display names of the levels. */
const LEVEL_NAMES = ['none', 'low', 'medium', 'high', 'critical'] as const;

/**
 * The level (0–4) of a severity word, case-insensitive: CVSS ratings (NONE…CRITICAL), GitHub's
 * MODERATE, Red Hat's Important; `null` for anything else.
 * @example severityLevel('Important') // 3
 */
export function severityLevel(word: string | null | undefined): number | null {
  if (!word) return null;
  return LEVELS[word.trim().toLowerCase()] ?? null;
}

/** Who a source is, in a sentence. */
function sourceName(a: Pick<Advisory, 'source'>): string {
  switch (a.source) {
    case 'ghsa':
      return 'GitHub';
    case 'osv':
      return 'OSV';
    case 'csaf':
      return 'CSAF';
    case 'certfr':
      return 'CERT-FR';
    case 'certeu':
      return 'CERT-EU';
    default:
      return a.source;
  }
}

/**
 * A `severity` conflict of one advisory, or null when it agrees or states no level. The severity
 * of a document naming several CVEs rates the document (its worst: a CSAF aggregate severity, or
 * the worst of its scores): it disagrees with one of them only when it is lower.
 */
function severityConflict(v: Vulnerability, a: Advisory): Conflict | null {
  const theirs = severityLevel(a.severity);
  const ours = severityLevel(v.severity);
  const cvss = v.primaryCvss;
  if (theirs === null || ours === null || cvss === null || theirs === ours) return null;
  const named = new Set(a.cves.map((c) => c.id)).size;
  if (named > 1 && theirs > ours) return null;
  return {
    kind: 'severity',
    sources: [a.id, cvss.scorer],
    detail:
      `${sourceName(a)} advisory ${a.id} rates ${named > 1 ? `its ${named} CVEs` : 'it'} ${a.severity} (${LEVEL_NAMES[theirs]}), ` +
      `${theirs > ours ? 'higher' : 'lower'} than the primary CVSS ${cvss.version} score ${cvss.baseScore.toFixed(1)} by ${cvss.scorer} (${v.severity}).`,
  };
}

/** One (vendor, product) the CVE names as vulnerable, with who said so. */
interface VulnerableProduct {
  vendor: string;
  product: string;
  /** Feed or container naming it (`nvd` for CPE data, the CNA/ADP short name for `affected`). */
  by: string;
}

/** Vulnerable products of the CVE: vulnerable CPE matches and `affected` entries with an affected version or default. */
function vulnerableProducts(v: Vulnerability): VulnerableProduct[] {
  const out: VulnerableProduct[] = [];
  for (const c of v.cpes) if (c.vulnerable) out.push({ vendor: c.vendor, product: c.product, by: 'nvd' });
  for (const e of v.affected) {
    const product = e.product ?? e.packageName;
    if (!product) continue;
    const affected = e.defaultStatus === 'affected' || e.versions.some((x) => x.status === 'affected');
    if (affected) out.push({ vendor: e.vendor ?? '', product, by: e.provider });
  }
  return out;
}

/** Words of a name, lower case (`bind-32:9.8.2 as a component of …` → `bind`, `32`, `9`, …). */
function words(name: string): string[] {
  return name
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean);
}

/** Whether `needle` occurs in `hay` as consecutive whole words. */
function hasWords(hay: string[], needle: string[]): boolean {
  if (!needle.length || needle.length > hay.length) return false;
  for (let i = 0; i + needle.length <= hay.length; i++) if (needle.every((w, j) => hay[i + j] === w)) return true;
  return false;
}

/** CPE 2.3 vendor and product of a formatted string (`cpe:2.3:a:isc:bind:…`), or null. */
function cpeVendorProduct(cpe: string): { vendor: string; product: string } | null {
  const parts = cpe.split(':');
  if (parts.length < 5 || parts[0] !== 'cpe' || parts[1] !== '2.3') return null;
  return { vendor: parts[3] ?? '', product: parts[4] ?? '' };
}

/**
 * Whether a not-affected entry names `p`: by CPE (same vendor and product), by package name
 * (the entry's package is `p`'s product, whoever ships it: distributions rebuild upstream packages),
 * or by name (the entry's vendor is `p`'s, or unstated, and its product names `p`'s product as whole words).
 */
function names(entry: AdvisoryAffected, p: VulnerableProduct): boolean {
  const vendor = productKey(p.vendor);
  const product = productKey(p.product);
  if (!product) return false;
  for (const cpe of entry.cpes ?? []) {
    const c = cpeVendorProduct(cpe);
    if (c && productKey(c.product) === product && (!vendor || productKey(c.vendor) === vendor)) return true;
  }
  const pkg = entry.packageName ?? entry.purl?.split('/').pop();
  if (pkg && productKey(pkg) === product) return true;
  if (!entry.product) return false;
  if (entry.vendor && vendor && productKey(entry.vendor) !== vendor) return false;
  return hasWords(words(entry.product), words(p.product)) || productKey(entry.product) === product;
}

/** The `vex` conflicts of one CSAF advisory: one per product it says is not affected while the CVE names it. */
function vexConflicts(v: Vulnerability, a: Advisory): Conflict[] {
  if (a.source !== 'csaf' && a.kind !== 'vex') return [];
  const vulnerable = vulnerableProducts(v);
  const out: Conflict[] = [];
  const seen = new Set<string>();
  for (const entry of a.affected) {
    if (entry.status !== 'not_affected') continue;
    if (entry.cves && !entry.cves.includes(v.id)) continue;
    for (const p of vulnerable) {
      const key = `${productKey(p.vendor)}:${productKey(p.product)}`;
      if (seen.has(key) || !names(entry, p)) continue;
      seen.add(key);
      const stated = [entry.vendor, entry.product ?? entry.packageName].filter(Boolean).join(' ');
      out.push({
        kind: 'vex',
        sources: [a.id, p.by],
        detail:
          `${a.id} says ${stated || 'a product'} is not affected by ${v.id}, ` +
          `while ${p.by === 'nvd' ? "NVD's CPE data" : `the CVE record (${p.by})`} lists ${[p.vendor, p.product].filter(Boolean).join(' ')} as vulnerable.`,
      });
    }
  }
  return out;
}

/**
 * The conflicts between a CVE and the advisories naming it: severity disagreements first, then
 * VEX statements, in the advisories' order. Exploits are ignored.
 * @param v the merged record (its `severity`/`primaryCvss`, `cpes` and `affected` are read).
 * @param advisories full advisory documents naming `v.id`.
 * @example findConflicts(log4shell, [ghsaLow]) // [{ kind: 'severity', sources: ['GHSA-…', 'nvd@nist.gov'], detail: 'GitHub advisory GHSA-… rates it LOW (low), lower than …' }]
 */
export function findConflicts(v: Vulnerability, advisories: readonly Advisory[]): Conflict[] {
  const docs = advisories.filter((a) => a.kind !== 'exploit');
  const severity = docs.map((a) => severityConflict(v, a)).filter((c): c is Conflict => c !== null);
  return [...severity, ...docs.flatMap((a) => vexConflicts(v, a))];
}
