/**
 * Live incremental sync from the NVD CVE API 2.0 (https://nvd.nist.gov/developers/vulnerabilities):
 * every CVE whose `lastModified` falls in a window, window by window from the cursor up to now.
 *
 * Windows are at most `windowDays` (NVD allows 120) and are requested with `lastModStartDate` /
 * `lastModEndDate`, paged with `startIndex` + `resultsPerPage` until `totalResults` are fetched.
 * Each page's records are yielded as they arrive; the window's end is yielded as the `cursor`
 * only after the whole window was yielded. Any failure inside a window (transport, after the
 * HttpClient's retries; a truncated or non-JSON body; a page that is not an API 2.0 envelope)
 * throws, so that window's cursor is never yielded and the next run starts the window again.
 * A single record that fails its schema is reported as `rejected` and the window goes on.
 */
import { z } from 'zod';
import { VigilError } from '../../errors.ts';
import type { VulnObservation } from '../../model/vulnerability.ts';
import type { SourceEvent, SyncContext } from '../types.ts';
import { type NvdConfig, NvdConfigSchema, nvdRateLimit } from './config.ts';
import { BATCH_SIZE } from './import.ts';
import { issuePath, processRecord } from './records.ts';
import { NvdCveApiPage } from './schema.ts';

const SOURCE_ID = 'nvd';
const DAY_MS = 86_400_000;

/**
 * Formats a date as NVD's API expects it: ISO 8601 with milliseconds and an explicit offset,
 * the `+` URL-encoded (`2021-08-04T13:00:00.000%2B00:00`, as in NVD's own examples).
 */
export function nvdApiDate(date: Date): string {
  return date.toISOString().replace('Z', '%2B00:00');
}

/** The URL of one page of one `lastMod` window. */
export function nvdPageUrl(baseUrl: string, start: Date, end: Date, startIndex: number, pageSize: number): string {
  const url = new URL(baseUrl);
  const params = `lastModStartDate=${nvdApiDate(start)}&lastModEndDate=${nvdApiDate(end)}&resultsPerPage=${pageSize}&startIndex=${startIndex}`;
  url.search = url.search ? `${url.search.slice(1)}&${params}` : params;
  return url.toString();
}

function parseConfig(config: NvdConfig): NvdConfig {
  const parsed = NvdConfigSchema.safeParse(config);
  if (!parsed.success) throw new VigilError('VIGIL_CONFIG_INVALID', [`sources.nvd: ${z.prettifyError(parsed.error)}`]);
  return parsed.data;
}

/**
 * Start of the first window: the cursor, else `since`, else the newest `lastModified` already
 * stored (after a corpus or offline import: the windows then page forward from where the stored
 * data stops, not from a default that would leave a gap), else now − windowDays.
 */
function firstWindowStart(config: NvdConfig, cursor: string | null, storedUntil: string | null | undefined, now: Date): Date {
  const [from, what] = cursor ? [cursor, 'cursor'] : config.since !== undefined ? [config.since, 'since'] : storedUntil ? [storedUntil, 'newest stored lastModified'] : [undefined, ''];
  if (from === undefined) return new Date(now.getTime() - config.windowDays * DAY_MS);
  const ms = Date.parse(from);
  if (Number.isNaN(ms)) throw new VigilError('VIGIL_CONFIG_INVALID', [`nvd ${what} "${from}" is not an ISO 8601 timestamp`]);
  return new Date(ms);
}

/**
 * GETs and validates one API page.
 * @throws {SourceUnavailableError} on transport failures after retries (incl. a cut-off body).
 * @throws {VigilError} VIGIL_SOURCE_BAD_PAYLOAD when the body is not JSON or not a page envelope;
 *   VIGIL_NOT_FOUND on 404 (NVD's answer to invalid parameters; its reason is in a `message` header).
 */
