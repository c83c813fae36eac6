/**
 * The SSRF guard (issue 13): the address table, one row per range and boundary; the ranges of the
 * MISP warninglists (RFC 1918, 5735, 6598, 5771, 3849, link-local) and real public addresses
 * (public resolvers, cloud ranges, Tor exits, ThreatFox); URL refusals; and refusals through a real
 * undici Agent + fetch. Names resolve through a stub resolver, and no test opens a connection to
 * anything but 127.0.0.1: where the guard decides on a non-loopback address, a tripwire swaps
 * whatever the guard lets through for 127.0.0.1 and records it, so a broken guard fails the test
 * on loopback instead of reaching out.
 */
import type { LookupAddress } from 'node:dns';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { Agent, type Dispatcher, fetch } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VigilError } from '../../errors.ts';
import { corpusPath, hasCorpus } from '../../testing/corpus.ts';
import { AllowList, checkUrl, classifyAddress, type GuardPolicy, guardedConnector, guardedLookup, type Resolver, UrlRefusedError } from './guard.ts';

const NONE: GuardPolicy = { allowHosts: [], proxy: 'none' };

describe('classifyAddress', () => {
  it.each([
    // [address, refused range (substring) or null when allowed]
    ['0.0.0.0', '"this network" 0.0.0.0/8'],
    ['0.255.255.255', '0.0.0.0/8'],
    ['1.0.0.0', null],
    ['9.255.255.255', null],
    ['10.0.0.0', 'private 10.0.0.0/8'],
    ['10.255.255.255', 'private 10.0.0.0/8'],
    ['11.0.0.0', null],
    ['100.63.255.255', null],
    ['100.64.0.0', 'CGNAT 100.64.0.0/10'],
    ['100.100.100.200', 'Alibaba Cloud metadata'],
    ['100.127.255.255', 'CGNAT 100.64.0.0/10'],
    ['100.128.0.0', null],
    ['126.255.255.255', null],
    ['127.0.0.1', 'loopback 127.0.0.0/8'],
    ['127.255.255.255', 'loopback 127.0.0.0/8'],
    ['128.0.0.0', null],
    ['169.253.255.255', null],
    ['169.254.0.0', 'link-local 169.254.0.0/16'],
    ['169.254.169.254', 'link-local 169.254.0.0/16 (cloud metadata)'],
    ['169.254.255.255', 'link-local 169.254.0.0/16'],
    ['169.255.0.0', null],
    ['172.15.255.255', null],
    ['172.16.0.0', 'private 172.16.0.0/12'],
    ['172.31.255.255', 'private 172.16.0.0/12'],
    ['172.32.0.0', null],
    ['192.0.0.8', 'IETF protocol assignments 192.0.0.0/24'],
    ['192.0.1.255', null],
    ['192.0.2.0', 'documentation (TEST-NET-1) 192.0.2.0/24'],
    ['192.0.3.0', null],
    ['192.88.99.1', '6to4 relay anycast 192.88.99.0/24'],
    ['192.167.255.255', null],
    ['192.168.0.0', 'private 192.168.0.0/16'],
    ['192.168.255.255', 'private 192.168.0.0/16'],
    ['192.169.0.0', null],
    ['198.17.255.255', null],
    ['198.18.0.0', 'benchmarking 198.18.0.0/15'],
    ['198.19.255.255', 'benchmarking 198.18.0.0/15'],
    ['198.20.0.0', null],
    ['198.51.100.7', 'TEST-NET-2) 198.51.100.0/24'],
    ['203.0.113.255', 'TEST-NET-3) 203.0.113.0/24'],
    ['223.255.255.255', null],
    ['224.0.0.0', 'multicast 224.0.0.0/4'],
    ['239.255.255.255', 'multicast 224.0.0.0/4'],
    ['240.0.0.0', 'reserved 240.0.0.0/4'],
    ['255.255.255.254', 'reserved 240.0.0.0/4'],
    ['255.255.255.255', 'broadcast 255.255.255.255/32'],
    ['93.184.216.34', null],
    ['8.8.8.8', null],
    // IPv6.
    ['::', 'unspecified ::/128'],
    ['::1', 'loopback ::1/128'],
    ['[::1]', 'loopback ::1/128'],
    ['::2', 'IPv4-compatible (deprecated) ::/96'],
    ['::ffff:169.254.169.254', 'link-local 169.254.0.0/16 (cloud metadata), as IPv4-mapped ::ffff:0:0/96'],
    ['::ffff:a9fe:a9fe', 'link-local 169.254.0.0/16 (cloud metadata), as IPv4-mapped'],
    ['::ffff:127.0.0.1', 'loopback 127.0.0.0/8, as IPv4-mapped'],
    ['::ffff:10.1.2.3', 'private 10.0.0.0/8, as IPv4-mapped'],
    ['::ffff:0:0', '"this network" 0.0.0.0/8, as IPv4-mapped'],
    ['::ffff:8.8.8.8', null],
    ['64:ff9b::a9fe:a9fe', 'link-local 169.254.0.0/16 (cloud metadata), as NAT64 64:ff9b::/96'],
    ['64:ff9b::10.0.0.1', 'private 10.0.0.0/8, as NAT64'],
    ['64:ff9b::808:808', null],
    ['64:ff9b:1::1', 'local-use NAT64 64:ff9b:1::/48'],
    ['100::', 'discard-only 100::/64'],
    ['100::ffff:ffff:ffff:ffff', 'discard-only 100::/64'],
    ['2001:db7:ffff:ffff:ffff:ffff:ffff:ffff', null],
    ['2001:db8::', 'documentation 2001:db8::/32'],
    ['2001:db8:ffff:ffff:ffff:ffff:ffff:ffff', 'documentation 2001:db8::/32'],
    ['2001:db9::', null],
    ['2002:a9fe:a9fe::1', 'link-local 169.254.0.0/16 (cloud metadata), as 6to4 2002::/16'],
    ['2002:808:808::1', null],
    ['fbff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', 'outside global unicast 2000::/3'],
    ['fc00::', 'unique local fc00::/7'],
    ['fd00:ec2::254', 'unique local fc00::/7 (AWS metadata fd00:ec2::254)'],
    ['fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', 'unique local fc00::/7'],
    ['fe80::', 'link-local fe80::/10'],
    ['fe80::1%eth0', 'link-local fe80::/10'],
    ['febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff', 'link-local fe80::/10'],
    ['fec0::1', 'site-local (deprecated) fec0::/10'],
    ['ff02::1', 'multicast ff00::/8'],
    ['ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', 'multicast ff00::/8'],
    ['2606:4700:4700::1111', null],
    ['3fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', null],
    ['4000::', 'outside global unicast 2000::/3'],
    // Not addresses: refused, never guessed at.
    ['metadata.example', 'not an IP address'],
    ['', 'not an IP address'],
    ['1.2.3', 'not an IP address'],
    ['01.2.3.4', 'not an IP address'],
  ] as const)('%s → %s', (address, refusedRange) => {
    const c = classifyAddress(address);
    if (refusedRange === null) expect(c).toEqual({ allowed: true });
    else {
      expect(c.allowed).toBe(false);
      expect(c.range).toContain(refusedRange);
    }
  });
});

