/**
 * OPML feed lists (OPML 1.0 http://dev.opml.org/spec1.html and 2.0 http://opml.org/spec2.opml):
 * read into a flat list of feeds with their category path, and written back as OPML 2.0.
 * Attributes are decoded by {@link decodeEntities} (entity processing in the XML parser is off,
 * so DOCTYPE entities are never expanded); each feed crosses {@link OpmlFeedSchema}.
 */
import { XMLParser } from 'fast-xml-parser';
import { z } from 'zod';
import { VigilError } from '../../errors.ts';
import { type FeedRejection, decodeEntities, resolveUrl } from './parse.ts';

/** One subscription from a feed list. */
export interface OpmlFeed {
  /** The outline's `text` (else `title`, else the feed URL). */
  title: string;
  /** Absolute http(s) feed URL. */
  xmlUrl: string;
  /** Site URL, resolved against `xmlUrl` when relative (some lists write `/atom.xml`). */
  htmlUrl: string | null;
  /** Parent outline texts joined with ` / `; else the outline's own `category` attribute. */
  category: string | null;
  description: string | null;
}

/** A parsed feed list: its head title, the feeds in document order (first of each xmlUrl), and what was left out. */
export interface OpmlList {
  title: string | null;
  feeds: OpmlFeed[];
  rejected: FeedRejection[];
}

/** The boundary schema each feed crosses. */
export const OpmlFeedSchema = z.object({
  title: z.string().min(1),
  xmlUrl: z.url({ protocol: /^https?$/ }),
  htmlUrl: z.url({ protocol: /^https?$/ }).nullable(),
  category: z.string().nullable(),
  description: z.string().nullable(),
}) satisfies z.ZodType<OpmlFeed>;

type Outline = Record<string, unknown>;

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  processEntities: false,
  htmlEntities: false,
  parseTagValue: false,
  parseAttributeValue: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
  isArray: (name) => name === 'outline',
});

function all(v: unknown): unknown[] {
  return v === undefined || v === null ? [] : Array.isArray(v) ? v : [v];
}

/** An attribute by name, case-insensitively (`xmlUrl`, `xmlurl`), decoded and trimmed; empty is null. */
function attr(o: Outline, name: string): string | null {
  const key = Object.keys(o).find((k) => k.toLowerCase() === `@${name.toLowerCase()}`);
  const v = key === undefined ? undefined : o[key];
  if (typeof v !== 'string') return null;
  const s = decodeEntities(v).trim();
  return s === '' ? null : s;
}

/**
 * Parses an OPML feed list. Outlines with an `xmlUrl` are feeds; outlines without one are
 * categories whose `text` joins the path. A feed whose `xmlUrl` repeats an earlier one is left out
 * (reported in `rejected`), as is one whose `xmlUrl` is not an absolute http(s) URL.
 * @throws {VigilError} `VIGIL_INPUT_FORMAT` when the text is not an OPML document.
 * @example parseOpml(await readFile('feeds.opml', 'utf8'), 'feeds.opml').feeds.length
 */
export function parseOpml(text: string, origin: string): OpmlList {
  let doc: Record<string, unknown>;
  try {
    doc = parser.parse(text.replace(/^\uFEFF/, '')) as Record<string, unknown>;
  } catch (cause) {
    throw new VigilError('VIGIL_INPUT_FORMAT', [origin, `not well-formed XML: ${(cause as Error).message}`], { cause });
  }
  const opml = doc.opml as Outline | undefined;
  if (opml === undefined || opml === null || typeof opml !== 'object') throw new VigilError('VIGIL_INPUT_FORMAT', [origin, 'not OPML (no <opml> root)']);
  const head = (opml.head ?? {}) as Outline;
  const titleNode = head.title;
  const title = typeof titleNode === 'string' ? decodeEntities(titleNode).trim() || null : null;
  const body = (opml.body ?? {}) as Outline;

  const feeds: OpmlFeed[] = [];
  const rejected: FeedRejection[] = [];
  const seen = new Map<string, number>();
  let index = 0;
  const walk = (outlines: unknown[], path: string[]): void => {
    for (const node of outlines) {
      if (node === null || typeof node !== 'object') continue;
      const o = node as Outline;
      const text = attr(o, 'text') ?? attr(o, 'title');
      const xmlUrl = attr(o, 'xmlUrl');
      if (xmlUrl !== null) {
        index++;
        const record = `outline ${index} ("${text ?? xmlUrl}")`;
        const candidate = {
          title: text ?? xmlUrl,
          xmlUrl,
          htmlUrl: resolveUrl(attr(o, 'htmlUrl'), xmlUrl),
          category: path.length > 0 ? path.join(' / ') : attr(o, 'category'),
          description: attr(o, 'description'),
        };
        const r = OpmlFeedSchema.safeParse(candidate);
        const earlier = seen.get(xmlUrl);
        if (!r.success) {
          const issue = r.error.issues[0];
          rejected.push({ where: { origin, record, field: issue?.path.join('.') || 'outline' }, reason: issue?.message ?? 'invalid' });
        } else if (earlier !== undefined) {
          rejected.push({ where: { origin, record, field: 'xmlUrl' }, reason: `duplicate of outline ${earlier}` });
        } else {
          seen.set(xmlUrl, index);
          feeds.push(r.data);
        }
      }
      const children = all(o.outline);
      if (children.length > 0) walk(children, xmlUrl === null && text !== null ? [...path, text] : path);
    }
  };
  walk(all(body.outline), []);
  return { title, feeds, rejected };
}

/** Escapes an attribute value (XML 1.0 §3.3.3: tabs and newlines as references so they survive). */
function esc(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/\t/g, '&#9;')
    .replace(/\n/g, '&#10;')
    .replace(/\r/g, '&#13;');
}

/**
 * Writes feeds as an OPML 2.0 document: each category path (split on ` / `) becomes nested
 * outlines, feeds stay in the given order (a category that recurs after another gets a second
 * outline), so `parseOpml(toOpml(feeds, t))` gives back the same feeds.
 * @example toOpml([{ title: 'Krebs', xmlUrl: 'https://krebsonsecurity.com/feed/', htmlUrl: null, category: 'News', description: null }], 'Mine')
 */
export function toOpml(feeds: readonly OpmlFeed[], title: string): string {
  const lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<opml version="2.0">', '  <head>', `    <title>${esc(title)}</title>`, '  </head>', '  <body>'];
  let open: string[] = [];
  for (const f of feeds) {
    const path = f.category === null || f.category === '' ? [] : f.category.split(' / ');
    let common = 0;
    while (common < open.length && common < path.length && open[common] === path[common]) common++;
    for (let depth = open.length; depth > common; depth--) lines.push(`${'  '.repeat(depth + 1)}</outline>`);
    for (let depth = common; depth < path.length; depth++) {
      const name = esc(path[depth]!);
      lines.push(`${'  '.repeat(depth + 2)}<outline text="${name}" title="${name}">`);
    }
    open = path;
    const attrs = [`type="rss"`, `text="${esc(f.title)}"`, `title="${esc(f.title)}"`, `xmlUrl="${esc(f.xmlUrl)}"`];
    if (f.htmlUrl !== null) attrs.push(`htmlUrl="${esc(f.htmlUrl)}"`);
    if (f.description !== null) attrs.push(`description="${esc(f.description)}"`);
    lines.push(`${'  '.repeat(path.length + 2)}<outline ${attrs.join(' ')}/>`);
  }
  for (let depth = open.length; depth > 0; depth--) lines.push(`${'  '.repeat(depth + 1)}</outline>`);
  lines.push('  </body>', '</opml>', '');
  return lines.join('\n');
}
