/**
 * ghsa source tests. The corpus holds GitHub's OSV files, not saved REST answers: the REST items
 * here are DERIVED from the 12 real OSV files field by field (testing.ts), and the test checks that
 * both paths give the same advisory.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../log.ts';
import type { Advisory } from '../../model/advisory.ts';
import { corpusPath, hasCorpus } from '../../testing/corpus.ts';
import { startUpstream, type Upstream } from '../../testing/upstream.ts';
import { listFiles } from '../files.ts';
import { HttpClient, parseRateLimitReset } from '../http.ts';
import { osvSource } from '../osv/index.ts';
import type { SourceEvent } from '../types.ts';
import { GhsaConfigSchema, ghsaSource, nextLink, parseVersionRange } from './index.ts';
import { osvToGhsaRest } from './testing.ts';

const log = createLogger('silent');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'vigil-ghsa-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const advisoriesOf = (events: SourceEvent[]): Advisory[] => events.flatMap((e) => (e.type === 'advisories' ? e.records : []));
const rejectedOf = (events: SourceEvent[]) => events.flatMap((e) => (e.type === 'rejected' ? [e] : []));
const cursorsOf = (events: SourceEvent[]) => events.flatMap((e) => (e.type === 'cursor' ? [e.cursor] : []));
async function drain(it: AsyncIterable<SourceEvent>): Promise<SourceEvent[]> {
  const events: SourceEvent[] = [];
  for await (const e of it) events.push(e);
  return events;
}
async function osvFiles(): Promise<{ file: string; json: Record<string, unknown> }[]> {
  const files = await listFiles(corpusPath('ghsa', 'advisories'));
  return files.map((file) => ({ file, json: JSON.parse(readFileSync(file, 'utf8')) }));
}
/** What the two paths must agree on (source, reference types and page URL differ by design). */
function comparable(a: Advisory) {
  const { source: _s, references, ...rest } = a;
  return { ...rest, references: references.map((r) => r.url) };
}

describe('parseVersionRange: one row per REST range form', () => {
  it.each([
    ['>= 5.3.0, < 5.3.18', '5.3.18', [{ introduced: '5.3.0' }, { fixed: '5.3.18' }]],
    ['< 4.17.20', '4.17.20', [{ introduced: '0' }, { fixed: '4.17.20' }]],
    ['<= 2.0.1', null, [{ introduced: '0' }, { last_affected: '2.0.1' }]],
    ['<= 1.8.1', '1.8.2', [{ introduced: '0' }, { fixed: '1.8.2' }]],
    ['= 1.2.3', null, [{ introduced: '1.2.3' }, { last_affected: '1.2.3' }]],
    ['>= 2.0.0', null, [{ introduced: '2.0.0' }]],
    ['>= 23.10.5.0,< 24.7.4.1', '24.7.4.1', [{ introduced: '23.10.5.0' }, { fixed: '24.7.4.1' }]],
  ])('%s (patched %s)', (text, patched, events) => {
    expect(parseVersionRange(text, patched)).toEqual({ range: { type: 'ECOSYSTEM', events } });
  });
  it.each([['> 1.0, < 2.0'], ['~> 1.2'], ['1.0 - 2.0']])('%s has no OSV form: kept as text', (text) => {
    expect(parseVersionRange(text, null)).toEqual({ description: text });
  });
  it('an empty range with a patched version is everything before it; with neither, nothing', () => {
    expect(parseVersionRange('', '1.0')).toEqual({ range: { type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '1.0' }] } });
    expect(parseVersionRange(null, null)).toEqual({});
  });
  it.each([
    ['0', 1_788_307_230, 30],
    ['0', 1_788_307_100, 0],
    ['12', 1_788_307_230, undefined],
    [null, null, undefined],
  ])('parseRateLimitReset: remaining %s, reset %s → %s s', (remaining, reset, seconds) => {
    const headers = new Headers();
    if (remaining !== null) headers.set('x-ratelimit-remaining', remaining);
    if (reset !== null) headers.set('x-ratelimit-reset', String(reset));
    expect(parseRateLimitReset(headers, new Date(1_788_307_200_000))).toBe(seconds);
  });
  it('nextLink reads rel="next" among other relations', () => {
    expect(nextLink('<https://api.github.com/advisories?after=a>; rel="prev", <https://api.github.com/advisories?after=b>; rel="next"')).toBe(
      'https://api.github.com/advisories?after=b',
    );
    expect(nextLink('<https://api.github.com/advisories?before=a>; rel="prev"')).toBeNull();
    expect(nextLink(null)).toBeNull();
  });
});