/** First and last address of an IPv4 or IPv6 CIDR (a bare address is its own /32 or /128). */
function bounds(cidr: string): [string, string] {
  const [net, len] = cidr.split('/') as [string, string | undefined];
  const v6 = isIP(net) === 6;
  const width = v6 ? 128n : 32n;
  const bits = BigInt(len ?? width);
  let value = 0n;
  if (v6) {
    const [head, tail] = net.toLowerCase().split('::') as [string, string | undefined];
    const h = head ? head.split(':') : [];
    const t = tail ? tail.split(':') : [];
    for (const g of [...h, ...new Array<string>(8 - h.length - t.length).fill('0'), ...t]) value = (value << 16n) | BigInt(`0x${g}`);
  } else for (const o of net.split('.')) value = (value << 8n) | BigInt(o);
  const last = value | ((1n << (width - bits)) - 1n);
  const show = (n: bigint) =>
    v6
      ? Array.from({ length: 8 }, (_, i) => ((n >> BigInt(112 - 16 * i)) & 0xffffn).toString(16)).join(':')
      : Array.from({ length: 4 }, (_, i) => ((n >> BigInt(24 - 8 * i)) & 0xffn).toString()).join('.');
  return [show(value), show(last)];
}

/** Whether `address` is inside `cidr` (same family). */
function inCidr(address: string, cidr: string): boolean {
  const [net, len] = cidr.split('/') as [string, string];
  const family = isIP(net) === 4 ? 'ipv4' : 'ipv6';
  if (isIP(address) !== isIP(net)) return false;
  const list = new BlockList();
  list.addSubnet(net, Number(len), family);
  return list.check(address, family);
}

