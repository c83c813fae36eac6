/**
 * GitHub REST advisory → {@link Advisory}: pure functions. The result has the shape the `osv`
 * source gives the same advisory from GitHub's OSV export (ecosystem names, ranges, purls, CVEs),
 * so the two sources agree on a GHSA id. Field mapping: see readme.md beside this file.
 */
import type { Advisory, AdvisoryAffected, AdvisoryCvss, AdvisoryRange } from '../../model/advisory.ts';
import { advisoryUrl, cwesOf, purlOf, scoreOrNull, splitIds, titleOf } from '../osv/normalise.ts';
import type { GhsaRestAdvisoryData } from './schema.ts';

/** REST `package.ecosystem` (lower case) → the OSV ecosystem name GitHub's OSV export uses. */
export const REST_TO_OSV_ECOSYSTEM: Readonly<Record<string, string>> = {
  npm: 'npm',
  maven: 'Maven',
  pip: 'PyPI',
  rubygems: 'RubyGems',
  nuget: 'NuGet',
  composer: 'Packagist',
  go: 'Go',
  rust: 'crates.io',
  erlang: 'Hex',
  actions: 'GitHub Actions',
  pub: 'Pub',
  swift: 'SwiftURL',
};

/** What a `vulnerable_version_range` says, as OSV range events (or only as text when it cannot be). */
export interface ParsedVersionRange {
  /** One ECOSYSTEM range, when the constraint can be written with OSV events. */
  range?: AdvisoryRange;
  /** The constraint as GitHub words it, when it cannot (`> 1.0`, an unknown operator). */
  description?: string;
}

/**
 * Turns a REST `vulnerable_version_range` into one OSV ECOSYSTEM range
 * (https://docs.github.com/en/code-security/security-advisories/working-with-global-security-advisories-from-the-github-advisory-database/about-the-github-advisory-database#about-information-in-security-advisories):
 * comma-separated constraints with `>=`, `<`, `<=`, `=`. A lower bound `>= X` is `introduced: X`
 * (none: `introduced: 0`); `< Y` is `fixed: Y`; `<= Y` is `fixed: <first_patched_version>` when
 * there is one (as GitHub's own OSV export writes it), else `last_affected: Y`; `= X` is
 * `introduced: X, last_affected: X`. Without an upper bound, `first_patched_version` is the fix.
 * `>` (exclusive lower bound) has no OSV event: such a range is kept as `description` only.
 * @example parseVersionRange('>= 5.3.0, < 5.3.18') // { range: { type: 'ECOSYSTEM', events: [{ introduced: '5.3.0' }, { fixed: '5.3.18' }] } }
 */
export function parseVersionRange(text: string | null | undefined, firstPatched?: string | null): ParsedVersionRange {
  const raw = text?.trim() ?? '';
  let introduced: string | undefined;
  let upper: { fixed: string } | { last_affected: string } | undefined;
  for (const part of raw === '' ? [] : raw.split(',')) {
    const m = /^\s*(>=|<=|<|=|>)\s*(\S+)\s*$/.exec(part);
    if (!m || m[1] === '>') return { description: raw };
    const [, op, version] = m as unknown as [string, string, string];
    if (op === '>=') introduced = version;
    else if (op === '<') upper = { fixed: version };
    // GitHub's OSV export writes `<= 1.8.1` with a patched 1.8.2 as `fixed: 1.8.2` (webrick, GHSA-6f62-3596-g6w7).
    else if (op === '<=') upper = firstPatched ? { fixed: firstPatched } : { last_affected: version };
    else {
      introduced = version;
      upper = { last_affected: version };
    }
  }
  if (!upper && firstPatched) upper = { fixed: firstPatched };
  if (raw === '' && !upper) return {};
  return { range: { type: 'ECOSYSTEM', events: [{ introduced: introduced ?? '0' }, ...(upper ? [upper] : [])] } };
}

/** GitHub's severity word, upper case as in its OSV export (`medium` → `MODERATE`); `unknown` → none. */
export function severityWord(severity: string | null | undefined): string | undefined {
  const s = severity?.trim().toUpperCase();
  if (!s || s === 'UNKNOWN') return undefined;
  return s === 'MEDIUM' ? 'MODERATE' : s;
}

/** `cvss_severities` v3 then v4 (or the older `cvss`), each with the score GitHub states, else computed. */
function cvssOfRest(r: GhsaRestAdvisoryData): AdvisoryCvss[] {
  const blocks = r.cvss_severities ? [r.cvss_severities.cvss_v3, r.cvss_severities.cvss_v4] : [r.cvss];
  const out: AdvisoryCvss[] = [];
  for (const b of blocks) {
    const vector = b?.vector_string?.trim();
    if (!vector) continue;
    out.push({ vector, score: b?.score ?? scoreOrNull(vector) });
  }
  return out;
}

/** Maps a validated REST advisory to an Advisory (`kind: 'package'`, source `ghsa`). */
export function restToAdvisory(r: GhsaRestAdvisoryData, source = 'ghsa'): Advisory {
  const ids = [...(r.cve_id ? [r.cve_id] : []), ...(r.identifiers ?? []).map((i) => i.value)];
  const { cves, aliases } = splitIds(ids, r.ghsa_id);
  const affected = (r.vulnerabilities ?? []).map((v): AdvisoryAffected => {
    const entry: AdvisoryAffected = { status: 'affected' };
    if (v.package) {
      const ecosystem = REST_TO_OSV_ECOSYSTEM[v.package.ecosystem.toLowerCase()] ?? v.package.ecosystem;
      entry.ecosystem = ecosystem;
      if (v.package.name) {
        entry.packageName = v.package.name;
        const purl = purlOf(ecosystem, v.package.name);
        if (purl) entry.purl = purl;
      }
    }
    const { range, description } = parseVersionRange(v.vulnerable_version_range, v.first_patched_version);
    if (range) entry.ranges = [range];
    if (description) entry.description = description;
    return entry;
  });
  const advisory: Advisory = {
    id: r.ghsa_id,
    source,
    kind: 'package',
    title: titleOf(r.ghsa_id, r.summary ?? undefined, r.description ?? undefined),
    modified: r.updated_at,
    aliases,
    cves,
    affected,
    references: (r.references ?? []).filter((u) => u.trim() !== '').map((url) => ({ url })),
    url: r.html_url || advisoryUrl(r.ghsa_id),
  };
  if (r.summary?.trim()) advisory.summary = r.summary.trim();
  if (r.description?.trim()) advisory.details = r.description;
  if (r.published_at) advisory.published = r.published_at;
  if (r.withdrawn_at) advisory.withdrawn = r.withdrawn_at;
  const severity = severityWord(r.severity);
  if (severity) advisory.severity = severity;
  const cvss = cvssOfRest(r);
  if (cvss.length) advisory.cvss = cvss;
  const cwes = cwesOf((r.cwes ?? []).map((c) => c.cwe_id));
  if (cwes.length) advisory.cwes = cwes;
  return advisory;
}
