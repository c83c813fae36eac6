/**
 * Live sync from osv.dev's export bucket (https://google.github.io/osv.dev/data/#data-dumps), per
 * ecosystem: the first sync downloads `<ecosystem>/all.zip`; later syncs read
 * `<ecosystem>/modified_id.csv` (`<RFC 3339 modified>,<id>` lines, newest first) and fetch only
 * the records modified after the cursor, as `<ecosystem>/<id>.json`. Also the single-record
 * look-up of the OSV API (`GET https://api.osv.dev/v1/vulns/{id}`, https://google.github.io/osv.dev/get-v1-vulns/).
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { VigilError } from '../../errors.ts';
import type { Advisory } from '../../model/advisory.ts';
import { decodeText } from '../files.ts';
import type { HttpClient } from '../http.ts';
import type { SourceEvent, SyncContext } from '../types.ts';
import { AdvisoryBatcher } from './import.ts';
import { type OsvParseResult, parseOsvText, parseOsvValue } from './parse.ts';
import { type OsvConfig, OsvConfigSchema } from './schema.ts';
import { readOsvZip } from './zip.ts';

const SOURCE_ID = 'osv';
/** Records fetched at once in an incremental sync (the HTTP client runs at most 4 requests per source at a time). */
const PARALLEL = 8;

/** The osv cursor: per ecosystem, the newest `modified` (ISO 8601 UTC) stored. Serialised as JSON. */
export type OsvCursor = Record<string, string>;

/**
 * Reads a cursor; an unreadable one (hand-edited, or from an older Vigil) starts every ecosystem over.
 * @example parseOsvCursor('{"Go":"2026-08-21T10:00:00.000Z"}') // { Go: '2026-08-21T10:00:00.000Z' }
 */
export function parseOsvCursor(cursor: string | null): OsvCursor {
  if (!cursor) return {};
  try {
    const value: unknown = JSON.parse(cursor);
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return {};
    return Object.fromEntries(Object.entries(value).filter((e): e is [string, string] => typeof e[1] === 'string' && !Number.isNaN(Date.parse(e[1]))));
  } catch {
    return {};
  }
}

/** One line of `modified_id.csv`. */
export interface ModifiedId {
  /** ISO 8601 UTC. */
  modified: string;
  id: string;
}

/**
 * Parses `modified_id.csv` up to (excluding) the first line not newer than `since`; the file is
 * sorted newest first, so the rest is older.
 * @throws {VigilError} VIGIL_SOURCE_BAD_PAYLOAD on a line that is not `<timestamp>,<id>`.
 */
export function modifiedSince(csv: string, since: string, origin: string): ModifiedId[] {
  const after = Date.parse(since);
  const out: ModifiedId[] = [];
  for (const [i, raw] of csv.split('\n').entries()) {
    const line = raw.trim();
    if (line === '') continue;
    const m = /^([^,\s]+),([^,\s]+)$/.exec(line);
    const t = m ? Date.parse(m[1] as string) : Number.NaN;
    if (!m || Number.isNaN(t))
      throw new VigilError('VIGIL_SOURCE_BAD_PAYLOAD', [
        SOURCE_ID,
        `${origin} line ${i + 1}: expected "<timestamp>,<id>", got ${JSON.stringify(line.slice(0, 80))}`,
      ]);
    if (t <= after) break;
    out.push({ modified: new Date(t).toISOString(), id: m[2] as string });
  }
  return out;
}

/**
 * Live sync of the configured ecosystems, one after the other. Per ecosystem: `advisories`
 * batches, `rejected` events for bad records (by id and field), progress, then a `cursor` event
 * carrying every ecosystem's position so far (a failure in a later ecosystem keeps the earlier ones).
 * @throws {SourceUnavailableError} on 429/5xx/network failures after retries.
 * @throws {VigilError} VIGIL_SOURCE_BAD_PAYLOAD when `modified_id.csv` or `all.zip` is unreadable.
 */
export async function* syncOsv(config: OsvConfig, ctx: SyncContext): AsyncGenerator<SourceEvent> {
  const { baseUrl, ecosystems, maxIncremental } = OsvConfigSchema.parse(config);
  const cursor = parseOsvCursor(ctx.cursor);
  for (const ecosystem of ecosystems) {
    ctx.signal?.throwIfAborted();
    const base = `${baseUrl.replace(/\/+$/, '')}/${encodeURIComponent(ecosystem)}`;
    const since = cursor[ecosystem];
    let newest: string | null | undefined;
    if (since !== undefined) {
      const csvUrl = `${base}/modified_id.csv`;
      const res = await ctx.http.get(csvUrl, { sourceId: SOURCE_ID, signal: ctx.signal });
      if (res) {
        const changed = modifiedSince(await bodyText(res.body, csvUrl), since, csvUrl);
        if (changed.length <= maxIncremental) newest = yield* fetchChanged(base, changed, ctx);
        else ctx.log.info({ ecosystem, changed: changed.length, maxIncremental }, 'osv: many records changed, downloading all.zip instead');
      } else ctx.log.warn({ url: csvUrl }, 'osv: no modified_id.csv (404), downloading all.zip');
    }
    if (newest === undefined) newest = yield* fetchAll(base, ecosystem, ctx);
    if (newest !== null && (since === undefined || newest > since)) cursor[ecosystem] = newest;
    if (cursor[ecosystem] !== undefined) yield { type: 'cursor', cursor: JSON.stringify(cursor) };
  }
}

