import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { corpusPath, hasCorpus } from '../../testing/corpus.ts';
import { type FeedItem, parseFeed } from '../feeds/parse.ts';
import { cutAtWord, extractArticle } from './article.ts';
import { findCveIds } from './cves.ts';

const corpus = hasCorpus();

function feedItems(file: string): FeedItem[] {
  return parseFeed(readFileSync(corpusPath('news/feeds', file)), 'https://example.com/').items;
}

interface Skeleton {
  title: string;
  body: string;
  head?: string;
  /** Markup inside <article> before the body (a date line). */
  byline?: string;
}

/** A real site's chrome around a real article body: everything but the body is boilerplate. */
function page({ title, body, head = '', byline = '' }: Skeleton): string {
  return `<!DOCTYPE html><html lang="en-US"><head><meta charset="utf-8"><title>${title} | Security Blog</title>
<meta name="viewport" content="width=device-width">${head}
<script>window.dataLayer = window.dataLayer || []; function gtag(){ dataLayer.push('SCRIPT-BOILERPLATE'); }</script>
<style>.cookie-banner { position: fixed } /* STYLE-BOILERPLATE */</style></head>
<body class="single-post">
<div id="onetrust-banner-sdk" class="cookie-banner" role="dialog"><p>COOKIE-BOILERPLATE: We and our partners use cookies to personalise content and ads, to provide social media features and to analyse our traffic.</p><button>Accept all cookies</button><a href="/privacy">Privacy statement</a></div>
<header class="site-header"><a class="logo" href="/">Home</a>
<nav class="main-nav"><ul><li><a href="/products">NAV-BOILERPLATE Products</a></li><li><a href="/solutions">Solutions</a></li><li><a href="/partners?utm_source=nav">Partners</a></li><li><a href="/blog/">Blog</a></li></ul></nav></header>
<main id="main"><article class="post"><h1 class="entry-title">${title}</h1>${byline}<div class="entry-content">${body}</div></article>
<aside class="sidebar widget-area"><h2>Related posts</h2><ul>
<li><a href="/blog/2025/07/01/zero-trust/">SIDEBAR-BOILERPLATE Zero Trust in five steps</a></li>
<li><a href="/blog/2025/06/30/copilot/">Copilot for Security: what is new</a></li>
<li><a href="https://partner.example.net/story#comments">A partner's story</a></li></ul>
<form class="newsletter"><label>Subscribe to our newsletter</label><input type="email"><button>Sign up</button></form></aside></main>
<footer class="site-footer"><p>FOOTER-BOILERPLATE © 2025 Example Corp. All rights reserved.</p><ul><li><a href="/legal">Terms of use</a></li><li><a href="/sitemap">Sitemap</a></li><li><a href="mailto:press@example.com">Press</a></li></ul></footer>
<script src="/assets/app.js"></script><script>document.write('SCRIPT-BOILERPLATE-2')</script></body></html>`;
}

const BOILERPLATE = /BOILERPLATE|Accept all cookies|Subscribe to our newsletter|Related posts|All rights reserved/;

describe('cutAtWord', () => {
  it.each([
    ['short', 10, 'short'],
    ['one two three four', 12, 'one two…'],
    ['one two, three', 10, 'one two…'],
    ['abcdefghijklmnop', 8, 'abcdefg…'],
  ])('%j at %i → %j', (s, max, expected) => {
    const cut = cutAtWord(s, max);
    expect(cut).toBe(expected);
    expect(cut.length).toBeLessThanOrEqual(max);
  });
});

