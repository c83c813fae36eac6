/**
 * zod schemas for what NVD's CVE API 2.0 returns (https://nvd.nist.gov/developers/vulnerabilities,
 * JSON schema https://csrc.nist.gov/schema/nvd/api/2.0/cve_api_json_2.0.schema). They are lean on
 * purpose: loose objects holding only the fields Vigil reads, so that a 2,000-record page or a
 * yearly feed validates at tens of thousands of records per second; unknown fields pass through.
 * Record schemas have no transforms and are `z.compile`d: the hot path calls `.validate()` (a
 * generated type check that copies nothing, ~3x faster than `.parse()` on a yearly feed) and
 * normalises the input itself; `.safeParse()` is only called to explain a rejection.
 */
import { z } from 'zod';

/** `CVE-YYYY-NNNN…` (CVE ID syntax, https://www.cve.org/ResourcesSupport/FAQs#pc_cve_recordscve_id_format). */
export const CVE_ID_PATTERN = /^CVE-\d{4}-\d{4,}$/;

/** A CVE id. */
export const CveId = z.string().regex(CVE_ID_PATTERN, 'not a CVE id (CVE-YYYY-NNNN…)');

const ZONE_SUFFIX = /(?:[Zz]|[+-]\d\d:?\d\d)$/;

/** The two-digit number at `i`, or -1 when those are not two digits. */
function twoDigits(s: string, i: number): number {
  const a = s.charCodeAt(i) - 48;
  const b = s.charCodeAt(i + 1) - 48;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1;
}

/**
 * Fast path for NVD's two UTC forms, `2023-10-18T18:04:18.493` (API 2.0) and `2025-02-17T10:15Z`
 * (1.1): a yearly feed holds 30,000+ timestamps and `Date` parsing them costs more than the rest
 * of the normalisation. @returns the ISO string, `null` when invalid, `undefined` for other forms.
 */
function fastNvdTimestamp(s: string): string | null | undefined {
  const api = s.length === 23 && s[16] === ':' && s[19] === '.';
  if (!api && !(s.length === 17 && s[16] === 'Z')) return undefined;
  if (s[4] !== '-' || s[7] !== '-' || s[10] !== 'T' || s[13] !== ':') return undefined;
  const year = twoDigits(s, 0) * 100 + twoDigits(s, 2);
  const [month, day, hour, minute] = [twoDigits(s, 5), twoDigits(s, 8), twoDigits(s, 11), twoDigits(s, 14)];
  const second = api ? twoDigits(s, 17) : 0;
  const millis = api ? twoDigits(s, 20) >= 0 && twoDigits(s, 21) >= 0 : true;
  if (year < 0 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59 || !millis) return null;
  if (day > 28 && day > new Date(Date.UTC(year, month, 0)).getUTCDate()) return null;
  return api ? `${s}Z` : `${s.slice(0, 16)}:00.000Z`;
}

/**
 * Converts an NVD timestamp to ISO 8601 UTC with milliseconds and `Z`. API 2.0 timestamps carry
 * no zone and are UTC (`2023-10-18T18:04:18.493`); the 1.1 feeds use `2025-02-17T10:15Z`.
 * @returns the ISO string, or `null` when it is not a date.
 * @example nvdTimestampToIso('2023-10-18T18:04:18.493') // '2023-10-18T18:04:18.493Z'
 */
export function nvdTimestampToIso(value: string): string | null {
  const fast = fastNvdTimestamp(value);
  if (fast !== undefined) return fast;
  if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d(?::\d\d(?:\.\d+)?)?(?:[Zz]|[+-]\d\d:?\d\d)?$/.test(value)) return null;
  const ms = Date.parse(ZONE_SUFFIX.test(value) ? value : `${value}Z`);
  return Number.isNaN(ms) ? null : new Date(ms).toISOString();
}

/**
 * An NVD timestamp (either form). Left as is here, so that a record validates without being
 * copied (see {@link NvdApiCve}); the normalisers convert it with {@link nvdTimestampToIso}.
 */
export const NvdTimestamp = z.string().refine((value) => nvdTimestampToIso(value) !== null, 'not an NVD timestamp (YYYY-MM-DDThh:mm[:ss[.sss]], UTC)');

/** A `YYYY-MM-DD` date (the `cisa*` KEV fields). */
export const IsoDate = z.string().regex(/^\d{4}-\d\d-\d\d$/, 'not a YYYY-MM-DD date');

