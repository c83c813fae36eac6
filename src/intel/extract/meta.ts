/**
 * Page metadata read from a parsed HTML document before readability rewrites it: publication
 * date, author, canonical link, declared language, description and links.
 */
import { parseFeedDate } from '../feeds/parse.ts';
import type { TextSourceNode } from './text.ts';

/** The DOM subset read here and by the article extractor (linkedom implements it). */
export interface DomElement extends TextSourceNode {
  textContent: string | null;
  getAttribute(name: string): string | null;
  querySelector(selector: string): DomElement | null;
  querySelectorAll(selector: string): ArrayLike<DomElement>;
}

/** A parsed document (linkedom `parseHTML(html).document`). */
export interface DomDocument {
  documentElement: DomElement | null;
  body: DomElement | null;
  title: string;
  querySelector(selector: string): DomElement | null;
  querySelectorAll(selector: string): ArrayLike<DomElement>;
}

/**
 * A date as ISO 8601 UTC, or null: ISO 8601 / RFC 3339, RFC 822, and English dates without a time
 * (`July 22, 2025`, `22 Jul 2025`) taken as midnight UTC.
 */
export function parsePageDate(value: string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  const v = value.replace(/\s+/g, ' ').trim();
  if (v === '') return null;
  return parseFeedDate(v) ?? parseFeedDate(`${v.replace(/,$/, '')} 00:00:00`);
}

function meta(doc: DomDocument, ...keys: string[]): string | null {
  for (const key of keys) {
    const el = doc.querySelector(`meta[property="${key}"], meta[name="${key}"], meta[itemprop="${key}"]`);
    const content = el?.getAttribute('content')?.trim();
    if (content) return content;
  }
  return null;
}

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/** JSON-LD objects of the page, `@graph` members flattened; unparsable blocks are skipped. */
function jsonLd(doc: DomDocument): Record<string, Json>[] {
  const out: Record<string, Json>[] = [];
  const visit = (v: Json): void => {
    if (Array.isArray(v)) v.forEach(visit);
    else if (v !== null && typeof v === 'object') {
      out.push(v);
      const graph = v['@graph'];
      if (graph !== undefined) visit(graph);
    }
  };
  const scripts = doc.querySelectorAll('script[type="application/ld+json"]');
  for (let i = 0; i < scripts.length; i++) {
    try {
      visit(JSON.parse(scripts[i]!.textContent ?? '') as Json);
    } catch {
      // a broken JSON-LD block is common and says nothing we need: the other sources remain
    }
  }
  return out;
}

function personName(v: Json | undefined): string | null {
  if (typeof v === 'string') return v.trim() || null;
  if (Array.isArray(v)) {
    const names = v.map(personName).filter((n): n is string => n !== null);
    return names.length > 0 ? names.join(', ') : null;
  }
  if (v !== null && typeof v === 'object' && typeof v.name === 'string') return v.name.trim() || null;
  return null;
}

/** What {@link readMeta} finds. */
export interface PageMeta {
  published: string | null;
  author: string | null;
  title: string | null;
  description: string | null;
  /** `<link rel=canonical>` href as written (resolve it yourself). */
  canonical: string | null;
  /** `<base href>` as written. */
  base: string | null;
  /** Primary subtag of `<html lang>`, lowercase (`en-US` → `en`). */
  language: string | null;
}

/**
 * Reads the metadata of a document. Publication date, first found: `article:published_time`
 * (and its `og:`/`name=`/itemprop `datePublished` forms), JSON-LD `datePublished`, the first
 * `<time datetime>`.
 */
export function readMeta(doc: DomDocument): PageMeta {
  const ld = jsonLd(doc);
  const ldValue = (key: string): Json | undefined => ld.find((o) => o[key] !== undefined)?.[key];
  const ldPublished = ldValue('datePublished');
  const published =
    parsePageDate(meta(doc, 'article:published_time', 'og:published_time', 'datePublished', 'date', 'dc.date', 'DC.date.issued')) ??
    parsePageDate(typeof ldPublished === 'string' ? ldPublished : null) ??
    parsePageDate(doc.querySelector('time[datetime]')?.getAttribute('datetime'));
  const lang = doc.documentElement?.getAttribute('lang')?.trim().toLowerCase() ?? '';
  return {
    published,
    author: meta(doc, 'author', 'article:author', 'dc.creator') ?? personName(ldValue('author')),
    title: meta(doc, 'og:title', 'twitter:title'),
    description: meta(doc, 'description', 'og:description', 'twitter:description'),
    canonical: doc.querySelector('link[rel~="canonical"][href]')?.getAttribute('href')?.trim() || null,
    base: doc.querySelector('base[href]')?.getAttribute('href')?.trim() || null,
    language: /^[a-z]{2}(?:-|$)/.test(lang) ? lang.slice(0, 2) : null,
  };
}