/** The `list` of a MISP warninglist from the corpus (plain or gzipped). */
function warninglist(name: string): string[] {
  const file = corpusPath('misp-warninglists', 'lists', name, 'list.json');
  const text = existsSync(file) ? readFileSync(file, 'utf8') : gunzipSync(readFileSync(`${file}.gz`)).toString('utf8');
  return (JSON.parse(text) as { list: string[] }).list;
}

describe.skipIf(!hasCorpus())('classifyAddress on real address lists (corpus)', () => {
  it.each([
    // [MISP warninglist, entries, range expected for every entry ('=' the entry's own CIDR)]
    ['rfc1918', 3, '='],
    ['rfc5735', 15, '='],
    ['rfc6598', 1, '='],
    ['multicast', 16, 'multicast 224.0.0.0/4'],
    ['ipv6-linklocal', 1, '='],
    ['rfc3849', 1, '='],
  ])('refuses the first and last address of every %s block (%i blocks)', (name, count, expected) => {
    const list = warninglist(name);
    expect(list).toHaveLength(count);
    for (const cidr of list) {
      for (const address of bounds(cidr)) {
        const c = classifyAddress(address);
        expect(c.allowed, `${name} ${cidr}: ${address}`).toBe(false);
        // The narrowest block of the list holding the address (255.255.255.255 is in 240.0.0.0/4 too).
        const narrowest = list.filter((b) => inCidr(address, b)).sort((a, b) => Number(b.split('/')[1]) - Number(a.split('/')[1]))[0]!;
        expect(c.range, `${name} ${cidr}: ${address}`).toContain(expected === '=' ? narrowest.toLowerCase() : expected);
      }
    }
  });

  it.each([
    ['public-dns-v4', 62_745],
    ['public-dns-v6', 269],
    ['amazon-aws', 3_847],
    ['google-gcp', 471],
    ['microsoft-azure', 2_683],
    ['cloudflare', 22],
  ])('allows every address of %s (%i entries, first address of each block)', (name, count) => {
    const list = warninglist(name);
    expect(list).toHaveLength(count);
    const refused = list.filter((cidr) => !classifyAddress(bounds(cidr)[0]).allowed);
    expect(refused).toEqual([]);
  });

  it('allows the 1,746 Tor exit nodes; refuses exactly the 7 CGNAT addresses among 19,863 ThreatFox IPs', () => {
    const lines = (file: string) =>
      readFileSync(corpusPath(file), 'utf8')
        .split('\n')
        .map((l) => l.trim())
        .filter(Boolean);
    const tor = lines('ioc-feeds/tor/tor-exit-nodes.lst');
    expect(tor).toHaveLength(1_746);
    expect(tor.filter((ip) => !classifyAddress(ip).allowed)).toEqual([]);
    const threatfox = lines('ioc-feeds/threatfox-ips/ips.txt');
    expect(threatfox).toHaveLength(19_863);
    const refused = threatfox.filter((ip) => !classifyAddress(ip).allowed);
    expect(refused).toEqual(['100.65.29.247', '100.76.160.96', '100.82.195.65', '100.86.165.227', '100.106.194.93', '100.110.56.1', '100.113.210.8']);
    for (const ip of refused) expect(classifyAddress(ip).range).toMatch(/^CGNAT 100\.64\.0\.0\/10/);
  });
});