describe.skipIf(!hasCorpus())('ghsa import of REST JSON (derived from the 12 real OSV files)', () => {
  it('gives the same 12 advisories as the osv import of the OSV files', async () => {
    const osv = new Map(advisoriesOf(await drain(osvSource.importFiles([corpusPath('ghsa', 'advisories')], { log }))).map((a) => [a.id, a]));
    const page = path.join(tmp, 'page.json');
    writeFileSync(page, JSON.stringify((await osvFiles()).map((f) => osvToGhsaRest(f.json as never))));
    const events = await drain(ghsaSource.importFiles([page], { log }));
    expect(rejectedOf(events)).toEqual([]);
    const rest = advisoriesOf(events);
    expect(rest).toHaveLength(12);
    for (const a of rest) {
      expect(a.source).toBe('ghsa');
      expect(comparable(a), a.id).toEqual(comparable(osv.get(a.id) as Advisory));
    }
    const spring = rest.find((a) => a.id === 'GHSA-36p3-wjmg-h94x') as Advisory;
    expect(spring.affected).toHaveLength(10);
    expect(new Set(spring.affected.map((x) => x.packageName)).size).toBe(5);
    expect(spring.affected.map((x) => x.purl)).toContain('pkg:maven/org.springframework/spring-webmvc');
    expect(spring.affected.flatMap((x) => x.ranges?.[0]?.events.map((e) => e.fixed) ?? [])).toEqual(expect.arrayContaining(['5.3.18', '5.2.20.RELEASE']));
    expect(rest.find((a) => a.id === 'GHSA-5crp-9r3c-p9vr')).toMatchObject({ cves: [], severity: 'LOW' });
  });

  it('refuses an OSV file (VIGIL_INPUT_FORMAT, pointing at `vigil import osv`) before importing anything', async () => {
    const [first] = await osvFiles();
    const err = await drain(ghsaSource.importFiles([(first as { file: string }).file], { log })).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'VIGIL_INPUT_FORMAT' });
    expect((err as Error).message).toContain('vigil import osv');
  });
});

