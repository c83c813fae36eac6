/**
 * RSS 2.0 parsing: `pubDate` forms table-tested one row per form (RFC 822 §5 with RFC 1123's
 * four-digit years), and items with CDATA, a single item, bad items reported by position and field.
 */
import { describe, expect, it } from 'vitest';
import { parseRss, parseRssDate } from './rss.ts';

describe('parseRssDate', () => {
  it.each([
    ['numeric zone +0000 (CERT-FR)', 'Mon, 02 Feb 2026 14:05:00 +0000', '2026-02-02T14:05:00.000Z'],
    ['numeric zone +0100', 'Fri, 30 Jan 2026 10:09:06 +0100', '2026-01-30T09:09:06.000Z'],
    ['negative zone', 'Fri, 30 Jan 2026 04:09:06 -0500', '2026-01-30T09:09:06.000Z'],
    ['GMT', 'Fri, 30 Jan 2026 09:09:06 GMT', '2026-01-30T09:09:06.000Z'],
    ['UT', 'Fri, 30 Jan 2026 09:09:06 UT', '2026-01-30T09:09:06.000Z'],
    ['CET', 'Fri, 30 Jan 2026 10:09:06 CET', '2026-01-30T09:09:06.000Z'],
    ['CEST', 'Tue, 01 Jul 2025 11:00:00 CEST', '2025-07-01T09:00:00.000Z'],
    ['EST (RFC 822 US zone)', 'Fri, 30 Jan 2026 04:09:06 EST', '2026-01-30T09:09:06.000Z'],
    ['no weekday, no seconds', '2 Feb 2026 14:05 +0000', '2026-02-02T14:05:00.000Z'],
    ['two-digit year (RFC 822)', 'Mon, 02 Feb 26 14:05:00 GMT', '2026-02-02T14:05:00.000Z'],
    ['no zone: UTC', 'Mon, 02 Feb 2026 14:05:00', '2026-02-02T14:05:00.000Z'],
    ['surrounding spaces', '  Mon, 02 Feb 2026 14:05:00 +0000\n', '2026-02-02T14:05:00.000Z'],
    ['day that does not exist', 'Mon, 30 Feb 2026 14:05:00 +0000', null],
    ['unknown zone', 'Mon, 02 Feb 2026 14:05:00 XYZ', null],
    ['unknown month', 'Mon, 02 Fev 2026 14:05:00 +0000', null],
    ['hour 24', 'Mon, 02 Feb 2026 24:05:00 +0000', null],
    ['ISO 8601 is not RFC 822', '2026-02-02T14:05:00Z', null],
    ['empty', '', null],
  ])('%s', (_name, value, expected) => {
    expect(parseRssDate(value)).toBe(expected);
  });
});

describe('parseRss', () => {
  it('reads items (CDATA titles, one item alone) and reports bad ones by position and field', () => {
    const one = parseRss(
      '<rss version="2.0"><channel><item><title><![CDATA[A & B]]></title><link> https://x.example/a/ </link><pubDate>Mon, 02 Feb 2026 14:05:00 +0000</pubDate></item></channel></rss>',
    );
    expect(one).toEqual({ items: [{ title: 'A & B', link: 'https://x.example/a/', published: '2026-02-02T14:05:00.000Z' }], problems: [] });
    const mixed = parseRss(
      '<rss><channel><item><link>ftp://x.example/b</link><pubDate>Mon, 02 Feb 2026 14:05:00 +0000</pubDate></item><item><link>https://x.example/c</link></item><item><title>ok</title><link>https://x.example/d</link><pubDate>Tue, 03 Feb 2026 08:00:00 GMT</pubDate></item></channel></rss>',
    );
    expect(mixed.items.map((i) => i.link)).toEqual(['https://x.example/d']);
    expect(mixed.problems.map((p) => [p.item, p.link, p.field])).toEqual([
      [1, 'ftp://x.example/b', 'link'],
      [2, 'https://x.example/c', 'pubDate'],
    ]);
    expect(parseRss('<rss><channel><title>empty</title></channel></rss>')).toEqual({ items: [], problems: [] });
  });

  it('throws on what is not an RSS 2.0 document', () => {
    expect(() => parseRss('{"items": []}')).toThrow(/not XML|not an RSS/);
    expect(() => parseRss('<feed xmlns="http://www.w3.org/2005/Atom"><entry/></feed>')).toThrow(/not an RSS 2.0 feed/);
    expect(() => parseRss('<rss><channel><item><link>https://x</link>')).toThrow(/not XML/);
  });
});