describe('AllowList', () => {
  const allow = new AllowList(['Feed.Example.', '127.0.0.1', '10.20.0.0/16', '[::1]', 'fd00::/8']);

  it.each([
    ['feed.example', true],
    ['FEED.example.', true],
    ['sub.feed.example', false],
    ['127.0.0.1', true],
    ['other.example', false],
  ])('host %s → %s', (host, expected) => expect(allow.allowsHost(host)).toBe(expected));

  it.each([
    ['127.0.0.1', true],
    ['127.0.0.2', false],
    ['::ffff:127.0.0.1', true],
    ['10.20.255.255', true],
    ['10.21.0.0', false],
    ['::1', true],
    ['fd12:3456::1', true],
    ['fe80::1', false],
    ['not-an-ip', false],
  ])('address %s → %s', (address, expected) => expect(allow.allowsAddress(address)).toBe(expected));

  it.each([['10.0.0.0/33'], ['*.example.org'], ['feed.example/path'], ['user@host'], ['http://feed.example'], ['']])(
    'refuses the entry %j naming it',
    (entry) => {
      const err = (() => {
        try {
          new AllowList(['ok.example', entry]);
        } catch (e) {
          return e;
        }
      })();
      expect(err).toBeInstanceOf(VigilError);
      expect((err as VigilError).code).toBe('VIGIL_CONFIG_INVALID');
      expect((err as VigilError).message).toContain(`intel.allowHosts[1] "${entry}"`);
    },
  );
});

