/**
 * Builds the {@link IntelDocument} stored for one collected item: a feed item, a fetched page, or
 * both (a feed item whose article page was fetched).
 */
import { createHash } from 'node:crypto';
import { simhash } from '../dedupe/simhash.ts';
import type { FeedItem } from '../feeds/parse.ts';
import type { IntelDocument, IntelSource } from '../types.ts';
import { type ExtractedPage, cutAtWord } from './article.ts';
import { findCveIds } from './cves.ts';
import { detectLanguage } from './language.ts';
import { fragmentText } from './text.ts';
import { canonicalizeUrl } from './url.ts';

/** At most this many characters in {@link IntelDocument.summary}. */
export const SUMMARY_MAX = 500;

/** What one document is built from. */
export interface DocumentInput {
  source: Pick<IntelSource, 'name' | 'tags'>;
  /** The URL fetched (after redirects), or the feed item's link. */
  url: string;
  /** ISO 8601: when the content was fetched. */
  fetchedAt: string;
  item?: FeedItem;
  page?: ExtractedPage;
}

function sha256(s: string): string {
  return createHash('sha256').update(s, 'utf8').digest('hex');
}

/** Whitespace other than single spaces inside paragraphs and blank lines between them. */
const UNTIDY = /[^\S \n]| {2}|^ | $| \n|\n |(?<!\n)\n(?!\n)|\n{3}|^\n|\n$/;

/**
 * Unicode NFC, whitespace collapsed in each paragraph, paragraphs separated by one blank line: a
 * re-render of the same story hashes the same. Text that is already tidy (extractArticle's and
 * fragmentText's output) skips the rewrite: half the cost of a document on long texts.
 */
function normalise(s: string): string {
  const nfc = s.normalize('NFC');
  if (!UNTIDY.test(nfc)) return nfc;
  return nfc
    .split(/\n\s*\n/)
    .map((p) => p.replace(/\s+/g, ' ').trim())
    .filter((p) => p !== '')
    .join('\n\n');
}

/** Categories then source tags, trimmed, without empties, first spelling kept of case-insensitive repeats. */
function mergeTags(...lists: string[][]): string[] {
  const seen = new Map<string, string>();
  for (const tag of lists.flat()) {
    const t = tag.trim();
    if (t !== '' && !seen.has(t.toLowerCase())) seen.set(t.toLowerCase(), t);
  }
  return [...seen.values()];
}

/** The main text: the page's, else the item's HTML body as paragraphs, else its summary. */
function mainText(item: FeedItem | undefined, page: ExtractedPage | undefined): string {
  if (page && page.text !== '') return page.text;
  if (item?.contentHtml) {
    const text = fragmentText(item.contentHtml);
    if (text !== '') return text;
  }
  return item?.summary ?? page?.text ?? '';
}

/**
 * The document for a collected item.
 * - `id`: `intel-` + the first 20 hex digits of SHA-256(canonicalUrl), where canonicalUrl is the
 *   page's canonical URL, else `url`, canonicalised ({@link canonicalizeUrl}).
 * - `title`: the page's, else the item's, trimmed ('' when neither has one).
 * - `published`: the item's, else the page's; `author` likewise.
 * - `text`: the page's text, else the item's `contentHtml` as paragraphs, else its summary.
 * - `summary`: the item's summary, else the text's opening, at most {@link SUMMARY_MAX}
 *   characters cut at a word boundary with `…`; null when both are empty.
 * - `contentHash`: SHA-256 hex of `title\n\ntext`, NFC and whitespace-normalised.
 * - `language`: detected from the text (else title + summary); null when too short to tell.
 * - `tags`: item categories then source tags, deduplicated case-insensitively, in order.
 * - `cves`: CVE ids named in the title or text.
 * @throws {VigilError} VIGIL_URL_REFUSED when `url` is not an absolute http(s) URL.
 */
export function buildDocument(input: DocumentInput): IntelDocument {
  const { source, url, fetchedAt, item, page } = input;
  const canonicalUrl = canonicalizeUrl(page?.canonicalUrl ?? url);
  const title = (page?.title.trim() || item?.title?.trim() || '').replace(/\s+/g, ' ').normalize('NFC');
  const text = normalise(mainText(item, page));
  const opening = item?.summary?.trim() || text.replace(/\n\n/g, ' ');
  return {
    id: `intel-${sha256(canonicalUrl).slice(0, 20)}`,
    source: source.name,
    url,
    canonicalUrl,
    title,
    author: item?.author ?? page?.author ?? null,
    published: item?.published ?? page?.published ?? null,
    fetchedAt,
    language: detectLanguage(text) ?? detectLanguage(`${title}. ${item?.summary ?? ''}`),
    text,
    summary: opening === '' ? null : cutAtWord(opening, SUMMARY_MAX),
    contentHash: sha256(`${title}\n\n${text}`), // both already normalised
    simhash: simhash(text),
    tags: mergeTags(item?.categories ?? [], source.tags),
    cves: findCveIds(`${title}\n${text}`),
  };
}

/**
 * Whether a feed item's own page must be fetched for its main text (the source's `fetchArticles`):
 * `always` → true, `never` → false, `auto` → true when the item has a link and its full content
 * (`contentHtml` as text, else nothing) is shorter than `minContentLength` characters. A summary
 * alone never counts as full content.
 */
export function needsArticle(item: FeedItem, source: Pick<IntelSource, 'fetchArticles' | 'minContentLength'>): boolean {
  if (item.url === null) return false;
  if (source.fetchArticles === 'always') return true;
  if (source.fetchArticles === 'never') return false;
  const content = item.contentHtml ? fragmentText(item.contentHtml) : '';
  return content.length < source.minContentLength;
}
