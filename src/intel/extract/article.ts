/**
 * Main content of a fetched HTML page: readability (Mozilla's Reader View algorithm,
 * https://github.com/mozilla/readability) over a linkedom DOM, or the CSS selectors of a `page`
 * source (cheerio), readability filling what they leave out.
 */
import { Readability } from '@mozilla/readability';
import * as cheerio from 'cheerio';
import { parseHTML } from 'linkedom';
import type { PageSelectors } from '../types.ts';
import { type DomDocument, type DomElement, parsePageDate, readMeta } from './meta.ts';
import { nodeText, type TextSourceNode } from './text.ts';
import { canonicalizeUrl, sameSite } from './url.ts';

/** What {@link extractArticle} reads from a page. */
export interface ExtractedPage {
  /** The article's title ('' when the page has none). */
  title: string;
  author: string | null;
  /** ISO 8601 UTC, or null when the page does not say. */
  published: string | null;
  /** Main text: paragraphs separated by a blank line, whitespace collapsed; '' when none found. */
  text: string;
  /** The page's description, else the text's first paragraph; at most 500 characters. */
  excerpt: string | null;
  /** Primary subtag of the declared `<html lang>` (`en`), when declared. */
  language?: string;
  /** `<link rel=canonical>` when on the same site as `url`, else `url`; absolute, tracking parameters and fragment removed. */
  canonicalUrl: string;
  /** Absolute http(s) links of the page (or of the `links` selector), fragment dropped, deduplicated, in document order. */
  links: string[];
}

const EXCERPT_MAX = 500;

/** Cuts `s` to at most `max` characters at a word boundary, adding `…` when cut. */
export function cutAtWord(s: string, max: number): string {
  if (s.length <= max) return s;
  const head = s.slice(0, max - 1);
  const space = head.lastIndexOf(' ');
  return `${(space > max / 2 ? head.slice(0, space) : head).replace(/[\s,;:.]+$/, '')}…`;
}

function absoluteLinks(hrefs: Iterable<string | null | undefined>, base: string): string[] {
  const seen = new Set<string>();
  for (const href of hrefs) {
    if (!href) continue;
    try {
      const u = new URL(href.trim(), base);
      if (u.protocol !== 'http:' && u.protocol !== 'https:') continue;
      u.hash = '';
      seen.add(u.href);
    } catch {
      // an unparsable href links nowhere
    }
  }
  return [...seen];
}

function resolve(ref: string | null, base: string): string | null {
  if (ref === null) return null;
  try {
    return new URL(ref, base).href;
  } catch {
    return null;
  }
}

interface SelectorResult {
  title: string | null;
  text: string | null;
  published: string | null;
  links: string[] | null;
}

function applySelectors(html: string, selectors: PageSelectors, base: string): SelectorResult {
  const $ = cheerio.load(html);
  const first = (sel: string | undefined) => (sel ? $(sel).first() : null);
  const title = first(selectors.title)?.text().replace(/\s+/g, ' ').trim() || null;
  const content = selectors.content ? $(selectors.content).toArray() : [];
  const text = content.length > 0 ? nodeText(content as unknown as TextSourceNode[]) || null : null;
  const dateEl = first(selectors.date);
  const published = dateEl && dateEl.length > 0 ? (parsePageDate(dateEl.attr('datetime')) ?? parsePageDate(dateEl.text())) : null;
  const links = selectors.links
    ? absoluteLinks(
        $(selectors.links)
          .toArray()
          .map((el) => $(el).attr('href')),
        base,
      )
    : null;
  return { title, text, published, links };
}

function readable(doc: DomDocument): { title: string | null; text: string; byline: string | null; publishedTime: string | null } | null {
  // Readability's types name lib.dom's Document, which this project does not load; linkedom's is compatible.
  const reader = new Readability(doc as unknown as ConstructorParameters<typeof Readability>[0], {
    serializer: (node) => node as unknown as TextSourceNode,
  });
  const article = reader.parse();
  if (!article?.content) return null;
  return {
    title: article.title?.trim() || null,
    text: nodeText([article.content]),
    byline: article.byline?.trim() || null,
    publishedTime: article.publishedTime ?? null,
  };
}

/**
 * Extracts the article of an HTML page fetched from `url` (the final URL after redirects).
 * Without `selectors`, readability finds title, text and byline; when it finds no article, the
 * body's text is used (scripts, styles, navigation and forms dropped). With `selectors`
 * (a `page` source), each selector that matches wins, readability filling the rest.
 * Published date, first found: the `date` selector (`datetime` attribute, else its text),
 * `article:published_time`, JSON-LD `datePublished`, the first `<time datetime>`, readability's.
 * Relative links and the canonical link resolve against `<base href>`, else `url`.
 * @throws {VigilError} VIGIL_URL_REFUSED when `url` is not an absolute http(s) URL.
 * @example extractArticle(html, 'https://www.bleepingcomputer.com/news/security/x/').text
 */
export function extractArticle(html: string, url: string, selectors?: PageSelectors): ExtractedPage {
  const pageUrl = canonicalizeUrl(url);
  const doc = parseHTML(html).document as unknown as DomDocument;
  const meta = readMeta(doc);
  const base = resolve(meta.base, url) ?? url;
  const canonical = resolve(meta.canonical, base);
  const picked = selectors && Object.values(selectors).some(Boolean) ? applySelectors(html, selectors, base) : null;
  // Links and the document title are read before readability, which rewrites the tree it is given.
  const links =
    picked?.links ??
    absoluteLinks(
      Array.from(doc.querySelectorAll('a[href]'), (a: DomElement) => a.getAttribute('href')),
      base,
    );
  const docTitle = doc.title?.replace(/\s+/g, ' ').trim() || null;
  const reader = picked?.text && picked.title ? null : readable(doc);
  const bodyText = () => (doc.body ? nodeText([doc.body]) : '');
  const text = picked?.text ?? reader?.text ?? bodyText();
  const firstParagraph = text.split('\n\n', 1)[0] ?? '';
  const author = reader?.byline ?? (meta.author && !/^https?:/i.test(meta.author) ? meta.author : null);
  const page: ExtractedPage = {
    title: picked?.title ?? reader?.title ?? meta.title ?? docTitle ?? '',
    author,
    published: picked?.published ?? meta.published ?? parsePageDate(reader?.publishedTime),
    text,
    excerpt: meta.description || firstParagraph ? cutAtWord(meta.description ?? firstParagraph, EXCERPT_MAX) : null,
    canonicalUrl: canonical && sameSite(canonical, pageUrl) ? canonicalizeUrl(canonical) : pageUrl,
    links,
  };
  if (meta.language) page.language = meta.language;
  return page;
}
