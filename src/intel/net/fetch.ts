/**
 * The safe fetcher of threat-intel collection (issue 13, "Fetching safely"), {@link IntelFetcher}:
 * - every URL and redirect hop checked by the SSRF guard (guard.ts) before any connection, and
 *   every connection checked again on the address connected to; redirects followed here, at
 *   most `intel.maxRedirects`, http(s) only; source headers only ever sent to the source's origin;
 * - limits: `intel.timeoutSeconds` per HTTP exchange (connection to last byte), `maxBodyBytes`
 *   as received and `maxDecompressedBytes` after gzip/deflate/br (counted while streaming), the
 *   Content-Type asked for;
 * - one request at a time per host, `minDelaySeconds` apart (host-queue.ts); 429/503 with a
 *   Retry-After of at most {@link MAX_RETRY_AFTER_SECONDS} retried up to {@link MAX_RETRIES} times;
 * - conditional GET (RFC 9110 §13.1): If-None-Match / If-Modified-Since, 304 → `not-modified`;
 * - robots.txt (robots.ts) for sources that obey it, with an honest User-Agent ({@link USER_AGENT});
 * - SOCKS5 proxies (proxy.ts): `socks5h` resolves remotely (the only route to `.onion`), one
 *   SOCKS username per source (Tor circuit isolation); a failing proxy fails the fetch.
 */
import type { Readable } from 'node:stream';
import type { Agent } from 'undici';
import pkg from '../../../package.json' with { type: 'json' };
import type { IntelConfig } from '../../config.ts';
import { SourceUnavailableError, VigilError } from '../../errors.ts';
import { messageWithCauses, parseRetryAfter } from '../../sources/http.ts';
import type { FetchOutcome, FetchRequest, FetchValidators, IntelFetcher } from '../types.ts';
import { acceptsContentType, BodyTooLargeError, type BodyLimits, readBody } from './body.ts';
import { checkUrl, type Resolver, UrlRefusedError } from './guard.ts';
import { type Clock, HostQueue, realSleep, type Sleep } from './host-queue.ts';
import { createDispatcher, type ProxyRoute, ProxyFailure, parseProxy, routePolicy } from './proxy.ts';
import { ROBOTS_MAX_BYTES, RobotsCache, type RobotsFetchResult } from './robots.ts';

/** Vigil's User-Agent: product, version and where to read about it (RFC 9110 §10.1.5). */
export const USER_AGENT = `Vigil/${pkg.version} (+https://github.com/vigil-security/vigil)`;
/** Retries of one request answered 429/503 with a short Retry-After. */
export const MAX_RETRIES = 2;
/** Longest Retry-After waited for within a fetch, seconds; longer → SourceUnavailableError. */
export const MAX_RETRY_AFTER_SECONDS = 60;
/** Redirects followed for robots.txt (RFC 9309 §2.3.1.2: at least five). */
const ROBOTS_REDIRECTS = 5;

const ACCEPT: Record<FetchRequest['accept'] | 'robots', string> = {
  feed: 'application/rss+xml, application/atom+xml, application/feed+json, application/rdf+xml, application/xml;q=0.9, text/xml;q=0.9, application/json;q=0.8, text/plain;q=0.5',
  html: 'text/html, application/xhtml+xml;q=0.9',
  robots: 'text/plain',
};

/** Options of {@link createIntelFetcher}; tests pass a stub resolver and clock. */
export interface IntelFetcherOptions {
  /** Replaces {@link USER_AGENT}; its product token (before `/`) is matched in robots.txt. */
  userAgent?: string;
  /** Name resolution for direct and `socks5://` connections (default: the system resolver). */
  resolver?: Resolver;
  /** Clock, ms since the epoch. */
  now?: Clock;
  /** Waits (per-host delay, Retry-After). */
  sleep?: Sleep;
}

/** One HTTP exchange's answer, the body read only for 2xx. */
type Exchange =
  | { kind: 'redirect'; status: number; location: string | null }
  | { kind: 'not-modified'; etag: string | null; lastModified: string | null }
  | { kind: 'body'; status: number; contentType: string; body: Buffer; etag: string | null; lastModified: string | null }
  | { kind: 'status'; status: number; retryAfter: number | undefined };

