/**
 * Schemas for the EPSS source (FIRST Exploit Prediction Scoring System, https://www.first.org/epss/).
 *
 * zod guards what is small and structural: the configuration, the official file's
 * `#model_version:…,score_date:…` comment line, its CSV header and the API envelope. The rows
 * themselves (≈360,000 a day) go through {@link checkEpssRow}, a hand-written check with the same
 * rules as a zod schema would state (CVE id pattern, two numbers in 0–1), because a zod parse per
 * row costs more than the whole budget for a day (see readme.md, "Speed").
 */
import { z } from 'zod';
import { ConfiguredUrl } from '../../net/url-policy.ts';
import type { EpssScore } from '../../model/vulnerability.ts';

/** Settings of the live EPSS sync. */
export const EpssConfigSchema = z.object({
  /** Where the daily files live: `{baseUrl}/epss_scores-YYYY-MM-DD.csv.gz`. No trailing slash needed. */
  baseUrl: ConfiguredUrl.default('https://epss.empiricalsecurity.com'),
  /** Most days fetched in one sync (the newest ones; older missed days are skipped). */
  maxDays: z.number().int().min(1).max(366).default(30),
});

/** Live EPSS settings after defaults. */
export type EpssConfig = z.output<typeof EpssConfigSchema>;

/** A calendar date `YYYY-MM-DD` (the score date of an EPSS day). */
export const EpssDate = z.iso.date();

/**
 * The first line of an official daily file, e.g. `#model_version:v2025.03.14,score_date:2025-03-14T12:55:00Z`
 * (older files: `score_date:2024-01-01T00:00:00+0000`). The score date is the calendar date
 * written in the timestamp, whatever its zone form: it is the date in the file's name.
 */
export const EpssFileComment = z
  .string()
  // Later `,key:value` pairs are allowed, should FIRST add any.
  .regex(/^#model_version:([^,\s]+),score_date:(\d{4}-\d{2}-\d{2})(T[^\s,]*)?(,[^,]*)*\s*$/, 'expected "#model_version:vYYYY.MM.DD,score_date:YYYY-MM-DDThh:mm:ssZ"')
  .transform((line) => {
    const m = /^#model_version:([^,\s]+),score_date:(\d{4}-\d{2}-\d{2})/.exec(line) as RegExpExecArray;
    return { modelVersion: m[1] as string, scoreDate: m[2] as string };
  })
  .pipe(z.object({ modelVersion: z.string(), scoreDate: EpssDate }));

/**
 * The CSV header of an official daily file. Files before the percentile column (EPSS v1, 2021)
 * have `cve,epss` only: Vigil stores FIRST's percentile and does not compute its own, so such
 * a file is rejected with a message that says why.
 */
export const EpssCsvHeader = z
  .string()
  .transform((line) => line.trim().split(','))
  .pipe(
    z.tuple([z.literal('cve'), z.literal('epss'), z.literal('percentile')], {
      error: 'expected the header "cve,epss,percentile" (files with "cve,epss" only, from EPSS v1 in 2021, carry no percentile and are not supported)',
    }),
  );

/**
 * One page of the EPSS API (https://www.first.org/epss/api, `GET https://api.first.org/data/v1/epss`).
 * `data` items are checked one by one with {@link checkEpssRow} (their numbers are strings:
 * `"epss":"0.000430000"`).
 */
export const EpssApiResponse = z.object({
  status: z.string().optional(),
  'status-code': z.number().int().optional(),
  version: z.string().optional(),
  access: z.string().optional(),
  total: z.number().int().nonnegative(),
  offset: z.number().int().nonnegative().default(0),
  limit: z.number().int().nonnegative().optional(),
  data: z.array(z.unknown()),
});

/** A parsed API page envelope. */
export type EpssApiResponse = z.output<typeof EpssApiResponse>;

/** CVE id as MITRE allocates it (CVE JSON 5 `cveId` pattern): 4-digit year, 4 to 19 digits. */
export const CVE_ID = /^CVE-\d{4}-\d{4,19}$/;

/** Why a row failed {@link checkEpssRow}: the field and a message naming the value. */
export interface EpssRowProblem {
  field: 'cve' | 'epss' | 'percentile';
  reason: string;
}

/**
 * Fast per-row check, the rules a zod schema would state: `cve` matches {@link CVE_ID};
 * `epss` and `percentile` are decimal numbers (strings or numbers) in 0–1 inclusive.
 * Percentiles above 1 are rejected: FIRST has published them as 0–1 fractions in every file
 * and API version (a 0–100 percentile would be a re-packager's change, not silently rescaled).
 * @returns the score, or `null` (then {@link explainEpssRow} says why).
 */
export function checkEpssRow(cve: unknown, epss: unknown, percentile: unknown): EpssScore | null {
  if (typeof cve !== 'string' || !CVE_ID.test(cve)) return null;
  const e = toProbability(epss);
  if (e === undefined) return null;
  const p = toProbability(percentile);
  return p === undefined ? null : { cveId: cve, epss: e, percentile: p };
}

/** The first rule of {@link checkEpssRow} that a row breaks (kept off the hot path). */
export function explainEpssRow(cve: unknown, epss: unknown, percentile: unknown): EpssRowProblem {
  if (typeof cve !== 'string' || !CVE_ID.test(cve)) return { field: 'cve', reason: `invalid CVE id ${show(cve)}` };
  if (toProbability(epss) === undefined) return { field: 'epss', reason: `${cve}: epss ${show(epss)} is not a number in 0–1` };
  return { field: 'percentile', reason: `${cve}: percentile ${show(percentile)} is not a number in 0–1` };
}

function toProbability(value: unknown): number | undefined {
  if (typeof value === 'string') {
    // Number('') and Number(' ') are 0 and Number('0x1') is 1: demand a digit or '.' first.
    const c = value.charCodeAt(0);
    if (!((c >= 48 && c <= 57) || c === 46) || value.charCodeAt(1) === 120) return undefined;
  } else if (typeof value !== 'number') return undefined;
  const n = Number(value);
  return n >= 0 && n <= 1 ? n : undefined;
}

function show(value: unknown): string {
  if (value === undefined) return '(missing)';
  const s = typeof value === 'string' ? `"${value}"` : JSON.stringify(value);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}
