/**
 * Document extraction off the event loop. Reading a page (linkedom + readability, 5–11 ms) and
 * building its document (language, SHA-256, SimHash: 1–3 ms) are CPU work: run on the thread
 * that serves the API, a 50-source collection raised its p99 from 5 to 53 ms (bench/NOTES.md,
 * issue 13). {@link createExtractor} runs them in one worker thread per collection; the store
 * writes stay on the caller's thread. {@link extractInline} is the same work on this thread
 * (tests, previews of one page).
 */
import { existsSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { type FeedItem, type ParsedFeed, parseFeed } from '../feeds/parse.ts';
import type { IntelDocument, IntelSource, PageSelectors } from '../types.ts';
import { extractArticle } from './article.ts';
import { buildDocument } from './document.ts';

/** One document to build: a feed item (with or without its fetched page), or a fetched page. */
export interface ExtractRequest {
  source: Pick<IntelSource, 'name' | 'tags'>;
  /** The URL fetched (after redirects), or the feed item's link. */
  url: string;
  /** ISO 8601. */
  fetchedAt: string;
  item?: FeedItem;
  /** The fetched page's HTML, read with `selectors` (page sources) or readability alone. */
  html?: string;
  selectors?: PageSelectors;
}

/** The document and, when a page was read, its absolute links (for `follow`). */
export interface ExtractResult {
  document: IntelDocument;
  links: string[];
}

/** Builds documents; {@link Extractor.close} ends its thread. */
export interface Extractor {
  extract(request: ExtractRequest): Promise<ExtractResult>;
  /** feeds/parse.ts `parseFeed` (an 800 KB feed is tens of milliseconds of parsing). */
  parseFeed(body: Buffer, origin: string): Promise<ParsedFeed>;
  close(): Promise<void>;
}

/** The extraction itself, on this thread. @throws what extractArticle/buildDocument throw (a bad URL). */
export function extractInline(request: ExtractRequest): ExtractResult {
  const page = request.html === undefined ? undefined : extractArticle(request.html, request.url, request.selectors);
  const document = buildDocument({ source: request.source, url: request.url, fetchedAt: request.fetchedAt, item: request.item, page });
  return { document, links: page?.links ?? [] };
}

/** An {@link Extractor} on this thread. */
export const inlineExtractor: Extractor = {
  extract: async (request) => extractInline(request),
  parseFeed: async (body, origin) => parseFeed(body, origin),
  close: async () => {},
};

/** The bundled `intel-worker.js` beside dist/vigil.js, else extract-worker.ts through tsx's loader (Node 20 workers take no `--import`). */
function startWorker(): Worker {
  const bundled = new URL('./intel-worker.js', import.meta.url);
  const resourceLimits = { maxOldGenerationSizeMb: 256 };
  if (!import.meta.url.endsWith('.ts') && existsSync(bundled)) return new Worker(bundled, { resourceLimits });
  const source = new URL('./extract-worker.ts', import.meta.url).href;
  const boot = `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(source)}); })`;
  return new Worker(boot, { eval: true, resourceLimits });
}

/**
 * An {@link Extractor} running in a worker thread, requests answered in order. A request that
 * fails rejects with the worker's error (name, message, code kept); a worker that dies rejects
 * every pending and later request.
 */
export function createExtractor(): Extractor {
  const worker = startWorker();
  const pending = new Map<number, { resolve: (r: unknown) => void; reject: (e: Error) => void }>();
  let next = 0;
  let failed: Error | null = null;
  worker.on('message', ({ id, result, error }: { id: number; result?: unknown; error?: { message: string; name: string; code?: string } }) => {
    const p = pending.get(id);
    pending.delete(id);
    if (!p) return;
    if (error) p.reject(Object.assign(new Error(error.message), { name: error.name, code: error.code }));
    else p.resolve(result);
  });
  const fail = (err: Error) => {
    failed = new Error(`the intel extraction thread stopped: ${err.message}`, { cause: err });
    for (const p of pending.values()) p.reject(failed);
    pending.clear();
  };
  worker.on('error', fail);
  worker.on('exit', (code) => {
    if (!failed) fail(new Error(`exit code ${code}`));
  });
  const call = <T>(message: { request: ExtractRequest } | { feed: { body: Buffer; origin: string } }): Promise<T> => {
    if (failed) return Promise.reject(failed);
    const id = next++;
    return new Promise<T>((resolve, reject) => {
      pending.set(id, { resolve: resolve as (r: unknown) => void, reject });
      worker.postMessage({ id, ...message });
    });
  };
  return {
    extract: (request) => call<ExtractResult>({ request }),
    parseFeed: (body, origin) => call<ParsedFeed>({ feed: { body, origin } }),
    async close() {
      failed ??= new Error('the intel extraction thread was closed');
      await worker.terminate();
    },
  };
}
