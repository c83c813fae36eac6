/**
 * The search engine as the indexer sees it (issue 15): install an index template, send one bulk
 * request. Two implementations over the official clients: @elastic/elasticsearch for
 * `flavor: elasticsearch` (8.x/9.x servers), @opensearch-project/opensearch for `flavor: opensearch`.
 * The clients' own retries are off (`maxRetries: 0`): {@link withBackoff} retries every failure the
 * same way on both, exponential with full jitter
 * (https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/), on HTTP 429, 5xx and
 * connection errors; a bulk's per-item 429/5xx are retried by id, other per-item errors (a mapping
 * conflict, 400) reported by id ({@link indexDocs}).
 *
 * Bulk API: https://www.elastic.co/guide/en/elasticsearch/reference/current/docs-bulk.html (the
 * response's `items[i].index` has `_id`, `status` and, on failure, `error`).
 */
import type { SearchConfig } from '../config.ts';
import type { SearchDoc } from './documents.ts';
import type { IndexTemplate } from './mappings.ts';

/** `search.elasticsearch` settings. */
export type EsSettings = NonNullable<SearchConfig['elasticsearch']>;

/** What one bulk request answered for one document. */
export interface BulkItem {
  id: string;
  /** HTTP status of the item (200/201 indexed). */
  status: number;
  /** The engine's error (`type: reason`), or null. */
  error: string | null;
}

/** The two operations the indexer needs. */
export interface SearchEngine {
  readonly flavor: 'elasticsearch' | 'opensearch';
  /** `PUT _index_template/{name}`. @throws on failure (status in `statusCode`). */
  putTemplate(name: string, template: IndexTemplate): Promise<void>;
  /** `POST _bulk` of action/source lines. @throws on a request-level failure (status in `statusCode`, none for a connection error). */
  bulk(lines: unknown[]): Promise<BulkItem[]>;
  close(): Promise<void>;
}

/** An engine error with the HTTP status when there was a response. */
export class EngineError extends Error {
  constructor(
    message: string,
    readonly statusCode: number | null,
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = 'EngineError';
  }
}

/** Whether a status is worth retrying: 429 (too many requests) and 5xx. */
export function retryableStatus(status: number): boolean {
  return status === 429 || status >= 500;
}

/** A client error as an {@link EngineError}: status from `statusCode`/`meta.statusCode`; no status and a connection/timeout error name: retryable. */
function engineError(err: unknown): EngineError {
  const e = err as { name?: string; message?: string; statusCode?: number; meta?: { statusCode?: number; body?: unknown }; body?: unknown };
  // A connection error carries status 0: no response.
  const status = e.statusCode || e.meta?.statusCode || null;
  const body = e.body ?? e.meta?.body;
  const reason = body && typeof body === 'object' ? JSON.stringify(body).slice(0, 300) : (e.message ?? String(err));
  const connection = /Connection|Timeout|NoLiving/.test(e.name ?? '') || /ECONNREFUSED|ECONNRESET|socket hang up/.test(e.message ?? '');
  const retryable = status !== null ? retryableStatus(status) : connection;
  return new EngineError(`${e.name ?? 'Error'}${status !== null ? ` ${status}` : ''}: ${reason}`, status, retryable);
}

/** `type: reason` of a bulk item error. */
function itemError(error: unknown): string | null {
  if (!error) return null;
  if (typeof error === 'object') {
    const e = error as { type?: string; reason?: string };
    return `${e.type ?? 'error'}: ${e.reason ?? JSON.stringify(error).slice(0, 300)}`;
  }
  return String(error);
}

type RawItem = Record<string, { _id?: string; status?: number; error?: unknown }>;

function items(raw: RawItem[] | undefined): BulkItem[] {
  return (raw ?? []).map((item) => {
    const op = Object.values(item)[0] ?? {};
    return { id: op._id ?? '', status: op.status ?? 0, error: itemError(op.error) };
  });
}

/** Options of {@link createEngine} (tests give a mocked connection class). */
export interface EngineOptions {
  /** Elastic client only: its `Connection` class (@elastic/elasticsearch-mock's `getConnection()`). */
  Connection?: unknown;
  /** Per-request timeout, ms (default 60 000). */
  requestTimeoutMs?: number;
}

/** A {@link SearchEngine} over the official client of `settings.flavor`. */
export async function createEngine(settings: EsSettings, options: EngineOptions = {}): Promise<SearchEngine> {
  const requestTimeout = options.requestTimeoutMs ?? 60_000;
  if (settings.flavor === 'opensearch') {
    const { Client } = await import('@opensearch-project/opensearch');
    const client = new Client({
      node: settings.url,
      maxRetries: 0,
      requestTimeout,
      ...(settings.username && settings.password ? { auth: { username: settings.username, password: settings.password } } : {}),
      ...(settings.apiKey ? { headers: { authorization: `ApiKey ${settings.apiKey}` } } : {}),
    });
    return {
      flavor: 'opensearch',
      async putTemplate(name, template) {
        try {
          await client.indices.putIndexTemplate({ name, body: template as never });
        } catch (err) {
          throw engineError(err);
        }
      },
      async bulk(lines) {
        let res: { body: { items?: RawItem[] } };
        try {
          res = (await client.bulk({ body: lines as never })) as never;
        } catch (err) {
          throw engineError(err);
        }
        return items(res.body.items);
      },
      close: () => client.close(),
    };
  }
  const { Client } = await import('@elastic/elasticsearch');
  const client = new Client({
    node: settings.url,
    maxRetries: 0,
    requestTimeout,
    ...(settings.apiKey
      ? { auth: { apiKey: settings.apiKey } }
      : settings.username && settings.password
        ? { auth: { username: settings.username, password: settings.password } }
        : {}),
    ...(options.Connection ? { Connection: options.Connection as never } : {}),
  });
  return {
    flavor: 'elasticsearch',
    async putTemplate(name, template) {
      try {
        await client.indices.putIndexTemplate({ name, ...(template as unknown as Record<string, unknown>) });
      } catch (err) {
        throw engineError(err);
      }
    },
    async bulk(lines) {
      try {
        const res = await client.bulk({ operations: lines as never });
        return items(res.items as unknown as RawItem[]);
      } catch (err) {
        throw engineError(err);
      }
    },
    close: () => client.close(),
  };
}

