/**
 * VirusTotal API v3 look-ups (https://docs.virustotal.com/reference/overview): files by MD5,
 * SHA-1 or SHA-256 (`/files/{hash}`), URLs (`/urls/{id}`, the id being the URL in unpadded
 * base64url), domains (`/domains/{domain}`) and IP addresses (`/ip_addresses/{ip}`), with the key
 * in `x-apikey`. Answers are cached in the IOC store (provider `virustotal`) for
 * `cacheTtlSeconds`; a 404 NotFoundError is cached as "not found" (body null) the same way.
 */
import { fetch } from 'undici';
import type { VirusTotalConfig } from '../config.ts';
import { SourceUnavailableError, VigilError } from '../errors.ts';
import type { CachedLookup, IocStore } from '../iocs/types.ts';
import type { IocType } from '../nlp/types.ts';
import { parseRetryAfter } from '../sources/http.ts';
import { type QuotaClock, VtQuota } from './quota.ts';
import { VtErrorResponse, VtObjectResponse } from './schema.ts';

/** The provider name of cached look-ups. */
export const VT_PROVIDER = 'virustotal';

/** Indicator types VirusTotal looks up. */
export const VT_TYPES = ['md5', 'sha1', 'sha256', 'url', 'domain', 'ipv4', 'ipv6'] as const satisfies readonly IocType[];
export type VtType = (typeof VT_TYPES)[number];

/** What Vigil shows of a look-up. Counts are engines; dates ISO 8601. */
export interface VtSummary {
  type: VtType;
  value: string;
  /** false: VirusTotal does not know the indicator (404 NotFoundError). */
  found: boolean;
  /** When VirusTotal was asked. */
  fetched: string;
  /** true: served from the store's cache (younger than `cacheTtlSeconds`). */
  cached: boolean;
  stats: { malicious: number; suspicious: number; harmless: number; undetected: number; timeout: number } | null;
  /** Community reputation score (negative: bad). */
  reputation: number | null;
  lastAnalysisDate: string | null;
  /** Distinct category labels of the engines (domains, URLs). */
  categories: string[];
  tags: string[];
  /** The VirusTotal page of the indicator. */
  link: string;
}

/** Whether an indicator type can be looked up. */
export function isVtType(type: string): type is VtType {
  return (VT_TYPES as readonly string[]).includes(type);
}

/** The API path of an indicator (URL ids: unpadded base64url of the URL, as VirusTotal documents). */
export function vtPath(type: VtType, value: string): string {
  if (type === 'url') return `/urls/${Buffer.from(value, 'utf8').toString('base64url')}`;
  if (type === 'domain') return `/domains/${encodeURIComponent(value)}`;
  if (type === 'ipv4' || type === 'ipv6') return `/ip_addresses/${encodeURIComponent(value)}`;
  return `/files/${encodeURIComponent(value)}`;
}

/** The VirusTotal web page of an indicator. */
function vtLink(type: VtType, value: string): string {
  const gui = 'https://www.virustotal.com/gui';
  if (type === 'url') return `${gui}/url/${Buffer.from(value, 'utf8').toString('base64url')}`;
  if (type === 'domain') return `${gui}/domain/${encodeURIComponent(value)}`;
  if (type === 'ipv4' || type === 'ipv6') return `${gui}/ip-address/${encodeURIComponent(value)}`;
  return `${gui}/file/${encodeURIComponent(value)}`;
}

/**
 * Summarises a cached look-up.
 * @throws {VigilError} VIGIL_SOURCE_BAD_PAYLOAD when the cached body no longer fits the schema.
 */
export function summarize(lookup: CachedLookup, cached: boolean): VtSummary {
  const type = lookup.type as VtType;
  const base = { type, value: lookup.value, fetched: lookup.fetched, cached, link: vtLink(type, lookup.value) };
  if (lookup.body === null) return { ...base, found: false, stats: null, reputation: null, lastAnalysisDate: null, categories: [], tags: [] };
  const parsed = VtObjectResponse.safeParse(lookup.body);
  if (!parsed.success) throw new VigilError('VIGIL_SOURCE_BAD_PAYLOAD', [VT_PROVIDER, `${type} ${lookup.value}: ${parsed.error.message}`]);
  const a = parsed.data.data.attributes;
  const s = a.last_analysis_stats;
  return {
    ...base,
    found: true,
    stats: s ? { malicious: s.malicious, suspicious: s.suspicious, harmless: s.harmless, undetected: s.undetected, timeout: s.timeout } : null,
    reputation: a.reputation ?? null,
    lastAnalysisDate: a.last_analysis_date === undefined ? null : new Date(a.last_analysis_date * 1000).toISOString(),
    categories: [...new Set(Object.values(a.categories ?? {}))].sort(),
    tags: a.tags ?? [],
  };
}

