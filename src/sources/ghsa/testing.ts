/**
 * Test helper: a GitHub REST advisory (`GET /advisories` item, API 2022-11-28) DERIVED from a
 * real GitHub OSV file of the corpus (github/advisory-database), field by field as GitHub relates
 * the two shapes. The corpus holds no saved REST answers; the tests say so. Used by tests only.
 */
import { scoreCvss } from '../../enrich/cvss.ts';
import { REST_TO_OSV_ECOSYSTEM } from './normalise.ts';

const OSV_TO_REST = Object.fromEntries(Object.entries(REST_TO_OSV_ECOSYSTEM).map(([rest, osv]) => [osv, rest]));

interface OsvLike {
  id: string;
  summary?: string;
  details?: string;
  aliases?: string[];
  modified: string;
  published?: string;
  withdrawn?: string;
  severity?: { type: string; score: string }[];
  affected?: {
    package: { ecosystem: string; name: string };
    ranges?: { events: Record<string, string>[] }[];
    database_specific?: { last_known_affected_version_range?: string };
  }[];
  references?: { type?: string; url: string }[];
  database_specific?: { severity?: string; cwe_ids?: string[]; github_reviewed_at?: string; nvd_published_at?: string | null };
}

function cvssBlock(vector: string | undefined) {
  return vector ? { vector_string: vector, score: scoreCvss(vector).baseScore } : { vector_string: null, score: null };
}

/** The REST item of one OSV GHSA record. */
export function osvToGhsaRest(osv: OsvLike): Record<string, unknown> {
  const cve = osv.aliases?.find((a) => a.startsWith('CVE-')) ?? null;
  const v3 = osv.severity?.find((s) => s.type === 'CVSS_V3')?.score;
  const v4 = osv.severity?.find((s) => s.type === 'CVSS_V4')?.score;
  const word = osv.database_specific?.severity?.toLowerCase();
  return {
    ghsa_id: osv.id,
    cve_id: cve,
    url: `https://api.github.com/advisories/${osv.id}`,
    html_url: `https://github.com/advisories/${osv.id}`,
    repository_advisory_url: null,
    summary: osv.summary ?? '',
    description: osv.details ?? '',
    type: 'reviewed',
    severity: word === 'moderate' ? 'medium' : (word ?? 'unknown'),
    source_code_location: osv.references?.find((r) => r.type === 'PACKAGE')?.url ?? '',
    identifiers: [{ value: osv.id, type: 'GHSA' }, ...(cve ? [{ value: cve, type: 'CVE' }] : [])],
    references: (osv.references ?? []).map((r) => r.url),
    published_at: osv.published,
    updated_at: osv.modified,
    github_reviewed_at: osv.database_specific?.github_reviewed_at ?? null,
    nvd_published_at: osv.database_specific?.nvd_published_at ?? null,
    withdrawn_at: osv.withdrawn ?? null,
    vulnerabilities: (osv.affected ?? []).map((a) => {
      const events = a.ranges?.[0]?.events ?? [];
      const introduced = events.find((e) => e.introduced !== undefined)?.introduced;
      const fixed = events.find((e) => e.fixed !== undefined)?.fixed;
      const last = events.find((e) => e.last_affected !== undefined)?.last_affected;
      const parts = [introduced && introduced !== '0' ? `>= ${introduced}` : '', fixed ? `< ${fixed}` : last ? `<= ${last}` : ''].filter(Boolean);
      return {
        package: { ecosystem: OSV_TO_REST[a.package.ecosystem] ?? a.package.ecosystem.toLowerCase(), name: a.package.name },
        vulnerable_version_range: a.database_specific?.last_known_affected_version_range ?? parts.join(', '),
        first_patched_version: fixed ?? null,
        vulnerable_functions: [],
      };
    }),
    cvss_severities: { cvss_v3: cvssBlock(v3), cvss_v4: cvssBlock(v4) },
    cvss: cvssBlock(v3),
    cwes: (osv.database_specific?.cwe_ids ?? []).map((id) => ({ cwe_id: id, name: id })),
    credits: [],
  };
}
