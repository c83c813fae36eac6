/**
 * Look-ups against a vulnerability-lookup instance (CIRCL's https://vulnerability.circl.lu or
 * one's own), one function per endpoint Vigil uses. Every response crosses a zod schema; records
 * come back as observations (see parse.ts). Routes: `website/web/api/v1/` of
 * https://github.com/vulnerability-lookup/vulnerability-lookup (`browse.py`, `vulnerability.py`,
 * `system.py`). Reads need no API key.
 */
import type { z } from 'zod';
import { SourceUnavailableError, VigilError } from '../../errors.ts';
import type { HttpClient } from '../http.ts';
import { type CirclRecordResult, readCirclRecord, recordsOfDocument, SOURCE_ID } from './parse.ts';
import { CirclDbInfo, CirclProductList, CirclRecordList, CirclSearchResponse, CirclVendorList } from './schema.ts';

/** Where and how to ask. */
export interface CirclApi {
  http: HttpClient;
  /** Instance root, e.g. `https://vulnerability.circl.lu`. */
  baseUrl: string;
  signal?: AbortSignal;
}

/** The records of one response, each read by {@link readCirclRecord}, in response order. */
export interface CirclRecords {
  records: CirclRecordResult[];
}

/** A search result: its records and, when the server says, the total count and page. */
export interface CirclSearchResult extends CirclRecords {
  total?: number;
  page?: number;
}

function url(api: CirclApi, path: string, query?: Record<string, string | number>): string {
  const u = new URL(path, api.baseUrl.endsWith('/') ? api.baseUrl : `${api.baseUrl}/`);
  for (const [k, v] of Object.entries(query ?? {})) u.searchParams.set(k, String(v));
  return u.toString();
}

/** GETs JSON; `null` on 404. @throws {VigilError} VIGIL_SOURCE_BAD_PAYLOAD when the body is not JSON. */
async function getJson(api: CirclApi, target: string): Promise<unknown | null> {
  const res = await api.http.get(target, { sourceId: SOURCE_ID, headers: { accept: 'application/json' }, signal: api.signal });
  if (!res) return null;
  try {
    return JSON.parse(res.body.toString('utf8'));
  } catch (cause) {
    throw new VigilError('VIGIL_SOURCE_BAD_PAYLOAD', [SOURCE_ID, `${target}: not JSON (${(cause as Error).message})`], { cause });
  }
}

/** GETs JSON that must exist and match `schema`. */
async function getChecked<S extends z.ZodType>(api: CirclApi, target: string, schema: S): Promise<z.output<S>> {
  const body = await getJson(api, target);
  if (body === null) throw new SourceUnavailableError(SOURCE_ID, `GET ${target}: HTTP 404 (is baseUrl a vulnerability-lookup instance?)`);
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new VigilError('VIGIL_SOURCE_BAD_PAYLOAD', [SOURCE_ID, `${target}: ${issue?.path.join('.') || '(body)'}: ${issue?.message}`]);
  }
  return parsed.data;
}

function readAll(pairs: [string, unknown][], origin: string): CirclRecordResult[] {
  return pairs.map(([label, record]) => readCirclRecord(record, origin, label));
}

/**
 * Known vendors (`GET /api/browse/`), lower case.
 * @throws {SourceUnavailableError} on 429/5xx/network failures after retries, and on 404.
 * @throws {VigilError} VIGIL_SOURCE_BAD_PAYLOAD when the body is not a list of names.
 * @example await getCirclVendors({ http, baseUrl: 'https://vulnerability.circl.lu' }) // ['microsoft', …]
 */
export async function getCirclVendors(api: CirclApi): Promise<string[]> {
  return getChecked(api, url(api, 'api/browse/'), CirclVendorList);
}

/**
 * Known products of a vendor (`GET /api/browse/<vendor>`), lower case; `[]` for an unknown vendor.
 * Errors as {@link getCirclVendors}.
 * @example await getCirclVendorProducts(api, 'paloaltonetworks') // ['pan-os', …]
 */
export async function getCirclVendorProducts(api: CirclApi, vendor: string): Promise<string[]> {
  return getChecked(api, url(api, `api/browse/${encodeURIComponent(vendor)}`), CirclProductList);
}

/**
 * Vulnerabilities of a vendor's product (`GET /api/search/<vendor>/<product>?page=&per_page=`,
 * `perPage` at most 100), every feed's records read (CVE 5 ones become observations, others are
 * `skipped`). Errors as {@link getCirclVendors}.
 * @example (await searchCirclVendorProduct(api, 'paloaltonetworks', 'pan-os')).records[0].cveId
 */
export async function searchCirclVendorProduct(api: CirclApi, vendor: string, product: string, options: { page?: number; perPage?: number } = {}): Promise<CirclSearchResult> {
  const target = url(api, `api/search/${encodeURIComponent(vendor)}/${encodeURIComponent(product)}`, { page: options.page ?? 1, per_page: options.perPage ?? 100 });
  const body = await getChecked(api, target, CirclSearchResponse);
  const result: CirclSearchResult = { records: readAll(recordsOfDocument(body) ?? [], target) };
  if ('total_count' in body && typeof body.total_count === 'number') result.total = body.total_count;
  if ('page' in body && typeof body.page === 'number') result.page = body.page;
  return result;
}

/**
 * One vulnerability with its enrichment (`GET /api/vulnerability/<id>?with_meta=true`; the legacy
 * `/api/cve/<id>` answers the same record).
 * @returns the record read (a `cve5` and, when embedded, an `nvd` observation), or `null` when
 *   the instance does not know the id (it answers `{}`, or 404).
 * Errors as {@link getCirclVendors}.
 * @example (await getCirclVulnerability(api, 'CVE-2024-3400'))?.observations.map((o) => o.source) // ['cve5', 'nvd']
 */
export async function getCirclVulnerability(api: CirclApi, id: string): Promise<CirclRecordResult | null> {
  const target = url(api, `api/vulnerability/${encodeURIComponent(id)}`, { with_meta: 'true' });
  const body = await getJson(api, target);
  if (body === null) return null;
  const pairs = recordsOfDocument(body);
  if (pairs === null) throw new VigilError('VIGIL_SOURCE_BAD_PAYLOAD', [SOURCE_ID, `${target}: neither a record nor {}`]);
  const first = pairs[0];
  return first ? readCirclRecord(first[1], target, id) : null;
}

/**
 * The most recently updated vulnerabilities of every feed (`GET /api/last/<count>?page=`,
 * newest first, `count` at most 100), read one by one. Records of other feeds than CVE 5 are
 * `skipped`. Errors as {@link getCirclVendors}.
 * @example (await getCirclLast(api, { count: 30 })).records.filter((r) => r.cveId).length
 */
export async function getCirclLast(api: CirclApi, options: { count?: number; page?: number } = {}): Promise<CirclRecords> {
  const target = url(api, `api/last/${options.count ?? 30}`, { page: options.page ?? 1 });
  const body = await getChecked(api, target, CirclRecordList);
  return { records: readAll(body.map((r, i): [string, unknown] => [`[${i}]`, r]), target) };
}

/**
 * The instance's feeds: last update and record count of each (`GET /api/dbInfo`). Errors as
 * {@link getCirclVendors}.
 * @example (await getCirclDbInfo(api)).last_updates.cvelistv5 // '2026-12-04T09:12:40.511234+00:00'
 */
export async function getCirclDbInfo(api: CirclApi): Promise<CirclDbInfo> {
  return getChecked(api, url(api, 'api/dbInfo'), CirclDbInfo);
}
