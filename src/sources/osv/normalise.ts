/**
 * OSV record → {@link Advisory}: pure functions, shared by the `osv` source (osv.dev exports, Go
 * vulndb, the GitHub advisory-database tree) and the `ghsa` source (GitHub's REST API).
 * Field mapping: see readme.md beside this file.
 */
import { PackageURL } from 'packageurl-js';
import { scoreCvss } from '../../enrich/cvss.ts';
import type { Advisory, AdvisoryAffected, AdvisoryCve, AdvisoryCvss, AdvisoryRange } from '../../model/advisory.ts';
import type { OsvRecordData } from './schema.ts';

const CVE_ID = /^CVE-\d{4}-\d{4,}$/i;
const CWE_ID = /^CWE-\d+$/;
/** Longest title kept; a title is a line, the full text stays in `details`. */
const MAX_TITLE = 300;

/**
 * purl types of the OSV ecosystems (https://ossf.github.io/osv-schema/#affectedpackage-field,
 * https://github.com/package-url/purl-spec/blob/main/PURL-TYPES.rst), and how a package name
 * splits into purl namespace and name.
 */
const PURL_TYPES: Record<string, { type: string; split: 'none' | 'colon' | 'lastSlash' | 'scope' }> = {
  npm: { type: 'npm', split: 'scope' },
  Maven: { type: 'maven', split: 'colon' },
  PyPI: { type: 'pypi', split: 'none' },
  Go: { type: 'golang', split: 'lastSlash' },
  'crates.io': { type: 'cargo', split: 'none' },
  NuGet: { type: 'nuget', split: 'none' },
  RubyGems: { type: 'gem', split: 'none' },
  Packagist: { type: 'composer', split: 'lastSlash' },
  Hex: { type: 'hex', split: 'none' },
  Pub: { type: 'pub', split: 'none' },
};

/**
 * The package URL (without version) of a package in an OSV ecosystem, or `undefined` for an
 * ecosystem without a purl type here (Debian, Alpine, Linux, …) or a name that does not fit it.
 * @example purlOf('Maven', 'org.springframework:spring-webmvc') // 'pkg:maven/org.springframework/spring-webmvc'
 * @example purlOf('npm', '@babel/core') // 'pkg:npm/%40babel/core'
 * @example purlOf('Go', 'github.com/gin-gonic/gin') // 'pkg:golang/github.com/gin-gonic/gin'
 */
export function purlOf(ecosystem: string, name: string): string | undefined {
  const kind = PURL_TYPES[ecosystem];
  if (!kind || name === '') return undefined;
  let namespace: string | undefined;
  let local = name;
  if (kind.split === 'colon') {
    const parts = name.split(':');
    if (parts.length !== 2 || !parts[0] || !parts[1]) return undefined;
    [namespace, local] = parts as [string, string];
  } else if (kind.split === 'lastSlash' || (kind.split === 'scope' && name.startsWith('@'))) {
    const cut = name.lastIndexOf('/');
    if (cut > 0) {
      namespace = name.slice(0, cut);
      local = name.slice(cut + 1);
    }
    if (local === '') return undefined;
  }
  try {
    return new PackageURL(kind.type, namespace, local, undefined, undefined, undefined).toString();
  } catch {
    return undefined; // a name purl cannot express (packageurl-js validates each part)
  }
}

/**
 * The page a human reads for an advisory id: GitHub's advisory page for `GHSA-…`, pkg.go.dev for
 * `GO-…`, osv.dev otherwise.
 */
export function advisoryUrl(id: string): string {
  if (/^GHSA-/i.test(id)) return `https://github.com/advisories/${id}`;
  if (/^GO-/i.test(id)) return `https://pkg.go.dev/vuln/${id}`;
  return `https://osv.dev/vulnerability/${id}`;
}

/**
 * CVSS vectors of OSV `severity[]` entries of type CVSS_V2/V3/V4, each with its base score computed
 * (OSV states vectors, not scores); a vector that does not validate keeps `score: null`.
 */
export function cvssOf(severity: readonly { type: string; score: string }[]): AdvisoryCvss[] {
  const out: AdvisoryCvss[] = [];
  for (const s of severity) {
    if (!/^CVSS_V[234]$/.test(s.type)) continue;
    out.push({ vector: s.score, score: scoreOrNull(s.score) });
  }
  return out;
}

/** The base score of a vector, or `null` when the vector is not valid CVSS. */
export function scoreOrNull(vector: string): number | null {
  try {
    return scoreCvss(vector).baseScore;
  } catch {
    return null; // VIGIL_INVALID_CVSS_VECTOR: the vector is kept as the source states it
  }
}

