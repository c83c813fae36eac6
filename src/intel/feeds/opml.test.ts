/**
 * OPML feed lists on the real corpus (news/feedlists): counts and categories checked against a
 * line-by-line count of the raw files, duplicates, relative htmlUrl, the `iconUrl= "…"` quirk,
 * and toOpml → parseOpml round trips; nesting, escaping and bad outlines on lists built here.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { corpusPath, hasCorpus } from '../../testing/corpus.ts';
import { type OpmlFeed, parseOpml, toOpml } from './opml.ts';

describe('parseOpml / toOpml on built lists', () => {
  it('nests category paths, takes the category attribute at top level, rejects bad and repeated xmlUrls', () => {
    const text = `<?xml version="1.0"?>
<opml version="1.0"><head><title>Mine &amp; yours</title></head><body>
  <outline text="News"><outline text="EU">
    <outline type="rss" text="CERT-EU" xmlUrl = "https://cert.europa.eu/publications/security-advisories-rss" htmlUrl= "/publications" />
  </outline>
    <outline type="rss" title="Only a title" xmlurl="https://example.org/feed?a=1&amp;b=2"/>
  </outline>
  <outline type="rss" text="Flat" category="/Misc" xmlUrl="https://flat.example/rss" description="x &lt; y"/>
  <outline type="rss" text="Bad" xmlUrl="javascript:alert(1)"/>
  <outline type="rss" text="Again" xmlUrl="https://flat.example/rss"/>
  <outline text="link, not a feed" url="https://example.org/"/>
</body></opml>`;
    const list = parseOpml(text, 'built');
    expect(list.title).toBe('Mine & yours');
    expect(list.feeds).toEqual([
      {
        title: 'CERT-EU',
        xmlUrl: 'https://cert.europa.eu/publications/security-advisories-rss',
        htmlUrl: 'https://cert.europa.eu/publications',
        category: 'News / EU',
        description: null,
      },
      { title: 'Only a title', xmlUrl: 'https://example.org/feed?a=1&b=2', htmlUrl: null, category: 'News', description: null },
      { title: 'Flat', xmlUrl: 'https://flat.example/rss', htmlUrl: null, category: '/Misc', description: 'x < y' },
    ] satisfies OpmlFeed[]);
    expect(list.rejected).toEqual([
      { where: { origin: 'built', record: 'outline 4 ("Bad")', field: 'xmlUrl' }, reason: expect.stringMatching(/URL|protocol/i) },
      { where: { origin: 'built', record: 'outline 5 ("Again")', field: 'xmlUrl' }, reason: 'duplicate of outline 3' },
    ]);
    expect(parseOpml(toOpml(list.feeds, 'again'), 'rt').feeds).toEqual(list.feeds);
  });

  it('escapes attribute values so they round-trip', () => {
    const feeds: OpmlFeed[] = [
      {
        title: 'Quote " & <tag> é ’',
        xmlUrl: 'https://a.example/?x=1&y="2"',
        htmlUrl: 'https://a.example/',
        category: 'A & B / C<D>',
        description: 'line one\nline two\ttab',
      },
      { title: 'Top', xmlUrl: 'https://b.example/rss', htmlUrl: null, category: null, description: null },
      { title: 'Back in A', xmlUrl: 'https://c.example/rss', htmlUrl: null, category: 'A & B', description: null },
    ];
    const xml = toOpml(feeds, 'T "quoted" & <x>');
    expect(xml).toContain('xmlUrl="https://a.example/?x=1&amp;y=&quot;2&quot;"');
    const back = parseOpml(xml, 'rt');
    expect(back.title).toBe('T "quoted" & <x>');
    expect(back.feeds).toEqual(feeds);
    expect(back.rejected).toEqual([]);
  });

  it('refuses what is not OPML', () => {
    expect(() => parseOpml('<rss><channel/></rss>', 'x.xml')).toThrow(/x\.xml: not OPML/);
  });
});

const LISTS = corpusPath('news', 'feedlists');

/** Independent count: `xmlUrl=` attributes per top-level outline, read line by line. */
function countByTopCategory(raw: string): Map<string, number> {
  const counts = new Map<string, number>();
  let current = '';
  for (const line of raw.split('\n')) {
    const top = /^ {4}<outline text="([^"]*)"/.exec(line);
    if (top && !line.includes('xmlUrl')) current = top[1]!.replace(/&amp;/g, '&');
    if (/xmlUrl\s*=/.test(line)) counts.set(current, (counts.get(current) ?? 0) + 1);
  }
  return counts;
}

