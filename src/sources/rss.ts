/**
 * RSS 2.0 feeds (https://www.rssboard.org/rss-specification) as sources that publish one
 * document per item use them (CERT-FR `…/avis/feed/`, CERT-EU `…/security-advisories-rss`): the
 * items' link, title and publication time. Parsed with fast-xml-parser; each item crosses
 * {@link RssFeedItem}, so one bad item is reported and the others go on.
 */
import { XMLParser } from 'fast-xml-parser';
import { z } from 'zod';

/** One feed item, validated. */
export interface RssItem {
  title: string;
  /** The item's `link` (absolute URL). */
  link: string;
  /** `pubDate` as ISO 8601 UTC with milliseconds. */
  published: string;
}

/** An item left out, by position (1-based) and field. */
export interface RssItemProblem {
  item: number;
  link?: string;
  field: string;
  reason: string;
}

/**
 * Time zones RFC 822 §5.1 names (and the two CERT-EU's CMS may print), in minutes east of UTC.
 * Military one-letter zones are left out: RFC 1123 §5.2.14 says they were defined wrongly.
 */
const ZONES: Record<string, number> = {
  UT: 0,
  UTC: 0,
  GMT: 0,
  Z: 0,
  EST: -300,
  EDT: -240,
  CST: -360,
  CDT: -300,
  MST: -420,
  MDT: -360,
  PST: -480,
  PDT: -420,
  CET: 60,
  CEST: 120,
};
const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const RFC822 = /^(?:[A-Za-z]{3},\s*)?(\d{1,2})\s+([A-Za-z]{3})\s+(\d{2}|\d{4})\s+(\d{2}):(\d{2})(?::(\d{2}))?\s*([A-Za-z]{1,4}|[+-]\d{4})?$/;

/**
 * An RSS `pubDate` (RFC 822 §5 date-time, four-digit years as RFC 1123 allows:
 * `Mon, 02 Mar 2026 14:05:00 +0000`, `…GMT`, `…CET`) as ISO 8601 UTC; `null` when it is not one
 * (or names a day that does not exist). A missing zone is taken as UTC.
 * @example parseRssDate('Fri, 30 Jan 2026 09:09:06 +0100') // '2026-01-30T08:09:06.000Z'
 */
export function parseRssDate(value: string): string | null {
  const m = RFC822.exec(value.trim());
  if (!m) return null;
  const [, day, mon, yearText, hh, mm, ss, zone] = m as unknown as [string, string, string, string, string, string, string | undefined, string | undefined];
  const month = MONTHS.indexOf(mon.toLowerCase());
  if (month < 0) return null;
  const year = yearText.length === 2 ? 1900 + Number(yearText) + (Number(yearText) < 50 ? 100 : 0) : Number(yearText);
  let offset = 0;
  if (zone) {
    if (/^[+-]\d{4}$/.test(zone)) offset = (zone[0] === '-' ? -1 : 1) * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(3)));
    else if (ZONES[zone.toUpperCase()] !== undefined) offset = ZONES[zone.toUpperCase()] as number;
    else return null;
  }
  const local = Date.UTC(year, month, Number(day), Number(hh), Number(mm), Number(ss ?? 0));
  const check = new Date(local);
  if (check.getUTCDate() !== Number(day) || check.getUTCMonth() !== month || Number(hh) > 23 || Number(mm) > 59 || Number(ss ?? 0) > 60) return null;
  return new Date(local - offset * 60_000).toISOString();
}

/** Text of an element that may carry attributes or CDATA (fast-xml-parser puts it in `#text`). */
const XmlText = z.preprocess(
  (v) => (v !== null && typeof v === 'object' && '#text' in v ? (v as { '#text': unknown })['#text'] : v),
  z.union([z.string(), z.number()]).transform(String),
);

/** One `<item>`: `link` must be an absolute http(s) URL and `pubDate` an RFC 822 date-time. */
export const RssFeedItem = z.object({
  title: XmlText.optional().default(''),
  link: XmlText.pipe(
    z
      .string()
      .trim()
      .pipe(z.url({ protocol: /^https?$/ })),
  ),
  pubDate: XmlText.transform((s, ctx) => {
    const iso = parseRssDate(s);
    if (iso === null) {
      ctx.addIssue({ code: 'custom', message: `not an RFC 822 date-time: "${s}"` });
      return z.NEVER;
    }
    return iso;
  }),
});

const parser = new XMLParser({
  ignoreAttributes: true,
  parseTagValue: false,
  trimValues: true,
  isArray: (tagName) => tagName === 'item',
});

/**
 * Parses an RSS 2.0 document into its valid items (document order) and the items left out.
 * @throws {Error} when the text is not XML or has no `rss > channel` (the caller names the URL).
 */
export function parseRss(xml: string): { items: RssItem[]; problems: RssItemProblem[] } {
  let doc: unknown;
  try {
    doc = parser.parse(xml, true);
  } catch (cause) {
    throw new Error(`not XML: ${(cause as Error).message}`, { cause });
  }
  const channel = (doc as { rss?: { channel?: { item?: unknown } } } | null)?.rss?.channel;
  if (channel === undefined || channel === null || typeof channel !== 'object') throw new Error('not an RSS 2.0 feed (no rss > channel)');
  const raw = Array.isArray(channel.item) ? channel.item : [];
  const items: RssItem[] = [];
  const problems: RssItemProblem[] = [];
  raw.forEach((value: unknown, i: number) => {
    const r = RssFeedItem.safeParse(value);
    if (r.success) {
      items.push({ title: r.data.title, link: r.data.link, published: r.data.pubDate });
      return;
    }
    const issue = r.error.issues[0];
    const link = (value as { link?: unknown } | null)?.link;
    problems.push({ item: i + 1, ...(typeof link === 'string' ? { link } : {}), field: issue?.path.join('.') || 'item', reason: issue?.message ?? 'invalid' });
  });
  return { items, problems };
}