/** Splits ids into CVE ids (upper case, listed) and the others, each once, order kept. */
export function splitIds(ids: readonly string[], own?: string): { cves: AdvisoryCve[]; aliases: string[] } {
  const cves: AdvisoryCve[] = [];
  const aliases: string[] = [];
  for (const raw of own && CVE_ID.test(own) ? [own, ...ids] : ids) {
    const id = raw.trim();
    if (CVE_ID.test(id)) {
      const upper = id.toUpperCase();
      if (!cves.some((c) => c.id === upper)) cves.push({ id: upper, origin: 'listed' });
    } else if (id !== '' && id !== own && !aliases.includes(id)) aliases.push(id);
  }
  return { cves, aliases };
}

/** A one-line title: the summary, else the first non-empty line of the details (Markdown heading marks dropped), else the id. */
export function titleOf(id: string, summary?: string, details?: string): string {
  const line =
    summary?.trim() ||
    details
      ?.split('\n')
      .map((l) => l.replace(/^#+\s*/, '').trim())
      .find((l) => l !== '') ||
    id;
  return line.length > MAX_TITLE ? `${line.slice(0, MAX_TITLE - 1)}…` : line;
}

/** `CWE-79` ids of a list, others dropped, each once. */
export function cwesOf(ids: readonly string[] | null | undefined): string[] {
  return [...new Set((ids ?? []).map((s) => s.trim().toUpperCase()).filter((s) => CWE_ID.test(s)))];
}

/** The non-empty string, or undefined. */
function text(s: string | null | undefined): string | undefined {
  return s && s.trim() !== '' ? s : undefined;
}

/**
 * Maps a validated OSV record to an Advisory (`kind: 'package'`).
 * @param source the Vigil source id stored with it (`osv`, or `ghsa` for GitHub's feed).
 */
export function osvToAdvisory(r: OsvRecordData, source: string): Advisory {
  const { cves, aliases } = splitIds(r.aliases ?? [], r.id);
  const affected = (r.affected ?? []).map((a): AdvisoryAffected => {
    const entry: AdvisoryAffected = { status: 'affected' };
    if (a.package) {
      entry.ecosystem = a.package.ecosystem;
      entry.packageName = a.package.name;
      const purl = text(a.package.purl)?.replace(/@[^/@]*$/, '') ?? purlOf(a.package.ecosystem, a.package.name);
      if (purl) entry.purl = purl;
    }
    if (a.ranges?.length) {
      entry.ranges = a.ranges.map((g): AdvisoryRange => ({ type: g.type, ...(g.repo ? { repo: g.repo } : {}), events: g.events.map(eventOf) }));
    }
    if (a.versions?.length) entry.versions = a.versions;
    return entry;
  });
  const advisory: Advisory = {
    id: r.id,
    source,
    kind: 'package',
    title: titleOf(r.id, r.summary, r.details),
    modified: r.modified,
    aliases,
    cves,
    affected,
    references: (r.references ?? []).map((ref) => (ref.type ? { url: ref.url, type: ref.type } : { url: ref.url })),
    url: advisoryUrl(r.id),
  };
  if (text(r.summary)) advisory.summary = r.summary?.trim();
  if (text(r.details)) advisory.details = r.details;
  // golang/vulndb's repository files carry the zero time `0001-01-01T00:00:00Z` as a placeholder
  // (vuln.go.dev fills in the real dates): no date is better than year 1 in lists and pages.
  if (r.published && !r.published.startsWith('0001-')) advisory.published = r.published;
  if (r.withdrawn) advisory.withdrawn = r.withdrawn;
  const severity = text(r.database_specific?.severity);
  if (severity) advisory.severity = severity.toUpperCase();
  const cvss = cvssOf(r.severity ?? []);
  if (cvss.length) advisory.cvss = cvss;
  const cwes = cwesOf(r.database_specific?.cwe_ids);
  if (cwes.length) advisory.cwes = cwes;
  return advisory;
}

/** One event with only its defined key (zod keeps absent optionals absent, this keeps the shape exact). */
function eventOf(e: { introduced?: string; fixed?: string; last_affected?: string; limit?: string }): AdvisoryRange['events'][number] {
  if (e.introduced !== undefined) return { introduced: e.introduced };
  if (e.fixed !== undefined) return { fixed: e.fixed };
  if (e.last_affected !== undefined) return { last_affected: e.last_affected };
  return { limit: e.limit as string };
}
