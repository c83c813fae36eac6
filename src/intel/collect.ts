/**
 * Collection of one intel source (issue 13): fetch the feed or the pages through the safe fetcher,
 * extract clean documents and store them idempotently.
 *
 * - `feed` sources: the feed is fetched with a conditional GET (304: nothing to do). Each item
 *   becomes a document; its own page is fetched and read (readability) when the source's
 *   `fetchArticles` rule asks for it (intel/extract/document.ts `needsArticle`). An article page
 *   fetched before is not fetched again unless the feed says the item was updated since.
 * - `page` sources: breadth-first from `url`, at most `maxPages` pages and `maxDepth` links deep,
 *   following links that match `follow` (RE2), or same-host links when `follow` is not set.
 *   When links are followed, the start page is a list and not stored itself.
 *
 * Documents shorter than `minContentLength` are skipped (navigation, stubs). One failing item or
 * page is reported in `errors` and never loses the others; a failing feed or start page fails the
 * collection (thrown). Crash-safety: validators of a feed are saved only after its documents are
 * stored, so a crash re-fetches and re-stores nothing new (saveDocuments is idempotent).
 */
import type { Logger } from 'pino';
import { RE2JS } from 're2js';
import { messageWithCauses } from '../sources/http.ts';
import { needsArticle } from './extract/document.ts';
import { type Extractor, inlineExtractor } from './extract/extractor.ts';
import type { FetchOutcome, FetchValidators, IntelDocument, IntelFetcher, IntelSource, IntelStore } from './types.ts';

/** Services a collection uses. */
export interface CollectContext {
  intel: IntelStore;
  fetcher: IntelFetcher;
  log: Logger;
  /** Current time (tests freeze it). */
  now: () => Date;
  signal?: AbortSignal;
  /** Where pages are read and documents built: default this thread; collectSources uses a worker thread. */
  extractor?: Extractor;
  /**
   * Called after each store write with the documents it stored as created or changed (the analysis
   * on arrival, iocs/analyse.ts). Must not throw: a failure there would fail the collection.
   */
  onStored?: (documents: IntelDocument[]) => Promise<unknown>;
}

/** Options of {@link collectSource}. */
export interface CollectOptions {
  /** Fetch and extract but store nothing (no documents, no validators): `vigil intel sources test`. */
  preview?: boolean;
  /** Called after each document or page: `done` of at most `total` (pages or feed items). */
  onProgress?: (done: number, total: number) => void;
}

/** What one collection did. */
export interface CollectReport {
  source: string;
  /** HTTP requests made (robots.txt not counted). */
  requests: number;
  /** Conditional GETs answered 304. */
  notModified: number;
  /** Documents extracted (stored, or previewed). */
  documents: number;
  created: number;
  changed: number;
  unchanged: number;
  /** Items or pages left out on purpose: too short, robots.txt, no link, already fetched. */
  skipped: { url: string; reason: string }[];
  /** Items or pages that failed; the rest went on. */
  errors: { url: string; code: string; message: string }[];
  /** With `preview`: the documents that would be stored. */
  preview?: IntelDocument[];
}

/** Documents per store write: small, so one write (full-text indexing of long articles) stays short on a serving thread. */
const BATCH = 10;

/** Collects one source. @throws what the fetcher throws for the feed or start page (see IntelFetcher). */
export async function collectSource(source: IntelSource, ctx: CollectContext, options: CollectOptions = {}): Promise<CollectReport> {
  const run = new Collection(source, ctx, options);
  if (source.kind === 'feed') await run.feed();
  else await run.pages();
  await run.flush();
  return run.report;
}

class Collection {
  readonly report: CollectReport;
  private batch: IntelDocument[] = [];
  private readonly extractor: Extractor;

  constructor(
    private readonly source: IntelSource,
    private readonly ctx: CollectContext,
    private readonly options: CollectOptions,
  ) {
    this.report = { source: source.name, requests: 0, notModified: 0, documents: 0, created: 0, changed: 0, unchanged: 0, skipped: [], errors: [] };
    if (options.preview) this.report.preview = [];
    this.extractor = ctx.extractor ?? inlineExtractor;
  }

  private async fetch(url: string, accept: 'feed' | 'html'): Promise<FetchOutcome> {
    const validators = this.options.preview ? null : await this.ctx.intel.getValidators(url);
    this.report.requests++;
    const outcome = await this.ctx.fetcher.fetch({ url, source: this.source, accept, validators, signal: this.ctx.signal });
    if (outcome.status === 'not-modified') this.report.notModified++;
    if (outcome.status === 'robots-disallowed') {
      this.report.requests--;
      this.report.skipped.push({ url, reason: outcome.reason });
    }
    return outcome;
  }

  private async validators(v: FetchValidators): Promise<void> {
    if (!this.options.preview) await this.ctx.intel.saveValidators(v);
  }

  private failed(url: string, err: unknown): void {
    const code = (err as { code?: unknown }).code;
    this.report.errors.push({ url, code: typeof code === 'string' ? code : 'ERROR', message: messageWithCauses(err) });
    this.ctx.log.warn({ source: this.source.name, url, err }, 'intel: item failed');
  }

