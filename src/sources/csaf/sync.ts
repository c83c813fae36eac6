/**
 * Live csaf sync, CSAF 2.0 §7.3 retrieval
 * (https://docs.oasis-open.org/csaf/csaf/v2.0/os/csaf-v2.0-os.html#73-retrieving-rules):
 * provider-metadata.json → its ROLIE feeds of the wanted TLP labels → feed entries updated since
 * the cursor → each document and its `.sha512`, verified before it is parsed.
 */
import { SourceUnavailableError, VigilError } from '../../errors.ts';
import type { Advisory } from '../../model/advisory.ts';
import { checkUrl } from '../../net/url-policy.ts';
import { decodeText } from '../files.ts';
import type { RecordLocation, SourceEvent, SyncContext } from '../types.ts';
import { entryDocumentUrl } from './import.ts';
import { parseCsafDocument, verifySha512 } from './parse.ts';
import { type CsafConfig, CsafConfigSchema, ProviderMetadata, RolieEntry, RolieFeed } from './schema.ts';

const SOURCE_ID = 'csaf';
/** Documents fetched (up to 4 at a time, the HttpClient's per-source concurrency) before their batch is yielded with a cursor. */
export const SYNC_BATCH = 20;

/** The cursor: per ROLIE feed URL, the newest entry `updated` (ISO 8601 UTC) all of whose entries are stored. */
export type CsafCursor = Record<string, string>;

/** Reads a cursor; a cursor that is not a JSON object of strings is ignored with a warning. */
export function parseCursor(raw: string | null, ctx: Pick<SyncContext, 'log'>): CsafCursor {
  if (!raw) return {};
  try {
    const c = JSON.parse(raw) as unknown;
    if (c && typeof c === 'object' && !Array.isArray(c) && Object.values(c).every((v) => typeof v === 'string')) return c as CsafCursor;
  } catch {
    // fall through
  }
  ctx.log.warn({ cursor: raw }, 'csaf: unreadable cursor ignored (feeds start again from initialDays)');
  return {};
}

async function getJson(url: string, ctx: SyncContext, what: string): Promise<unknown> {
  const res = await ctx.http.get(url, { sourceId: SOURCE_ID, signal: ctx.signal });
  if (!res) throw new SourceUnavailableError(SOURCE_ID, `GET ${url}: HTTP 404 (${what} moved?)`);
  try {
    return JSON.parse(await decodeText(res.body));
  } catch (cause) {
    throw new VigilError('VIGIL_SOURCE_BAD_PAYLOAD', [SOURCE_ID, `${what} ${url}: not valid JSON: ${(cause as Error).message}`], { cause });
  }
}

/** A URL named by an upstream document, resolved against it and checked against the URL policy; `null` with the problem logged when refused. */
function upstreamUrl(raw: string, base: string): { url: string } | { problem: string } {
  let resolved: string;
  try {
    resolved = new URL(raw, base).toString();
  } catch {
    return { problem: `not a URL: "${raw}"` };
  }
  const check = checkUrl(resolved);
  return check.ok ? { url: check.url } : { problem: `${resolved}: ${check.problem}` };
}

/**
 * The ROLIE feed URLs to read: those of each provider's metadata with a wanted `tlp_label`, then `config.feeds`.
 * @throws {SourceUnavailableError} when a provider-metadata.json cannot be fetched.
 * @throws {VigilError} VIGIL_SOURCE_BAD_PAYLOAD when one is not provider metadata, or no feed is found at all.
 */
export async function discoverFeeds(config: CsafConfig, ctx: SyncContext): Promise<string[]> {
  const feeds: string[] = [];
  for (const provider of config.providers) {
    const meta = ProviderMetadata.safeParse(await getJson(provider, ctx, 'provider metadata'));
    if (!meta.success) {
      const issue = meta.error.issues[0];
      throw new VigilError('VIGIL_SOURCE_BAD_PAYLOAD', [SOURCE_ID, `${provider}: not a CSAF provider-metadata.json: ${issue?.path.join('.')}: ${issue?.message}`]);
    }
    const listed = meta.data.distributions.flatMap((d) => d.rolie?.feeds ?? []);
    for (const f of listed) {
      if (!config.tlp.includes(f.tlp_label.toUpperCase())) continue;
      const u = upstreamUrl(f.url, provider);
      if ('url' in u) feeds.push(u.url);
      else ctx.log.warn({ provider, problem: u.problem }, 'csaf: ROLIE feed URL refused');
    }
    if (listed.length === 0) ctx.log.warn({ provider }, 'csaf: the provider lists no ROLIE feed (directory-based distributions are not read yet)');
  }
  feeds.push(...config.feeds);
  if (feeds.length === 0) throw new VigilError('VIGIL_SOURCE_BAD_PAYLOAD', [SOURCE_ID, `no ROLIE feed with TLP ${config.tlp.join('/')} in ${config.providers.join(', ')}`]);
  return [...new Set(feeds)];
}

type EntryResult = { advisory: Advisory } | { rejected: { where: RecordLocation; reason: string } };

