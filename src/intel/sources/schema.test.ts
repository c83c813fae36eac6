/**
 * Source definitions: defaults, one row per refused field (the message names it), the SSRF guard's
 * refusals (metadata, private, loopback names, .onion without SOCKS5h), PUT and PATCH semantics.
 */
import { describe, expect, it } from 'vitest';
import { VigilError } from '../../errors.ts';
import { UrlRefusedError } from '../net/guard.ts';
import { patchSource, validateSource } from './schema.ts';

const policy = { allowHosts: [] as string[], torProxy: 'socks5h://127.0.0.1:9050' };
const now = new Date('2026-12-06T01:00:00.000Z');
const later = new Date('2026-12-07T02:00:00.000Z');
const base = { name: 'krebs', kind: 'feed', url: 'https://krebsonsecurity.com/feed/' };

function refusal(fn: () => unknown): VigilError {
  try {
    fn();
  } catch (err) {
    if (err instanceof VigilError) return err;
    throw err;
  }
  throw new Error('expected a refusal');
}

describe('validateSource', () => {
  it('fills every default', () => {
    expect(validateSource(base, policy, now)).toEqual({
      name: 'krebs',
      kind: 'feed',
      url: 'https://krebsonsecurity.com/feed/',
      enabled: true,
      intervalSeconds: 3600,
      proxy: 'none',
      headers: {},
      minDelaySeconds: null,
      robots: 'obey',
      fetchArticles: 'auto',
      selectors: {},
      follow: null,
      maxPages: 20,
      maxDepth: 1,
      minContentLength: 200,
      tags: [],
      createdAt: '2026-12-06T01:00:00.000Z',
      updatedAt: '2026-12-06T01:00:00.000Z',
    });
  });

  it('keeps a full page definition (selectors, RE2 follow, cookie header, socks5 proxy)', () => {
    const s = validateSource(
      {
        ...base,
        name: 'forum.example_2',
        kind: 'page',
        url: 'http://news.example.org/list?page=1',
        enabled: false,
        intervalSeconds: 604800,
        proxy: 'socks5://[::1]:1080',
        headers: { Cookie: 'sid=1', 'X-Api-Key': 'k' },
        minDelaySeconds: 0,
        robots: 'ignore',
        fetchArticles: 'never',
        selectors: { title: 'h1.title', content: 'article p, .body > div', date: 'time[datetime]', links: 'a[href*="/post/"]:not(.ad)' },
        follow: '^https://news\\.example\\.org/post/\\d+$',
        maxPages: 500,
        maxDepth: 0,
        minContentLength: 0,
        tags: ['forum', 'news', 'forum'],
      },
      policy,
      now,
    );
    expect(s).toMatchObject({ kind: 'page', proxy: 'socks5://[::1]:1080', headers: { Cookie: 'sid=1' }, tags: ['forum', 'news'], maxDepth: 0 });
    expect(s.selectors.links).toBe('a[href*="/post/"]:not(.ad)');
  });

  it('accepts a page source without selectors (readability fills in)', () => {
    expect(validateSource({ ...base, kind: 'page' }, policy, now).selectors).toEqual({});
  });

  const bad: { name: string; input: Record<string, unknown>; field: RegExp }[] = [
    { name: 'upper-case name', input: { name: 'Krebs' }, field: /name: expected 1-64 lowercase/ },
    { name: 'name of 65 characters', input: { name: 'a'.repeat(65) }, field: /name:/ },
    { name: 'name starting with a dot', input: { name: '.x' }, field: /name:/ },
    { name: 'unknown kind', input: { kind: 'api' }, field: /kind:/ },
    { name: 'URL over 2048 characters', input: { url: `https://example.org/${'a'.repeat(2040)}` }, field: /url: longer than 2048/ },
    { name: 'interval under 300 s', input: { intervalSeconds: 299 }, field: /intervalSeconds: at least 300/ },
    { name: 'interval over 7 days', input: { intervalSeconds: 604801 }, field: /intervalSeconds: at most 604800/ },
    { name: 'fractional interval', input: { intervalSeconds: 600.5 }, field: /intervalSeconds:/ },
    { name: 'http proxy', input: { proxy: 'http://127.0.0.1:8080' }, field: /proxy: expected "none", "tor"/ },
    { name: 'socks5h proxy without port', input: { proxy: 'socks5h://127.0.0.1' }, field: /proxy:/ },
    { name: 'socks5 proxy port 70000', input: { proxy: 'socks5://proxy:70000' }, field: /proxy:/ },
    { name: 'User-Agent header', input: { headers: { 'user-agent': 'x' } }, field: /headers\.user-agent: user-agent cannot be set/ },
    { name: 'Host header', input: { headers: { Host: 'x' } }, field: /headers\.Host: Host cannot be set/ },
    { name: 'Content-Length header', input: { headers: { 'Content-Length': '1' } }, field: /headers\.Content-Length:/ },
    { name: 'header name with a space', input: { headers: { 'X Y': '1' } }, field: /headers\.X Y: "X Y" is not a valid header name/ },
    { name: 'header value with CRLF', input: { headers: { 'X-A': 'a\r\nHost: evil' } }, field: /headers\.X-A: a header value cannot hold CR/ },
    { name: 'negative delay', input: { minDelaySeconds: -1 }, field: /minDelaySeconds:/ },
    { name: 'delay over an hour', input: { minDelaySeconds: 3601 }, field: /minDelaySeconds: at most 3600/ },
    { name: 'robots maybe', input: { robots: 'maybe' }, field: /robots:/ },
    { name: 'fetchArticles sometimes', input: { fetchArticles: 'sometimes' }, field: /fetchArticles:/ },
    { name: 'unclosed attribute selector', input: { selectors: { title: 'h1[' } }, field: /selectors\.title: not a CSS selector cheerio can use \("h1\["\)/ },
    { name: 'unknown pseudo-class', input: { selectors: { links: 'a:bogus' } }, field: /selectors\.links: .*Unknown pseudo-class :bogus/ },
    { name: 'pseudo-element', input: { selectors: { content: 'p::before' } }, field: /selectors\.content: .*Pseudo-elements/ },
    { name: 'empty selector', input: { selectors: { date: ' ' } }, field: /selectors\.date:/ },
    { name: 'unknown selector key', input: { selectors: { author: '.by' } }, field: /selectors: unknown field\(s\) author/ },
    { name: 'look-ahead in follow (not RE2)', input: { follow: '^https://x/(?=post)' }, field: /follow: not an RE2 regular expression/ },
    { name: 'unbalanced follow', input: { follow: '(a' }, field: /follow: not an RE2.*missing closing \)/ },
    { name: 'maxPages 0', input: { maxPages: 0 }, field: /maxPages:/ },
    { name: 'maxPages 501', input: { maxPages: 501 }, field: /maxPages:/ },
    { name: 'maxDepth 6', input: { maxDepth: 6 }, field: /maxDepth:/ },
    { name: 'negative minContentLength', input: { minContentLength: -5 }, field: /minContentLength:/ },
    { name: '21 tags', input: { tags: Array.from({ length: 21 }, (_, i) => `t${i}`) }, field: /tags: at most 20 tags/ },
    { name: 'empty tag', input: { tags: ['news', ''] }, field: /tags\.1:/ },
    { name: 'unknown field', input: { createdAt: '2020-01-01' }, field: /unknown field\(s\) createdAt/ },
  ];
  it.each(bad)('refuses $name, naming the field', ({ input, field }) => {
    const err = refusal(() => validateSource({ ...base, ...input }, policy, now));
    expect(err.code).toBe('VIGIL_BAD_REQUEST');
    expect(err.status).toBe(400);
    expect(err.message).toMatch(field);
    expect(err.message).toMatch(/^Invalid request: source/);
  });

  it('refuses a missing name, kind and url all at once', () => {
    const err = refusal(() => validateSource({}, policy, now));
    expect(err.message).toMatch(/^Invalid request: source: name: .*; kind: .*; url: /);
  });

  const refused: { url: string; proxy?: string; message: RegExp }[] = [
    {
      url: 'http://169.254.169.254/latest/meta-data/',
      message: /address 169\.254\.169\.254 is in link-local 169\.254\.0\.0\/16 \(cloud metadata\).*intel\.allowHosts/,
    },
    { url: 'http://10.1.2.3/feed', message: /address 10\.1\.2\.3 is in private 10\.0\.0\.0\/8/ },
    { url: 'http://0xa9fea9fe/', message: /read as http:\/\/169\.254\.169\.254\/.*link-local/ },
    { url: 'http://[::ffff:a9fe:a9fe]/', message: /link-local 169\.254\.0\.0\/16 \(cloud metadata\), as IPv4-mapped/ },
    {
      url: 'http://localhost:8080/feed',
      message: /localhost resolves to 127\.0\.0\.1, which is in loopback 127\.0\.0\.0\/8.*"localhost" or "127\.0\.0\.1" in intel\.allowHosts/,
    },
    { url: 'http://api.localhost/', message: /api\.localhost resolves to 127\.0\.0\.1/ },
    { url: 'ftp://example.org/feed', message: /scheme ftp: is refused/ },
    { url: 'https://user:pw@example.org/feed', message: /credentials in the URL are refused/ },
    { url: 'not a url', message: /"not a url" is not a valid URL/ },
    { url: 'http://abcdefghijklmnop.onion/', message: /\.onion hosts are fetched only through a SOCKS5 proxy.*no proxy is configured/ },
    { url: 'http://abcdefghijklmnop.onion/', proxy: 'socks5://127.0.0.1:9050', message: /the proxy is socks5:, not socks5h:/ },
  ];
  it.each(refused)('the guard refuses $url (proxy $proxy) with a clear message', ({ url, proxy, message }) => {
    const err = refusal(() => validateSource({ ...base, url, proxy }, policy, now));
    expect(err).toBeInstanceOf(UrlRefusedError);
    expect(err.code).toBe('VIGIL_URL_REFUSED');
    expect(err.message).toMatch(message);
  });

  it('lets through what intel.allowHosts lists, and .onion through tor or socks5h', () => {
    const allow = { ...policy, allowHosts: ['localhost', '10.0.0.0/8'] };
    expect(validateSource({ ...base, url: 'http://localhost:8080/feed' }, allow, now).url).toBe('http://localhost:8080/feed');
    expect(validateSource({ ...base, url: 'http://10.1.2.3/feed' }, allow, now).url).toBe('http://10.1.2.3/feed');
    expect(validateSource({ ...base, url: 'http://abcdefghijklmnop.onion/', proxy: 'tor' }, policy, now).proxy).toBe('tor');
    expect(validateSource({ ...base, url: 'http://abcdefghijklmnop.onion/', proxy: 'socks5h://10.9.9.9:9050' }, policy, now).proxy).toBe(
      'socks5h://10.9.9.9:9050',
    );
  });

  it('a replacement (PUT) keeps createdAt and refuses a new name', () => {
    const first = validateSource(base, policy, now);
    const second = validateSource({ ...base, intervalSeconds: 900 }, policy, later, first);
    expect(second).toMatchObject({ intervalSeconds: 900, createdAt: '2026-12-06T01:00:00.000Z', updatedAt: '2026-12-07T02:00:00.000Z' });
    expect(refusal(() => validateSource({ ...base, name: 'other' }, policy, later, first)).message).toMatch(
      /source "krebs": name: cannot change \(to "other"\)/,
    );
  });
});

