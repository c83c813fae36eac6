/**
 * Test helpers of the intel fetcher: a real HTTP server on 127.0.0.1 serving a real corpus feed
 * with validators, redirects (to refused addresses too), a gzip bomb, a large body, a wrong
 * content type, 429 then 200, 404, robots.txt and a stalling answer; a recording stub resolver;
 * and a tripwire on undici's `beforeConnect` diagnostics channel that records every host undici
 * is about to connect to, so a test can assert no connection was even attempted.
 */
import type { LookupAddress } from 'node:dns';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import type { IntelConfig } from '../../config.ts';
import { corpusPath } from '../../testing/corpus.ts';
import type { FetchRequest } from '../types.ts';
import type { Resolver } from './guard.ts';

/** One request the server saw. */
export interface Seen {
  path: string;
  headers: IncomingHttpHeaders;
  at: number;
}

/** The running server: its port, what it saw, knobs for tests, and `close()`. */
export interface TestServer {
  port: number;
  base: string;
  seen: Seen[];
  /** robots.txt body, or a status number to answer with. */
  robots: string | number;
  feed: Buffer;
  close(): Promise<void>;
}

export const ETAG = '"bc-2025-07-24"';
export const LAST_MODIFIED = 'Thu, 24 Jul 2025 21:34:13 GMT';

/** Starts the server on 127.0.0.1 (random port). */
export async function startServer(): Promise<TestServer> {
  const feed = readFileSync(corpusPath('news/feeds/tsummey_cyberdash/bleepingcomputer.xml'));
  const bomb = gzipSync(Buffer.alloc(50 * 1024 * 1024), { level: 9 }); // ~50 KB on the wire
  let busy = 0;
  const seen: Seen[] = [];
  const state = { robots: 'User-agent: *\nDisallow: /private/\n' as string | number };
  const server: Server = createServer((req, res) => {
    const path = req.url ?? '/';
    seen.push({ path, headers: req.headers, at: Date.now() });
    const rss = { 'content-type': 'application/rss+xml; charset=utf-8' };
    const redirect = (to: string) => res.writeHead(302, { location: to }).end();
    switch (path.split('?')[0]) {
      case '/robots.txt':
        if (typeof state.robots === 'number') res.writeHead(state.robots).end();
        else res.writeHead(200, { 'content-type': 'text/plain' }).end(state.robots);
        return;
      case '/feed.xml':
      case '/private/feed.xml':
        if (req.headers['if-none-match'] === ETAG || req.headers['if-modified-since'] === LAST_MODIFIED) {
          res.writeHead(304, { etag: ETAG, 'last-modified': LAST_MODIFIED }).end();
          return;
        }
        res.writeHead(200, { ...rss, etag: ETAG, 'last-modified': LAST_MODIFIED }).end(feed);
        return;
      case '/feed.xml.gz':
        res.writeHead(200, { ...rss, 'content-encoding': 'gzip' }).end(gzipSync(feed));
        return;
      case '/moved':
        return redirect('/feed.xml');
      case '/to-metadata':
        return redirect('http://169.254.169.254/latest/meta-data/');
      case '/to-private':
        return redirect('http://10.0.0.1/');
      case '/to-name':
        return redirect('http://metadata.vigil.test/');
      case '/to-other-origin':
        return redirect(`http://feeds.vigil.test:${port}/headers`);
      case '/to-ftp':
        return redirect('ftp://127.0.0.1/feed.xml');
      case '/loop':
        return redirect('/loop');
      case '/bomb':
        res.writeHead(200, { ...rss, 'content-encoding': 'gzip' }).end(bomb);
        return;
      case '/big':
        res.writeHead(200, rss).end(Buffer.alloc(300_000, 'a'));
        return;
      case '/page.html':
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end('<!doctype html><title>Not a feed</title>');
        return;
      case '/busy':
        if (busy++ % 2 === 0) res.writeHead(429, { 'retry-after': '1' }).end();
        else res.writeHead(200, rss).end(feed);
        return;
      case '/busy-long':
        res.writeHead(503, { 'retry-after': '3600' }).end();
        return;
      case '/slow':
        res.writeHead(200, rss);
        res.write('<?xml version="1.0"?>'); // then nothing: the request must time out
        return;
      case '/headers':
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(req.headers));
        return;
      default:
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    }
  });
  let port = 0;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
  return {
    port,
    base: `http://127.0.0.1:${port}`,
    seen,
    get robots() {
      return state.robots;
    },
    set robots(v) {
      state.robots = v;
    },
    feed,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A resolver over a fixed table; every name asked is recorded. Unknown names: ENOTFOUND. */
export function stubResolver(table: Record<string, string[]>): { resolve: Resolver; asked: string[] } {
  const asked: string[] = [];
  const resolve: Resolver = async (hostname) => {
    asked.push(hostname);
    const addresses = table[hostname.toLowerCase()];
    if (!addresses) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    return addresses.map((address): LookupAddress => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
  return { resolve, asked };
}

/** Records the host of every connection undici starts (its `undici:client:beforeConnect` channel). */
export function connectTripwire(): { hosts: string[]; stop(): void } {
  const hosts: string[] = [];
  const onMessage = (message: unknown) => hosts.push((message as { connectParams: { hostname: string } }).connectParams.hostname);
  subscribe('undici:client:beforeConnect', onMessage);
  return { hosts, stop: () => unsubscribe('undici:client:beforeConnect', onMessage) };
}

/** Test limits: short, so limit tests take milliseconds. */
export const TEST_CONFIG: IntelConfig = {
  allowHosts: ['127.0.0.1'],
  torProxy: 'socks5h://127.0.0.1:9',
  timeoutSeconds: 0.5,
  maxBodyBytes: 200_000,
  maxDecompressedBytes: 1_000_000,
  maxRedirects: 3,
  minDelaySeconds: 0,
};

/** A source's network settings, `obey`ing robots.txt, no proxy. */
export function source(overrides: Partial<FetchRequest['source']> = {}): FetchRequest['source'] {
  return { name: 'bleepingcomputer', proxy: 'none', headers: {}, minDelaySeconds: null, robots: 'obey', ...overrides };
}