/** Options of {@link VirusTotalClient}. */
export interface VirusTotalClientOptions {
  config: VirusTotalConfig;
  iocs: IocStore;
  /** Longest wait for the per-minute window, seconds (CLI: 60; API: 0, answer 429 at once). */
  maxWaitSeconds?: number;
  clock?: QuotaClock;
}

/** A VirusTotal client with its quota and the store's cache. */
export class VirusTotalClient {
  readonly quota: VtQuota;
  readonly #opts: VirusTotalClientOptions;
  readonly #clock: QuotaClock;

  constructor(options: VirusTotalClientOptions) {
    this.#opts = options;
    this.#clock = options.clock ?? { now: () => new Date(), sleep: (ms) => new Promise((r) => setTimeout(r, ms)) };
    this.quota = new VtQuota({
      perMinute: options.config.requestsPerMinute,
      perDay: options.config.requestsPerDay,
      clock: this.#clock,
      ...(options.maxWaitSeconds === undefined ? {} : { maxWaitSeconds: options.maxWaitSeconds }),
    });
  }

  /**
   * Looks an indicator up: from the cache when younger than the TTL (unless `refresh`), else from
   * VirusTotal (then cached).
   * @throws {SourceUnavailableError} no API key configured, a 5xx or a network error.
   * @throws {VigilError} VIGIL_QUOTA_EXHAUSTED (ours or VirusTotal's 429, with the next allowed
   *   time); VIGIL_CONFIG_INVALID when VirusTotal refuses the key (401/403);
   *   VIGIL_SOURCE_BAD_PAYLOAD for an answer that fails the schema.
   */
  async lookup(type: VtType, value: string, options: { refresh?: boolean } = {}): Promise<VtSummary> {
    const { config, iocs } = this.#opts;
    const now = this.#clock.now();
    const known = await iocs.getLookup(VT_PROVIDER, type, value);
    if (known && !options.refresh && Date.parse(known.fetched) + config.cacheTtlSeconds * 1000 > now.getTime()) return summarize(known, true);
    if (!config.apiKey)
      throw new SourceUnavailableError(VT_PROVIDER, 'no API key configured (set virustotal.apiKey in the config file; it may name an environment variable)');
    await this.quota.acquire();
    const url = `${config.baseUrl.replace(/\/+$/, '')}${vtPath(type, value)}`;
    let res: Awaited<ReturnType<typeof fetch>>;
    let text: string;
    try {
      res = await fetch(url, { headers: { 'x-apikey': config.apiKey, accept: 'application/json' }, signal: AbortSignal.timeout(30_000) });
      text = await res.text();
    } catch (cause) {
      throw new SourceUnavailableError(VT_PROVIDER, `${type} ${value}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    }
    const body = parseJson(text);
    const fetched = this.#clock.now().toISOString();
    if (res.status === 200) {
      const parsed = VtObjectResponse.safeParse(body);
      if (!parsed.success) throw new VigilError('VIGIL_SOURCE_BAD_PAYLOAD', [VT_PROVIDER, `${type} ${value}: ${parsed.error.message}`]);
      const lookup: CachedLookup = { provider: VT_PROVIDER, type, value, fetched, body };
      await iocs.saveLookup(lookup);
      return summarize(lookup, false);
    }
    const error = VtErrorResponse.safeParse(body);
    const code = error.success ? error.data.error.code : `HTTP ${res.status}`;
    const detail = `${type} ${value}: ${code}${error.success && error.data.error.message ? ` (${error.data.error.message})` : ''}`;
    if (res.status === 404) {
      const lookup: CachedLookup = { provider: VT_PROVIDER, type, value, fetched, body: null };
      await iocs.saveLookup(lookup);
      return summarize(lookup, false);
    }
    if (res.status === 429) {
      // VirusTotal does not say which window ran out: wait at least a minute (or its Retry-After).
      const seconds = Math.max(60, parseRetryAfter(res.headers.get('retry-after'), now) ?? 0);
      const until = this.quota.blockUntil(new Date(this.#clock.now().getTime() + seconds * 1000));
      throw new VigilError('VIGIL_QUOTA_EXHAUSTED', ['VirusTotal', until]);
    }
    if (res.status === 401 || res.status === 403) throw new VigilError('VIGIL_CONFIG_INVALID', [`virustotal.apiKey refused by VirusTotal: ${detail}`]);
    if (res.status >= 500) throw new SourceUnavailableError(VT_PROVIDER, detail);
    throw new VigilError('VIGIL_BAD_REQUEST', [`VirusTotal refused the look-up of ${detail}`]);
  }
}

/** JSON of a body, or the text itself when it is not JSON (then no schema matches it). */
function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    // Not JSON (a proxy's HTML error page): the status decides, the schemas reject the text.
    return text;
  }
}