describe.skipIf(!hasCorpus())('ghsa live sync (loopback GitHub REST API serving REST items derived from the real files)', () => {
  let upstream: Upstream;
  let items: Record<string, unknown>[];
  const seenHeaders: Record<string, string | undefined>[] = [];
  let rateLimitRemaining = '4999';
  let forbidOnce = false;

  beforeAll(async () => {
    items = (await osvFiles()).map((f) => osvToGhsaRest(f.json as never));
    items.sort((a, b) => String(a.updated_at).localeCompare(String(b.updated_at)));
    upstream = await startUpstream({
      '/advisories': (req, res, url) => {
        seenHeaders.push({ authorization: req.headers.authorization, version: req.headers['x-github-api-version'] as string });
        if (forbidOnce && url.searchParams.get('page') === '2') {
          forbidOnce = false;
          // GitHub's primary rate limit: 403 with x-ratelimit-remaining 0 and the reset time (epoch seconds).
          res
            .writeHead(403, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(Math.ceil(Date.now() / 1000) + 1) })
            .end('{"message":"API rate limit exceeded"}');
          return true;
        }
        const q = url.searchParams;
        if (q.get('sort') !== 'updated' || q.get('direction') !== 'asc' || q.get('type') !== 'reviewed') return false;
        const since = q.get('updated')?.replace(/^>=/, '');
        const list = since ? items.filter((i) => Date.parse(String(i.updated_at)) >= Date.parse(since)) : items;
        const perPage = Number(q.get('per_page'));
        const page = Number(q.get('page') ?? '1');
        const headers: Record<string, string> = { 'content-type': 'application/json', 'x-ratelimit-remaining': rateLimitRemaining };
        if (page * perPage < list.length) {
          const next = new URL(url);
          next.searchParams.set('page', String(page + 1));
          headers.link = `<${upstream.baseUrl}${next.pathname}${next.search}>; rel="next"`;
        }
        res.writeHead(200, headers).end(JSON.stringify(list.slice((page - 1) * perPage, page * perPage)));
        return true;
      },
    });
  });
  afterAll(() => upstream?.close());

  const config = (extra: object = {}) => GhsaConfigSchema.parse({ baseUrl: upstream.baseUrl, token: 'ghp_test', perPage: 5, ...extra });
  const run = (cursor: string | null, extra: object = {}) =>
    drain(
      ghsaSource.sync(config(extra), {
        log,
        cursor,
        http: new HttpClient({ minBackoffSeconds: 0.01, retries: 3 }),
        now: () => new Date('2026-09-02T00:00:00Z'),
      }),
    );

  it('does not follow a Link rel="next" to another origin (the token would go with it)', async () => {
    const other = await startUpstream({
      '/latest/meta-data/': (req, res) => {
        res.end(`[${JSON.stringify(String(req.headers.authorization))}]`);
        return true;
      },
    });
    const evil = await startUpstream({
      '/advisories': (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json', link: `<${other.baseUrl}/latest/meta-data/>; rel="next"` }).end(JSON.stringify(items.slice(0, 1)));
        return true;
      },
    });
    try {
      const events: unknown[] = [];
      const err = await (async () => {
        for await (const e of ghsaSource.sync(GhsaConfigSchema.parse({ baseUrl: evil.baseUrl, token: 'ghp_secret' }), { log, cursor: null, http: new HttpClient({ retries: 0 }), now: () => new Date() })) events.push(e);
      })().catch((e: unknown) => e);
      expect((err as Error).message).toMatch(/next page .* is not on http:\/\/127\.0\.0\.1:\d+: not followed/);
      expect(other.requests).toEqual([]);
      expect(events.some((e) => (e as { type: string }).type === 'advisories')).toBe(true); // the first page is kept
    } finally {
      await other.close();
      await evil.close();
    }
  });

  it('pages through Link rel="next" past 429 + Retry-After, 503, a 403 rate limit, a truncated body and a malformed page; a cursor after each page', async () => {
    upstream.fault({ kind: 'status', status: 429, retryAfter: 1, pathPrefix: '/advisories' });
    upstream.fault({ kind: 'status', status: 503, pathPrefix: '/advisories' });
    upstream.fault({ kind: 'truncate', bytes: 200, pathPrefix: '/advisories' });
    upstream.fault({ kind: 'body', body: '[{"ghsa_id": "GHSA-', pathPrefix: '/advisories' });
    forbidOnce = true;
    upstream.requests.length = 0;
    seenHeaders.length = 0;
    const events = await run(null);
    expect(rejectedOf(events)).toEqual([]);
    expect(advisoriesOf(events).map((a) => a.id)).toEqual(items.map((i) => i.ghsa_id));
    const newest = (n: number) => new Date(String(items[n - 1]?.updated_at)).toISOString();
    expect(cursorsOf(events)).toEqual([newest(5), newest(10), newest(12)]);
    expect(seenHeaders.every((h) => h.authorization === 'Bearer ghp_test' && h.version === '2022-11-28')).toBe(true);
    expect(new Set(upstream.requests.map((r) => new URL(r, upstream.baseUrl).searchParams.get('page')))).toEqual(new Set([null, '2', '3']));
    expect(upstream.requests.length).toBe(3 + 5); // three pages, each fault costing one more request
  });

  it('the next sync asks for updated >= cursor and stores only what changed since', async () => {
    upstream.requests.length = 0;
    const cursor = new Date(String(items[9]?.updated_at)).toISOString();
    const events = await run(cursor);
    expect(upstream.requests[0]).toContain(`updated=${encodeURIComponent(`>=${cursor.replace('.000Z', 'Z')}`)}`);
    expect(advisoriesOf(events).map((a) => a.id)).toEqual(items.slice(9).map((i) => i.ghsa_id));
    expect(cursorsOf(events).at(-1)).toBe(new Date(String(items[11]?.updated_at)).toISOString());
  });

  it('a record with a wrong-typed field is rejected by ghsa_id and field; the others on its page are stored', async () => {
    const victim = items[2] as Record<string, unknown>;
    const saved = victim.vulnerabilities;
    victim.vulnerabilities = 'org.springframework:spring-webmvc';
    try {
      const events = await run(null, { perPage: 100 });
      expect(rejectedOf(events).map((r) => r.where)).toEqual([
        { origin: expect.stringContaining('/advisories?'), record: victim.ghsa_id, field: 'vulnerabilities' },
      ]);
      expect(advisoriesOf(events)).toHaveLength(11);
      expect(cursorsOf(events)).toEqual([new Date(String(items[11]?.updated_at)).toISOString()]);
    } finally {
      victim.vulnerabilities = saved;
    }
  });

  it('a page malformed twice fails the sync with VIGIL_SOURCE_BAD_PAYLOAD, yielding nothing of it and no cursor', async () => {
    upstream.fault({ kind: 'body', body: '{"message": "Server Error"', pathPrefix: '/advisories' });
    upstream.fault({ kind: 'body', body: '{"message": "Server Error"', pathPrefix: '/advisories' });
    const events: SourceEvent[] = [];
    const ctx = { log, cursor: null, http: new HttpClient({ minBackoffSeconds: 0.01, retries: 1 }), now: () => new Date() };
    const err = await (async () => {
      for await (const e of ghsaSource.sync(config(), ctx)) events.push(e);
    })().catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'VIGIL_SOURCE_BAD_PAYLOAD' });
    expect(advisoriesOf(events)).toEqual([]);
    expect(cursorsOf(events)).toEqual([]);
  });

  it('stops early, keeping the cursor, when GitHub says no request is left this hour', async () => {
    rateLimitRemaining = '0';
    upstream.requests.length = 0;
    try {
      const events = await run(null);
      expect(upstream.requests).toHaveLength(1);
      expect(advisoriesOf(events)).toHaveLength(5);
      expect(cursorsOf(events)).toEqual([new Date(String(items[4]?.updated_at)).toISOString()]);
    } finally {
      rateLimitRemaining = '4999';
    }
  });
});