describe.skipIf(!corpus)('extractArticle on real article bodies', () => {
  const sharepoint = corpus ? feedItems('tsummey_cyberdash/microsoftsecurity.xml').find((i) => i.title?.includes('SharePoint')) : undefined;

  it('keeps a long Microsoft Security Blog article and drops the page chrome', () => {
    const item = sharepoint!;
    const html = page({
      title: item.title!,
      body: item.contentHtml!,
      head: '<link rel="canonical" href="/en-us/security/blog/2025/07/22/disrupting-active-exploitation-of-on-premises-sharepoint-vulnerabilities/?utm_source=rss#top"><meta property="article:published_time" content="2025-07-22T16:00:00+00:00"><meta name="author" content="Microsoft Threat Intelligence">',
    });
    const url = 'https://www.microsoft.com/en-us/security/blog/?p=139813&utm_medium=feed';
    const got = extractArticle(html, url);
    expect(got.title).toBe('Disrupting active exploitation of on-premises SharePoint vulnerabilities');
    expect(got.published).toBe('2025-07-22T16:00:00.000Z');
    expect(got.author).toBe('Microsoft Threat Intelligence');
    expect(got.language).toBe('en');
    expect(got.canonicalUrl).toBe(
      'https://www.microsoft.com/en-us/security/blog/2025/07/22/disrupting-active-exploitation-of-on-premises-sharepoint-vulnerabilities/',
    );
    expect(got.text).not.toMatch(BOILERPLATE);
    expect(got.text).toMatch(/^July 23, 2025 update – Expanded analysis/);
    expect(got.text).toContain('CVE-2025-49706, a spoofing vulnerability, and CVE-2025-49704, a remote code execution vulnerability.');
    expect(got.text).toMatch(/The post Disrupting active exploitation of on-premises SharePoint vulnerabilities appeared first on Microsoft Security Blog\.$/);
    expect(findCveIds(got.text)).toEqual(['CVE-2025-49704', 'CVE-2025-49706', 'CVE-2025-53770', 'CVE-2025-53771']);
    // Paragraphs are separated by one blank line, and no paragraph carries a line break or a double space.
    const paragraphs = got.text.split('\n\n');
    expect(paragraphs.length).toBeGreaterThan(50);
    for (const p of paragraphs) expect(p).toMatch(/^\S(?:.*\S)?$/);
    expect(got.text).not.toMatch(/ {2}|\n{3}/);
    // Every link of the page, resolved, fragment dropped, once each, in order; mailto: left out.
    expect(got.links.slice(0, 4)).toEqual([
      'https://www.microsoft.com/privacy',
      'https://www.microsoft.com/',
      'https://www.microsoft.com/products',
      'https://www.microsoft.com/solutions',
    ]);
    expect(got.links).toContain('https://partner.example.net/story');
    expect(got.links.every((l) => /^https?:\/\//.test(l) && !l.includes('#'))).toBe(true);
    expect(new Set(got.links).size).toBe(got.links.length);
    expect(got.excerpt!.length).toBeLessThanOrEqual(500);
  });

  it('reads a page source by its selectors, readability filling nothing it was given', () => {
    const item = sharepoint!;
    const html = page({
      title: item.title!,
      body: item.contentHtml!,
      byline: '<p class="meta">Posted <time class="published">July 22, 2025</time> by MSTIC</p>',
    });
    const got = extractArticle(html, 'https://www.microsoft.com/en-us/security/blog/x/', {
      title: 'h1.entry-title',
      content: '.entry-content',
      date: 'time.published',
      links: 'aside.sidebar a',
    });
    expect(got.title).toBe(item.title);
    expect(got.published).toBe('2025-07-22T00:00:00.000Z');
    expect(got.text).toMatch(/^July 23, 2025 update/);
    expect(got.text).not.toMatch(BOILERPLATE);
    expect(got.text).not.toContain('Posted July 22');
    expect(findCveIds(got.text)).toEqual(['CVE-2025-49704', 'CVE-2025-49706', 'CVE-2025-53770', 'CVE-2025-53771']);
    expect(got.links).toEqual([
      'https://www.microsoft.com/blog/2025/07/01/zero-trust/',
      'https://www.microsoft.com/blog/2025/06/30/copilot/',
      'https://partner.example.net/story',
    ]);
  });

  it('sees the chrome when told to read the whole body (the boilerplate checks can fail)', () => {
    const item = sharepoint!;
    const got = extractArticle(page({ title: item.title!, body: item.contentHtml! }), 'https://www.microsoft.com/a', { content: 'body' });
    expect(got.text).toMatch(/^COOKIE-BOILERPLATE/);
    expect(got.text).toContain('FOOTER-BOILERPLATE');
    expect(got.text).toContain('SIDEBAR-BOILERPLATE');
    // Scripts, styles, navigation and forms are dropped even then.
    expect(got.text).not.toMatch(/SCRIPT-BOILERPLATE|STYLE-BOILERPLATE|NAV-BOILERPLATE|Subscribe to our newsletter/);
  });

  it('fills from readability what the selectors miss', () => {
    const item = sharepoint!;
    const html = page({ title: item.title!, body: item.contentHtml! });
    const got = extractArticle(html, 'https://www.microsoft.com/a', { date: 'time.nowhere', content: '.no-such-class' });
    expect(got.title).toBe(item.title);
    expect(got.published).toBeNull();
    expect(got.text).toMatch(/^July 23, 2025 update/);
    expect(got.text).not.toMatch(BOILERPLATE);
  });

  it('keeps a short Krebs on Security article', () => {
    const item = feedItems('b2ngyon_ainews_fixtures/krebsonsecurity.xml').find((i) => (i.contentHtml ?? '').length > 500)!;
    const html = page({
      title: item.title!,
      body: item.contentHtml!,
      head: '<script type="application/ld+json">{"@context":"https://schema.org","@graph":[{"@type":"WebPage"},{"@type":"Article","datePublished":"2025-07-21T14:05:00-04:00","author":{"@type":"Person","name":"BrianKrebs"}}]}</script>',
    });
    const got = extractArticle(html, 'https://krebsonsecurity.com/2025/07/x/');
    expect(got.published).toBe('2025-07-21T18:05:00.000Z');
    expect(got.author).toBe('BrianKrebs');
    expect(got.text).not.toMatch(BOILERPLATE);
    const firstWords = item.summary!.split(' ').slice(0, 8).join(' ');
    expect(got.text.replace(/\n\n/g, ' ')).toContain(firstWords);
  });
});

describe('extractArticle metadata', () => {
  const body = `<p>${'Attackers exploited a flaw in the VPN appliance. '.repeat(20)}</p><p>Second paragraph naming cve-2024-21762.</p>`;

  it('ignores a canonical link to another site, and takes the first <time datetime>', () => {
    const got = extractArticle(
      page({
        title: 'T',
        body,
        head: '<link rel="canonical" href="https://aggregator.example.org/copy/1">',
        byline: '<time datetime="2025-01-02T03:04:05Z">2 Jan</time>',
      }),
      'https://News.Example.com/a?b=1&fbclid=x#c',
    );
    expect(got.canonicalUrl).toBe('https://news.example.com/a?b=1');
    expect(got.published).toBe('2025-01-02T03:04:05.000Z');
  });

  it('resolves links against <base href>', () => {
    const got = extractArticle(page({ title: 'T', body, head: '<base href="https://cdn.example.com/blog/">' }), 'https://example.com/a');
    expect(got.links).toContain('https://cdn.example.com/products');
    expect(got.links).toContain('https://cdn.example.com/blog/2025/07/01/zero-trust/');
  });

  it('falls back to the body text when readability finds no article', () => {
    const got = extractArticle('<html><body><p>Only one line.</p><script>x()</script></body></html>', 'https://example.com/');
    expect(got.text).toBe('Only one line.');
    expect(got.title).toBe('');
    expect(got.published).toBeNull();
    expect(got.language).toBeUndefined();
  });

  it('refuses a relative URL', () => {
    expect(() => extractArticle('<p>x</p>', '/a')).toThrow(expect.objectContaining({ code: 'VIGIL_URL_REFUSED' }));
  });
});
