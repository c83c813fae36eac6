import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { corpusPath, hasCorpus } from '../../testing/corpus.ts';
import { simhash } from '../dedupe/simhash.ts';
import { type FeedItem, parseFeed } from '../feeds/parse.ts';
import type { ExtractedPage } from './article.ts';
import { buildDocument, needsArticle } from './document.ts';
import { fragmentText } from './text.ts';

const corpus = hasCorpus();
const FETCHED = '2025-07-25T08:00:00.000Z';

function feedItems(file: string): FeedItem[] {
  return parseFeed(readFileSync(corpusPath('news/feeds', file)), 'https://example.com/').items;
}

function sha256(s: string): string {
  return createHash('sha256').update(s).digest('hex');
}

function item(over: Partial<FeedItem>): FeedItem {
  return {
    guid: 'g',
    url: 'https://example.com/a',
    title: 'T',
    author: null,
    published: null,
    updated: null,
    summary: null,
    contentHtml: null,
    categories: [],
    ...over,
  };
}

describe.skipIf(!corpus)('buildDocument on real feed items', () => {
  it('a full-content item (Microsoft Security Blog, content:encoded)', () => {
    const it0 = feedItems('tsummey_cyberdash/microsoftsecurity.xml').find((i) => i.title?.includes('SharePoint'))!;
    const doc = buildDocument({ source: { name: 'msft', tags: ['vendor', 'Microsoft'] }, url: `${it0.url}?utm_source=rss#x`, fetchedAt: FETCHED, item: it0 });
    expect(doc.canonicalUrl).toBe(it0.url);
    expect(doc.id).toBe(`intel-${sha256(it0.url!).slice(0, 20)}`);
    expect(doc.url).toBe(`${it0.url}?utm_source=rss#x`);
    expect(doc.source).toBe('msft');
    expect(doc.title).toBe('Disrupting active exploitation of on-premises SharePoint vulnerabilities');
    expect(doc.author).toBe('Microsoft Threat Intelligence');
    expect(doc.published).toBe('2025-07-22T13:00:00.000Z');
    expect(doc.fetchedAt).toBe(FETCHED);
    expect(doc.text).toBe(fragmentText(it0.contentHtml!));
    expect(doc.text.split('\n\n').length).toBeGreaterThan(50);
    expect(doc.summary).toEqual(it0.summary!.length <= 500 ? it0.summary : expect.stringMatching(/…$/));
    expect(doc.language).toBe('en');
    expect(doc.cves).toEqual(['CVE-2025-49704', 'CVE-2025-49706', 'CVE-2025-53770', 'CVE-2025-53771']);
    expect(doc.simhash).toBe(simhash(doc.text));
    expect(doc.contentHash).toBe(sha256(`${doc.title}\n\n${doc.text}`));
    expect(doc.tags).toEqual(['vendor', 'Microsoft']);
  });

  it('a summary-only item (BleepingComputer): text is the summary, categories before source tags', () => {
    const it0 = feedItems('tsummey_cyberdash/bleepingcomputer.xml').find((i) => i.categories.includes('Microsoft'))!;
    const doc = buildDocument({ source: { name: 'bleeping', tags: ['news', 'SECURITY', 'microsoft'] }, url: it0.url!, fetchedAt: FETCHED, item: it0 });
    expect(doc.text).toBe(it0.summary);
    expect(doc.summary).toBe(it0.summary);
    expect(doc.tags).toEqual(['Security', 'Microsoft', 'news']);
    expect(doc.language).toBe('en');
  });

  it('a long summary is cut at a word boundary under 500 characters (CISA advisory)', () => {
    const it0 = feedItems('tsummey_cyberdash/cybersecurity-advisories.xml').find((i) => (i.summary ?? '').length > 10_000)!;
    const doc = buildDocument({ source: { name: 'cisa', tags: [] }, url: it0.url!, fetchedAt: FETCHED, item: it0 });
    expect(doc.summary!.length).toBeLessThanOrEqual(500);
    expect(doc.summary).toMatch(/\S…$/);
    expect(it0.summary!.startsWith(doc.summary!.slice(0, -1))).toBe(true);
    expect(it0.summary![doc.summary!.length - 1]).toMatch(/[\s,.;:]/);
  });

  it('a French CERT-FR advisory names its exploited CVEs', () => {
    const avis = JSON.parse(readFileSync(corpusPath('cert-fr/avis/2025/CERTFR-2025-AVI-0039.json'), 'utf8')) as {
      title: string;
      summary: string;
      reference: string;
    };
    const url = `https://www.cert.ssi.gouv.fr/avis/${avis.reference}/`;
    const doc = buildDocument({
      source: { name: 'certfr', tags: ['cert'] },
      url,
      fetchedAt: FETCHED,
      item: item({ url, title: avis.title, summary: avis.summary }),
    });
    expect(doc.title).toBe('Multiples vulnérabilités dans Microsoft Windows');
    expect(doc.language).toBe('fr');
    expect(doc.cves).toEqual(['CVE-2025-21333', 'CVE-2025-21334', 'CVE-2025-21335']);
    expect(doc.text).toBe(avis.summary.trim());
  });
});