/** Backoff settings: attempts, first delay and cap (ms); `sleep` and `random` replaceable in tests. */
export interface BackoffOptions {
  /** Attempts in all (default 6). */
  attempts?: number;
  /** First delay's cap, ms (default 500); doubled each attempt. */
  baseMs?: number;
  /** Largest delay, ms (default 30 000). */
  maxMs?: number;
  sleep?: (ms: number) => Promise<void>;
  /** 0–1 (default Math.random). */
  random?: () => number;
  /** Called before each wait: the attempt that failed (1-based), the delay (ms) and the error. */
  onRetry?: (attempt: number, delayMs: number, err: EngineError) => void;
  signal?: AbortSignal;
}

const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Delay before attempt `n + 1`: full jitter, `random() · min(maxMs, baseMs · 2^(n−1))` ms. */
export function backoffDelay(attempt: number, options: BackoffOptions = {}): number {
  const cap = Math.min(options.maxMs ?? 30_000, (options.baseMs ?? 500) * 2 ** (attempt - 1));
  return Math.round((options.random ?? Math.random)() * cap);
}

/**
 * Runs `fn`, retrying a retryable {@link EngineError} (429, 5xx, connection) with exponential
 * backoff and full jitter. @throws the last error when not retryable or after `attempts` tries.
 */
export async function withBackoff<T>(fn: () => Promise<T>, options: BackoffOptions = {}): Promise<T> {
  const attempts = options.attempts ?? 6;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      const e = err instanceof EngineError ? err : engineError(err);
      if (!e.retryable || attempt >= attempts || options.signal?.aborted) throw e;
      const delay = backoffDelay(attempt, options);
      options.onRetry?.(attempt, delay, e);
      await (options.sleep ?? defaultSleep)(delay);
    }
  }
}

/** The bulk lines of documents for one index: `{"index":{"_index","_id"}}` then the source. */
export function bulkLines(index: string, docs: readonly SearchDoc[]): unknown[] {
  return docs.flatMap((d) => [{ index: { _index: index, _id: d.id } }, d.source]);
}

/** Outcome of {@link indexDocs}. */
export interface IndexOutcome {
  /** Documents the engine accepted. */
  indexed: number;
  /** Documents it refused for good (not 429/5xx), by id: never retried. */
  rejected: BulkItem[];
}

/**
 * Indexes `docs` into `index` with bulk requests of at most `batchSize` documents: a request-level
 * 429/5xx/connection error retries the request, per-item 429/5xx retry those items only, with
 * backoff; other per-item errors are returned in `rejected`.
 * @throws {EngineError} when retries are exhausted (some documents may be indexed: indexing again is harmless).
 */
export async function indexDocs(
  engine: SearchEngine,
  index: string,
  docs: readonly SearchDoc[],
  batchSize: number,
  backoff: BackoffOptions = {},
): Promise<IndexOutcome> {
  const out: IndexOutcome = { indexed: 0, rejected: [] };
  for (let i = 0; i < docs.length; i += batchSize) {
    let pending = docs.slice(i, i + batchSize);
    const attempts = backoff.attempts ?? 6;
    for (let attempt = 1; pending.length; attempt++) {
      const answer = await withBackoff(() => engine.bulk(bulkLines(index, pending)), backoff);
      const byId = new Map(answer.map((a) => [a.id, a]));
      const retry: SearchDoc[] = [];
      for (const d of pending) {
        const a = byId.get(d.id);
        if (a && a.status >= 200 && a.status < 300) out.indexed++;
        else if (!a || retryableStatus(a.status)) retry.push(d);
        else out.rejected.push(a);
      }
      pending = retry;
      if (!pending.length) break;
      if (attempt >= attempts)
        throw new EngineError(
          `${pending.length} document(s) of ${index} still failing after ${attempts} attempts: ${pending
            .slice(0, 10)
            .map((d) => d.id)
            .join(', ')}`,
          null,
          true,
        );
      const delay = backoffDelay(attempt, backoff);
      const first = byId.get(pending[0]?.id ?? '');
      backoff.onRetry?.(
        attempt,
        delay,
        new EngineError(`${pending.length} item(s) failed (${first?.status ?? 'missing'}: ${first?.error ?? 'no answer'})`, first?.status ?? null, true),
      );
      await (backoff.sleep ?? defaultSleep)(delay);
    }
  }
  return out;
}
