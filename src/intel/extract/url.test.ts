import { describe, expect, it } from 'vitest';
import { canonicalizeUrl, isTrackingParam, registrableDomain, sameSite } from './url.ts';

describe('canonicalizeUrl', () => {
  it.each([
    ['HTTPS://WWW.Example.COM/Path/To', 'https://www.example.com/Path/To'],
    ['https://example.com:443/a', 'https://example.com/a'],
    ['http://example.com:80/a', 'http://example.com/a'],
    ['http://example.com:8080/a', 'http://example.com:8080/a'],
    ['https://example.com/a#comments', 'https://example.com/a'],
    ['https://example.com/a?utm_source=rss&utm_medium=feed&utm_campaign=x', 'https://example.com/a'],
    ['https://example.com/a?id=7&utm_source=rss&page=2', 'https://example.com/a?id=7&page=2'],
    ['https://example.com/a?b=2&a=1', 'https://example.com/a?b=2&a=1'],
    ['https://example.com/a?fbclid=IwAR0x&gclid=abc&mc_cid=1&mc_eid=2', 'https://example.com/a'],
    ['https://example.com/a?_hsenc=p2A&_hsmi=99&ref_src=twsrc%5Etfw&q=cve', 'https://example.com/a?q=cve'],
    ['https://example.com/a?UTM_Source=x&Id=1', 'https://example.com/a?Id=1'],
    ['https://example.com/a?q=a%20b+c&utm_term=x', 'https://example.com/a?q=a%20b+c'],
    ['https://example.com/a?', 'https://example.com/a'],
    ['https://example.com/a?&&x=1&', 'https://example.com/a?x=1'],
    ['https://example.com/a/../b/./c', 'https://example.com/b/c'],
    ['https://example.com', 'https://example.com/'],
    ['  https://example.com/a  ', 'https://example.com/a'],
    ['https://xn--bcher-kva.example/a', 'https://xn--bcher-kva.example/a'],
    ['https://bücher.example/a', 'https://xn--bcher-kva.example/a'],
    ['https://example.com/a?utm_source=x#frag', 'https://example.com/a'],
  ])('%s → %s', (input, expected) => {
    expect(canonicalizeUrl(input)).toBe(expected);
  });

  it.each([['/relative/path'], ['ftp://example.com/file'], ['javascript:alert(1)'], ['not a url']])('refuses %s', (input) => {
    expect(() => canonicalizeUrl(input)).toThrow(expect.objectContaining({ code: 'VIGIL_URL_REFUSED' }));
  });

  it('is idempotent', () => {
    const once = canonicalizeUrl('HTTP://Example.com:80/x?a=1&utm_source=y&b=%7E#f');
    expect(canonicalizeUrl(once)).toBe(once);
  });
});

describe('isTrackingParam', () => {
  it.each([
    ['utm_content', true],
    ['utm_', true],
    ['fbclid', true],
    ['MSCLKID', true],
    ['id', false],
    ['utmost', false],
    ['ref', false],
  ])('%s → %s', (name, expected) => {
    expect(isTrackingParam(name)).toBe(expected);
  });
});

describe('registrableDomain / sameSite', () => {
  it.each([
    ['www.bleepingcomputer.com', 'bleepingcomputer.com'],
    ['news.bbc.co.uk', 'bbc.co.uk'],
    ['www.cert.ssi.gouv.fr', 'ssi.gouv.fr'],
    ['www.abc.net.au', 'abc.net.au'],
    ['example.com.', 'example.com'],
    ['localhost', 'localhost'],
    ['127.0.0.1', '127.0.0.1'],
    ['[::1]', '[::1]'],
    ['a.b.example.de', 'example.de'],
  ])('%s → %s', (host, expected) => {
    expect(registrableDomain(host)).toBe(expected);
  });

  it('compares sites', () => {
    expect(sameSite('https://www.example.com/a', 'http://blog.example.com/b')).toBe(true);
    expect(sameSite('https://example.com/a', 'https://example.org/a')).toBe(false);
    expect(sameSite('https://a.co.uk/', 'https://b.co.uk/')).toBe(false);
    expect(sameSite('nonsense', 'https://example.com/')).toBe(false);
  });
});