/** Downloads and reads `all.zip`; returns the newest `modified` stored (the zero time for an empty zip), or null when the ecosystem does not exist. */
async function* fetchAll(base: string, ecosystem: string, ctx: SyncContext): AsyncGenerator<SourceEvent, string | null> {
  const url = `${base}/all.zip`;
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'vigil-osv-'));
  try {
    const file = path.join(dir, 'all.zip');
    const res = await ctx.http.download(url, file, { sourceId: SOURCE_ID, signal: ctx.signal });
    if (!res) {
      ctx.log.warn({ url }, 'osv: no all.zip (404): is the ecosystem name spelled as osv.dev spells it?');
      yield {
        type: 'rejected',
        where: { origin: url },
        reason: `ecosystem "${ecosystem}" has no all.zip at ${url} (HTTP 404): check the name (osv.dev spells PyPI, crates.io, Packagist)`,
      };
      return null;
    }
    const batcher = new AdvisoryBatcher();
    let newest = '0001-01-01T00:00:00.000Z';
    for await (const unit of readOsvZip(file, url)) {
      if (unit.kind === 'damage' && unit.origin === url) throw new VigilError('VIGIL_SOURCE_BAD_PAYLOAD', [SOURCE_ID, `${url}: ${unit.reason}`]);
      if (unit.kind === 'damage') yield { type: 'rejected', where: { origin: unit.origin }, reason: unit.reason };
      else if (unit.kind === 'progress') yield { type: 'progress', done: unit.done, total: unit.total, unit: 'records', label: url };
      else {
        const results = parseOsvText(unit.text, unit.origin, SOURCE_ID);
        for (const r of results) if (r.advisory && r.advisory.modified > newest) newest = r.advisory.modified;
        yield* batcher.add(results);
      }
    }
    yield* batcher.flush();
    return newest;
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

/** Fetches the records a `modified_id.csv` lists as changed; returns the newest `modified` listed (null when none). */
async function* fetchChanged(base: string, changed: ModifiedId[], ctx: SyncContext): AsyncGenerator<SourceEvent, string | null> {
  const batcher = new AdvisoryBatcher();
  for (let i = 0; i < changed.length; i += PARALLEL) {
    ctx.signal?.throwIfAborted();
    const slice = changed.slice(i, i + PARALLEL);
    const results = await Promise.all(slice.map(({ id }) => fetchRecord(`${base}/${encodeURIComponent(id)}.json`, id, ctx)));
    yield* batcher.add(results.flat());
    yield { type: 'progress', done: Math.min(i + PARALLEL, changed.length), total: changed.length, unit: 'records', label: base };
  }
  yield* batcher.flush();
  return changed[0]?.modified ?? null;
}

/** One `<id>.json`: malformed JSON is fetched once more (a damaged transfer), then rejected by id; 404 (withdrawn from the bucket) is logged and skipped. */
async function fetchRecord(url: string, id: string, ctx: SyncContext): Promise<OsvParseResult[]> {
  for (let attempt = 1; ; attempt++) {
    const res = await ctx.http.get(url, { sourceId: SOURCE_ID, signal: ctx.signal });
    if (!res) {
      ctx.log.warn({ url }, 'osv: a record listed in modified_id.csv is gone (404); skipped');
      return [];
    }
    let value: unknown;
    try {
      value = JSON.parse(await bodyText(res.body, url));
    } catch (cause) {
      if (attempt < 2) continue;
      return [{ rejection: { where: { origin: url, record: id }, reason: `${id}: not valid JSON (truncated?): ${(cause as Error).message}` } }];
    }
    return [parseOsvValue(value, url, SOURCE_ID)];
  }
}

async function bodyText(body: Buffer, url: string): Promise<string> {
  try {
    return await decodeText(body);
  } catch (cause) {
    throw new VigilError('VIGIL_SOURCE_BAD_PAYLOAD', [SOURCE_ID, `${url}: truncated or corrupt gzip (${(cause as Error).message})`], { cause });
  }
}

/** Options of {@link fetchOsvVulnerability}. */
export interface OsvLookupOptions {
  /** OSV API base (default `https://api.osv.dev`). */
  apiUrl?: string;
  signal?: AbortSignal;
}

/**
 * Looks up one record with the OSV API: `GET {apiUrl}/v1/vulns/{id}` (any id osv.dev knows,
 * aliases included: a CVE id answers osv.dev's record of that CVE).
 * @returns the advisory (source `osv`), or `null` when osv.dev does not know the id (404).
 * @throws {SourceUnavailableError} on 429/5xx/network failures after retries.
 * @throws {VigilError} VIGIL_SOURCE_BAD_PAYLOAD when the answer is not a valid OSV record.
 * @example await fetchOsvVulnerability('GHSA-36p3-wjmg-h94x', http) // Spring4Shell, 10 affected entries
 */
export async function fetchOsvVulnerability(id: string, http: HttpClient, options: OsvLookupOptions = {}): Promise<Advisory | null> {
  const url = `${(options.apiUrl ?? 'https://api.osv.dev').replace(/\/+$/, '')}/v1/vulns/${encodeURIComponent(id)}`;
  const res = await http.get(url, { sourceId: SOURCE_ID, signal: options.signal });
  if (!res) return null;
  const [result] = parseOsvText(await bodyText(res.body, url), url, SOURCE_ID);
  if (!result?.advisory) throw new VigilError('VIGIL_SOURCE_BAD_PAYLOAD', [SOURCE_ID, result?.rejection.reason ?? `${url}: empty answer`]);
  return result.advisory;
}