interface ExchangeArgs {
  url: URL;
  headers: Record<string, string>;
  dispatcher: Agent;
  delaySeconds: number;
  accept: FetchRequest['accept'] | 'robots';
  limits: BodyLimits;
  signal: AbortSignal | undefined;
  sourceName: string;
}

function header(headers: Record<string, string | string[] | undefined>, name: string): string | null {
  const v = headers[name];
  return (Array.isArray(v) ? v[0] : v) ?? null;
}

/** Drops a body no longer wanted (its abort error has nowhere to go). */
function discard(body: Readable | undefined): void {
  if (!body || body.destroyed) return;
  body.on('error', () => undefined);
  body.destroy();
}

/** The first error of `err`'s cause chain that is a `T`. */
function inChain<T>(err: unknown, type: abstract new (...args: never[]) => T): T | undefined {
  for (let e = err, depth = 0; e instanceof Error && depth < 6; e = e.cause, depth++) if (e instanceof type) return e as T;
  return undefined;
}

/**
 * The intel fetcher over `config` (`intel:`). Agents are made per route and source as needed;
 * the per-host queue and robots.txt cache are shared by every request of the instance.
 * - `timeoutSeconds` bounds each HTTP exchange (connection to last byte of one hop); waits in the
 *   host queue and for a Retry-After are not counted (`request.signal` aborts those too).
 * - Returned validators carry `url: request.url` (the URL asked, which the caller keys them by),
 *   while the outcome's `url` is the final URL after redirects.
 * - robots.txt counts as a request to its host (the per-host delay applies to it too).
 * Errors: see {@link IntelFetcher}; a caller's abort rejects with the signal's reason.
 * @example const fetcher = createIntelFetcher(config.intel);
 *   const got = await fetcher.fetch({ url, source, accept: 'feed', validators });
 *   await fetcher.close();
 */