describe.skipIf(!hasCorpus())('parseOpml on the real feed lists', () => {
  it('clivoa sec_feeds_active.xml: 826 feeds in 11 top-level categories, per-category counts as in the file', () => {
    const raw = readFileSync(`${LISTS}/clivoa_awesome-security-feeds/sec_feeds_active.xml`, 'utf8');
    const expected = countByTopCategory(raw);
    expect([...expected.values()].reduce((a, b) => a + b, 0)).toBe(826);
    expect(raw.match(/xmlUrl="/g)).toHaveLength(826);
    expect(expected.size).toBe(11);
    const list = parseOpml(raw, 'clivoa');
    expect(list.title).toBe('Security Feeds (Active only)');
    expect(list.feeds).toHaveLength(826);
    expect(list.rejected).toEqual([]);
    const got = new Map<string, number>();
    for (const f of list.feeds) got.set(f.category ?? '', (got.get(f.category ?? '') ?? 0) + 1);
    expect(got).toEqual(expected);
    expect(got.get('Government, CERT & Advisories')).toBe(38);
    expect(list.feeds.find((f) => f.title === 'Rekt')).toEqual({
      title: 'Rekt',
      xmlUrl: 'https://rekt.news/rss/feed.xml',
      htmlUrl: 'https://rekt.news/rss/feed.xml',
      category: 'Crypto & Blockchain Security',
      description: 'Investigative journalism &amp; creative commentary', // double-escaped upstream: decoded once
    });
    const back = parseOpml(toOpml(list.feeds, list.title!), 'rt');
    expect(back).toEqual({ title: list.title, feeds: list.feeds, rejected: [] });
  });

  it('cyberfeedbites: 56 feeds in one category, the `iconUrl= "…"` outline included', () => {
    const raw = readFileSync(`${LISTS}/cyberfeedbites/cybersecnews-sources.opml`, 'utf8');
    expect(raw.match(/xmlUrl="/g)).toHaveLength(56);
    const list = parseOpml(raw, 'cyberfeedbites');
    expect(list.feeds).toHaveLength(56);
    expect(list.rejected).toEqual([]);
    expect(new Set(list.feeds.map((f) => f.category))).toEqual(new Set(['Cybersecurity News']));
    expect(list.feeds.find((f) => f.title === 'Bellingcat')).toMatchObject({
      xmlUrl: 'https://www.bellingcat.com/feed/',
      htmlUrl: 'https://www.bellingcat.com/',
    });
    expect(parseOpml(toOpml(list.feeds, 'x'), 'rt').feeds).toEqual(list.feeds);
  });

  it('allinfosecnews: 258 outlines, 3 repeated xmlUrls kept once; category from the attribute', () => {
    const raw = readFileSync(`${LISTS}/allinfosecnews2opml/allinfosecnews.opml`, 'utf8');
    const urls = raw.match(/xmlUrl="[^"]*"/g)!;
    expect(urls).toHaveLength(258);
    const list = parseOpml(raw, 'allinfosec');
    expect(list.feeds).toHaveLength(new Set(urls).size);
    expect(list.feeds).toHaveLength(255);
    expect(list.rejected.map((r) => r.reason)).toEqual([
      'duplicate of outline 53',
      'duplicate of outline 134',
      expect.stringMatching(/^duplicate of outline \d+$/),
    ]);
    expect(list.feeds.every((f) => f.category === 'InfoSec')).toBe(true);
    expect(list.feeds.find((f) => f.xmlUrl === 'https://aboutdfir.com/feed/')?.title).toBe('AboutDFIR – The Definitive Compendium Project');
    expect(parseOpml(toOpml(list.feeds, 'x'), 'rt').feeds).toEqual(list.feeds);
  });

  it('zer0yu tiny.opml: 495 feeds, relative htmlUrl resolved against the feed URL', () => {
    const raw = readFileSync(`${LISTS}/zer0yu_CyberSecurityRSS/tiny.opml`, 'utf8');
    const list = parseOpml(raw, 'tiny');
    expect(list.feeds).toHaveLength(raw.match(/xmlUrl="/g)!.length);
    expect(list.feeds).toHaveLength(495);
    expect(list.feeds.find((f) => f.xmlUrl === 'https://lailin.xyz/atom.xml')).toMatchObject({ htmlUrl: 'https://lailin.xyz/atom.xml', category: 'Dev' });
    expect(list.feeds.every((f) => f.htmlUrl === null || /^https?:\/\//.test(f.htmlUrl))).toBe(true);
  });
});
