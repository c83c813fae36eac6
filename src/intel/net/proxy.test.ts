/**
 * The intel fetcher through a real SOCKS5 server (@pondwader/socks5-server) on 127.0.0.1: a made-up
 * `.onion` name only the proxy can resolve reaches the loopback HTTP server through `socks5h://`;
 * each source authenticates with its own username (Tor circuit isolation); `socks5://` resolves
 * here, through the guard; a dead proxy fails the fetch and nothing goes direct.
 */
import { connect, createServer as createNetServer, type AddressInfo } from 'node:net';
import { createServer as createSocksServer, type Socks5Server } from '@pondwader/socks5-server';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { VigilError } from '../../errors.ts';
import { hasCorpus } from '../../testing/corpus.ts';
import type { IntelFetcher } from '../types.ts';
import { createIntelFetcher } from './fetch.ts';
import { UrlRefusedError } from './guard.ts';
import { parseProxy } from './proxy.ts';
import { source, startServer, stubResolver, TEST_CONFIG, type TestServer } from './test-server.ts';

/** A v3 onion address is 56 base32 characters; this one is made up. */
const ONION = `vigilforumxyz${'abcdefghijklmnopqrstuvwxyz234567'.repeat(2).slice(0, 43)}.onion`;

/** A port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const s = createNetServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

describe('parseProxy', () => {
  it.each([
    ['none', { kind: 'none' }],
    ['tor', { kind: 'socks5', url: 'socks5h://127.0.0.1:9050', host: '127.0.0.1', port: 9050, remoteDns: true }],
    ['socks5://proxy.example:1080', { kind: 'socks5', url: 'socks5://proxy.example:1080', host: 'proxy.example', port: 1080, remoteDns: false }],
    ['socks5h://[::1]:9150/', { kind: 'socks5', url: 'socks5h://[::1]:9150', host: '::1', port: 9150, remoteDns: true }],
  ])('%s', (proxy, route) => {
    expect(parseProxy(proxy, 'socks5h://127.0.0.1:9050')).toEqual(route);
  });

  it.each(['http://proxy:8080', 'socks4://proxy:1080', 'socks5h://proxy', 'socks5h://proxy:70000'])('refuses %s', (proxy) => {
    expect(() => parseProxy(proxy, 'socks5h://127.0.0.1:9050')).toThrow(/VIGIL_FETCH_FAILED|not none, tor/);
  });
});

describe.runIf(hasCorpus())('fetching through a SOCKS5 proxy', () => {
  let http: TestServer;
  let socks: Socks5Server;
  let socksPort: number;
  const usernames: string[] = [];
  const destinations: string[] = [];
  const open: IntelFetcher[] = [];
  const dns = stubResolver({ 'feeds.vigil.test': ['127.0.0.1'], 'metadata.vigil.test': ['169.254.169.254'] });

  function make(): IntelFetcher {
    const f = createIntelFetcher({ ...TEST_CONFIG, timeoutSeconds: 2 }, { resolver: dns.resolve });
    open.push(f);
    return f;
  }

  beforeAll(async () => {
    http = await startServer();
    socks = createSocksServer();
    socks.setAuthHandler((conn) => {
      usernames.push(conn.username);
      return conn.username !== 'banned';
    });
    // The proxy's own "DNS": the onion name and 127.0.0.1 lead to the HTTP server; nothing else resolves.
    socks.setConnectionHandler((conn, sendStatus) => {
      destinations.push(conn.destAddress);
      if (conn.destAddress !== ONION && conn.destAddress !== '127.0.0.1') return sendStatus('HOST_UNREACHABLE');
      const upstream = connect(http.port, '127.0.0.1', () => {
        sendStatus('REQUEST_GRANTED');
        conn.socket.pipe(upstream).pipe(conn.socket);
      });
      upstream.on('error', () => sendStatus('GENERAL_FAILURE'));
      conn.socket.on('error', () => upstream.destroy());
      conn.socket.on('close', () => upstream.destroy());
    });
    await new Promise<void>((resolve) => socks.listen(0, '127.0.0.1', () => resolve()));
    // The library's type hides the net.Server; it is its `server` field.
    socksPort = ((socks as unknown as { server: { address(): AddressInfo } }).server.address() as AddressInfo).port;
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((f) => f.close()));
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => socks.close(() => resolve()));
    await http.close();
  });

  it('reaches a .onion name only the proxy resolves through socks5h, never resolving it here', async () => {
    expect(ONION).toMatch(/^[a-z2-7]{56}\.onion$/);
    const before = dns.asked.length;
    const got = await make().fetch({
      url: `http://${ONION}/feed.xml`,
      source: source({ name: 'forum-a', proxy: `socks5h://127.0.0.1:${socksPort}` }),
      accept: 'feed',
    });
    expect(got.status).toBe('ok');
    if (got.status === 'ok') expect(got.body.equals(http.feed)).toBe(true);
    expect(destinations).toContain(ONION);
    expect(dns.asked.slice(before)).toEqual([]);
    // robots.txt went through the proxy too, with the onion Host.
    expect(http.seen.filter((s) => s.headers.host === ONION).map((s) => s.path)).toEqual(['/robots.txt', '/feed.xml']);
  });

  it('gives each source its own SOCKS username', async () => {
    const f = make();
    const proxy = `socks5h://127.0.0.1:${socksPort}`;
    await f.fetch({ url: `http://${ONION}/feed.xml`, source: source({ name: 'forum-b', proxy, robots: 'ignore' }), accept: 'feed' });
    await f.fetch({ url: `http://${ONION}/feed.xml`, source: source({ name: 'forum-c', proxy, robots: 'ignore' }), accept: 'feed' });
    expect(usernames).toContain('forum-b');
    expect(usernames).toContain('forum-c');
  });

  it('refuses the .onion URL without a socks5h proxy, before any lookup', async () => {
    const before = dns.asked.length;
    for (const proxy of ['none', `socks5://127.0.0.1:${socksPort}`]) {
      const err = await make()
        .fetch({ url: `http://${ONION}/feed.xml`, source: source({ proxy }), accept: 'feed' })
        .then(
          () => null,
          (e: Error) => e,
        );
      expect(err).toBeInstanceOf(UrlRefusedError);
      expect(err?.message).toContain('.onion hosts are fetched only through a SOCKS5 proxy with remote DNS');
    }
    expect(dns.asked.length).toBe(before);
  });

  it('socks5:// resolves here through the guard and gives the proxy the checked address', async () => {
    const proxy = `socks5://127.0.0.1:${socksPort}`;
    const got = await make().fetch({ url: `http://feeds.vigil.test:${http.port}/feed.xml`, source: source({ proxy, robots: 'ignore' }), accept: 'feed' });
    expect(got.status).toBe('ok');
    expect(dns.asked).toContain('feeds.vigil.test');
    expect(destinations.at(-1)).toBe('127.0.0.1');
    const count = destinations.length;
    const err = await make()
      .fetch({ url: 'http://metadata.vigil.test/latest/', source: source({ proxy, robots: 'ignore' }), accept: 'feed' })
      .then(
        () => null,
        (e: Error) => e,
      );
    expect(err).toBeInstanceOf(UrlRefusedError);
    expect(err?.message).toContain('169.254.169.254');
    expect(destinations.length).toBe(count);
  });

  it('through socks5h, an IP-literal private host not allowed is still refused', async () => {
    const err = await make()
      .fetch({ url: 'http://10.1.2.3/feed.xml', source: source({ proxy: `socks5h://127.0.0.1:${socksPort}` }), accept: 'feed' })
      .then(
        () => null,
        (e: Error) => e,
      );
    expect(err).toBeInstanceOf(UrlRefusedError);
    expect(err?.message).toContain('private 10.0.0.0/8');
  });

  it('a proxy on a closed port fails with VIGIL_FETCH_FAILED naming it, and nothing goes direct', async () => {
    const port = await closedPort();
    const before = http.seen.length;
    for (const proxy of [`socks5h://127.0.0.1:${port}`, 'tor']) {
      const f = createIntelFetcher({ ...TEST_CONFIG, torProxy: `socks5h://127.0.0.1:${port}` }, { resolver: dns.resolve });
      open.push(f);
      const err = await f.fetch({ url: `${http.base}/feed.xml`, source: source({ proxy, robots: 'ignore' }), accept: 'feed' }).then(
        () => null,
        (e: Error) => e,
      );
      expect(err).toBeInstanceOf(VigilError);
      expect((err as VigilError).code).toBe('VIGIL_FETCH_FAILED');
      expect(err?.message).toContain(`proxy socks5h://127.0.0.1:${port} failed`);
      expect(err?.message).toContain('not fetched directly');
    }
    expect(http.seen.length).toBe(before);
  });

  it.each([
    ['refuses the credentials', 'banned', `http://${ONION}/feed.xml`],
    ['cannot reach the host', 'forum-d', `http://${'a'.repeat(56)}.onion/feed.xml`],
  ])('a proxy that %s fails with VIGIL_FETCH_FAILED naming it', async (_, name, url) => {
    const err = await make()
      .fetch({ url, source: source({ name, proxy: `socks5h://127.0.0.1:${socksPort}`, robots: 'ignore' }), accept: 'feed' })
      .then(
        () => null,
        (e: Error) => e,
      );
    expect((err as VigilError).code).toBe('VIGIL_FETCH_FAILED');
    expect(err?.message).toContain(`proxy socks5h://127.0.0.1:${socksPort} failed`);
  });

  it('an obeyed robots.txt that cannot be reached through a dead proxy disallows; nothing goes direct', async () => {
    const port = await closedPort();
    const before = http.seen.length;
    const f = make();
    const got = await f.fetch({ url: `${http.base}/feed.xml`, source: source({ proxy: `socks5h://127.0.0.1:${port}` }), accept: 'feed' });
    expect(got).toMatchObject({
      status: 'robots-disallowed',
      url: `${http.base}/feed.xml`,
      reason: expect.stringMatching(/robots\.txt is unreachable \(.*127\.0\.0\.1/),
    });
    expect(http.seen.length).toBe(before);
  });
});
