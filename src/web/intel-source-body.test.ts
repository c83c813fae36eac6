/**
 * The dashboard's add-source form (web/src/intel/source-body.ts): the body each form state sends,
 * as the server receives it (JSON: unset fields gone), read by the server's own schema
 * (intel/sources/schema.ts `IntelSourceInput`), so the form and the API cannot drift apart.
 */
import { describe, expect, it } from 'vitest';
import { IntelSourceInput } from '../intel/sources/schema.ts';
import { EMPTY_SOURCE_FIELDS, type SourceFields, sourceBody } from '../../web/src/intel/source-body.ts';

/** The body as it crosses the wire. */
function sent(fields: Partial<SourceFields>): Record<string, unknown> {
  return JSON.parse(JSON.stringify(sourceBody({ ...EMPTY_SOURCE_FIELDS, ...fields }))) as Record<string, unknown>;
}

describe('sourceBody', () => {
  const rows: [string, Partial<SourceFields>, Record<string, unknown>][] = [
    [
      'a feed with the defaults',
      { name: 'bleepingcomputer', url: ' https://www.bleepingcomputer.com/feed/ ' },
      {
        name: 'bleepingcomputer',
        kind: 'feed',
        url: 'https://www.bleepingcomputer.com/feed/',
        enabled: true,
        intervalSeconds: 3600,
        proxy: 'none',
        robots: 'obey',
        tags: [],
        fetchArticles: 'auto',
      },
    ],
    [
      'a feed through Tor, disabled, every 15 minutes, tags trimmed, its articles never fetched',
      {
        name: 'onion-news',
        url: 'http://example.onion/rss',
        proxy: 'tor',
        enabled: false,
        intervalMinutes: '15',
        tags: ' darkweb, news ,, ',
        fetchArticles: 'never',
      },
      {
        name: 'onion-news',
        kind: 'feed',
        url: 'http://example.onion/rss',
        enabled: false,
        intervalSeconds: 900,
        proxy: 'tor',
        robots: 'obey',
        tags: ['darkweb', 'news'],
        fetchArticles: 'never',
      },
    ],
    [
      'a forum: selectors, links to follow, limits, a SOCKS5 proxy, headers (a value holding ":")',
      {
        name: 'forum',
        kind: 'page',
        url: 'https://forum.example.org/latest',
        title: 'h1.thread-title',
        content: ' div.post-body ',
        date: 'time.posted',
        links: 'a.thread',
        follow: '/thread/\\d+',
        maxPages: '30',
        maxDepth: '2',
        proxy: 'socks',
        socks: 'socks5h://127.0.0.1:9050',
        robots: 'ignore',
        minContentLength: '50',
        minDelaySeconds: '1.5',
        headers: 'Cookie: session=abc\nX-Api-Key: k:v\nnot a header\n',
      },
      {
        name: 'forum',
        kind: 'page',
        url: 'https://forum.example.org/latest',
        enabled: true,
        intervalSeconds: 3600,
        proxy: 'socks5h://127.0.0.1:9050',
        robots: 'ignore',
        tags: [],
        minContentLength: 50,
        minDelaySeconds: 1.5,
        headers: { Cookie: 'session=abc', 'X-Api-Key': 'k:v' },
        selectors: { title: 'h1.thread-title', content: 'div.post-body', date: 'time.posted', links: 'a.thread' },
        follow: '/thread/\\d+',
        maxPages: 30,
        maxDepth: 2,
      },
    ],
    [
      'a page with nothing but its URL: no selector, no follow rule, the default limits',
      { name: 'vendor-blog', kind: 'page', url: 'https://vendor.example.com/blog/', intervalMinutes: '' },
      {
        name: 'vendor-blog',
        kind: 'page',
        url: 'https://vendor.example.com/blog/',
        enabled: true,
        proxy: 'none',
        robots: 'obey',
        tags: [],
        selectors: {},
        follow: null,
      },
    ],
    [
      'a feed after page fields were typed and the kind switched back: page fields are not sent',
      {
        name: 'cisa',
        url: 'https://www.cisa.gov/cybersecurity-advisories/all.xml',
        title: 'h1',
        follow: 'x',
        maxPages: '3',
      },
      {
        name: 'cisa',
        kind: 'feed',
        url: 'https://www.cisa.gov/cybersecurity-advisories/all.xml',
        enabled: true,
        intervalSeconds: 3600,
        proxy: 'none',
        robots: 'obey',
        tags: [],
        fetchArticles: 'auto',
      },
    ],
  ];

  it.each(rows)('%s', (_name, fields, expected) => {
    const body = sent(fields);
    expect(body).toEqual(expected);
    // The server's schema takes it as it is, filling what was left out with its defaults.
    const parsed = IntelSourceInput.parse(body);
    for (const [k, v] of Object.entries(expected)) expect(parsed[k as keyof typeof parsed], k).toEqual(v);
  });

  it('leaves the checks to the server, whose message names the field', () => {
    const result = IntelSourceInput.safeParse(
      sent({ name: 'fast', url: 'https://example.org/feed', intervalMinutes: '1' }),
    );
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => [i.path.join('.'), i.message])).toEqual([
      ['intervalSeconds', 'at least 300 seconds'],
    ]);
  });
});