/** A `{lang, value}` pair (descriptions, weakness descriptions). */
export const LangString = z.looseObject({ lang: z.string(), value: z.string() });

/** CVSS qualitative rating. */
export const NvdSeverity = z.enum(['NONE', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL']);

/** `cvssData` of any version: the vector and base score (the per-metric fields are not read). */
export const NvdCvssData = z.looseObject({
  version: z.string(),
  vectorString: z.string(),
  baseScore: z.number().min(0).max(10),
  baseSeverity: NvdSeverity.optional(),
});

/**
 * One entry of `metrics.cvssMetricV40/V31/V30/V2`. `source` is who scored it (`nvd@nist.gov`, a
 * CNA e-mail or UUID). v2 keeps `baseSeverity` beside `cvssData`, not inside it.
 */
export const NvdCvssMetric = z.looseObject({
  source: z.string(),
  type: z.enum(['Primary', 'Secondary']),
  cvssData: NvdCvssData,
  baseSeverity: NvdSeverity.optional(),
});

/** `metrics`: one list per CVSS version, each optional. */
export const NvdMetrics = z.looseObject({
  cvssMetricV40: z.array(NvdCvssMetric).optional(),
  cvssMetricV31: z.array(NvdCvssMetric).optional(),
  cvssMetricV30: z.array(NvdCvssMetric).optional(),
  cvssMetricV2: z.array(NvdCvssMetric).optional(),
});

/** A `weaknesses[]` entry: CWE ids (`CWE-79`, or `NVD-CWE-noinfo`/`NVD-CWE-Other`) as descriptions. */
export const NvdWeakness = z.looseObject({
  source: z.string().optional(),
  type: z.string().optional(),
  description: z.array(LangString),
});

/** A `cpeMatch[]` entry: a CPE 2.3 match string with optional version bounds. */
export const NvdCpeMatch = z.looseObject({
  vulnerable: z.boolean(),
  criteria: z.string(),
  versionStartIncluding: z.string().optional(),
  versionStartExcluding: z.string().optional(),
  versionEndIncluding: z.string().optional(),
  versionEndExcluding: z.string().optional(),
});

/** A `configurations[]` entry: nodes of CPE matches joined by `operator` (AND/OR). */
export const NvdConfiguration = z.looseObject({
  operator: z.string().optional(),
  negate: z.boolean().optional(),
  nodes: z.array(
    z.looseObject({
      operator: z.string().optional(),
      negate: z.boolean().optional(),
      cpeMatch: z.array(NvdCpeMatch),
    }),
  ),
});

/** A `references[]` entry. The same URL often appears once per `source`. */
export const NvdReference = z.looseObject({
  url: z.string(),
  source: z.string().optional(),
  tags: z.array(z.string()).optional(),
});

/**
 * The `cve` object of an API 2.0 `vulnerabilities[]` entry (also the whole content of one
 * fkie-cad mirror file).
 */
export const NvdApiCve = z.compile(
  z.looseObject({
    id: CveId,
    sourceIdentifier: z.string().optional(),
    published: NvdTimestamp,
    lastModified: NvdTimestamp,
    vulnStatus: z.string().optional(),
    descriptions: z.array(LangString),
    metrics: NvdMetrics.optional(),
    weaknesses: z.array(NvdWeakness).optional(),
    configurations: z.array(NvdConfiguration).optional(),
    references: z.array(NvdReference).optional(),
    cisaExploitAdd: IsoDate.optional(),
    cisaActionDue: IsoDate.optional(),
    cisaRequiredAction: z.string().optional(),
    cisaVulnerabilityName: z.string().optional(),
  }),
);
export type NvdApiCve = z.output<typeof NvdApiCve>;

/** One `vulnerabilities[]` entry of an API 2.0 page: `{cve}`. */
export const NvdApiVulnerability = z.looseObject({ cve: NvdApiCve });

/**
 * The envelope of an API 2.0 response page. Records are validated one by one afterwards (a bad
 * record is rejected alone), so `vulnerabilities` is only checked to be an array here.
 */
export const NvdCveApiPage = z.looseObject({
  resultsPerPage: z.number().int().min(0),
  startIndex: z.number().int().min(0),
  totalResults: z.number().int().min(0),
  format: z.literal('NVD_CVE'),
  version: z.string(),
  timestamp: z.string(),
  vulnerabilities: z.array(z.unknown()),
});
export type NvdCveApiPage = z.output<typeof NvdCveApiPage>;
