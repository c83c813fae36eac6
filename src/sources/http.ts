/**
 * The HTTP client every live source uses: undici fetch, a per-source request-rate cap
 * (p-queue), retries with exponential backoff that honour `Retry-After` (p-retry), and typed
 * failures: 429/5xx/403-rate-limit/network errors become {@link SourceUnavailableError};
 * 404 is `null`; anything else is a bug in our request and is thrown as is.
 */
import { createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import PQueue from 'p-queue';
import pRetry from 'p-retry';
import { fetch, type Dispatcher } from 'undici';
import { SourceUnavailableError } from '../errors.ts';
import { checkUrl } from '../net/url-policy.ts';

/** A request-rate cap: at most `requests` started in any `perSeconds` window. */
export interface RateLimit {
  requests: number;
  perSeconds: number;
}

/** Per-request options. */
export interface GetOptions {
  /** Source id, for errors and the per-source rate cap. */
  sourceId: string;
  headers?: Record<string, string>;
  rateLimit?: RateLimit;
  signal?: AbortSignal;
  /** Whether HTTP 403 means "rate limited" (NVD answers 403 when over its limit). */
  retryOn403?: boolean;
}

/** A fetched response with its whole body. */
export interface HttpResponse {
  status: number;
  url: string;
  headers: Headers;
  body: Buffer;
}

/** Client settings. */
export interface HttpClientOptions {
  /** Attempts after the first one, for retryable failures (default 4). */
  retries?: number;
  /** First backoff delay in seconds (default 1); doubles each attempt. */
  minBackoffSeconds?: number;
  /** Longest wait honoured, in seconds, for backoff or `Retry-After` (default 120). */
  maxBackoffSeconds?: number;
  /** Per-request timeout in seconds (default 60). */
  timeoutSeconds?: number;
  userAgent?: string;
  /** Proxy or custom dispatcher (undici). */
  dispatcher?: Dispatcher;
}

/**
 * Parses a `Retry-After` header (RFC 9110 §10.2.3): delay-seconds or an HTTP-date.
 * @returns seconds to wait, or `undefined` when absent or unparseable.
 */
export function parseRetryAfter(value: string | null, now: Date = new Date()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, (at - now.getTime()) / 1000);
}

/**
 * Seconds until a used-up rate limit resets, from `x-ratelimit-remaining: 0` and
 * `x-ratelimit-reset` (epoch seconds), as GitHub sends them on a 403/429
 * (https://docs.github.com/en/rest/using-the-rest-api/rate-limits-for-the-rest-api#exceeding-the-rate-limit).
 * @returns seconds to wait (0 when the reset is past), or `undefined` when the headers do not say.
 */
export function parseRateLimitReset(headers: Headers, now: Date = new Date()): number | undefined {
  const reset = headers.get('x-ratelimit-reset')?.trim();
  if (headers.get('x-ratelimit-remaining')?.trim() !== '0' || !reset || !/^\d+$/.test(reset)) return undefined;
  return Math.max(0, Number(reset) - now.getTime() / 1000);
}

/**
 * An error's message followed by the messages of its causes, `: `-joined, so that undici's bare
 * "fetch failed" carries its reason ("fetch failed: getaddrinfo ENOTFOUND services.nvd.nist.gov").
 * A cause whose message is already part of the text is not repeated.
 */
export function messageWithCauses(err: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = err, depth = 0; e !== undefined && e !== null && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const msg = e instanceof Error ? e.message : String(e);
    if (msg && !parts.some((p) => p.includes(msg))) parts.push(msg);
    if (!(e instanceof Error)) break;
  }
  return parts.join(': ');
}

/** Whether request headers make a conditional GET (RFC 9110 §13.1.2, §13.1.3). */
function isConditional(headers: Record<string, string> | undefined): boolean {
  return Object.keys(headers ?? {}).some((h) => /^if-(none-match|modified-since)$/i.test(h));
}