  private async add(document: IntelDocument): Promise<void> {
    if (document.text.length < this.source.minContentLength) {
      this.report.skipped.push({ url: document.url, reason: `main text ${document.text.length} characters, under ${this.source.minContentLength}` });
      return;
    }
    this.report.documents++;
    if (this.report.preview) this.report.preview.push(document);
    else this.batch.push(document);
    if (this.batch.length >= BATCH) await this.flush();
  }

  async flush(): Promise<void> {
    if (!this.batch.length) return;
    const batch = this.batch;
    const saved = await this.ctx.intel.saveDocuments(batch);
    this.batch = [];
    if (this.ctx.onStored && saved.changes.length) {
      const stored = new Set(saved.changes.map((c) => c.documentId));
      await this.ctx.onStored(batch.filter((d) => stored.has(d.id)));
    }
    this.report.created += saved.created;
    this.report.changed += saved.changed;
    this.report.unchanged += saved.unchanged;
  }

  async feed(): Promise<void> {
    const outcome = await this.fetch(this.source.url, 'feed');
    if (outcome.status !== 'ok') return;
    const feed = await this.extractor.parseFeed(outcome.body, outcome.url);
    for (const r of feed.rejected)
      this.report.errors.push({ url: outcome.url, code: 'VIGIL_INPUT_FORMAT', message: `${r.where.record ?? ''} ${r.where.field ?? ''}: ${r.reason}`.trim() });
    let done = 0;
    for (const item of feed.items) {
      this.ctx.signal?.throwIfAborted();
      this.options.onProgress?.(done++, feed.items.length);
      const url = item.url;
      if (!url) {
        this.report.skipped.push({ url: item.guid, reason: 'the item has no link' });
        continue;
      }
      if (needsArticle(item, this.source)) {
        try {
          const seen = this.options.preview ? null : await this.ctx.intel.getValidators(url);
          const changedSince = item.updated ?? item.published;
          if (seen && (!changedSince || changedSince <= seen.fetchedAt)) {
            this.report.unchanged++;
            continue;
          }
          const article = await this.fetch(url, 'html');
          if (article.status === 'not-modified') {
            this.report.unchanged++;
            await this.validators(article.validators);
            continue;
          }
          if (article.status === 'ok') {
            const fetchedAt = this.ctx.now().toISOString();
            const { document } = await this.extractor.extract({ source: this.source, url: article.url, fetchedAt, item, html: article.body.toString('utf8') });
            await this.add(document);
            await this.flush();
            await this.validators(article.validators);
            continue;
          }
        } catch (err) {
          if ((err as { name?: string }).name === 'AbortError') throw err;
          this.failed(url, err);
          // The feed's own text is better than nothing.
        }
      }
      try {
        await this.add((await this.extractor.extract({ source: this.source, url, fetchedAt: this.ctx.now().toISOString(), item })).document);
      } catch (err) {
        this.failed(url, err);
      }
    }
    this.options.onProgress?.(feed.items.length, feed.items.length);
    await this.flush();
    await this.validators(outcome.validators);
  }

  async pages(): Promise<void> {
    const follow = this.source.follow ? RE2JS.compile(this.source.follow) : null;
    const start = new URL(this.source.url);
    const queue: { url: string; depth: number }[] = [{ url: this.source.url, depth: 0 }];
    const seen = new Set([this.source.url]);
    let fetched = 0;
    while (queue.length && fetched < this.source.maxPages) {
      this.ctx.signal?.throwIfAborted();
      const next = queue.shift();
      if (!next) break;
      const { url, depth } = next;
      this.options.onProgress?.(fetched, Math.min(this.source.maxPages, fetched + queue.length + 1));
      fetched++;
      let outcome: FetchOutcome;
      try {
        outcome = await this.fetch(url, 'html');
      } catch (err) {
        if (depth === 0) throw err;
        this.failed(url, err);
        continue;
      }
      if (outcome.status !== 'ok') continue;
      let read: { document: IntelDocument; links: string[] };
      try {
        const html = outcome.body.toString('utf8');
        read = await this.extractor.extract({
          source: this.source,
          url: outcome.url,
          fetchedAt: this.ctx.now().toISOString(),
          html,
          selectors: this.source.selectors,
        });
      } catch (err) {
        if (depth === 0) throw err;
        this.failed(url, err);
        continue;
      }
      const isList = depth === 0 && this.source.maxDepth > 0;
      if (!isList) await this.add(read.document);
      if (depth < this.source.maxDepth) {
        for (const link of read.links) {
          if (seen.has(link)) continue;
          const ok = follow ? follow.matcher(link).find() : new URL(link).host === start.host;
          if (!ok) continue;
          seen.add(link);
          queue.push({ url: link, depth: depth + 1 });
        }
      }
      await this.flush();
      await this.validators(outcome.validators);
    }
    this.options.onProgress?.(fetched, fetched);
  }
}
