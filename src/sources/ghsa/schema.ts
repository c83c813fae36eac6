/**
 * Schemas for GitHub's global security advisories REST API
 * (https://docs.github.com/en/rest/security-advisories/global-advisories, API version 2022-11-28)
 * and the live ghsa settings. Only what Vigil stores is checked; other fields (`epss`, `credits`,
 * `source_code_location`, …) pass through unchecked.
 */
import { z } from 'zod';
import { ConfiguredUrl } from '../../net/url-policy.ts';
import { IsoTimestamp } from '../osv/schema.ts';

/** Settings of the live ghsa sync. */
export const GhsaConfigSchema = z.object({
  /** GitHub's REST API root (or a GitHub Enterprise Server's `https://HOST/api/v3`). */
  baseUrl: ConfiguredUrl.default('https://api.github.com'),
  /** A GitHub token (no scope needed): 5,000 requests/hour instead of 60. From `GITHUB_TOKEN` in the environment. */
  token: z.string().trim().min(1).optional(),
  /** Advisory type: `reviewed` (GitHub-reviewed, the default), `unreviewed` or `malware`. */
  type: z.enum(['reviewed', 'unreviewed', 'malware']).default('reviewed'),
  /** First sync without a cursor or stored data: advisories updated at or after this ISO 8601 time (default: all). */
  since: IsoTimestamp.optional(),
  /** Advisories per page (the API allows 1–100). */
  perPage: z.number().int().min(1).max(100).default(100),
  /** Pages per sync at most; the next sync goes on from the cursor (100 pages = 10,000 advisories). */
  maxPages: z.number().int().positive().default(100),
});

/** Live ghsa settings after defaults. */
export type GhsaConfig = z.output<typeof GhsaConfigSchema>;

/** A CVSS block: `{vector_string, score}`, either may be null. */
const GhsaCvss = z
  .object({
    vector_string: z.string().nullish(),
    score: z.number().min(0).max(10).nullish(),
  })
  .nullish();

/** `first_patched_version`: a string in the REST API, `{identifier}` in older answers and in GraphQL. */
const PatchedVersion = z
  .union([z.string(), z.object({ identifier: z.string() })])
  .nullish()
  .transform((v) => (typeof v === 'string' ? v : v?.identifier));

/** One entry of `vulnerabilities[]`. */
export const GhsaVulnerability = z.object({
  package: z.object({ ecosystem: z.string().min(1), name: z.string().nullish() }).nullish(),
  /** `>= 5.3.0, < 5.3.18`, `< 1.2.3`, `<= 2.0`, `= 1.0.1`. */
  vulnerable_version_range: z.string().nullish(),
  first_patched_version: PatchedVersion,
  vulnerable_functions: z.array(z.string()).nullish(),
});

/** One global security advisory as `GET /advisories` and `GET /advisories/{ghsa_id}` answer it. */
export const GhsaRestAdvisory = z.object({
  ghsa_id: z.string().regex(/^GHSA(-[a-z0-9]{4}){3}$/i, 'expected GHSA-xxxx-xxxx-xxxx'),
  cve_id: z.string().nullish(),
  html_url: z.string().nullish(),
  summary: z.string().nullish(),
  description: z.string().nullish(),
  type: z.string().nullish(),
  /** `critical`, `high`, `medium`, `low`, `unknown`. */
  severity: z.string().nullish(),
  identifiers: z.array(z.object({ type: z.string(), value: z.string() })).nullish(),
  references: z.array(z.string()).nullish(),
  published_at: IsoTimestamp.nullish(),
  updated_at: IsoTimestamp,
  withdrawn_at: IsoTimestamp.nullish(),
  vulnerabilities: z.array(GhsaVulnerability).nullish(),
  /** Deprecated by GitHub in favour of `cvss_severities`, still answered. */
  cvss: GhsaCvss,
  cvss_severities: z.object({ cvss_v3: GhsaCvss, cvss_v4: GhsaCvss }).nullish(),
  cwes: z.array(z.object({ cwe_id: z.string(), name: z.string().nullish() })).nullish(),
});

/** A validated REST advisory. */
export type GhsaRestAdvisoryData = z.output<typeof GhsaRestAdvisory>;