/** Statuses whose `Location` is followed (RFC 9110 §15.4). */
const REDIRECTS = new Set([301, 302, 303, 307, 308]);
/** Redirects followed per request. */
const MAX_REDIRECTS = 5;

/** The headers without credentials (`Authorization`, `Cookie`, API keys), for a redirect to another origin. */
function withoutCredentials(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([k]) => !/^(authorization|cookie|apikey|api-key|x-api-key)$/i.test(k)));
}

/** HTTP client with rate caps, retries and typed errors; one per process is enough. */
export class HttpClient {
  readonly #queues = new Map<string, PQueue>();
  readonly #opts: Required<Omit<HttpClientOptions, 'dispatcher'>> & { dispatcher?: Dispatcher };

  constructor(options: HttpClientOptions = {}) {
    this.#opts = {
      retries: options.retries ?? 4,
      minBackoffSeconds: options.minBackoffSeconds ?? 1,
      maxBackoffSeconds: options.maxBackoffSeconds ?? 120,
      timeoutSeconds: options.timeoutSeconds ?? 60,
      userAgent: options.userAgent ?? 'vigil/0.1 (+https://github.com/vigil-security/vigil)',
      dispatcher: options.dispatcher,
    };
  }

  #queue(opts: GetOptions): PQueue {
    const key = `${opts.sourceId}:${opts.rateLimit?.requests}/${opts.rateLimit?.perSeconds}`;
    let queue = this.#queues.get(key);
    if (!queue) {
      queue = opts.rateLimit
        ? new PQueue({ intervalCap: opts.rateLimit.requests, interval: opts.rateLimit.perSeconds * 1000 })
        : new PQueue({ concurrency: 4 });
      this.#queues.set(key, queue);
    }
    return queue;
  }

  /**
   * GETs a URL and returns its whole body. A conditional GET (an `If-None-Match` or
   * `If-Modified-Since` header in `opts.headers`) may answer `status` 304 with an empty body.
   * @returns the response, or `null` on 404.
   * @throws {SourceUnavailableError} after the retries, on 429, 5xx, network errors and (with
   *   `retryOn403`) 403.
   * @throws {Error} on any other non-2xx status (a bug in the request).
   */
  async get(url: string | URL, opts: GetOptions): Promise<HttpResponse | null> {
    const queue = this.#queue(opts);
    const attempt = async (): Promise<HttpResponse | null> => {
      const result = await queue.add(() => this.#once(String(url), opts), { signal: opts.signal });
      return result ?? null;
    };
    return pRetry(attempt, this.#retryOptions(opts));
  }

  /**
   * GETs a URL straight into a file, never holding the body in memory (release bundles are
   * hundreds of MB). Same retries and errors as {@link get}; a body cut off mid-way is retried.
   * @returns the response headers and size in bytes, or `null` on 404.
   */
  async download(url: string | URL, file: string, opts: GetOptions): Promise<Omit<HttpResponse, 'body'> & { bytes: number } | null> {
    const queue = this.#queue(opts);
    return pRetry(
      async () => {
        const result = await queue.add(
          async () => {
            const res = await this.#request(String(url), opts);
            if (!res?.body) return null;
            let bytes = 0;
            try {
              const body = Readable.fromWeb(res.body as import('node:stream/web').ReadableStream<Uint8Array>);
              body.on('data', (chunk: Buffer) => {
                bytes += chunk.length;
              });
              await pipeline(body, createWriteStream(file));
            } catch (cause) {
              throw new SourceUnavailableError(opts.sourceId, `GET ${url}: body cut off: ${messageWithCauses(cause)}`, { cause });
            }
            return { status: res.status, url: String(url), headers: res.headers as unknown as Headers, bytes };
          },
          { signal: opts.signal },
        );
        return result ?? null;
      },
      this.#retryOptions(opts),
    );
  }

  #retryOptions(opts: GetOptions) {
    return {
      retries: this.#opts.retries,
      signal: opts.signal,
      factor: 2,
      minTimeout: this.#opts.minBackoffSeconds * 1000,
      maxTimeout: this.#opts.maxBackoffSeconds * 1000,
      shouldRetry: ({ error }: { error: unknown }) => error instanceof SourceUnavailableError,
      onFailedAttempt: async ({ error }: { error: unknown }) => {
        // p-retry's own backoff runs after this hook: add what Retry-After asks beyond it.
        if (error instanceof SourceUnavailableError && error.retryAfterSeconds !== undefined) {
          const wait = Math.min(error.retryAfterSeconds, this.#opts.maxBackoffSeconds);
          await new Promise((r) => setTimeout(r, wait * 1000));
        }
      },
    };
  }

  /** One request with status handling: 404 → null, retryable statuses → SourceUnavailableError. */
  async #request(url: string, opts: GetOptions): Promise<Awaited<ReturnType<typeof fetch>> | null> {
    const signals = [AbortSignal.timeout(this.#opts.timeoutSeconds * 1000)];
    if (opts.signal) signals.push(opts.signal);
    let res: Awaited<ReturnType<typeof fetch>>;
    // Redirects are followed here, not by fetch: each target must pass the URL policy (a feed or
    // provider must not send Vigil to a metadata address or a non-HTTP port), and credentials are
    // not sent to another origin (RFC 9110 §15.4).
    let current = url;
    let headers: Record<string, string> = { 'user-agent': this.#opts.userAgent, ...opts.headers };
    for (let hop = 0; ; hop++) {
      try {
        res = await fetch(current, { headers, signal: AbortSignal.any(signals), dispatcher: this.#opts.dispatcher, redirect: 'manual' });
      } catch (cause) {
        if (opts.signal?.aborted) throw cause;
        throw new SourceUnavailableError(opts.sourceId, `GET ${current}: ${messageWithCauses(cause)}`, { cause });
      }
      const location = REDIRECTS.has(res.status) ? res.headers.get('location') : null;
      if (location === null) break;
      await res.body?.cancel();
      if (hop >= MAX_REDIRECTS) throw new Error(`GET ${url}: more than ${MAX_REDIRECTS} redirects`);
      const next = new URL(location, current);
      // The policy reads the URL as written (an absolute Location's `0x7f000001` is refused; `new URL` would rewrite it).
      const check = checkUrl(/^[a-z][a-z0-9+.-]*:/i.test(location) ? location : next.href);
      if (!check.ok) throw new Error(`GET ${current}: redirect to ${next.href} refused: ${check.problem}`);
      if (next.origin !== new URL(current).origin) headers = withoutCredentials(headers);
      current = next.href;
    }
    if (res.status === 404) {
      await res.body?.cancel();
      return null;
    }
    const retryable = res.status === 429 || res.status >= 500 || (res.status === 403 && opts.retryOn403);
    if (retryable) {
      await res.body?.cancel();
      throw new SourceUnavailableError(opts.sourceId, `GET ${url}: HTTP ${res.status}`, {
        retryAfterSeconds: parseRetryAfter(res.headers.get('retry-after')) ?? parseRateLimitReset(res.headers),
      });
    }
    // 304 answers a conditional GET (RFC 9110 §13.1, §15.4.5): the caller's copy is current.
    if (res.status === 304 && isConditional(opts.headers)) {
      await res.body?.cancel();
      return res;
    }
    if (!res.ok) {
      await res.body?.cancel();
      throw new Error(`GET ${url}: HTTP ${res.status} ${res.statusText}`);
    }
    return res;
  }

  async #once(url: string, opts: GetOptions): Promise<HttpResponse | null> {
    const res = await this.#request(url, opts);
    if (!res) return null;
    if (res.status === 304) return { status: 304, url, headers: res.headers as unknown as Headers, body: Buffer.alloc(0) };
    let body: Buffer;
    try {
      body = Buffer.from(await res.arrayBuffer());
    } catch (cause) {
      throw new SourceUnavailableError(opts.sourceId, `GET ${url}: body cut off: ${messageWithCauses(cause)}`, { cause });
    }
    return { status: res.status, url, headers: res.headers as unknown as Headers, body };
  }
}
