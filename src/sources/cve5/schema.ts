/**
 * Zod schemas for the CVE Record Format 5.x (5.0 and 5.1) and for this source's configuration.
 * Spec: https://github.com/CVEProject/cve-schema (schema/CVE_Record_Format.json; 5.1 is a superset
 * of 5.0). The record schemas are lean on purpose: they check only the fields Vigil reads and
 * leave the values as they are (no transforms), so that `normalize.ts` maps one validated shape
 * whichever way it was validated: by {@link Cve5Record}, or by its hand-compiled twin in
 * `map.ts` (the fast path; see readme.md, "Throughput").
 *
 * Array items a record can lose without losing its meaning (a metric, an affected product, a
 * version, a reference…) are dropped one by one by `normalize.ts`, which reads the issue paths;
 * a broken id, state, timestamp, container or type rejects the whole record.
 */
import { z } from 'zod';
import { ConfiguredUrl } from '../../net/url-policy.ts';
import { cvssSyntaxProblem } from '../../enrich/cvss-syntax.ts';
import type { CvssVersion, KevHint, SsvcInputs } from '../../model/vulnerability.ts';

/** `CVE-YYYY-NNNN…` (CVE Record Format 5.x `cveId` pattern: a 4+ digit sequence number). */
export const CVE_ID_PATTERN = /^CVE-\d{4}-\d{4,19}$/;

const RateLimit = z.object({ requests: z.number().int().min(1), perSeconds: z.number().positive() });

/** Configuration of the `cve5` source. */
export const Cve5ConfigSchema = z.object({
  /** Base of the cvelistV5 release downloads; a mirror must keep the `{tag}/{asset}` layout. */
  releasesUrl: ConfiguredUrl.default('https://github.com/CVEProject/cvelistV5/releases/download'),
  /** CVE Services API base, for single records (`GET {apiUrl}/cve/{id}`). */
  apiUrl: ConfiguredUrl.default('https://cveawg.mitre.org/api'),
  /** A cursor older than this many hours is not caught up with deltas: the sync re-baselines. */
  maxDeltaHours: z
    .number()
    .int()
    .min(1)
    .max(24 * 30)
    .default(48),
  /** Request cap for release downloads (GitHub publishes none for release assets). */
  releasesRateLimit: RateLimit.default({ requests: 30, perSeconds: 60 }),
  /** Request cap for the CVE Services API (public reads, no published limit: stay polite). */
  apiRateLimit: RateLimit.default({ requests: 5, perSeconds: 1 }),
  /** Folder for downloaded bundles while they are read (default: the OS temp folder). */
  tempDir: z.string().optional(),
});

/** Validated `cve5` configuration. */
export type Cve5Config = z.output<typeof Cve5ConfigSchema>;