describe('checkUrl', () => {
  it.each([
    ['file:///etc/passwd', /file:\/\/\/etc\/passwd: scheme file: is refused \(only http: and https:\)/],
    ['gopher://127.0.0.1:70/_x', /scheme gopher: is refused/],
    ['ftp://ftp.example.org/feed.json', /scheme ftp: is refused/],
    ['javascript:alert(1)', /scheme javascript: is refused/],
    ['not a url', /"not a url" is not a valid URL/],
    ['https://user:s3cret@feed.example/x', /https:\/\/feed\.example\/x: credentials in the URL are refused/],
    [
      'http://169.254.169.254/latest/meta-data/',
      /169\.254\.169\.254\/latest\/meta-data\/: address 169\.254\.169\.254 is in link-local 169\.254\.0\.0\/16 \(cloud metadata\)/,
    ],
    [
      'http://[::ffff:169.254.169.254]/',
      /\(read as http:\/\/\[::ffff:a9fe:a9fe\]\/\): address ::ffff:a9fe:a9fe is in link-local 169\.254\.0\.0\/16 .*IPv4-mapped/,
    ],
    ['http://10.0.0.1', /address 10\.0\.0\.1 is in private 10\.0\.0\.0\/8: refused \(list "10\.0\.0\.1" in intel\.allowHosts/],
    ['http://2852039166/', /http:\/\/2852039166\/ \(read as http:\/\/169\.254\.169\.254\/\).*link-local/],
    ['http://0xa9fea9fe/', /\(read as http:\/\/169\.254\.169\.254\/\).*link-local/],
    ['http://0251.0376.0251.0376/', /\(read as http:\/\/169\.254\.169\.254\/\)/],
    ['http://169.254.43518/', /\(read as http:\/\/169\.254\.169\.254\/\)/],
    ['http://0x7f.1/', /\(read as http:\/\/127\.0\.0\.1\/\).*loopback 127\.0\.0\.0\/8/],
    ['https://[::1]:8443/', /address ::1 is in loopback ::1\/128/],
    ['https://[fd00:ec2::254]/latest/meta-data/', /AWS metadata/],
    ['https://100.100.100.200/latest/meta-data/', /CGNAT 100\.64\.0\.0\/10/],
    [
      'http://abcdefghijklmnop.onion/feed',
      /\.onion hosts are fetched only through a SOCKS5 proxy with remote DNS \(socks5h:\/\/\), and no proxy is configured/,
    ],
    ['http://ABC.ONION./', /\.onion hosts/],
  ])('refuses %s', (url, message) => {
    let err: unknown;
    try {
      checkUrl(url, NONE);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UrlRefusedError);
    expect((err as UrlRefusedError).code).toBe('VIGIL_URL_REFUSED');
    expect((err as Error).message).toMatch(message);
    expect((err as Error).message).not.toContain('s3cret');
  });

  it('refuses .onion through a proxy that resolves names locally', () => {
    expect(() => checkUrl('http://abc.onion/', { allowHosts: [], proxy: 'socks5://127.0.0.1:9050' })).toThrow(/the proxy is socks5:, not socks5h:/);
    expect(() => checkUrl('http://abc.onion/', { allowHosts: [], proxy: 'http://127.0.0.1:3128' })).toThrow(/the proxy is http:, not socks5h:/);
  });

  it('refuses localhost names without resolving them (RFC 6761: loopback by definition), unless allowed', () => {
    for (const url of ['http://localhost:8080/feed', 'http://LOCALHOST./', 'http://api.localhost/', 'http://localhost/']) {
      expect(() => checkUrl(url, NONE), url).toThrow(/loopback/);
      expect(() => checkUrl(url, { allowHosts: [], proxy: 'socks5h://127.0.0.1:9050' }), url).toThrow(/loopback/);
    }
    expect(() => checkUrl('http://localhost:8080/feed', { allowHosts: ['localhost'], proxy: 'none' })).not.toThrow();
    expect(() => checkUrl('http://localhost:8080/feed', { allowHosts: ['127.0.0.1'], proxy: 'none' })).not.toThrow();
    expect(() => checkUrl('http://notlocalhost.example/', NONE)).not.toThrow();
  });

  it.each([
    ['https://feed.example/advisories.json', NONE],
    ['http://93.184.216.34/feed', NONE],
    ['https://[2606:4700:4700::1111]/', NONE],
    ['http://internal.example/', NONE], // names are checked on their addresses when connecting
    ['http://127.0.0.1:8080/feed', { allowHosts: ['127.0.0.1'], proxy: 'none' }],
    ['http://0x7f000001:8080/feed', { allowHosts: ['127.0.0.0/8'], proxy: 'none' }],
    ['http://10.1.2.3/', { allowHosts: ['10.1.2.3'], proxy: 'none' }],
    ['http://abcdefghijklmnop.onion/feed', { allowHosts: [], proxy: 'socks5h://127.0.0.1:9050' }],
  ] as const)('accepts %s', (url, policy) => {
    expect(() => checkUrl(url, policy)).not.toThrow();
    expect(() => checkUrl(new URL(url), policy)).not.toThrow();
  });
});

/** Addresses of the stub resolver's names. */
const NAMES: Readonly<Record<string, readonly string[]>> = {
  'metadata.example': ['169.254.169.254'],
  'internal.example': ['10.1.2.3'],
  'loopback.example': ['127.0.0.1'],
  'feed.example': ['127.0.0.1'],
  'public.example': ['93.184.216.34', '2606:2800:220:1:248:1893:25c8:1946'],
  'rebind.example': ['93.184.216.34', '127.0.0.1'],
  'mixed.example': ['127.0.0.1', '10.1.2.3'],
};

/** A stub resolver over {@link NAMES}; `asked` lists the names it was asked for. */
function stubResolver(): { asked: string[]; resolve: Resolver } {
  const asked: string[] = [];
  async function resolve(hostname: string): Promise<LookupAddress[]> {
    asked.push(hostname);
    const addresses = NAMES[hostname];
    if (!addresses) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    return addresses.map((address) => ({ address, family: isIP(address) }));
  }
  return { asked, resolve };
}

/** Calls `lookup` once; @returns its error or its answer. */
function lookupOnce(
  lookup: LookupFunction,
  host: string,
  options: Parameters<LookupFunction>[1],
): Promise<{ err: unknown; address: unknown; family?: number }> {
  return new Promise((resolve) => lookup(host, options, (err, address, family) => resolve({ err, address, family })));
}

describe('guardedLookup', () => {
  it('answers every address for { all: true }, the first of the asked family otherwise', async () => {
    const { resolve } = stubResolver();
    const lookup = guardedLookup(NONE, resolve);
    expect(await lookupOnce(lookup, 'public.example', { all: true })).toEqual({
      err: null,
      address: [
        { address: '93.184.216.34', family: 4 },
        { address: '2606:2800:220:1:248:1893:25c8:1946', family: 6 },
      ],
      family: undefined,
    });
    expect(await lookupOnce(lookup, 'public.example', {})).toEqual({ err: null, address: '93.184.216.34', family: 4 });
    expect(await lookupOnce(lookup, 'public.example', { family: 6 })).toEqual({ err: null, address: '2606:2800:220:1:248:1893:25c8:1946', family: 6 });
    const { err } = await lookupOnce(lookup, 'metadata.example', { family: 6 });
    expect((err as Error).message).toMatch(/metadata\.example resolves to 169\.254\.169\.254, which is in link-local/);
  });

  it('refuses a name when any of its addresses is refused (DNS rebinding)', async () => {
    const { resolve } = stubResolver();
    const { err } = await lookupOnce(guardedLookup(NONE, resolve), 'rebind.example', { all: true });
    expect(err).toBeInstanceOf(UrlRefusedError);
    expect((err as Error).message).toContain(
      'rebind.example resolves to 127.0.0.1, which is in loopback 127.0.0.0/8 (rebind.example has 93.184.216.34, 127.0.0.1: every address must be allowed)',
    );
  });

  it('never resolves .onion names, and passes resolver failures through', async () => {
    const { asked, resolve } = stubResolver();
    const lookup = guardedLookup({ allowHosts: ['abc.onion'], proxy: 'socks5h://127.0.0.1:9050' }, resolve);
    const onion = await lookupOnce(lookup, 'abc.onion', { all: true });
    expect((onion.err as Error).message).toMatch(/abc\.onion: \.onion names are never resolved locally/);
    const missing = await lookupOnce(lookup, 'missing.example', { all: true });
    expect(missing.err).toMatchObject({ code: 'ENOTFOUND' });
    expect(asked).toEqual(['missing.example']);
  });
});

describe('through a real undici Agent and fetch (loopback only)', () => {
  let server: Server;
  let port = 0;
  let connections = 0;

  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === '/hop-literal') res.writeHead(302, { location: `http://127.0.0.1:${port}/landing` });
      else if (req.url === '/hop-name') res.writeHead(302, { location: `http://internal.example:${port}/landing` });
      res.end(`ok ${req.url}`);
    });
    server.on('connection', () => connections++);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as { port: number }).port;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  /**
   * Hands the socket what the guard answered, but any address other than 127.0.0.1 is recorded in
   * `escaped` and replaced by 127.0.0.1: a guard letting one through cannot reach out.
   */
  function tripwire(lookup: LookupFunction, escaped: string[]): LookupFunction {
    const safe = (address: string) => {
      if (address !== '127.0.0.1') escaped.push(address);
      return '127.0.0.1';
    };
    return (host, options, callback) =>
      lookup(host, options, (err, address, family) => {
        if (err) callback(err, address, family);
        else if (Array.isArray(address))
          callback(
            null,
            address.map((a) => ({ address: safe(a.address), family: 4 })),
          );
        else callback(null, safe(address), 4);
      });
  }

  /** Fetches `path` on `host` through `dispatcher`; @returns the body, or the error's cause. */
  async function get(dispatcher: Dispatcher, host: string, path = '/x'): Promise<{ body?: string; cause?: unknown }> {
    try {
      const res = await fetch(`http://${host}:${port}${path}`, { dispatcher });
      return { body: await res.text() };
    } catch (err) {
      return { cause: (err as Error).cause };
    }
  }

  /** Runs `fn` with a guarded Agent (lookup behind a tripwire); checks nothing escaped, closes it. */
  async function withAgent(policy: GuardPolicy, fn: (agent: Agent, asked: string[]) => Promise<void>, autoSelectFamily = true): Promise<void> {
    const { asked, resolve } = stubResolver();
    const escaped: string[] = [];
    const agent = new Agent({ connect: { lookup: tripwire(guardedLookup(policy, resolve), escaped), autoSelectFamily, timeout: 2_000 } });
    try {
      await fn(agent, asked);
    } finally {
      await agent.destroy();
    }
    expect(escaped).toEqual([]);
  }

  it.each([
    ['metadata.example', /metadata\.example resolves to 169\.254\.169\.254, which is in link-local 169\.254\.0\.0\/16 \(cloud metadata\)/],
    ['internal.example', /internal\.example resolves to 10\.1\.2\.3, which is in private 10\.0\.0\.0\/8/],
    ['loopback.example', /loopback\.example resolves to 127\.0\.0\.1, which is in loopback 127\.0\.0\.0\/8/],
    ['rebind.example', /rebind\.example has 93\.184\.216\.34, 127\.0\.0\.1: every address must be allowed/],
    ['abc.onion', /\.onion names are never resolved locally/],
  ])('refuses %s in the lookup: resolver asked, no connection made', async (host, message) => {
    const before = connections;
    await withAgent(NONE, async (agent, asked) => {
      const { cause } = await get(agent, host);
      expect(cause).toBeInstanceOf(UrlRefusedError);
      expect((cause as Error).message).toMatch(message);
      expect(asked).toEqual(host.endsWith('.onion') ? [] : [host]);
    });
    expect(connections).toBe(before);
  });

  it('refuses a name with one refused address among allowed ones (all: false path too)', async () => {
    for (const autoSelectFamily of [true, false]) {
      const before = connections;
      await withAgent(
        { allowHosts: ['127.0.0.1'], proxy: 'none' },
        async (agent) => {
          const { cause } = await get(agent, 'mixed.example');
          expect((cause as Error).message).toMatch(/mixed\.example resolves to 10\.1\.2\.3, which is in private 10\.0\.0\.0\/8/);
        },
        autoSelectFamily,
      );
      expect(connections).toBe(before);
    }
  });

  it('lets 127.0.0.1 through when allowHosts lists it, and the loopback server answers', async () => {
    const before = connections;
    await withAgent({ allowHosts: ['127.0.0.1'], proxy: 'none' }, async (agent) => {
      expect(await get(agent, 'loopback.example', '/feed')).toEqual({ body: 'ok /feed' });
    });
    expect(connections).toBe(before + 1);
  });

  it('checks redirect hops: a hop to a name resolving to 10.1.2.3 is refused', async () => {
    const before = connections;
    await withAgent({ allowHosts: ['loopback.example'], proxy: 'none' }, async (agent, asked) => {
      const { cause } = await get(agent, 'loopback.example', '/hop-name');
      expect((cause as Error).message).toMatch(/internal\.example resolves to 10\.1\.2\.3/);
      expect(asked).toEqual(['loopback.example', 'internal.example']);
    });
    expect(connections).toBe(before + 1);
  });

  it('guardedConnector also refuses IP-literal hops, which a lookup alone never sees', async () => {
    const policy: GuardPolicy = { allowHosts: ['feed.example'], proxy: 'none' };
    // Lookup only: the hop to http://127.0.0.1 (not allowed) is followed, since sockets skip lookup for IPs.
    const before = connections;
    await withAgent(policy, async (agent) => {
      expect(await get(agent, 'feed.example', '/hop-literal')).toEqual({ body: 'ok /landing' });
    });
    expect(connections).toBe(before + 2);
    // The connector refuses that hop, and a direct request to the literal.
    const { resolve } = stubResolver();
    const agent = new Agent({ connect: guardedConnector(policy, resolve, { timeout: 2_000 }) });
    try {
      const hop = await get(agent, 'feed.example', '/hop-literal');
      expect((hop.cause as Error).message).toMatch(/http:\/\/127\.0\.0\.1:\d+: address 127\.0\.0\.1 is in loopback 127\.0\.0\.0\/8: refused/);
      expect(connections).toBe(before + 3);
      expect((await get(agent, '127.0.0.1')).cause).toBeInstanceOf(UrlRefusedError);
      expect(connections).toBe(before + 3);
      expect(await get(agent, 'feed.example', '/ok')).toEqual({ body: 'ok /ok' });
    } finally {
      await agent.destroy();
    }
  });
});
