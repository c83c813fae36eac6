/**
 * News-feed parser: RSS 2.0 / 0.9x (https://www.rssboard.org/rss-specification), RDF Site Summary
 * 1.0 (https://web.resource.org/rss/1.0/spec), Atom 1.0 (RFC 4287) and JSON Feed 1.0/1.1
 * (https://www.jsonfeed.org/version/1.1/), detected by content, normalised into {@link FeedItem}s.
 *
 * XML is read by fast-xml-parser with entity processing off: we decode the five XML entities,
 * numeric references and common HTML named entities ourselves, once, so DOCTYPE-declared entities
 * (billion laughs, external entities) are never expanded. Each item crosses {@link FeedItemSchema};
 * one bad item is reported in `rejected` and never loses the others.
 */
import { XMLParser } from 'fast-xml-parser';
import { z } from 'zod';
import { VigilError } from '../../errors.ts';

/** One normalised feed item. Dates are ISO 8601 UTC with milliseconds (`2025-07-24T21:34:13.000Z`). */
export interface FeedItem {
  /** Stable id: RSS `guid`, Atom `id`, RDF `rdf:about`, JSON Feed `id`; else the item's URL. */
  guid: string;
  /** Absolute http(s) link, resolved against `xml:base`, then the feed's link, then `origin`. */
  url: string | null;
  title: string | null;
  author: string | null;
  published: string | null;
  updated: string | null;
  /** Plain text: tags stripped, entities decoded, whitespace collapsed. Not truncated. */
  summary: string | null;
  /** Full HTML body (`content:encoded`, Atom `content`, JSON Feed `content_html`). */
  contentHtml: string | null;
  categories: string[];
}

/** An item left out: where (origin, `item N` 1-based, field) and why. */
export interface FeedRejection {
  where: { origin: string; record?: string; field?: string };
  reason: string;
}

/** A parsed feed: its format, channel title and site link, the valid items in document order. */
export interface ParsedFeed {
  kind: 'rss' | 'atom' | 'rdf' | 'json';
  title: string | null;
  siteUrl: string | null;
  items: FeedItem[];
  rejected: FeedRejection[];
}

const HttpUrl = z.url({ protocol: /^https?$/ });
const IsoDate = z.iso.datetime();

/** The boundary schema every normalised item crosses. */
export const FeedItemSchema = z.object({
  guid: z.string().trim().min(1, 'item has neither a usable link nor a guid/id'),
  url: HttpUrl.nullable(),
  title: z.string().nullable(),
  author: z.string().nullable(),
  published: IsoDate.nullable(),
  updated: IsoDate.nullable(),
  summary: z.string().nullable(),
  contentHtml: z.string().nullable(),
  categories: z.array(z.string()),
}) satisfies z.ZodType<FeedItem>;

type XmlNode = Record<string, unknown>;

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  processEntities: false,
  htmlEntities: false,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  cdataPropName: '#cdata',
  ignoreDeclaration: true,
  ignorePiTags: true,
  // Atom text constructs may be XHTML markup: keep them raw instead of parsing them as elements.
  stopNodes: ['*.content', '*.summary'],
});

/**
 * Decodes a feed body: a Buffer by its BOM (UTF-8, UTF-16 LE/BE), else the XML declaration's
 * `encoding` (any WHATWG label: `iso-8859-1` is read as windows-1252), else UTF-8. A leading BOM is
 * dropped from strings too.
 */
