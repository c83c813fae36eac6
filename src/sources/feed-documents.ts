/**
 * Live sync of sources that announce each document in an RSS feed and serve it as JSON at its
 * own URL (CERT-FR: `…/avis/feed/` → `…/avis/<REF>/json/`; CERT-EU: `…/security-advisories-rss`
 * → `…/security-advisories/<YYYY-NNN>/json`). The cursor is a time: items published at or after
 * it are fetched again (inclusive, because several items can share one `pubDate`; storing one
 * twice changes nothing), oldest first, so a sync that stops part-way resumes where it stopped.
 */
import { SourceUnavailableError, VigilError } from '../errors.ts';
import type { Advisory } from '../model/advisory.ts';
import { decodeText } from './files.ts';
import { messageWithCauses, type RateLimit } from './http.ts';
import { parseRss, type RssItem } from './rss.ts';
import type { RecordLocation, SourceEvent, SyncContext } from './types.ts';

/** Where a feed item's document is, or why the item is not one of the source's documents. */
export type FeedItemTarget = { record: string; jsonUrl: string } | { problem: string };

/** What a source tells {@link syncFeedDocuments}. */
export interface FeedDocumentsOptions {
  sourceId: string;
  /** RSS feed URLs, read in order. */
  feeds: string[];
  rateLimit: RateLimit;
  /** The document URL of an item (built from the configured base URL, never followed blindly), or a problem. */
  target(item: RssItem): FeedItemTarget;
  /** Validates and maps one fetched document; `record` is the id the feed announced. */
  parse(value: unknown, origin: string, record: string): { advisory: Advisory } | { rejected: { where: RecordLocation; reason: string } };
  /** Advisories per event (default 100). */
  batchSize?: number;
}

interface Planned {
  record: string;
  jsonUrl: string;
  published: string;
}

/**
 * Reads the feeds, then GETs the JSON of every item published at or after the cursor (or, on a
 * first sync, `storedUntil`; with neither, every item in the feeds), oldest first. Yields
 * `advisories` batches each followed by a `cursor`, and `rejected` for bad feed items and bad
 * documents. A document that is gone (404) or fails its schema is rejected and passed (retrying
 * cannot mend it); one that is not JSON (a cut or garbled answer) is rejected and the cursor stops
 * before it, so the next sync fetches it again.
 * @throws {SourceUnavailableError} when a feed or document keeps failing (429/5xx/network, after
 *   the HttpClient's retries; what was fetched before is yielded first) or a feed is gone (404).
 * @throws {VigilError} VIGIL_SOURCE_BAD_PAYLOAD when a feed is not RSS.
 */
export async function* syncFeedDocuments(opts: FeedDocumentsOptions, ctx: SyncContext): AsyncGenerator<SourceEvent> {
  const { sourceId, rateLimit } = opts;
  const since = ctx.cursor ?? ctx.storedUntil ?? null;
  const planned = new Map<string, Planned>();
  for (const url of opts.feeds) {
    const res = await ctx.http.get(url, {
      sourceId,
      rateLimit,
      signal: ctx.signal,
      headers: { accept: 'application/rss+xml, application/xml;q=0.9, */*;q=0.1' },
    });
    if (!res) throw new SourceUnavailableError(sourceId, `GET ${url}: HTTP 404 (has the feed moved?)`);
    let parsed: ReturnType<typeof parseRss>;
    try {
      parsed = parseRss(await decodeText(res.body));
    } catch (cause) {
      throw new VigilError('VIGIL_SOURCE_BAD_PAYLOAD', [sourceId, `${url}: ${messageWithCauses(cause)}`], { cause });
    }
    for (const p of parsed.problems) yield { type: 'rejected', where: { origin: url, record: p.link ?? `item ${p.item}`, field: p.field }, reason: p.reason };
    for (const item of parsed.items) {
      const t = opts.target(item);
      if ('problem' in t) {
        yield { type: 'rejected', where: { origin: url, record: item.link, field: 'link' }, reason: t.problem };
        continue;
      }
      if (since !== null && item.published < since) continue;
      const seen = planned.get(t.record);
      if (!seen || seen.published < item.published) planned.set(t.record, { ...t, published: item.published });
    }
  }
  const queue = [...planned.values()].sort((a, b) => (a.published === b.published ? a.record.localeCompare(b.record) : a.published < b.published ? -1 : 1));
  ctx.log.info({ source: sourceId, since, items: queue.length }, `${sourceId}: documents to fetch`);

  const batchSize = opts.batchSize ?? 100;
  let batch: Advisory[] = [];
  /** Everything published before or at this time is stored or rejected for good. */
  let stable = since;
  let blocked = false;
  const flush = function* (): Generator<SourceEvent> {
    if (batch.length > 0) yield { type: 'advisories', records: batch };
    batch = [];
    if (stable !== null) yield { type: 'cursor', cursor: stable };
  };
  for (const item of queue) {
    ctx.signal?.throwIfAborted();
    let res: Awaited<ReturnType<typeof ctx.http.get>>;
    try {
      res = await ctx.http.get(item.jsonUrl, { sourceId, rateLimit, signal: ctx.signal, headers: { accept: 'application/json' } });
    } catch (err) {
      yield* flush();
      throw err;
    }
    const where = { origin: item.jsonUrl, record: item.record };
    let settled = true;
    if (!res) {
      yield { type: 'rejected', where, reason: 'HTTP 404: the feed lists it but its JSON is not served' };
    } else {
      const type = res.headers.get('content-type') ?? '';
      let value: unknown;
      let bad: string | null = null;
      if (!/\bjson\b/i.test(type)) bad = `not JSON (Content-Type "${type}")`;
      else {
        try {
          value = JSON.parse(await decodeText(res.body));
        } catch (cause) {
          bad = `not valid JSON: ${(cause as Error).message}`;
        }
      }
      if (bad !== null) {
        settled = false;
        yield { type: 'rejected', where, reason: `${bad}; fetched again next sync` };
      } else {
        const r = opts.parse(value, item.jsonUrl, item.record);
        if ('rejected' in r) yield { type: 'rejected', ...r.rejected };
        else batch.push(r.advisory);
      }
    }
    if (!settled) blocked = true;
    else if (!blocked) stable = item.published;
    if (batch.length >= batchSize) yield* flush();
  }
  yield* flush();
}
