/**
 * Live csaf sync, CSAF 2.0 §7.3 retrieval
 * (https://docs.oasis-open.org/csaf/csaf/v2.0/os/csaf-v2.0-os.html#73-retrieving-rules):
 * provider-metadata.json → its ROLIE feeds of the wanted TLP labels (§7.1.20), or for a
 * distribution without feeds its directory's `changes.csv` (§7.1.13) → entries updated since the
 * cursor → each document and its `.sha512`, verified before it is parsed.
 */
import { parse as parseCsv } from 'csv-parse/sync';
import { SourceUnavailableError, VigilError } from '../../errors.ts';
import type { Advisory } from '../../model/advisory.ts';
import { checkUrl } from '../../net/url-policy.ts';
import { decodeText } from '../files.ts';
import type { RecordLocation, SourceEvent, SyncContext } from '../types.ts';
import { entryDocumentUrl } from './import.ts';
import { parseCsafDocument, verifySha512 } from './parse.ts';
import { type CsafConfig, CsafConfigSchema, CsafDateTime, ProviderMetadata, RolieEntry, RolieFeed } from './schema.ts';

const SOURCE_ID = 'csaf';
/** Documents fetched (up to 4 at a time, the HttpClient's per-source concurrency) before their batch is yielded with a cursor. */
export const SYNC_BATCH = 20;

/** The cursor: per ROLIE feed URL (or `changes.csv` URL), the newest entry `updated` (ISO 8601 UTC) all of whose entries are stored. */
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

/** One listing of documents to read: a ROLIE feed, or the `changes.csv` of a directory-based distribution. */
export interface Listing {
  kind: 'rolie' | 'directory';
  /** The feed's URL, or the `changes.csv` URL; the cursor's key. */
  url: string;
}

/**
 * The listings to read: each provider's ROLIE feeds with a wanted `tlp_label`; for a
 * distribution with no ROLIE feed, its `directory_url` + `changes.csv`; then `config.feeds`.
 * @throws {SourceUnavailableError} when a provider-metadata.json cannot be fetched.
 * @throws {VigilError} VIGIL_SOURCE_BAD_PAYLOAD when one is not provider metadata, or nothing is found at all.
 */
export async function discoverListings(config: CsafConfig, ctx: SyncContext): Promise<Listing[]> {
  const listings: Listing[] = [];
  const add = (kind: Listing['kind'], raw: string, base: string, provider: string) => {
    const u = upstreamUrl(raw, base);
    if ('url' in u) listings.push({ kind, url: u.url });
    else ctx.log.warn({ provider, problem: u.problem }, 'csaf: URL named by the provider metadata refused');
  };
  for (const provider of config.providers) {
    const meta = ProviderMetadata.safeParse(await getJson(provider, ctx, 'provider metadata'));
    if (!meta.success) {
      const issue = meta.error.issues[0];
      throw new VigilError('VIGIL_SOURCE_BAD_PAYLOAD', [SOURCE_ID, `${provider}: not a CSAF provider-metadata.json: ${issue?.path.join('.')}: ${issue?.message}`]);
    }
    for (const d of meta.data.distributions) {
      const feeds = d.rolie?.feeds ?? [];
      for (const f of feeds) if (config.tlp.includes(f.tlp_label.toUpperCase())) add('rolie', f.url, provider, provider);
      if (feeds.length === 0 && d.directory_url) add('directory', 'changes.csv', d.directory_url.endsWith('/') ? d.directory_url : `${d.directory_url}/`, provider);
    }
  }
  for (const f of config.feeds) listings.push({ kind: 'rolie', url: f });
  if (listings.length === 0) throw new VigilError('VIGIL_SOURCE_BAD_PAYLOAD', [SOURCE_ID, `no ROLIE feed with TLP ${config.tlp.join('/')} nor directory in ${config.providers.join(', ')}`]);
  return listings.filter((l, i) => listings.findIndex((m) => m.url === l.url) === i);
}

/** One document a listing names. */
interface ListedDocument {
  /** ROLIE entry id, or the path in `changes.csv`: the record of a rejection that has no tracking id. */
  id: string;
  /** ISO 8601 UTC. */
  updated: string;
  /** Document URL as listed (resolved against the listing's URL). */
  href?: string;
  /** The `.sha512` link a ROLIE entry names. */
  hashHref?: string;
}

/**
 * The documents a listing names, updated after `since`, oldest first, with `rejected` events for
 * bad entries. `changes.csv` (§7.1.13): `"<path relative to the directory>","<date-time>"` rows.
 * @throws {SourceUnavailableError} / {VigilError} as {@link syncCsaf}.
 */