/** Fetches one entry's document and hash file and parses it; upstream failures (after retries) propagate. */
async function fetchEntry(entry: RolieEntry, feedUrl: string, ctx: SyncContext): Promise<EntryResult> {
  const reject = (reason: string, field?: string, origin = feedUrl): EntryResult => ({ rejected: { where: { origin, record: entry.id, ...(field ? { field } : {}) }, reason: `${entry.id}: ${reason}` } });
  const rawDoc = entryDocumentUrl(entry);
  if (!rawDoc) return reject('the entry links no document (content.src / link rel=self)', 'content.src');
  const doc = upstreamUrl(rawDoc, feedUrl);
  if ('problem' in doc) return reject(`document URL refused: ${doc.problem}`, 'content.src');
  const hashLink = entry.link.find((l) => (l.rel ?? l.ref) === 'hash' && /\.sha512$/i.test(l.href))?.href;
  const hash = upstreamUrl(hashLink ?? `${doc.url}.sha512`, feedUrl);
  const [res, hashRes] = await Promise.all([
    ctx.http.get(doc.url, { sourceId: SOURCE_ID, signal: ctx.signal }),
    'url' in hash ? ctx.http.get(hash.url, { sourceId: SOURCE_ID, signal: ctx.signal }) : Promise.resolve(null),
  ]);
  if (!res) return reject(`GET ${doc.url}: HTTP 404`, 'content.src', doc.url);
  if (hashRes) {
    const check = verifySha512(res.body, hashRes.body.toString('utf8'));
    if (!check.ok) return reject(check.reason, 'sha512', doc.url);
  } else if (hashLink) {
    return reject(`the entry's hash file ${hashLink} is missing (HTTP 404)`, 'sha512', doc.url);
  } else {
    ctx.log.debug({ url: doc.url }, 'csaf: no .sha512 beside the document; not verified');
  }
  let text: string;
  try {
    text = await decodeText(res.body);
  } catch (cause) {
    return reject(`corrupt gzip (${(cause as Error).message})`, undefined, doc.url);
  }
  const parsed = parseCsafDocument(text, doc.url, { fetchedFrom: doc.url });
  if ('rejected' in parsed && !parsed.rejected.where.record) return reject(parsed.rejected.reason, parsed.rejected.where.field, doc.url);
  return parsed;
}

/**
 * Live sync (see the module doc and readme.md). Feeds are read in turn; in each, entries newer
 * than the feed's cursor (else `storedUntil`, else `initialDays` before now) oldest first, in
 * batches of {@link SYNC_BATCH}: `rejected` events (404, SHA-512 mismatch, schema drift), an
 * `advisories` event, then the cursor moved to the newest `updated` whose entries are all done.
 * @throws {SourceUnavailableError} 429/5xx/network/cut-off body after retries, or a 404 on metadata or feed.
 * @throws {VigilError} VIGIL_SOURCE_BAD_PAYLOAD when metadata or a feed is not valid JSON of its kind.
 */
export async function* syncCsaf(config: CsafConfig, ctx: SyncContext): AsyncGenerator<SourceEvent> {
  const cfg = CsafConfigSchema.parse(config);
  const cursor = parseCursor(ctx.cursor, ctx);
  const defaultSince = ctx.cursor === null && ctx.storedUntil ? ctx.storedUntil : cfg.initialDays > 0 ? new Date(ctx.now().getTime() - cfg.initialDays * 86_400_000).toISOString() : '';
  for (const feedUrl of await discoverFeeds(cfg, ctx)) {
    const feed = RolieFeed.safeParse(await getJson(feedUrl, ctx, 'ROLIE feed'));
    if (!feed.success) {
      const issue = feed.error.issues[0];
      throw new VigilError('VIGIL_SOURCE_BAD_PAYLOAD', [SOURCE_ID, `${feedUrl}: not a ROLIE feed: ${issue?.path.join('.')}: ${issue?.message}`]);
    }
    const since = cursor[feedUrl] ?? defaultSince;
    const entries: RolieEntry[] = [];
    for (const [i, raw] of feed.data.feed.entry.entries()) {
      const e = RolieEntry.safeParse(raw);
      if (e.success) {
        if (e.data.updated > since) entries.push(e.data);
        continue;
      }
      const rawId = (raw as { id?: unknown } | null)?.id;
      const record = typeof rawId === 'string' ? rawId : `entry[${i}]`;
      const field = e.error.issues[0]?.path.join('.');
      yield { type: 'rejected', where: { origin: feedUrl, record, ...(field ? { field } : {}) }, reason: `${record}: bad ROLIE entry: ${field}: ${e.error.issues[0]?.message}` };
    }
    entries.sort((a, b) => a.updated.localeCompare(b.updated));
    ctx.log.info({ feed: feedUrl, since: since || null, entries: entries.length }, 'csaf: feed read');
    for (let start = 0; start < entries.length; start += SYNC_BATCH) {
      ctx.signal?.throwIfAborted();
      const batch = entries.slice(start, start + SYNC_BATCH);
      const results = await Promise.all(batch.map((e) => fetchEntry(e, feedUrl, ctx)));
      const advisories: Advisory[] = [];
      for (const r of results) {
        if ('rejected' in r) yield { type: 'rejected', ...r.rejected };
        else advisories.push(r.advisory);
      }
      if (advisories.length > 0) yield { type: 'advisories', records: advisories };
      // Entries sharing the last `updated` with the next batch are not all done: stop the cursor before them.
      const next = entries[start + SYNC_BATCH];
      const done = batch.filter((e) => !next || e.updated < next.updated).at(-1)?.updated;
      if (done && done > (cursor[feedUrl] ?? '')) {
        cursor[feedUrl] = done;
        yield { type: 'cursor', cursor: JSON.stringify(cursor) };
      }
      yield { type: 'progress', done: Math.min(start + SYNC_BATCH, entries.length), total: entries.length, unit: 'records', label: feedUrl };
    }
  }
  yield { type: 'cursor', cursor: JSON.stringify(cursor) };
}