describe('buildDocument rules', () => {
  const page: ExtractedPage = {
    title: ' Page title ',
    author: 'Page Author',
    published: '2025-01-01T00:00:00.000Z',
    text: 'Page paragraph one.\n\nPage paragraph two names CVE-2024-3400.',
    excerpt: 'Page paragraph one.',
    canonicalUrl: 'https://example.com/canonical',
    links: [],
  };

  it('page before item for title, text and canonical URL; item before page for date and author', () => {
    const doc = buildDocument({
      source: { name: 's', tags: [] },
      url: 'https://example.com/a?utm_source=x',
      fetchedAt: FETCHED,
      item: item({
        title: 'Item title',
        published: '2025-02-02T00:00:00.000Z',
        author: 'Item Author',
        summary: 'Item summary.',
        contentHtml: '<p>Item body</p>',
      }),
      page,
    });
    expect(doc.title).toBe('Page title');
    expect(doc.text).toBe(page.text);
    expect(doc.canonicalUrl).toBe('https://example.com/canonical');
    expect(doc.id).toBe(`intel-${sha256('https://example.com/canonical').slice(0, 20)}`);
    expect(doc.published).toBe('2025-02-02T00:00:00.000Z');
    expect(doc.author).toBe('Item Author');
    expect(doc.summary).toBe('Item summary.');
    expect(doc.cves).toEqual(['CVE-2024-3400']);
  });

  it('without a summary, the text opening is the summary; without text, none', () => {
    const long = Array.from({ length: 200 }, (_, i) => `word${i}`).join(' ');
    const doc = buildDocument({
      source: { name: 's', tags: [] },
      url: 'https://example.com/a',
      fetchedAt: FETCHED,
      item: item({ contentHtml: `<p>${long}</p>` }),
    });
    expect(doc.summary!.length).toBeLessThanOrEqual(500);
    expect(doc.summary).toMatch(/^word0 word1 .* word\d+…$/);
    const empty = buildDocument({
      source: { name: 's', tags: [] },
      url: 'https://example.com/a',
      fetchedAt: FETCHED,
      item: item({ title: '  CVE-2025-0001 patched ' }),
    });
    expect(empty.summary).toBeNull();
    expect(empty.text).toBe('');
    expect(empty.title).toBe('CVE-2025-0001 patched');
    expect(empty.cves).toEqual(['CVE-2025-0001']);
    expect(empty.language).toBeNull();
    expect(empty.simhash).toBe('0000000000000000');
  });

  it('the content hash ignores whitespace and Unicode composition, not words', () => {
    const build = (html: string) =>
      buildDocument({ source: { name: 's', tags: [] }, url: 'https://example.com/a', fetchedAt: FETCHED, item: item({ title: 'Café', contentHtml: html }) });
    const a = build('<p>Une vulnérabilité</p><p>dans OpenSSL</p>');
    const b = build('<p>Une  vulne\u0301rabilite\u0301\n</p>\n<p> dans OpenSSL</p>');
    const c = build('<p>Une vulnérabilité</p><p>dans LibreSSL</p>');
    expect(b.contentHash).toBe(a.contentHash);
    expect(b.text).toBe('Une vulnérabilité\n\ndans OpenSSL');
    const page = (text: string) =>
      buildDocument({
        source: { name: 's', tags: [] },
        url: 'https://example.com/a',
        fetchedAt: FETCHED,
        page: { title: 'Café', author: null, published: null, text, excerpt: null, canonicalUrl: 'https://example.com/a', links: [] },
      });
    // An untidy page text (a caller's own extractor) is tidied before hashing.
    expect(page(' Une\tvulnérabilité \n \n\n\ndans\u00a0OpenSSL\n').text).toBe('Une vulnérabilité\n\ndans OpenSSL');
    expect(page(' Une\tvulnérabilité \n \n\n\ndans\u00a0OpenSSL\n').contentHash).toBe(a.contentHash);
    expect(c.contentHash).not.toBe(a.contentHash);
  });
});

describe('needsArticle', () => {
  const full = item({ contentHtml: `<p>${'x '.repeat(300)}</p>` });
  const summaryOnly = item({ summary: 'y '.repeat(300) });
  const shortContent = item({ contentHtml: '<p>Read more…</p>', summary: 'z' });
  it.each<[string, FeedItem, 'auto' | 'always' | 'never', boolean]>([
    ['auto, full content', full, 'auto', false],
    ['auto, summary only (a summary is never full content)', summaryOnly, 'auto', true],
    ['auto, content shorter than minContentLength', shortContent, 'auto', true],
    ['always, full content', full, 'always', true],
    ['never, summary only', summaryOnly, 'never', false],
    ['always, but no link to fetch', item({ url: null }), 'always', false],
  ])('%s → %s', (_name, it0, fetchArticles, expected) => {
    expect(needsArticle(it0, { fetchArticles, minContentLength: 200 })).toBe(expected);
  });
});
