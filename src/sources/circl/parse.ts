/**
 * vulnerability-lookup records → observations. A CVE record of vulnerability-lookup is the CVE 5
 * record (cvelistV5) with an extra top-level key `vulnerability-lookup:meta`; its `nvd` value is
 * the NVD API 2.0 record as a JSON string. Each becomes what its own source would make of it: a
 * `cve5` observation through the cve5 normaliser and an `nvd` observation through the nvd one, so
 * the store keeps the newest per feed whichever way a record arrived.
 */
import type { VulnObservation } from '../../model/vulnerability.ts';
import { normalizeCve5Record } from '../cve5/normalize.ts';
import { processRecord } from '../nvd/records.ts';
import type { RecordLocation } from '../types.ts';
import { CirclMeta, CirclRecordList, CirclSearchResponse } from './schema.ts';

/** Vigil source id. */
export const SOURCE_ID = 'circl';

/** The key vulnerability-lookup adds to a record for its enrichment. */
export const META_KEY = 'vulnerability-lookup:meta';

/** A rejection, as the source yields it. */
export interface CirclRejection {
  where: RecordLocation;
  reason: string;
}

/** What one record of a response gave. */
export interface CirclRecordResult {
  /** CVE id when the record is a CVE 5 record with a readable id. */
  cveId?: string;
  /** The CVE 5 record's `dateUpdated`, ISO 8601 UTC, when it normalised. */
  dateUpdated?: string;
  /** A `cve5` observation, then an `nvd` one when the record embeds NVD's. */
  observations: VulnObservation[];
  rejected: CirclRejection[];
  /** Set when the record is not a CVE record (a GHSA/OSV, CSAF, … record of another feed): left alone. */
  skipped?: string;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Whether a value looks like a CVE 5 record (`dataType: CVE_RECORD` or a `cveMetadata` object). */
export function isCve5Shaped(value: unknown): boolean {
  return isObject(value) && (value.dataType === 'CVE_RECORD' || isObject(value.cveMetadata));
}

/**
 * Reads one record of a vulnerability-lookup response. Never throws on bad data: a record the
 * cve5 schema refuses is rejected by CVE id and field (the others of the response go on); a bad
 * embedded NVD record is rejected (field `vulnerability-lookup:meta.nvd…`) and the CVE 5 one kept.
 * @param label how to name the record when it has no readable id (`[3]`, `results.cvelistv5[0]`).
 */
export function readCirclRecord(value: unknown, origin: string, label: string): CirclRecordResult {
  if (!isObject(value)) return { observations: [], rejected: [{ where: { origin, record: label }, reason: `record is not a JSON object (${value === null ? 'null' : typeof value})` }] };
  if (!isCve5Shaped(value)) {
    const id = typeof value.id === 'string' ? value.id : label;
    return { observations: [], rejected: [], skipped: `${id}: not a CVE 5 record (another feed of vulnerability-lookup)` };
  }
  const cve5: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) if (!k.startsWith('vulnerability-lookup:')) cve5[k] = v;
  const out: CirclRecordResult = { observations: [], rejected: [] };
  const r = normalizeCve5Record(cve5);
  if (r.ok) {
    out.cveId = r.cveId;
    out.dateUpdated = r.observation.lastModified;
    out.observations.push(r.observation);
    for (const d of r.dropped) out.rejected.push({ where: { origin, record: r.cveId, ...(d.field ? { field: d.field } : {}) }, reason: `${d.reason} (item dropped, record kept)` });
  } else {
    if (r.cveId) out.cveId = r.cveId;
    const field = r.problems.find((p) => p.field)?.field;
    out.rejected.push({
      where: { origin, record: r.cveId ?? label, ...(field ? { field } : {}) },
      reason: r.problems.map((p) => (p.field ? `${p.field}: ${p.reason}` : p.reason)).join('; '),
    });
  }
  readEmbeddedNvd(value[META_KEY], out, origin, out.cveId ?? label);
  return out;
}

/** Adds the `nvd` observation of a record's meta, or its rejection, to `out`. */
function readEmbeddedNvd(metaValue: unknown, out: CirclRecordResult, origin: string, record: string): void {
  if (metaValue === undefined) return;
  const base = `${META_KEY}.nvd`;
  const meta = CirclMeta.safeParse(metaValue);
  if (!meta.success) {
    out.rejected.push({ where: { origin, record, field: `${META_KEY}.${meta.error.issues[0]?.path.join('.')}`.replace(/\.$/, '') }, reason: `enrichment not understood: ${meta.error.issues[0]?.message}` });
    return;
  }
  const raw = meta.data.nvd;
  if (raw === undefined) return;
  let nvd: unknown = raw;
  if (typeof raw === 'string') {
    try {
      nvd = JSON.parse(raw);
    } catch (err) {
      out.rejected.push({ where: { origin, record, field: base }, reason: `embedded NVD record is not valid JSON: ${(err as Error).message}` });
      return;
    }
  }
  const n = processRecord(nvd, 'detect', origin, record);
  for (const rej of n.rejected) {
    out.rejected.push({ where: { ...rej.where, record, field: rej.where.field ? `${base}.cve.${rej.where.field}` : base }, reason: rej.reason });
  }
  if (!n.observation) return;
  if (out.cveId && n.observation.cveId !== out.cveId) {
    out.rejected.push({ where: { origin, record, field: `${base}.cve.id` }, reason: `embedded NVD record is ${n.observation.cveId}, not ${out.cveId}: left out` });
    return;
  }
  out.observations.push(n.observation);
}

/**
 * The records of a vulnerability-lookup response, whichever endpoint gave it: one record
 * (`/api/vulnerability/<id>`, `/api/cve/<id>`), an array (`/api/last`), a search result
 * (`/api/search/<vendor>/<product>`, wrapped or not), or a `{metadata, data[]}` list.
 * @returns `[label, record]` pairs (`{}` — vulnerability-lookup's "not found" — gives none), or
 *   `null` when the value is none of these.
 */
export function recordsOfDocument(value: unknown): [string, unknown][] | null {
  const list = CirclRecordList.safeParse(value);
  if (list.success) return list.data.map((r, i) => [`[${i}]`, r]);
  if (!isObject(value)) return null;
  if (isCve5Shaped(value)) return [['(record)', value]];
  if (Object.keys(value).length === 0) return [];
  if (Array.isArray(value.data) && isObject(value.metadata)) return value.data.map((r, i) => [`data[${i}]`, r]);
  const search = CirclSearchResponse.safeParse(value);
  if (!search.success) return null;
  const feeds = 'results' in search.data && isObject(search.data.results) && !Array.isArray(search.data.results) ? (search.data.results as Record<string, [string, unknown][]>) : (search.data as Record<string, [string, unknown][]>);
  return Object.entries(feeds).flatMap(([feed, pairs]) => pairs.map(([, r], i): [string, unknown] => [`results.${feed}[${i}]`, r]));
}