export function createIntelFetcher(config: IntelConfig, options: IntelFetcherOptions = {}): IntelFetcher {
  const userAgent = options.userAgent ?? USER_AGENT;
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? realSleep;
  const queue = new HostQueue(now, sleep);
  const robots = new RobotsCache(userAgent.split('/')[0]!.trim() || 'Vigil', now);
  const agents = new Map<string, Agent>();
  const timeoutMs = config.timeoutSeconds * 1000;
  const limits: BodyLimits = { maxBodyBytes: config.maxBodyBytes, maxDecompressedBytes: config.maxDecompressedBytes };

  function dispatcherFor(route: ProxyRoute, sourceName: string): Agent {
    const key = route.kind === 'none' ? 'none' : `${route.url} ${sourceName}`;
    let agent = agents.get(key);
    if (!agent) {
      agent = createDispatcher(route, {
        allowHosts: config.allowHosts,
        resolver: options.resolver,
        connectTimeoutMs: timeoutMs,
        responseTimeoutMs: timeoutMs,
        sourceName,
      });
      agents.set(key, agent);
    }
    return agent;
  }

  /** One request and its answer, holding the host's slot; limits applied; errors mapped. */
  function exchange(a: ExchangeArgs): Promise<Exchange> {
    return queue.run(
      a.url.hostname,
      a.delaySeconds,
      async () => {
        const timeout = AbortSignal.timeout(timeoutMs);
        const signal = a.signal ? AbortSignal.any([a.signal, timeout]) : timeout;
        let body: Readable | undefined;
        try {
          const res = await a.dispatcher.request({ origin: a.url.origin, path: a.url.pathname + a.url.search, method: 'GET', headers: a.headers, signal });
          body = res.body;
          const h = res.headers;
          const s = res.statusCode;
          if (s >= 200 && s < 300) {
            const contentType = header(h, 'content-type') ?? '';
            if (a.accept !== 'robots' && !acceptsContentType(a.accept, contentType))
              throw new VigilError('VIGIL_FETCH_FAILED', [
                a.url.href,
                `Content-Type "${contentType || '(none)'}" is not ${a.accept === 'feed' ? 'a feed (XML, RSS, Atom, JSON, text)' : 'HTML'}`,
              ]);
            const data = await readBody(res.body, header(h, 'content-encoding') ?? undefined, a.limits);
            return { kind: 'body', status: s, contentType, body: data, etag: header(h, 'etag'), lastModified: header(h, 'last-modified') };
          }
          await res.body.dump({ limit: 64 * 1024 }).catch(() => undefined); // frees the connection for reuse
          if (s === 304) return { kind: 'not-modified', etag: header(h, 'etag'), lastModified: header(h, 'last-modified') };
          if ([301, 302, 303, 307, 308].includes(s)) return { kind: 'redirect', status: s, location: header(h, 'location') };
          return { kind: 'status', status: s, retryAfter: parseRetryAfter(header(h, 'retry-after'), new Date(now())) };
        } catch (err) {
          discard(body);
          if (a.signal?.aborted) throw a.signal.reason;
          const refused = inChain(err, UrlRefusedError);
          if (refused) throw refused;
          if (err instanceof VigilError) throw err;
          const proxy = inChain(err, ProxyFailure);
          if (proxy) throw new VigilError('VIGIL_FETCH_FAILED', [a.url.href, `${proxy.message} (not fetched directly)`], { cause: err });
          const big = inChain(err, BodyTooLargeError);
          if (big) throw new VigilError('VIGIL_FETCH_FAILED', [a.url.href, big.message], { cause: err });
          const code = (err as { code?: string }).code;
          if (timeout.aborted || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT')
            throw new VigilError('VIGIL_FETCH_FAILED', [a.url.href, `timed out after ${config.timeoutSeconds} s`], { cause: err });
          if (code?.startsWith('Z_') || /Content-Encoding/.test(String((err as Error).message)))
            throw new VigilError('VIGIL_FETCH_FAILED', [a.url.href, `bad compressed body: ${messageWithCauses(err)}`], { cause: err });
          throw new SourceUnavailableError(a.sourceName, `${a.url.href}: ${messageWithCauses(err)}`, { cause: err });
        }
      },
      a.signal,
    );
  }

  /** robots.txt through the same route, following up to five redirects, each hop guarded. */
  async function fetchRobots(robotsUrl: string, route: ProxyRoute, request: FetchRequest): Promise<RobotsFetchResult> {
    const policy = routePolicy(route, config.allowHosts);
    let url = new URL(robotsUrl);
    for (let hop = 0; ; hop++) {
      checkUrl(url, policy);
      const r = await exchange({
        url,
        headers: { 'user-agent': userAgent, accept: ACCEPT.robots, 'accept-encoding': 'gzip, deflate, br' },
        dispatcher: dispatcherFor(route, request.source.name),
        delaySeconds: request.source.minDelaySeconds ?? config.minDelaySeconds,
        accept: 'robots',
        limits: { maxBodyBytes: ROBOTS_MAX_BYTES, maxDecompressedBytes: ROBOTS_MAX_BYTES },
        signal: request.signal,
        sourceName: request.source.name,
      });
      if (r.kind === 'body') return { status: r.status, text: r.body.toString('utf8') };
      if (r.kind === 'redirect' && r.location && hop < ROBOTS_REDIRECTS) url = new URL(r.location, url);
      else return { status: r.kind === 'status' ? r.status : r.kind === 'redirect' ? r.status : 304, text: '' };
    }
  }

  /** Request headers for one hop: Vigil's, the source's (same origin only, never User-Agent), validators. */
  function headersFor(request: FetchRequest, url: URL): Record<string, string> {
    const headers: Record<string, string> = {};
    if (url.origin === new URL(request.url).origin)
      for (const [name, value] of Object.entries(request.source.headers))
        if (!['user-agent', 'host'].includes(name.toLowerCase())) headers[name.toLowerCase()] = value;
    Object.assign(headers, { 'user-agent': userAgent, accept: ACCEPT[request.accept], 'accept-encoding': 'gzip, deflate, br' });
    if (request.validators?.etag) headers['if-none-match'] = request.validators.etag;
    if (request.validators?.lastModified) headers['if-modified-since'] = request.validators.lastModified;
    return headers;
  }

  async function fetchOne(request: FetchRequest): Promise<FetchOutcome> {
    const route = parseProxy(request.source.proxy, config.torProxy, request.url);
    const policy = routePolicy(route, config.allowHosts);
    checkUrl(request.url, policy);
    let url = new URL(request.url);
    const delaySeconds = request.source.minDelaySeconds ?? config.minDelaySeconds;
    const validators = (etag: string | null, lastModified: string | null): FetchValidators => ({
      url: request.url,
      etag,
      lastModified,
      fetchedAt: new Date(now()).toISOString(),
    });
    for (let redirects = 0; ; ) {
      checkUrl(url, policy);
      if (request.source.robots === 'obey') {
        const verdict = await robots.verdict(url.href, route.kind === 'none' ? 'none' : route.url, (u) => fetchRobots(u, route, request), request.signal);
        if (!verdict.allowed) return { status: 'robots-disallowed', url: url.href, reason: verdict.reason ?? 'robots.txt disallows it' };
      }
      const args: ExchangeArgs = {
        url,
        headers: headersFor(request, url),
        dispatcher: dispatcherFor(route, request.source.name),
        delaySeconds,
        accept: request.accept,
        limits,
        signal: request.signal,
        sourceName: request.source.name,
      };
      let r = await exchange(args);
      for (let retry = 1; r.kind === 'status' && (r.status === 429 || r.status === 503); retry++) {
        if (retry > MAX_RETRIES || r.retryAfter === undefined || r.retryAfter > MAX_RETRY_AFTER_SECONDS) {
          const after = r.retryAfter === undefined ? 'no Retry-After' : `Retry-After ${Math.ceil(r.retryAfter)} s`;
          throw new SourceUnavailableError(
            request.source.name,
            `${url.href}: HTTP ${r.status} (${after}${retry > MAX_RETRIES ? `, ${MAX_RETRIES} retries spent` : ''})`,
            { retryAfterSeconds: r.retryAfter },
          );
        }
        await sleep(r.retryAfter * 1000, request.signal);
        r = await exchange(args);
      }
      switch (r.kind) {
        case 'body':
          return {
            status: 'ok',
            url: url.href,
            httpStatus: r.status,
            contentType: r.contentType,
            body: r.body,
            validators: validators(r.etag, r.lastModified),
          };
        case 'not-modified':
          if (!request.validators) throw new VigilError('VIGIL_FETCH_FAILED', [url.href, 'HTTP 304 to a request that was not conditional']);
          return {
            status: 'not-modified',
            url: url.href,
            validators: validators(r.etag ?? request.validators.etag, r.lastModified ?? request.validators.lastModified),
          };
        case 'redirect': {
          if (!r.location) throw new VigilError('VIGIL_FETCH_FAILED', [url.href, `HTTP ${r.status} without a Location`]);
          if (++redirects > config.maxRedirects)
            throw new VigilError('VIGIL_FETCH_FAILED', [request.url, `more than ${config.maxRedirects} redirects (last to ${r.location})`]);
          let next: URL;
          try {
            next = new URL(r.location, url);
          } catch (cause) {
            throw new VigilError('VIGIL_FETCH_FAILED', [url.href, `bad Location "${r.location}"`], { cause });
          }
          next.hash = '';
          url = next;
          continue;
        }
        case 'status':
          if (r.status >= 500) throw new SourceUnavailableError(request.source.name, `${url.href}: HTTP ${r.status}`, { retryAfterSeconds: r.retryAfter });
          throw new VigilError('VIGIL_FETCH_FAILED', [url.href, `HTTP ${r.status}`]);
      }
    }
  }

  return {
    fetch: fetchOne,
    async close() {
      const all = [...agents.values()];
      agents.clear();
      await Promise.all(all.map((a) => a.close()));
    },
  };
}