export function decodeBody(body: string | Buffer): string {
  if (typeof body === 'string') return body.replace(/^\uFEFF/, '');
  let label = 'utf-8';
  if (body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf) label = 'utf-8';
  else if (body[0] === 0xff && body[1] === 0xfe) label = 'utf-16le';
  else if (body[0] === 0xfe && body[1] === 0xff) label = 'utf-16be';
  else {
    const declared = /^\s*<\?xml[^>]*?\bencoding\s*=\s*["']([A-Za-z0-9._:-]+)["']/.exec(body.subarray(0, 512).toString('latin1'));
    if (declared) label = declared[1]!.toLowerCase();
  }
  let decoder: TextDecoder;
  try {
    decoder = new TextDecoder(label);
  } catch {
    decoder = new TextDecoder('utf-8'); // unknown label: UTF-8 is XML's default
  }
  const decoded = decoder.decode(body).replace(/^\uFEFF/, '');
  // Node 20's decoder reads windows-1252 as ISO-8859-1 (0x92 → U+0092): map the C1 block ourselves.
  return decoder.encoding === 'windows-1252' ? decoded.replace(/[\u0080-\u009f]/g, (c) => CP1252[c.charCodeAt(0) - 0x80]!) : decoded;
}

function all(v: unknown): unknown[] {
  return v === undefined || v === null ? [] : Array.isArray(v) ? v : [v];
}

function attr(v: unknown, name: string): string | null {
  const node = all(v)[0];
  if (node === null || typeof node !== 'object') return null;
  const value = (node as XmlNode)[`@${name}`];
  return typeof value === 'string' ? decodeEntities(value).trim() : null;
}

/** Raw text of an element with CDATA sections kept verbatim and entities decoded elsewhere. */
function rawText(v: unknown): string | null {
  const node = all(v)[0];
  if (node === undefined || node === null) return null;
  if (typeof node === 'string' || typeof node === 'number') return decodeXml(String(node));
  if (typeof node !== 'object') return null;
  const o = node as XmlNode;
  const cdata = all(o['#cdata']).map(String).join('');
  const text = o['#text'] === undefined ? '' : decodeXml(String(o['#text']));
  const joined = cdata + text;
  return joined === '' ? null : joined;
}

function decodeXml(s: string): string {
  return s
    .split(/<!\[CDATA\[([\s\S]*?)\]\]>/)
    .map((part, i) => (i % 2 === 1 ? part : decodeEntities(part)))
    .join('');
}

function text(v: unknown): string | null {
  const t = rawText(v);
  if (t === null) return null;
  const c = collapse(decodeEntities(t));
  return c === '' ? null : c;
}

function nonEmpty(s: string | null | undefined): string | null {
  return s === null || s === undefined || s.trim() === '' ? null : s.trim();
}

/** Resolves `ref` against the first base that makes it an absolute http(s) URL. */
export function resolveUrl(ref: string | null, ...bases: (string | null)[]): string | null {
  if (ref === null || ref.trim() === '') return null;
  for (const base of [undefined, ...bases]) {
    if (base === null) continue;
    try {
      const u = new URL(ref.trim(), base);
      if (u.protocol === 'http:' || u.protocol === 'https:') return u.href;
      return null;
    } catch {
      // not absolute against this base: try the next one
    }
  }
  return null;
}

/** `info@example.com (Name)` → `Name`; anything else as is. */
function authorName(v: string | null): string | null {
  if (v === null) return null;
  const m = /^\S+@\S+\s*\((.+)\)$/.exec(v);
  return nonEmpty(m ? m[1] : v);
}

function localKey(node: XmlNode, name: string): unknown {
  for (const k of Object.keys(node)) if (k === name || k.endsWith(`:${name}`)) return node[k];
  return undefined;
}

function accept(draft: FeedItem, i: number, origin: string, items: FeedItem[], rejected: FeedRejection[]): void {
  const r = FeedItemSchema.safeParse(draft);
  if (r.success) {
    items.push(r.data);
    return;
  }
  const issue = r.error.issues[0];
  const field = issue?.path.join('.') === 'guid' ? 'link' : issue?.path.join('.') || 'item';
  rejected.push({ where: { origin, record: `item ${i + 1}`, field }, reason: issue?.message ?? 'invalid' });
}

function rssItem(item: XmlNode, base: string | null, site: string | null, origin: string): FeedItem {
  const itemBase = resolveUrl(attr(item, 'xml:base'), base, site);
  const link = resolveUrl(text(item.link) ?? attr(item['atom:link'], 'href'), itemBase, base, site, origin);
  const guidText = text(item.guid) ?? attr(item, 'rdf:about');
  const permalink = attr(item.guid, 'isPermaLink') !== 'false';
  const url = link ?? (permalink ? resolveUrl(guidText, itemBase, base, site) : null);
  const description = rawText(item.description);
  const creator = text(localKey(item, 'creator'));
  return {
    guid: guidText ?? url ?? '',
    url,
    title: text(item.title),
    author: creator ?? authorName(text(item.author)),
    published: parseFeedDate(text(item.pubDate) ?? text(localKey(item, 'date')) ?? ''),
    updated: parseFeedDate(text(item['atom:updated']) ?? text(item['dcterms:modified']) ?? ''),
    summary: description === null ? null : nonEmpty(htmlToText(description)),
    contentHtml: nonEmpty(rawText(item['content:encoded'])),
    categories: [...all(item.category), ...all(item['dc:subject'])].map(text).filter((c): c is string => c !== null),
  };
}

/** Atom text construct (RFC 4287 §3.1) as HTML and as plain text. */
function atomText(v: unknown): { html: string; text: string } | null {
  const raw = rawText(v);
  if (raw === null || raw.trim() === '') return null;
  const type = attr(v, 'type') ?? 'text';
  if (type === 'xhtml') {
    // XHTML markup is already HTML: keep its references as written
    const node = all(v)[0];
    const markup = typeof node === 'string' ? node : String((node as XmlNode)['#text'] ?? '');
    const html = markup.trim().replace(/^<(?:\w+:)?div\b[^>]*>([\s\S]*)<\/(?:\w+:)?div>$/, '$1');
    return { html, text: htmlToText(html) };
  }
  if (type === 'html' || type === 'text/html') return { html: raw, text: htmlToText(raw) };
  const plain = collapse(raw);
  return { html: plain.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;'), text: plain };
}

function atomLink(node: XmlNode, p: string, base: string | null, site: string | null): string | null {
  const links = all(node[`${p}link`]);
  const alternate = links.find((l) => (attr(l, 'rel') ?? 'alternate') === 'alternate') ?? links[0];
  if (alternate === undefined) return null;
  return resolveUrl(attr(alternate, 'href'), resolveUrl(attr(alternate, 'xml:base'), base, site), base, site);
}

function atomEntry(entry: XmlNode, p: string, base: string | null, site: string | null, feedAuthor: string | null): FeedItem {
  const entryBase = resolveUrl(attr(entry, 'xml:base'), base, site) ?? base;
  const url = atomLink(entry, p, entryBase, site);
  const content = atomText(entry[`${p}content`]);
  const summary = atomText(entry[`${p}summary`]);
  const updated = parseFeedDate(text(entry[`${p}updated`]) ?? text(entry[`${p}modified`]) ?? '');
  return {
    guid: text(entry[`${p}id`]) ?? url ?? '',
    url,
    title: atomText(entry[`${p}title`])?.text ?? null,
    author: text((all(entry[`${p}author`])[0] as XmlNode | undefined)?.[`${p}name`]) ?? feedAuthor,
    published: parseFeedDate(text(entry[`${p}published`]) ?? text(entry[`${p}issued`]) ?? '') ?? updated,
    updated,
    summary: nonEmpty(summary?.text),
    contentHtml: nonEmpty(content?.html),
    categories: all(entry[`${p}category`])
      .map((c) => attr(c, 'label') ?? attr(c, 'term'))
      .filter((c): c is string => c !== null && c !== ''),
  };
}

const JsonFeedDocument = z.object({
  version: z.string().regex(/^https?:\/\/jsonfeed\.org\/version\/1(\.1)?$/, 'not a JSON Feed version URL'),
  title: z.string().optional(),
  home_page_url: z.string().optional(),
  items: z.array(z.unknown()),
});

const JsonFeedItem = z.object({
  id: z.union([z.string(), z.number()]).transform(String).optional(),
  url: z.string().optional(),
  external_url: z.string().optional(),
  title: z.string().optional(),
  content_html: z.string().optional(),
  content_text: z.string().optional(),
  summary: z.string().optional(),
  date_published: z.string().optional(),
  date_modified: z.string().optional(),
  author: z.object({ name: z.string().optional() }).optional(),
  authors: z.array(z.object({ name: z.string().optional() })).optional(),
  tags: z.array(z.string()).optional(),
});

function parseJsonFeed(body: string, origin: string): ParsedFeed {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (cause) {
    throw new VigilError('VIGIL_INPUT_FORMAT', [origin, `not JSON: ${(cause as Error).message}`], { cause });
  }
  const doc = JsonFeedDocument.safeParse(json);
  if (!doc.success) {
    const issue = doc.error.issues[0];
    throw new VigilError('VIGIL_INPUT_FORMAT', [origin, `not a JSON Feed: ${issue?.path.join('.') || 'document'}: ${issue?.message}`]);
  }
  const site = resolveUrl(doc.data.home_page_url ?? null, origin);
  const items: FeedItem[] = [];
  const rejected: FeedRejection[] = [];
  doc.data.items.forEach((value, i) => {
    const r = JsonFeedItem.safeParse(value);
    if (!r.success) {
      const issue = r.error.issues[0];
      rejected.push({ where: { origin, record: `item ${i + 1}`, field: issue?.path.join('.') || 'item' }, reason: issue?.message ?? 'invalid' });
      return;
    }
    const it = r.data;
    const url = resolveUrl(it.url ?? it.external_url ?? null, site, origin);
    const summary = it.summary ?? it.content_text ?? null;
    const draft: FeedItem = {
      guid: nonEmpty(it.id) ?? url ?? '',
      url,
      title: nonEmpty(it.title === undefined ? null : collapse(it.title)),
      author: nonEmpty(it.authors?.[0]?.name ?? it.author?.name),
      published: parseFeedDate(it.date_published ?? ''),
      updated: parseFeedDate(it.date_modified ?? ''),
      summary: summary === null ? null : nonEmpty(collapse(summary)),
      contentHtml: nonEmpty(it.content_html),
      categories: it.tags ?? [],
    };
    accept(draft, i, origin, items, rejected);
  });
  return { kind: 'json', title: nonEmpty(doc.data.title), siteUrl: site, items, rejected };
}

/**
 * Parses a news feed of any supported format (detected by content, not by the Content-Type).
 * `origin` is the feed's URL (used as the last base for relative links) or any label naming it.
 * @throws {VigilError} `VIGIL_INPUT_FORMAT` when the body is neither XML nor JSON, or is not a feed.
 * @example parseFeed(await readFile('krebs.xml'), 'https://krebsonsecurity.com/feed/').items[0].url
 */
export function parseFeed(body: string | Buffer, origin: string): ParsedFeed {
  const source = decodeBody(body);
  if (source.trimStart().startsWith('{')) return parseJsonFeed(source, origin);
  let doc: XmlNode;
  try {
    doc = parser.parse(source) as XmlNode;
  } catch (cause) {
    throw new VigilError('VIGIL_INPUT_FORMAT', [origin, `not well-formed XML: ${(cause as Error).message}`], { cause });
  }
  const rootKey = Object.keys(doc).find((k) => !/^[?!#]/.test(k));
  const root = rootKey === undefined ? null : (doc[rootKey] as XmlNode | string);
  if (rootKey === undefined || root === null || typeof root !== 'object') throw new VigilError('VIGIL_INPUT_FORMAT', [origin, 'not a feed (no root element)']);
  const local = rootKey.replace(/^.*:/, '');
  const originBase = resolveUrl(origin);
  const rootBase = resolveUrl(attr(root, 'xml:base'), originBase) ?? originBase;
  const items: FeedItem[] = [];
  const rejected: FeedRejection[] = [];

  if (local === 'rss' || local === 'RDF') {
    const channel = (all(localKey(root, 'channel'))[0] ?? {}) as XmlNode;
    const channelBase = resolveUrl(attr(channel, 'xml:base'), rootBase) ?? rootBase;
    const site = resolveUrl(text(channel.link), channelBase);
    // RSS nests items in the channel; RDF puts them beside it.
    const raw = local === 'rss' ? all(channel.item) : all(localKey(root, 'item'));
    raw.forEach((item, i) => {
      if (item === null || typeof item !== 'object') {
        rejected.push({ where: { origin, record: `item ${i + 1}`, field: 'link' }, reason: 'empty item' });
        return;
      }
      accept(rssItem(item as XmlNode, channelBase, site, origin), i, origin, items, rejected);
    });
    return { kind: local === 'rss' ? 'rss' : 'rdf', title: text(channel.title), siteUrl: site, items, rejected };
  }
  if (local === 'feed') {
    const p = rootKey.includes(':') ? `${rootKey.slice(0, rootKey.indexOf(':'))}:` : '';
    const site = atomLink(root, p, rootBase, null);
    const feedAuthor = text((all(root[`${p}author`])[0] as XmlNode | undefined)?.[`${p}name`]);
    all(root[`${p}entry`]).forEach((entry, i) => {
      if (entry === null || typeof entry !== 'object') {
        rejected.push({ where: { origin, record: `item ${i + 1}`, field: 'link' }, reason: 'empty entry' });
        return;
      }
      accept(atomEntry(entry as XmlNode, p, rootBase, site, feedAuthor), i, origin, items, rejected);
    });
    return { kind: 'atom', title: atomText(root[`${p}title`])?.text ?? null, siteUrl: site, items, rejected };
  }
  throw new VigilError('VIGIL_INPUT_FORMAT', [origin, `not a feed (root element <${rootKey}>)`]);
}

// ---- text: entities, HTML to plain text, dates ----

/** HTML 4 Latin-1 entity names, in code-point order from U+00A0. */
const LATIN1 =
  'nbsp iexcl cent pound curren yen brvbar sect uml copy ordf laquo not shy reg macr deg plusmn sup2 sup3 acute micro para middot cedil sup1 ordm raquo ' +
  'frac14 frac12 frac34 iquest Agrave Aacute Acirc Atilde Auml Aring AElig Ccedil Egrave Eacute Ecirc Euml Igrave Iacute Icirc Iuml ETH Ntilde Ograve ' +
  'Oacute Ocirc Otilde Ouml times Oslash Ugrave Uacute Ucirc Uuml Yacute THORN szlig agrave aacute acirc atilde auml aring aelig ccedil egrave eacute ' +
  'ecirc euml igrave iacute icirc iuml eth ntilde ograve oacute ocirc otilde ouml divide oslash ugrave uacute ucirc uuml yacute thorn yuml';
// biome-ignore format: a table
const ENTITIES: Record<string, number> = {
  ...Object.fromEntries(LATIN1.split(' ').map((name, i) => [name, 0xa0 + i])),
  amp: 38, lt: 60, gt: 62, quot: 34, apos: 39, OElig: 338, oelig: 339, Scaron: 352, scaron: 353, Yuml: 376, fnof: 402, circ: 710, tilde: 732,
  ensp: 8194, emsp: 8195, thinsp: 8201, zwnj: 8204, zwj: 8205, lrm: 8206, rlm: 8207, ndash: 8211, mdash: 8212, lsquo: 8216, rsquo: 8217,
  sbquo: 8218, ldquo: 8220, rdquo: 8221, bdquo: 8222, dagger: 8224, Dagger: 8225, bull: 8226, hellip: 8230, permil: 8240, prime: 8242,
  Prime: 8243, lsaquo: 8249, rsaquo: 8250, oline: 8254, frasl: 8260, euro: 8364, trade: 8482, larr: 8592, uarr: 8593, rarr: 8594,
  darr: 8595, harr: 8596, minus: 8722, infin: 8734, asymp: 8776, ne: 8800, le: 8804, ge: 8805, check: 10003,
};

/** Windows-1252's C1 block, which HTML maps `&#128;`–`&#159;` to (WHATWG HTML §13.2.5.80). */
const CP1252 = '€\u0081‚ƒ„…†‡ˆ‰Š‹Œ\u008dŽ\u008f\u0090‘’“”•–—˜™š›œ\u009džŸ';

/**
 * Decodes character references once: the XML five, decimal/hex references and common HTML named
 * entities (Latin-1, punctuation, symbols). Unknown names and invalid code points stay as written.
 * @example decodeEntities('caf&eacute; &#8217; &amp;lt;') // 'café ’ &lt;'
 */
export function decodeEntities(s: string): string {
  if (!s.includes('&')) return s;
  return s.replace(/&(#[xX][0-9a-fA-F]{1,6}|#[0-9]{1,7}|[A-Za-z][A-Za-z0-9]{1,31});/g, (whole, ref: string) => {
    if (ref[0] === '#') {
      const cp = ref[1] === 'x' || ref[1] === 'X' ? Number.parseInt(ref.slice(2), 16) : Number(ref.slice(1));
      if (cp >= 128 && cp <= 159) return CP1252[cp - 128]!;
      if (cp <= 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return whole;
      return String.fromCodePoint(cp);
    }
    const cp = ENTITIES[ref];
    return cp === undefined ? whole : String.fromCodePoint(cp);
  });
}

/** Collapses runs of whitespace (incl. no-break spaces) to one space and trims. */
export function collapse(s: string): string {
  return s.replace(/[\s\u00a0]+/g, ' ').trim();
}

const BLOCK =
  /^(?:p|div|br|hr|li|ul|ol|dl|dt|dd|h[1-6]|tr|td|th|table|thead|tbody|blockquote|pre|section|article|header|footer|figure|figcaption|img|nav|aside)$/i;

/** Drops comments, scripts and styles (each a space), in one pass: linear on hostile input (unclosed openers). */
function dropNonText(html: string): string {
  const lower = html.toLowerCase();
  const out: string[] = [];
  let from = 0;
  for (;;) {
    const lt = lower.indexOf('<', from);
    if (lt === -1) break;
    let end = -1;
    if (lower.startsWith('<!--', lt)) {
      const close = lower.indexOf('-->', lt + 4);
      end = close === -1 ? html.length : close + 3;
    } else {
      const name = /^<(script|style)\b/.exec(lower.slice(lt, lt + 8))?.[1];
      if (name) {
        const close = lower.indexOf(`</${name}`, lt + name.length + 1);
        const gt = close === -1 ? -1 : lower.indexOf('>', close);
        end = gt === -1 ? html.length : gt + 1;
      }
    }
    if (end === -1) {
      out.push(html.slice(from, lt + 1));
      from = lt + 1;
      continue;
    }
    out.push(html.slice(from, lt), ' ');
    from = end;
  }
  out.push(html.slice(from));
  return out.join('');
}

/**
 * HTML fragment to plain text: comments, scripts and styles dropped, tags removed (block-level
 * ones leave a space), entities decoded, whitespace collapsed. Linear time on hostile input (a
 * tag never runs past the next `<`; unclosed comments and scripts end the text).
 * @example htmlToText('<p>one&nbsp;<b>two</b></p><p>three</p>') // 'one two three'
 */
export function htmlToText(html: string): string {
  const stripped = dropNonText(html).replace(/<\/?([A-Za-z][A-Za-z0-9:-]*)\b[^<>]*>/g, (_tag, name: string) => (BLOCK.test(name) ? ' ' : ''));
  return collapse(decodeEntities(stripped));
}

/** Zone names seen in feeds, in minutes east of UTC (RFC 822 §5.1 plus common ones). */
// biome-ignore format: a table
const ZONES: Record<string, number> = {
  UT: 0, UTC: 0, GMT: 0, Z: 0, EST: -300, EDT: -240, CST: -360, CDT: -300, MST: -420, MDT: -360, PST: -480, PDT: -420,
  AKST: -540, AKDT: -480, HST: -600, WET: 0, WEST: 60, BST: 60, CET: 60, CEST: 120, EET: 120, EEST: 180, JST: 540, AEST: 600, AEDT: 660,
};
const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const ZONE = String.raw`([A-Za-z]{1,5}|[+-]\d{2}:?\d{2})`;
const TIME = String.raw`(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?`;
/** RFC 822 / 1123: `[Wdy,] D Mon YYYY hh:mm[:ss] [zone]` (weekday and zone optional). */
const RFC822 = new RegExp(String.raw`^(?:[A-Za-z]{2,9},?\s+)?(\d{1,2})\s+([A-Za-z]{3,9})\.?\s+(\d{4}|\d{2}),?\s+${TIME}\s*${ZONE}?$`);
/** `Mon D, YYYY hh:mm:ss[zone]` (CrowdStrike's feed). */
const MDY = new RegExp(String.raw`^(?:[A-Za-z]{2,9},?\s+)?([A-Za-z]{3,9})\.?\s+(\d{1,2}),?\s+(\d{4}),?\s+${TIME}\s*${ZONE}?$`);
/** ISO 8601 / RFC 3339, date-only allowed; no zone means UTC. */
const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?\s*([Zz]|[+-]\d{2}(?::?\d{2})?)?)?$/;

function zoneOffset(zone: string | undefined): number | null {
  if (zone === undefined || zone === '') return 0;
  const m = /^([+-])(\d{2}):?(\d{2})?$/.exec(zone);
  if (m) return (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3] ?? 0));
  return ZONES[zone.toUpperCase()] ?? null;
}

function utc(y: number, mo: number, d: number, h: number, mi: number, s: number, ms: number, offset: number | null): string | null {
  if (offset === null || mo < 0 || h > 23 || mi > 59 || s > 60) return null;
  const t = new Date(Date.UTC(y, mo, d, h, mi, s, ms));
  if (t.getUTCDate() !== d || t.getUTCMonth() !== mo) return null; // 31 Feb and the like
  return new Date(t.getTime() - offset * 60_000).toISOString();
}

/**
 * A feed date as ISO 8601 UTC with milliseconds, or `null` when it is none of: RFC 822/1123
 * (`Thu, 24 Jul 2025 17:34:13 -0400`, zone names such as `EDT`, `GMT`, `UT`, `Z`, one-digit days,
 * no weekday, no zone = UTC), ISO 8601 / RFC 3339 (Atom, JSON Feed, `dc:date`), or
 * `Jul 23, 2025 00:00:00-0500`. Unknown zone names give `null` rather than a guess.
 * @example parseFeedDate('Mon, 21 Jul 2025 10:11:24 EDT') // '2025-07-21T14:11:24.000Z'
 */
export function parseFeedDate(value: string): string | null {
  const v = value.trim();
  let m = ISO.exec(v);
  if (m) {
    const ms = m[7] ? Math.round(Number(m[7]) * 1000) : 0;
    return utc(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0), ms, zoneOffset(m[8]));
  }
  m = RFC822.exec(v);
  let day: string | undefined;
  let mon: string | undefined;
  let year: string | undefined;
  if (m) [day, mon, year] = [m[1], m[2], m[3]];
  else {
    m = MDY.exec(v);
    if (!m) return null;
    [mon, day, year] = [m[1], m[2], m[3]];
  }
  const y = year!.length === 2 ? 1900 + Number(year) + (Number(year) < 50 ? 100 : 0) : Number(year);
  const mo = MONTHS.indexOf(mon!.slice(0, 3).toLowerCase());
  return utc(y, mo, Number(day), Number(m[4]), Number(m[5]), Number(m[6] ?? 0), 0, zoneOffset(m[7]));
}
