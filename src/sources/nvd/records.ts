/**
 * Validation of single NVD records, whichever envelope they came in: a 1.1 `CVE_Items[]` entry, an
 * API 2.0 `vulnerabilities[]` entry (`{cve}`) or a bare API 2.0 `cve` object. Turns a record into
 * a normalised observation or a rejection naming the record and the field. Valid records take the
 * compiled `.validate()` fast path; `.safeParse()` runs only to explain a failure.
 */
import { MAX_RECORD_BYTES } from '../files.ts';
import type { z } from 'zod';
import type { VulnObservation } from '../../model/vulnerability.ts';
import type { RecordLocation, SourceEvent } from '../types.ts';
import { NvdLegacyCveItem, normalizeLegacyCveItem } from './legacy.ts';
import { normalizeNvdCve } from './normalize.ts';
import { CVE_ID_PATTERN, NvdApiCve } from './schema.ts';

/** How the records of a document are wrapped. */
export type RecordShape = 'legacy-item' | 'api-vulnerability' | 'api-cve' | 'detect';

/** The outcome for one record: an observation (maybe with dropped fields) and/or rejections. */
export interface RecordOutcome {
  observation?: VulnObservation;
  rejected: Extract<SourceEvent, { type: 'rejected' }>[];
}

/** Formats a zod issue path as `metrics.cvssMetricV31[0].cvssData`. */
export function issuePath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out ? `.${String(key)}` : String(key);
  }
  return out;
}

function describeIssues(error: z.ZodError): { field: string; reason: string } {
  const issues = error.issues.slice(0, 3).map((i) => `${issuePath(i.path) || '(record)'}: ${i.message}`);
  if (error.issues.length > 3) issues.push(`and ${error.issues.length - 3} more`);
  return { field: issuePath(error.issues[0]?.path ?? []), reason: `fails the schema: ${issues.join('; ')}` };
}

function reject(where: RecordLocation, reason: string): RecordOutcome {
  return { rejected: [{ type: 'rejected', where, reason }] };
}

function rejectIssues(origin: string, record: string, error: z.ZodError): RecordOutcome {
  const { field, reason } = describeIssues(error);
  return reject(field ? { origin, record, field } : { origin, record }, reason);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function cveIdIn(value: unknown): string | undefined {
  return typeof value === 'string' && CVE_ID_PATTERN.test(value) ? value : undefined;
}

/** Decides the shape of one record of a top-level array (or a bare document). */
function detectShape(value: Record<string, unknown>): Exclude<RecordShape, 'detect'> {
  if (isObject(value.cve)) return isObject(value.cve.CVE_data_meta) ? 'legacy-item' : 'api-vulnerability';
  return 'api-cve';
}

/**
 * Validates and normalises one parsed record.
 * @param label how to name the record when it has no valid CVE id (`CVE_Items[12]`).
 */
export function processRecord(value: unknown, shape: RecordShape, origin: string, label: string): RecordOutcome {
  if (!isObject(value)) return reject({ origin, record: label }, `record is not a JSON object (${value === null ? 'null' : typeof value})`);
  const actual = shape === 'detect' ? detectShape(value) : shape;

  if (actual === 'legacy-item') {
    const meta = isObject(value.cve) && isObject(value.cve.CVE_data_meta) ? value.cve.CVE_data_meta : undefined;
    const record = cveIdIn(meta?.ID) ?? label;
    if (NvdLegacyCveItem.validate(value)) return withProblems(normalizeLegacyCveItem(value), origin);
    const parsed = NvdLegacyCveItem.safeParse(value);
    return parsed.success ? withProblems(normalizeLegacyCveItem(parsed.data), origin) : rejectIssues(origin, record, parsed.error);
  }

  // Field paths of API records are relative to the `cve` object, as NVD documents them.
  let cve = value;
  if (actual === 'api-vulnerability') {
    if (!isObject(value.cve)) return reject({ origin, record: label, field: 'cve' }, 'vulnerabilities[] entry has no "cve" object');
    cve = value.cve;
  }
  const record = cveIdIn(cve.id) ?? label;
  if (NvdApiCve.validate(cve)) return withProblems(normalizeNvdCve(cve), origin);
  const parsed = NvdApiCve.safeParse(cve);
  return parsed.success ? withProblems(normalizeNvdCve(parsed.data), origin) : rejectIssues(origin, record, parsed.error);
}

function withProblems(result: ReturnType<typeof normalizeNvdCve>, origin: string): RecordOutcome {
  const { observation, problems } = result;
  const rejected: RecordOutcome['rejected'] = [];
  for (const p of problems) {
    rejected.push({ type: 'rejected', where: { origin, record: observation.cveId, field: p.field }, reason: `${p.reason} (field dropped, record kept)` });
  }
  return { observation, rejected };
}

const ID_IN_TEXT = /"(?:ID|id)"\s*:\s*"(CVE-\d{4}-\d{4,})"/;

/**
 * Parses one record's JSON text and processes it; malformed JSON is a rejection naming the
 * record (its CVE id when one can be read from the text, else `label`).
 */
export function processRecordText(text: string, shape: RecordShape, origin: string, label: string): RecordOutcome {
  if (text.length > MAX_RECORD_BYTES) {
    const record = ID_IN_TEXT.exec(text.slice(0, 4096))?.[1] ?? label;
    return { rejected: [{ type: 'rejected', where: { origin, record }, reason: `record is ${text.length} characters, over the ${MAX_RECORD_BYTES} limit: skipped` }] };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    const record = ID_IN_TEXT.exec(text)?.[1] ?? label;
    return { rejected: [{ type: 'rejected', where: { origin, record }, reason: `malformed JSON: ${(err as Error).message}` }] };
  }
  return processRecord(value, shape, origin, label);
}