async function fetchPage(url: string, config: NvdConfig, ctx: SyncContext): Promise<NvdCveApiPage> {
  const res = await ctx.http.get(url, {
    sourceId: SOURCE_ID,
    headers: config.apiKey ? { apiKey: config.apiKey } : undefined,
    rateLimit: nvdRateLimit(config),
    retryOn403: true,
    signal: ctx.signal,
  });
  if (res === null) throw new VigilError('VIGIL_NOT_FOUND', [`NVD page ${url} (HTTP 404, NVD's answer to invalid parameters)`]);
  let json: unknown;
  try {
    json = JSON.parse(res.body.toString('utf8'));
  } catch (cause) {
    throw new VigilError('VIGIL_SOURCE_BAD_PAYLOAD', [SOURCE_ID, `${url}: body is not valid JSON (${(cause as Error).message}; ${res.body.length} bytes)`], {
      cause,
    });
  }
  const page = NvdCveApiPage.safeParse(json);
  if (!page.success) {
    const issues = page.error.issues.slice(0, 3).map((i) => `${issuePath(i.path) || '(page)'}: ${i.message}`);
    throw new VigilError('VIGIL_SOURCE_BAD_PAYLOAD', [SOURCE_ID, `${url}: not an NVD CVE API 2.0 page (${issues.join('; ')})`]);
  }
  return page.data;
}

/** Fetches every page of one window, yielding records, rejections and progress. */
async function* syncWindow(config: NvdConfig, ctx: SyncContext, start: Date, end: Date): AsyncGenerator<SourceEvent> {
  const label = `nvd ${start.toISOString()} .. ${end.toISOString()}`;
  let startIndex = 0;
  let total = 0;
  do {
    const url = nvdPageUrl(config.baseUrl, start, end, startIndex, config.pageSize);
    const page = await fetchPage(url, config, ctx);
    if (page.startIndex !== startIndex) {
      throw new VigilError('VIGIL_SOURCE_BAD_PAYLOAD', [SOURCE_ID, `${url}: page starts at ${page.startIndex}, requested ${startIndex}`]);
    }
    const records: VulnObservation[] = [];
    for (let i = 0; i < page.vulnerabilities.length; i++) {
      const outcome = processRecord(page.vulnerabilities[i], 'api-vulnerability', url, `vulnerabilities[${i}]`);
      yield* outcome.rejected;
      if (outcome.observation) records.push(outcome.observation);
    }
    for (let i = 0; i < records.length; i += BATCH_SIZE) yield { type: 'vulns', records: records.slice(i, i + BATCH_SIZE) };
    total = page.totalResults;
    if (page.vulnerabilities.length === 0 && startIndex < total) {
      throw new VigilError('VIGIL_SOURCE_BAD_PAYLOAD', [SOURCE_ID, `${url}: empty page at startIndex ${startIndex} of totalResults ${total}`]);
    }
    startIndex += page.vulnerabilities.length;
    yield { type: 'progress', done: Math.min(startIndex, total), total, unit: 'records', label };
  } while (startIndex < total);
  ctx.log.debug({ start: start.toISOString(), end: end.toISOString(), total }, 'nvd: window complete');
}

/**
 * Syncs from the cursor (an ISO timestamp: the end of the last complete window) or, on the
 * first run, from `config.since`, else from the newest stored `lastModified` (`ctx.storedUntil`),
 * else from now − windowDays; up to `ctx.now()`, in windows of at most `windowDays`.
 * @throws {VigilError} VIGIL_CONFIG_INVALID for a bad config or cursor; see `fetchPage` for the rest.
 */
export async function* syncNvd(config: NvdConfig, ctx: SyncContext): AsyncGenerator<SourceEvent> {
  const cfg = parseConfig(config);
  const now = ctx.now();
  let start = firstWindowStart(cfg, ctx.cursor, ctx.storedUntil, now);
  while (start.getTime() < now.getTime()) {
    const end = new Date(Math.min(start.getTime() + cfg.windowDays * DAY_MS, now.getTime()));
    yield* syncWindow(cfg, ctx, start, end);
    yield { type: 'cursor', cursor: end.toISOString() };
    start = end;
  }
}