const ZONED = /(?:[zZ]|[+-]\d\d:?\d\d)$/;
const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * Normalises a CVE 5 timestamp to ISO 8601 UTC with milliseconds. CVE 5 mostly writes
 * `2024-04-12T07:20:00.707Z`, but also `2024-05-01T15:37:18` and `2024-04-17T04:00:13.543064`
 * (no zone: UTC by the schema's convention), microseconds (truncated to milliseconds), an offset,
 * or a bare date.
 * @returns the ISO string, or `null` when unparseable.
 */
export function toIsoUtc(value: string): string | null {
  // The UTC forms are read by hand: this runs ~5 times a record, and `Date` is slow at it.
  const fast = utcFast(value);
  if (fast !== undefined) return fast;
  const s = value.trim();
  const ms = Date.parse(ZONED.test(s) || !s.includes('T') ? s : `${s}Z`);
  return Number.isNaN(ms) ? null : new Date(ms).toISOString();
}

/** `YYYY-MM-DDTHH:MM:SS[.fraction][Z]` → ISO with milliseconds, `null` if out of range, `undefined` for other forms. */
function utcFast(v: string): string | null | undefined {
  const n = v.length;
  if (n < 19 || v.charCodeAt(4) !== 45 || v.charCodeAt(7) !== 45 || v.charCodeAt(10) !== 84 || v.charCodeAt(13) !== 58 || v.charCodeAt(16) !== 58)
    return undefined;
  const year = digits(v, 0, 4);
  const month = digits(v, 5, 2);
  const day = digits(v, 8, 2);
  const hour = digits(v, 11, 2);
  const minute = digits(v, 14, 2);
  const second = digits(v, 17, 2);
  if (year < 0 || month < 0 || day < 0 || hour < 0 || minute < 0 || second < 0) return undefined;
  let i = 19;
  if (i < n && v.charCodeAt(i) === 46) {
    i++;
    while (i < n && v.charCodeAt(i) >= 48 && v.charCodeAt(i) <= 57) i++;
    if (i === 20) return undefined;
  }
  const zulu = i === n - 1 && v.charCodeAt(i) === 90;
  if (i !== n && !zulu) return undefined;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const maxDay = month === 2 && !leap ? 28 : (DAYS_IN_MONTH[month - 1] ?? 0);
  if (day < 1 || day > maxDay || hour > 23 || minute > 59 || second > 59) return null;
  if (zulu && n === 24 && i === 23) return v;
  const fracEnd = zulu ? n - 1 : n;
  const ms = fracEnd > 20 ? `${v.slice(20, Math.min(fracEnd, 23))}00`.slice(0, 3) : '000';
  return `${v.slice(0, 19)}.${ms}Z`;
}

/** The decimal number in `len` digits at `start`, or -1. */
function digits(s: string, start: number, len: number): number {
  let out = 0;
  for (let i = start; i < start + len; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    out = out * 10 + c;
  }
  return out;
}

/** A vector as Vigil keeps it: trimmed; v2.0 without the parentheses some CNAs add. */
export function normalizeVector(vector: string, version: CvssVersion): string {
  const v = vector.trim();
  return version === '2.0' && v.startsWith('(') && v.endsWith(')') ? v.slice(1, -1) : v;
}

/** A timestamp `toIsoUtc` can read (the mapper normalises it). */
const Timestamp = z.string().refine((s) => toIsoUtc(s) !== null, { error: (iss) => `not a timestamp: "${String(iss.input).slice(0, 40)}"` });

/** `{lang, value}`: descriptions, rejectedReasons. */
const LangString = z.object({ lang: z.string(), value: z.string() });

/** One CVSS block (`cvssV2_0` … `cvssV4_0`; FIRST's JSON schemas): only what Vigil reads. */
function cvssBlock(version: CvssVersion) {
  return z.object({
    vectorString: z.string().superRefine((raw, ctx) => {
      const problem = cvssSyntaxProblem(normalizeVector(raw, version), version);
      if (problem) ctx.addIssue({ code: 'custom', message: `${problem}: "${raw.slice(0, 80)}"` });
    }),
    baseScore: z.number().min(0).max(10).optional(),
    baseSeverity: z.string().optional(),
  });
}

/**
 * CISA ADP SSVC content (`metrics[].other{type:"ssvc"}.content`): options are one-key objects
 * (`[{Exploitation:"Active"},{Automatable:"Yes"},{"Technical Impact":"Total"}]`), lower-cased.
 * See https://www.cisa.gov/stakeholder-specific-vulnerability-categorization-ssvc
 */
export const CisaSsvcContent = z
  .object({
    options: z.array(z.record(z.string(), z.string())),
    version: z.string().optional(),
    timestamp: Timestamp.optional(),
  })
  .transform((c, ctx): SsvcInputs => {
    const options = new Map<string, string>();
    for (const o of c.options) for (const [k, v] of Object.entries(o)) options.set(k.trim().toLowerCase(), v.trim().toLowerCase());
    const exploitation = pick(options, 'exploitation', ['none', 'poc', 'active'] as const, ctx);
    const automatable = pick(options, 'automatable', ['yes', 'no'] as const, ctx);
    const technicalImpact = pick(options, 'technical impact', ['partial', 'total'] as const, ctx);
    if (!exploitation || !automatable || !technicalImpact) return z.NEVER;
    const ssvc: SsvcInputs = { exploitation, automatable, technicalImpact };
    if (c.version) ssvc.version = c.version;
    const timestamp = c.timestamp && toIsoUtc(c.timestamp);
    if (timestamp) ssvc.timestamp = timestamp;
    return ssvc;
  });

/** One SSVC decision point from the lower-cased options; an issue when missing or unknown. */
function pick<T extends string>(options: Map<string, string>, key: string, allowed: readonly T[], ctx: z.RefinementCtx): T | undefined {
  const value = options.get(key);
  const found = allowed.find((a) => a === value);
  if (!found) {
    ctx.addIssue({ code: 'custom', message: `SSVC "${key}" must be one of ${allowed.join('/')}, got "${value ?? ''}"`, path: ['options'] });
  }
  return found;
}

/** CISA ADP KEV content (`metrics[].other{type:"kev"}.content`): `{dateAdded, reference}`. */
export const CisaKevContent = z
  .object({
    dateAdded: z.string().regex(/^\d{4}-\d{2}-\d{2}(?:$|T)/, 'expected YYYY-MM-DD'),
    reference: z.string().optional(),
  })
  .transform((c): KevHint => ({ dateAdded: c.dateAdded.slice(0, 10) }));

/** The content schema of a `metrics[].other` type Vigil reads, or `null` for other types. */
export function otherContentSchema(type: string): typeof CisaSsvcContent | typeof CisaKevContent | null {
  return type === 'ssvc' ? CisaSsvcContent : type === 'kev' ? CisaKevContent : null;
}

/** `metrics[].other`: SSVC and KEV contents are checked; other types pass. */
const MetricOther = z.object({ type: z.string(), content: z.unknown() }).superRefine((o, ctx) => {
  const result = otherContentSchema(o.type)?.safeParse(o.content);
  if (result && !result.success) {
    for (const issue of result.error.issues) ctx.addIssue({ code: 'custom', message: issue.message, path: ['content', ...issue.path] });
  }
});

/** One `metrics[]` item (CVE 5.1 `metrics`). */
const Cve5Metric = z.object({
  cvssV2_0: cvssBlock('2.0').optional(),
  cvssV3_0: cvssBlock('3.0').optional(),
  cvssV3_1: cvssBlock('3.1').optional(),
  cvssV4_0: cvssBlock('4.0').optional(),
  other: MetricOther.optional(),
});

/** One `problemTypes[]` item. */
const Cve5ProblemType = z.object({
  descriptions: z.array(z.object({ cweId: z.string().optional(), description: z.string().optional(), lang: z.string().optional() })),
});

/** Status of a product or version (CVE 5.1 `status`). */
export const VERSION_STATUS = ['affected', 'unaffected', 'unknown'] as const;

/** One `affected[].versions[]` item. */
const Cve5Version = z.object({
  version: z.string(),
  status: z.enum(VERSION_STATUS),
  lessThan: z.string().optional(),
  lessThanOrEqual: z.string().optional(),
  versionType: z.string().optional(),
});

/** One `affected[]` product. */
const Cve5Affected = z.object({
  vendor: z.string().optional(),
  product: z.string().optional(),
  packageName: z.string().optional(),
  collectionURL: z.string().optional(),
  cpes: z.array(z.string()).optional(),
  platforms: z.array(z.string()).optional(),
  defaultStatus: z.enum(VERSION_STATUS).optional(),
  versions: z.array(Cve5Version).optional(),
});

/** One `references[]` item. */
const Cve5Reference = z.object({
  url: z.string().refine((u) => u.trim().length > 0, 'empty url'),
  tags: z.array(z.string()).optional(),
});

/** A CNA or ADP container: only the fields Vigil reads. */
export const Cve5Container = z.object({
  providerMetadata: z.object({ shortName: z.string().optional(), orgId: z.string().optional() }).optional(),
  title: z.string().optional(),
  descriptions: z.array(LangString).optional(),
  rejectedReasons: z.array(LangString).optional(),
  metrics: z.array(Cve5Metric).optional(),
  problemTypes: z.array(Cve5ProblemType).optional(),
  affected: z.array(Cve5Affected).optional(),
  references: z.array(Cve5Reference).optional(),
});

/** Record states (CVE 5.x `cveMetadata.state`). */
export const CVE_STATES = ['PUBLISHED', 'REJECTED', 'RESERVED'] as const;

/** `cveMetadata`. */
const Cve5Metadata = z.object({
  cveId: z.string().regex(CVE_ID_PATTERN, 'expected CVE-YYYY-NNNN'),
  state: z.enum(CVE_STATES),
  assignerShortName: z.string().optional(),
  assignerOrgId: z.string().optional(),
  datePublished: Timestamp.optional(),
  dateUpdated: Timestamp.optional(),
  dateReserved: Timestamp.optional(),
  dateRejected: Timestamp.optional(),
});

/**
 * A CVE Record (Format 5.0/5.1), as served by CVE Services, cvelistV5 and cisagov/vulnrichment.
 * A PUBLISHED record must carry a CNA container; every record needs some timestamp.
 */
export const Cve5Record = z
  .object({
    dataType: z.literal('CVE_RECORD').optional(),
    dataVersion: z.string().optional(),
    cveMetadata: Cve5Metadata,
    containers: z.object({ cna: Cve5Container.optional(), adp: z.array(Cve5Container).optional() }).optional(),
  })
  .superRefine((r, ctx) => {
    if (r.cveMetadata.state === 'PUBLISHED' && !r.containers?.cna) {
      ctx.addIssue({ code: 'custom', message: 'a PUBLISHED record needs containers.cna', path: ['containers', 'cna'] });
    }
    const m = r.cveMetadata;
    if (!m.dateUpdated && !m.datePublished && !m.dateReserved && !m.dateRejected) {
      ctx.addIssue({ code: 'custom', message: 'no timestamp (dateUpdated, datePublished, dateReserved)', path: ['cveMetadata'] });
    }
  });

/** A validated CVE record (only the fields Vigil reads; values as the upstream wrote them). */
export type Cve5RecordParsed = z.output<typeof Cve5Record>;
/** A validated CNA or ADP container. */
export type Cve5ContainerParsed = z.output<typeof Cve5Container>;