async function readListing(listing: Listing, since: string, ctx: SyncContext): Promise<{ documents: ListedDocument[]; rejected: SourceEvent[] }> {
  const documents: ListedDocument[] = [];
  const rejected: SourceEvent[] = [];
  const bad = (record: string, field: string | undefined, message: string | undefined) =>
    rejected.push({ type: 'rejected', where: { origin: listing.url, record, ...(field ? { field } : {}) }, reason: `${record}: bad ${listing.kind === 'rolie' ? 'ROLIE entry' : 'changes.csv row'}: ${field ? `${field}: ` : ''}${message}` });
  if (listing.kind === 'rolie') {
    const feed = RolieFeed.safeParse(await getJson(listing.url, ctx, 'ROLIE feed'));
    if (!feed.success) {
      const issue = feed.error.issues[0];
      throw new VigilError('VIGIL_SOURCE_BAD_PAYLOAD', [SOURCE_ID, `${listing.url}: not a ROLIE feed: ${issue?.path.join('.')}: ${issue?.message}`]);
    }
    for (const [i, raw] of feed.data.feed.entry.entries()) {
      const e = RolieEntry.safeParse(raw);
      if (!e.success) {
        const rawId = (raw as { id?: unknown } | null)?.id;
        bad(typeof rawId === 'string' ? rawId : `entry[${i}]`, e.error.issues[0]?.path.join('.'), e.error.issues[0]?.message);
      } else if (e.data.updated > since) {
        const hashHref = e.data.link.find((l) => (l.rel ?? l.ref) === 'hash' && /\.sha512$/i.test(l.href))?.href;
        const href = entryDocumentUrl(e.data);
        documents.push({ id: e.data.id, updated: e.data.updated, ...(href ? { href } : {}), ...(hashHref ? { hashHref } : {}) });
      }
    }
  } else {
    const res = await ctx.http.get(listing.url, { sourceId: SOURCE_ID, signal: ctx.signal });
    if (!res) throw new SourceUnavailableError(SOURCE_ID, `GET ${listing.url}: HTTP 404 (a directory-based provider must publish changes.csv, CSAF 2.0 §7.1.13)`);
    let rows: string[][];
    try {
      rows = parseCsv(await decodeText(res.body), { relax_column_count: true, skip_empty_lines: true, trim: true }) as string[][];
    } catch (cause) {
      throw new VigilError('VIGIL_SOURCE_BAD_PAYLOAD', [SOURCE_ID, `${listing.url}: not a changes.csv: ${(cause as Error).message}`], { cause });
    }
    for (const [i, [file, time]] of rows.entries()) {
      const updated = CsafDateTime.safeParse(time ?? '');
      if (!file || !updated.success) bad(file || `row ${i + 1}`, 'time', updated.success ? 'no path' : updated.error.issues[0]?.message);
      else if (updated.data > since) documents.push({ id: file, updated: updated.data, href: file });
    }
  }
  documents.sort((a, b) => a.updated.localeCompare(b.updated));
  return { documents, rejected };
}

type EntryResult = { advisory: Advisory } | { rejected: { where: RecordLocation; reason: string } };

/** Fetches one listed document and its hash file and parses it; upstream failures (after retries) propagate. */
async function fetchDocument(entry: ListedDocument, listingUrl: string, ctx: SyncContext): Promise<EntryResult> {
  const reject = (reason: string, field?: string, origin = listingUrl): EntryResult => ({ rejected: { where: { origin, record: entry.id, ...(field ? { field } : {}) }, reason: `${entry.id}: ${reason}` } });
  if (!entry.href) return reject('the entry links no document (content.src / link rel=self)', 'content.src');
  const doc = upstreamUrl(entry.href, listingUrl);
  if ('problem' in doc) return reject(`document URL refused: ${doc.problem}`, 'content.src');
  const hash = upstreamUrl(entry.hashHref ?? `${doc.url}.sha512`, listingUrl);
  const [res, hashRes] = await Promise.all([
    ctx.http.get(doc.url, { sourceId: SOURCE_ID, signal: ctx.signal }),
    'url' in hash ? ctx.http.get(hash.url, { sourceId: SOURCE_ID, signal: ctx.signal }) : Promise.resolve(null),
  ]);
  if (!res) return reject(`GET ${doc.url}: HTTP 404`, 'content.src', doc.url);
  if (hashRes) {
    const check = verifySha512(res.body, hashRes.body.toString('utf8'));
    if (!check.ok) return reject(check.reason, 'sha512', doc.url);
  } else if (entry.hashHref) {
    return reject(`the entry's hash file ${entry.hashHref} is missing (HTTP 404)`, 'sha512', doc.url);
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
 * Live sync (see the module doc and readme.md). Listings (ROLIE feeds, `changes.csv`) are read in
 * turn; in each, entries newer than its cursor (else `storedUntil`, else `initialDays` before now) oldest first, in
 * batches of {@link SYNC_BATCH}: `rejected` events (404, SHA-512 mismatch, schema drift), an
 * `advisories` event, then the cursor moved to the newest `updated` whose entries are all done.
 * @throws {SourceUnavailableError} 429/5xx/network/cut-off body after retries, or a 404 on metadata, feed or changes.csv.
 * @throws {VigilError} VIGIL_SOURCE_BAD_PAYLOAD when metadata, a feed or a changes.csv is not one.
 */
export async function* syncCsaf(config: CsafConfig, ctx: SyncContext): AsyncGenerator<SourceEvent> {
  const cfg = CsafConfigSchema.parse(config);
  const cursor = parseCursor(ctx.cursor, ctx);
  const defaultSince = ctx.cursor === null && ctx.storedUntil ? ctx.storedUntil : cfg.initialDays > 0 ? new Date(ctx.now().getTime() - cfg.initialDays * 86_400_000).toISOString() : '';
  for (const listing of await discoverListings(cfg, ctx)) {
    const feedUrl = listing.url;
    const since = cursor[feedUrl] ?? defaultSince;
    const { documents: entries, rejected } = await readListing(listing, since, ctx);
    yield* rejected;
    ctx.log.info({ listing: feedUrl, since: since || null, entries: entries.length }, 'csaf: listing read');
    for (let start = 0; start < entries.length; start += SYNC_BATCH) {
      ctx.signal?.throwIfAborted();
      const batch = entries.slice(start, start + SYNC_BATCH);
      const results = await Promise.all(batch.map((e) => fetchDocument(e, feedUrl, ctx)));
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
