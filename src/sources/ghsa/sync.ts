/**
 * Live sync from GitHub's global security advisories REST API
 * (https://docs.github.com/en/rest/security-advisories/global-advisories#list-global-security-advisories):
 * `GET /advisories?type=reviewed&sort=updated&direction=asc&per_page=100&updated=>=<cursor>`,
 * following `Link: <…>; rel="next"` (https://docs.github.com/en/rest/using-the-rest-api/using-pagination-in-the-rest-api).
 * Oldest change first, so after every page the newest `updated_at` seen is a sound cursor.
 */
import { SourceUnavailableError, VigilError } from '../../errors.ts';
import { decodeText } from '../files.ts';
import type { HttpResponse } from '../http.ts';
import { AdvisoryBatcher } from '../osv/import.ts';
import type { SourceEvent, SyncContext } from '../types.ts';
import { parseGhsaValue } from './parse.ts';
import { type GhsaConfig, GhsaConfigSchema } from './schema.ts';

const SOURCE_ID = 'ghsa';
/** GitHub's REST API version this source is written against (https://docs.github.com/en/rest/about-the-rest-api/api-versions). */
export const GITHUB_API_VERSION = '2022-11-28';

/**
 * The `rel="next"` URL of an RFC 8288 `Link` header, or null.
 * @example nextLink('<https://api.github.com/advisories?after=Y3Vy>; rel="next"') // 'https://api.github.com/advisories?after=Y3Vy'
 */
export function nextLink(link: string | null): string | null {
  for (const part of link?.split(',') ?? []) {
    const m = /<([^>]+)>\s*;.*\brel="?([^";]+)"?/.exec(part);
    if (m && (m[2] as string).split(/\s+/).includes('next')) return m[1] as string;
  }
  return null;
}

/** The first page's URL: oldest update first, from `since` (inclusive) when given. */
export function firstPageUrl(config: GhsaConfig, since: string | null): string {
  const url = new URL(`${config.baseUrl.replace(/\/+$/, '')}/advisories`);
  url.searchParams.set('type', config.type);
  url.searchParams.set('sort', 'updated');
  url.searchParams.set('direction', 'asc');
  url.searchParams.set('per_page', String(config.perPage));
  // GitHub's search date syntax: `>=YYYY-MM-DDTHH:MM:SSZ` (no fractional seconds).
  if (since) url.searchParams.set('updated', `>=${since.replace(/\.\d+Z$/, 'Z')}`);
  return url.toString();
}

/**
 * Live sync. Starts at the cursor (ISO 8601 of the newest `updated_at` stored), else at what an
 * import stored (`ctx.storedUntil`), else `config.since`, else at the beginning. Per page:
 * `advisories`, `rejected` for bad records (by `ghsa_id` and field), `progress`, and a `cursor`.
 * Stops after `maxPages` pages, or early when GitHub says no request is left this hour
 * (`x-ratelimit-remaining: 0`); the next sync goes on from the cursor.
 * @throws {SourceUnavailableError} on 429/5xx/403 (rate limits: `Retry-After`, `x-ratelimit-reset`)
 *   and network failures after retries, and on a 404.
 * @throws {VigilError} VIGIL_SOURCE_BAD_PAYLOAD when a page is not a JSON array (twice in a row), or
 *   when the `Link` header's next page is on another origin than `baseUrl` (the token goes with it).
 */
export async function* syncGhsa(config: GhsaConfig, ctx: SyncContext): AsyncGenerator<SourceEvent> {
  const cfg = GhsaConfigSchema.parse(config);
  const headers: Record<string, string> = { accept: 'application/vnd.github+json', 'x-github-api-version': GITHUB_API_VERSION };
  if (cfg.token) headers.authorization = `Bearer ${cfg.token}`;
  else ctx.log.info('ghsa: no token (GITHUB_TOKEN): GitHub allows 60 requests an hour');
  let cursor = ctx.cursor ?? ctx.storedUntil ?? cfg.since ?? null;
  let url: string | null = firstPageUrl(cfg, cursor);
  let records = 0;
  for (let page = 1; url !== null && page <= cfg.maxPages; page++) {
    ctx.signal?.throwIfAborted();
    const { res, items } = await fetchPage(url, headers, ctx);
    const batcher = new AdvisoryBatcher();
    const results = items.map((item, i) => parseGhsaValue(item, `${url}[${i}]`));
    for (const [i, r] of results.entries()) {
      // Rejected records move the cursor too: their `updated_at` is GitHub's order, not their validity.
      const updated = r.advisory?.modified ?? validTime((items[i] as { updated_at?: unknown } | null)?.updated_at);
      if (updated && (cursor === null || updated > cursor)) cursor = updated;
    }
    yield* batcher.add(results);
    yield* batcher.flush();
    records += items.length;
    yield { type: 'progress', done: records, unit: 'records', label: `page ${page}` };
    if (cursor !== null) yield { type: 'cursor', cursor };
    url = nextLink(res.headers.get('link'));
    // The next page must be on the configured API's origin: the token is sent to it.
    if (url && new URL(url, cfg.baseUrl).origin !== new URL(cfg.baseUrl).origin)
      throw new VigilError('VIGIL_SOURCE_BAD_PAYLOAD', [SOURCE_ID, `the Link header's next page ${url} is not on ${new URL(cfg.baseUrl).origin}: not followed (the token would go with it)`]);
    if (url) url = new URL(url, cfg.baseUrl).href;
    if (url && res.headers.get('x-ratelimit-remaining') === '0') {
      ctx.log.warn({ reset: res.headers.get('x-ratelimit-reset') }, 'ghsa: GitHub rate limit used up; the next sync goes on from the cursor');
      return;
    }
  }
}

/** GETs one page; a body that is not a JSON array is fetched once more, then fails the sync. */
async function fetchPage(url: string, headers: Record<string, string>, ctx: SyncContext): Promise<{ res: HttpResponse; items: unknown[] }> {
  for (let attempt = 1; ; attempt++) {
    const res = await ctx.http.get(url, { sourceId: SOURCE_ID, headers, retryOn403: true, signal: ctx.signal });
    if (!res) throw new SourceUnavailableError(SOURCE_ID, `GET ${url}: HTTP 404 (is baseUrl a GitHub REST API root?)`);
    let problem: string;
    try {
      const json: unknown = JSON.parse(await decodeText(res.body));
      if (Array.isArray(json)) return { res, items: json };
      problem = `expected a JSON array of advisories, got ${json === null ? 'null' : typeof json}`;
    } catch (cause) {
      problem = `not valid JSON (truncated?): ${(cause as Error).message}`;
    }
    if (attempt >= 2) throw new VigilError('VIGIL_SOURCE_BAD_PAYLOAD', [SOURCE_ID, `${url}: ${problem}`]);
    ctx.log.warn({ url, problem }, 'ghsa: bad page, fetching it again');
  }
}

function validTime(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const t = Date.parse(value);
  return Number.isNaN(t) ? null : new Date(t).toISOString();
}
