/**
 * The intel fetcher against a real HTTP server on 127.0.0.1 serving a real corpus feed: conditional
 * GET, redirects (refused hops never connected to: undici's beforeConnect channel is watched),
 * body/decompression/time limits, content types, Retry-After, robots.txt, per-host delay, headers.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SourceUnavailableError, VigilError } from '../../errors.ts';
import { hasCorpus } from '../../testing/corpus.ts';
import type { FetchOutcome, IntelFetcher } from '../types.ts';
import { createIntelFetcher, type IntelFetcherOptions, USER_AGENT } from './fetch.ts';
import { UrlRefusedError } from './guard.ts';
import { connectTripwire, ETAG, LAST_MODIFIED, source, startServer, stubResolver, TEST_CONFIG, type TestServer } from './test-server.ts';

describe.runIf(hasCorpus())('createIntelFetcher', () => {
  let server: TestServer;
  const open: IntelFetcher[] = [];
  const dns = stubResolver({ 'metadata.vigil.test': ['169.254.169.254'], 'intranet.vigil.test': ['10.0.0.1'], 'feeds.vigil.test': ['127.0.0.1'] });
  const slept: number[] = [];
  const noWait = async (ms: number) => {
    slept.push(ms);
  };

  function make(config: Partial<typeof TEST_CONFIG> = {}, options: IntelFetcherOptions = {}): IntelFetcher {
    const f = createIntelFetcher({ ...TEST_CONFIG, ...config }, { resolver: dns.resolve, sleep: noWait, ...options });
    open.push(f);
    return f;
  }
  function ok(o: FetchOutcome): Extract<FetchOutcome, { status: 'ok' }> {
    if (o.status !== 'ok') throw new Error(`expected ok, got ${o.status}`);
    return o;
  }
  /** The rejection of `p` (fails the test when it resolves). */
  async function failure(p: Promise<unknown>): Promise<Error> {
    return p.then(
      () => {
        throw new Error('expected a rejection');
      },
      (err: Error) => err,
    );
  }

  beforeAll(async () => {
    server = await startServer();
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((f) => f.close()));
    server.robots = 'User-agent: *\nDisallow: /private/\n';
    slept.length = 0;
  });
  afterAll(() => server.close());

  it('fetches the feed with validators, then gets not-modified for a conditional GET', async () => {
    const f = make({}, { now: () => Date.parse('2026-01-02T03:04:05.678Z') });
    const first = ok(await f.fetch({ url: `${server.base}/feed.xml`, source: source(), accept: 'feed' }));
    expect(first.body.equals(server.feed)).toBe(true);
    expect(first.body.toString()).toContain('<title>BleepingComputer</title>');
    expect(first).toMatchObject({ httpStatus: 200, contentType: 'application/rss+xml; charset=utf-8', url: `${server.base}/feed.xml` });
    expect(first.validators).toEqual({ url: `${server.base}/feed.xml`, etag: ETAG, lastModified: LAST_MODIFIED, fetchedAt: '2026-01-02T03:04:05.678Z' });
    const again = await f.fetch({ url: `${server.base}/feed.xml`, source: source(), accept: 'feed', validators: first.validators });
    expect(again).toEqual({ status: 'not-modified', url: `${server.base}/feed.xml`, validators: first.validators });
    const conditional = server.seen.filter((s) => s.path === '/feed.xml').at(-1)!;
    expect(conditional.headers).toMatchObject({ 'if-none-match': ETAG, 'if-modified-since': LAST_MODIFIED });
  });

  it('sends the honest User-Agent, which source headers cannot override, and source headers only to its origin', async () => {
    const f = make();
    const headers = { 'User-Agent': 'Mozilla/5.0', 'X-Api-Key': 'k1', Cookie: 'session=1' };
    const got = ok(await f.fetch({ url: `${server.base}/headers`, source: source({ headers }), accept: 'feed' }));
    const seen = JSON.parse(got.body.toString()) as Record<string, string>;
    expect(seen['user-agent']).toBe(USER_AGENT);
    expect(USER_AGENT).toMatch(/^Vigil\/\d+\.\d+\.\d+ \(\+https:\/\/github\.com\/vigil-security\/vigil\)$/);
    expect(seen).toMatchObject({ 'x-api-key': 'k1', cookie: 'session=1', 'accept-encoding': 'gzip, deflate, br' });
    expect(server.seen.find((s) => s.path === '/robots.txt')?.headers['user-agent']).toBe(USER_AGENT);
    // Redirected to another origin (a name for the same server): no source headers follow.
    const moved = ok(await f.fetch({ url: `${server.base}/to-other-origin`, source: source({ headers }), accept: 'feed' }));
    expect(moved.url).toBe(`http://feeds.vigil.test:${server.port}/headers`);
    const there = JSON.parse(moved.body.toString()) as Record<string, string>;
    expect(there['user-agent']).toBe(USER_AGENT);
    expect(there['x-api-key']).toBeUndefined();
    expect(there.cookie).toBeUndefined();
  });

  it('decompresses gzip and follows a redirect to the final URL', async () => {
    const f = make();
    const gz = ok(await f.fetch({ url: `${server.base}/feed.xml.gz`, source: source(), accept: 'feed' }));
    expect(gz.body.equals(server.feed)).toBe(true);
    const moved = ok(await f.fetch({ url: `${server.base}/moved`, source: source(), accept: 'feed' }));
    expect(moved.url).toBe(`${server.base}/feed.xml`);
    expect(moved.validators.url).toBe(`${server.base}/moved`);
  });

  it.each([
    ['/to-metadata', '169.254.169.254', 'link-local 169.254.0.0/16 (cloud metadata)'],
    ['/to-private', '10.0.0.1', 'private 10.0.0.0/8'],
  ])('refuses a redirect %s to %s before connecting', async (path, address, range) => {
    const wire = connectTripwire();
    try {
      const err = await failure(make().fetch({ url: `${server.base}${path}`, source: source({ robots: 'ignore' }), accept: 'feed' }));
      expect(err).toBeInstanceOf(UrlRefusedError);
      expect((err as UrlRefusedError).code).toBe('VIGIL_URL_REFUSED');
      expect(err.message).toContain(range);
      expect(wire.hosts).not.toContain(address);
      expect(wire.hosts).toContain('127.0.0.1'); // the tripwire sees connections
      expect(wire.hosts.every((h) => h === '127.0.0.1')).toBe(true);
    } finally {
      wire.stop();
    }
  });

  it('refuses a redirect to a name resolving to the metadata address, on the resolved address', async () => {
    const err = await failure(make().fetch({ url: `${server.base}/to-name`, source: source({ robots: 'ignore' }), accept: 'feed' }));
    expect(err).toBeInstanceOf(UrlRefusedError);
    expect(err.message).toContain('metadata.vigil.test resolves to 169.254.169.254');
    expect(dns.asked).toContain('metadata.vigil.test');
  });

  it('refuses a private address not in allowHosts, a non-http redirect and too many redirects', async () => {
    const f = make({ allowHosts: [] });
    const loopback = await failure(f.fetch({ url: `${server.base}/feed.xml`, source: source(), accept: 'feed' }));
    expect(loopback).toBeInstanceOf(UrlRefusedError);
    expect(loopback.message).toContain('loopback 127.0.0.0/8');
    const named = await failure(make().fetch({ url: 'http://intranet.vigil.test/', source: source({ robots: 'ignore' }), accept: 'feed' }));
    expect(named).toBeInstanceOf(UrlRefusedError);
    expect(named.message).toContain('private 10.0.0.0/8');
    const ftp = await failure(make().fetch({ url: `${server.base}/to-ftp`, source: source(), accept: 'feed' }));
    expect(ftp).toBeInstanceOf(UrlRefusedError);
    expect(ftp.message).toContain('scheme ftp: is refused');
    const loops = server.seen.length;
    const loop = await failure(make().fetch({ url: `${server.base}/loop`, source: source({ robots: 'ignore' }), accept: 'feed' }));
    expect((loop as VigilError).code).toBe('VIGIL_FETCH_FAILED');
    expect(loop.message).toContain('more than 3 redirects');
    expect(server.seen.length - loops).toBe(4);
  });

  it.each([
    ['/bomb', 'after decompression'],
    ['/big', 'body over 200000 bytes as received'],
    ['/page.html', 'Content-Type "text/html; charset=utf-8" is not a feed'],
    ['/missing', 'HTTP 404'],
    ['/slow', 'timed out after 0.5 s'],
  ])('%s fails with VIGIL_FETCH_FAILED (%s)', async (path, reason) => {
    const started = Date.now();
    const err = await failure(make().fetch({ url: `${server.base}${path}`, source: source(), accept: 'feed' }));
    expect(err).toBeInstanceOf(VigilError);
    expect((err as VigilError).code).toBe('VIGIL_FETCH_FAILED');
    expect(err.message).toContain(`Fetching ${server.base}${path} failed`);
    expect(err.message).toContain(reason);
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('a caller abort rejects with its reason, and does not leave robots.txt disallowed', async () => {
    const f = make({ timeoutSeconds: 5 });
    const controller = new AbortController();
    const pending = f.fetch({ url: `${server.base}/slow`, source: source(), accept: 'feed', signal: controller.signal });
    setTimeout(() => controller.abort(new Error('shutting down')), 50);
    await expect(pending).rejects.toThrow('shutting down');
    const early = new AbortController();
    early.abort(new Error('cancelled'));
    const g = make(); // robots.txt not yet known: the abort cuts its fetch short
    await expect(g.fetch({ url: `${server.base}/feed.xml`, source: source(), accept: 'feed', signal: early.signal })).rejects.toThrow('cancelled');
    ok(await g.fetch({ url: `${server.base}/feed.xml`, source: source(), accept: 'feed' }));
  });

  it('accepts HTML only as text/html or XHTML', async () => {
    const page = ok(await make().fetch({ url: `${server.base}/page.html`, source: source(), accept: 'html' }));
    expect(page.body.toString()).toContain('<title>Not a feed</title>');
    const err = await failure(make().fetch({ url: `${server.base}/feed.xml`, source: source(), accept: 'html' }));
    expect(err.message).toContain('is not HTML');
  });

  it('waits out a 429 Retry-After: 1 and retries; a Retry-After over 60 s is SourceUnavailableError', async () => {
    const got = ok(await make().fetch({ url: `${server.base}/busy`, source: source(), accept: 'feed' }));
    expect(got.body.equals(server.feed)).toBe(true);
    expect(slept).toContain(1000);
    const err = await failure(make().fetch({ url: `${server.base}/busy-long`, source: source(), accept: 'feed' }));
    expect(err).toBeInstanceOf(SourceUnavailableError);
    expect((err as SourceUnavailableError).retryAfterSeconds).toBe(3600);
    expect(err.message).toContain('HTTP 503 (Retry-After 3600 s)');
  });

  it('obeys robots.txt: disallowed path not requested; 404 allows; 5xx disallows for the run; ignore skips it', async () => {
    const before = server.seen.length;
    const f = make();
    expect(await f.fetch({ url: `${server.base}/private/feed.xml`, source: source(), accept: 'feed' })).toEqual({
      status: 'robots-disallowed',
      url: `${server.base}/private/feed.xml`,
      reason: `robots.txt of ${server.base} disallows /private/feed.xml for Vigil`,
    });
    ok(await f.fetch({ url: `${server.base}/feed.xml`, source: source(), accept: 'feed' }));
    expect(server.seen.slice(before).map((s) => s.path)).toEqual(['/robots.txt', '/feed.xml']); // robots.txt cached
    ok(await make().fetch({ url: `${server.base}/private/feed.xml`, source: source({ robots: 'ignore' }), accept: 'feed' }));
    server.robots = 404;
    ok(await make().fetch({ url: `${server.base}/private/feed.xml`, source: source(), accept: 'feed' }));
    server.robots = 503;
    const down = make();
    expect(await down.fetch({ url: `${server.base}/feed.xml`, source: source(), accept: 'feed' })).toMatchObject({
      status: 'robots-disallowed',
      reason: expect.stringMatching(/robots\.txt answered HTTP 503: the site is taken as disallowing everything for 60 min \(RFC 9309/),
    });
    server.robots = 'User-agent: *\nAllow: /\n';
    expect((await down.fetch({ url: `${server.base}/feed.xml`, source: source(), accept: 'feed' })).status).toBe('robots-disallowed');
  });

  it('robots.txt rules for Vigil by name apply', async () => {
    server.robots = 'User-agent: Vigil\nDisallow: /\n\nUser-agent: *\nAllow: /\n';
    expect((await make().fetch({ url: `${server.base}/feed.xml`, source: source(), accept: 'feed' })).status).toBe('robots-disallowed');
  });

  it('keeps one request at a time per host, minDelaySeconds apart', async () => {
    const f = make({}, { sleep: undefined });
    const before = server.seen.length;
    const req = { url: `${server.base}/feed.xml`, source: source({ robots: 'ignore', minDelaySeconds: 0.2 }), accept: 'feed' as const };
    await Promise.all([f.fetch(req), f.fetch(req), f.fetch(req)]);
    const times = server.seen.slice(before).map((s) => s.at);
    expect(times).toHaveLength(3);
    for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(190);
  });
});