describe('patchSource', () => {
  const stored = validateSource({ ...base, headers: { Cookie: 'a=1' }, follow: 'x', tags: ['news'] }, policy, now);

  it('replaces the fields given, keeps the others, clears with null', () => {
    const p = patchSource(stored, { enabled: false, follow: null, headers: { 'X-Key': 'k' }, name: 'krebs' }, policy, later);
    expect(p).toEqual({ ...stored, enabled: false, follow: null, headers: { 'X-Key': 'k' }, updatedAt: later.toISOString() });
  });

  it('an empty patch changes only updatedAt', () => {
    expect(patchSource(stored, {}, policy, later)).toEqual({ ...stored, updatedAt: later.toISOString() });
  });

  it('refuses a rename, a non-object, a bad field and a refused URL', () => {
    expect(refusal(() => patchSource(stored, { name: 'x' }, policy, later)).message).toMatch(/source "krebs": name: cannot change \(to "x"\)/);
    expect(refusal(() => patchSource(stored, [1], policy, later)).message).toMatch(/a patch must be a JSON object/);
    expect(refusal(() => patchSource(stored, null, policy, later)).code).toBe('VIGIL_BAD_REQUEST');
    expect(refusal(() => patchSource(stored, { maxDepth: 9 }, policy, later)).message).toMatch(/source "krebs": maxDepth:/);
    expect(refusal(() => patchSource(stored, { url: 'http://192.168.1.1/' }, policy, later))).toBeInstanceOf(UrlRefusedError);
  });

  it('a proxy change is judged with the URL: dropping tor from an .onion source is refused', () => {
    const onion = validateSource({ ...base, url: 'http://abcdefghijklmnop.onion/', proxy: 'tor' }, policy, now);
    expect(refusal(() => patchSource(onion, { proxy: 'none' }, policy, later))).toBeInstanceOf(UrlRefusedError);
  });
});
