/**
 * Watched indicators: how a value is read (one row per written form) and what a watched
 * indicator matches (one row per relation an analyst expects, and per near miss).
 */
import { describe, expect, it } from 'vitest';
import type { WatchEntry } from '../model/alert.ts';
import type { IocType } from '../nlp/types.ts';
import { validateEntry } from './entry.ts';
import { IocIndex } from './ioc-match.ts';
import { canonicalIoc, parseWatchedIndicator, storedIndicatorValue } from './ioc-value.ts';

describe('parseWatchedIndicator', () => {
  it.each([
    ['evil.example.com', 'domain', 'evil.example.com'],
    ['EVIL.Example.COM', 'domain', 'evil.example.com'],
    ['evil[.]example[.]com', 'domain', 'evil.example.com'],
    ['evil(.)example[dot]com', 'domain', 'evil.example.com'],
    ['cdn.evil.example.com.', 'domain', 'cdn.evil.example.com'],
    ['bücher.de', 'domain', 'xn--bcher-kva.de'],
    ['hxxps://evil[.]example[.]com/gate.php', 'url', 'https://evil.example.com/gate.php'],
    ['HTTP://Evil.example.com:80', 'url', 'http://evil.example.com/'],
    ['203.0.113[.]7', 'ipv4', '203.0.113.7'],
    ['2001:DB8:0:0::1', 'ipv6', '2001:db8::1'],
    ['10.0.0.0/8', 'cidr', '10.0.0.0/8'],
    ['user[@]Evil[.]example[.]org', 'email', 'user@evil.example.org'],
    ['D41D8CD98F00B204E9800998ECF8427E', 'md5', 'd41d8cd98f00b204e9800998ecf8427e'],
    ['da39a3ee5e6b4b0d3255bfef95601890afd80709', 'sha1', 'da39a3ee5e6b4b0d3255bfef95601890afd80709'],
    ['E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855', 'sha256', 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'],
    ['as13335', 'asn', 'AS13335'],
    ['T1059.001', 'attack', 'T1059.001'],
    ['HKEY_LOCAL_MACHINE\\Software\\Run', 'registry', 'hklm\\software\\run'],
    ['invoice.exe', 'filename', 'invoice.exe'],
    ['3:AXGBicFlgVNhBGcL6wCrFQEv:AXGHsNhxLsr2C', 'ssdeep', '3:AXGBicFlgVNhBGcL6wCrFQEv:AXGHsNhxLsr2C'],
    ['bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq', 'btc', 'bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq'],
    ['1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa', 'btc', '1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa'],
    ['domain:invoice.zip', 'domain', 'invoice.zip'],
    ['filename:Invoice.ZIP', 'filename', 'invoice.zip'],
  ] as const)('%s → %s %s', (written, type, value) => {
    expect(parseWatchedIndicator(written)).toEqual({ type, value });
  });

  it.each([
    ['remote code execution', /not an indicator/],
    ['CVE-2024-3400', /cve entry/],
    ['ipv4:evil.example.com', /not a valid ipv4/],
    ['md5:abc', /not a valid md5/],
  ])('refuses %s', (written, reason) => {
    expect(() => parseWatchedIndicator(written)).toThrow(reason);
  });

  it('stores the canonical value, with the type only when it was written', () => {
    expect(storedIndicatorValue('  hxxp://evil[.]example[.]com  ')).toBe('http://evil.example.com/');
    expect(storedIndicatorValue('Domain:invoice.zip')).toBe('domain:invoice.zip');
  });
});

describe('ioc watch entries', () => {
  it('are validated and stored canonical; thresholds are refused', () => {
    expect(validateEntry({ kind: 'ioc', value: 'evil[.]example[.]com' }).value).toBe('evil.example.com');
    expect(() => validateEntry({ kind: 'ioc', value: 'not an indicator' })).toThrow(/ioc not an indicator.*not an indicator Vigil recognises/);
    expect(() => validateEntry({ kind: 'ioc', value: 'evil.example.com', thresholds: { minCvss: 9 } })).toThrow(/takes none/);
  });
});

function entry(id: number, value: string, watchlist = 'iocs'): WatchEntry {
  return { id, watchlist, kind: 'ioc', value, thresholds: {} };
}

describe('IocIndex.match', () => {
  const rows: [watched: string, type: IocType, sighted: string, matches: boolean][] = [
    ['evil.example.com', 'domain', 'evil.example.com', true],
    ['evil.example.com', 'domain', 'cdn.evil.example.com', true],
    ['evil.example.com', 'domain', 'example.com', false],
    ['evil.example.com', 'domain', 'notevil.example.com', false],
    ['evil.example.com', 'url', 'https://a.evil.example.com/x/y', true],
    ['evil.example.com', 'url', 'https://example.com/evil.example.com', false],
    ['evil.example.com', 'email', 'ceo@mail.evil.example.com', true],
    ['203.0.113.7', 'ipv4', '203.0.113.7', true],
    ['203.0.113.7', 'ipv4', '203.0.113.70', false],
    ['203.0.113.7', 'url', 'http://203.0.113.7:8080/gate', true],
    ['2001:db8::1', 'ipv6', '2001:DB8:0:0:0:0:0:1', true],
    ['2001:db8::1', 'url', 'http://[2001:db8::1]/a', true],
    ['203.0.113.0/24', 'ipv4', '203.0.113.200', true],
    ['203.0.113.0/24', 'ipv4', '203.0.114.1', false],
    ['203.0.113.0/24', 'cidr', '203.0.113.128/25', true],
    ['203.0.113.0/24', 'cidr', '203.0.112.0/23', false],
    ['203.0.113.0/24', 'url', 'http://203.0.113.9/x', true],
    ['2001:db8::/32', 'ipv6', '2001:db8:ffff::1', true],
    ['2001:db8::/32', 'ipv6', '2001:db9::1', false],
    ['hxxps://evil[.]example/gate.php', 'url', 'https://EVIL.example/gate.php', true],
    ['https://evil.example/gate.php', 'url', 'https://evil.example/gate.php?id=1', false],
    ['invoice.exe', 'filename', 'Invoice.EXE', true],
    ['invoice.exe', 'url', 'http://cdn.example.net/files/invoice.exe', true],
    ['d41d8cd98f00b204e9800998ecf8427e', 'md5', 'D41D8CD98F00B204E9800998ECF8427E', true],
    ['d41d8cd98f00b204e9800998ecf8427e', 'sha1', 'd41d8cd98f00b204e9800998ecf8427e', false],
    ['hklm\\software\\run', 'registry', 'HKEY_LOCAL_MACHINE\\SOFTWARE\\Run', true],
    ['user@evil.example.org', 'email', 'USER@evil.example.org', true],
    ['user@evil.example.org', 'email', 'other@evil.example.org', false],
  ];
  it.each(rows)('watched %s, sighted %s %s → %s', (watched, type, sighted, matches) => {
    const index = new IocIndex([entry(1, storedIndicatorValue(watched))]);
    const found = index.match({ type, value: canonicalIoc(type, sighted), original: sighted });
    expect(found.length).toBe(matches ? 1 : 0);
    if (matches) expect(found[0]?.reason).toMatchObject({ entryId: 1, kind: 'ioc', via: 'ioc', matched: sighted });
  });

  it('matches each entry once, across watchlists, and ignores other kinds', () => {
    const index = new IocIndex([
      entry(1, 'evil.example.com', 'a'),
      entry(2, 'example.com', 'b'),
      entry(3, 'https://x.evil.example.com/', 'a'),
      { id: 4, watchlist: 'a', kind: 'keyword', value: 'evil.example.com', thresholds: {} },
    ]);
    expect(index.size).toBe(3);
    const found = index.match({ type: 'url', value: 'https://x.evil.example.com/', original: 'hxxps://x[.]evil[.]example[.]com/' });
    expect(found.map((m) => m.entry.id).sort()).toEqual([1, 2, 3]);
    expect(found.find((m) => m.entry.id === 2)?.reason.field).toBe('url (a URL on the domain under example.com)');
  });
});
