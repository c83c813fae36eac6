/**
 * Live osv sync against a loopback upstream in osv.dev's bucket layout, serving the real Go
 * vulndb files: `Go/all.zip` built here from the 300 corpus files, `Go/modified_id.csv` made from
 * their `modified`, and `Go/<id>.json`. Changed records are the real ones with a later `modified`.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../log.ts';
import type { Advisory } from '../../model/advisory.ts';
import { corpusPath, hasCorpus } from '../../testing/corpus.ts';
import { startUpstream, type Upstream } from '../../testing/upstream.ts';
import { zipOf } from '../cve5/test-bundles.ts';
import { listFiles } from '../files.ts';
import { HttpClient } from '../http.ts';
import type { SourceEvent } from '../types.ts';
import { fetchOsvVulnerability, OsvConfigSchema, osvSource } from './index.ts';

const log = createLogger('silent');
const http = () => new HttpClient({ minBackoffSeconds: 0.01, retries: 3 });

async function run(config: object, cursor: string | null): Promise<SourceEvent[]> {
  const events: SourceEvent[] = [];
  const ctx = { log, cursor, http: http(), now: () => new Date('2026-09-02T00:00:00Z') };
  for await (const e of osvSource.sync(OsvConfigSchema.parse(config), ctx)) events.push(e);
  return events;
}
const advisoriesOf = (events: SourceEvent[]): Advisory[] => events.flatMap((e) => (e.type === 'advisories' ? e.records : []));
const rejectedOf = (events: SourceEvent[]) => events.flatMap((e) => (e.type === 'rejected' ? [e] : []));
const cursorsOf = (events: SourceEvent[]) => events.flatMap((e) => (e.type === 'cursor' ? [e.cursor] : []));

describe.skipIf(!hasCorpus())('osv live sync (osv.dev bucket layout, real Go vulndb records)', () => {
  let upstream: Upstream;
  let baseUrl: string;
  const records = new Map<string, string>();
  let zip: Buffer;
  /** Records changed upstream since the first sync: id → served text (newest first in the csv). */
  const changed = new Map<string, { modified: string; text: string }>();

  beforeAll(async () => {
    const files = await listFiles(corpusPath('osv', 'go-vulndb'));
    for (const f of files) records.set(path.basename(f, '.json'), readFileSync(f, 'utf8'));
    zip = await zipOf(files.map((f) => [path.basename(f), readFileSync(f)]));
    const ghsa = await listFiles(corpusPath('ghsa', 'advisories'));
    const ghsaById = new Map(ghsa.map((f) => [path.basename(f, '.json'), readFileSync(f, 'utf8')]));
    upstream = await startUpstream({
      '/Go/all.zip': (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/zip' }).end(zip);
        return true;
      },
      '/Go/modified_id.csv': (_req, res) => {
        const lines = [...changed.entries()].map(([id, c]) => `${c.modified.replace('.000Z', 'Z')},${id}`);
        for (const [id, text] of records) if (!changed.has(id)) lines.push(`${JSON.parse(text).modified},${id}`);
        res.writeHead(200, { 'content-type': 'text/csv' }).end(`${lines.join('\n')}\n`);
        return true;
      },
      '/Go/': (_req, res, url) => {
        const id = decodeURIComponent(url.pathname.slice('/Go/'.length).replace(/\.json$/, ''));
        const text = changed.get(id)?.text ?? records.get(id);
        if (text === undefined) return false;
        res.writeHead(200, { 'content-type': 'application/json' }).end(text);
        return true;
      },
      '/v1/vulns/': (_req, res, url) => {
        const text = ghsaById.get(decodeURIComponent(url.pathname.slice('/v1/vulns/'.length)));
        if (text === undefined) return false;
        res.writeHead(200, { 'content-type': 'application/json' }).end(text);
        return true;
      },
    });
    baseUrl = upstream.baseUrl;
  });
  afterAll(() => upstream?.close());

  it('first sync: downloads all.zip through a 429 (Retry-After) and a truncated body; 300 records, cursor per ecosystem; an unknown ecosystem is reported', async () => {
    upstream.fault({ kind: 'status', status: 429, retryAfter: 1, pathPrefix: '/Go/all.zip' });
    upstream.fault({ kind: 'truncate', bytes: 1000, pathPrefix: '/Go/all.zip' });
    upstream.requests.length = 0;
    const events = await run({ baseUrl, ecosystems: ['Nope', 'Go'] }, null);
    const all = advisoriesOf(events);
    expect(all).toHaveLength(300);
    expect(new Set(all.map((a) => a.id))).toEqual(new Set(records.keys()));
    expect(rejectedOf(events)).toEqual([expect.objectContaining({ where: { origin: `${baseUrl}/Nope/all.zip` } })]);
    expect(cursorsOf(events)).toEqual(['{"Go":"0001-01-01T00:00:00.000Z"}']);
    expect(upstream.requests.filter((r) => r === '/Go/all.zip')).toHaveLength(3);
    expect(upstream.requests.some((r) => r.includes('modified_id.csv'))).toBe(false);
  });

  it('incremental sync: through a 503 and a malformed body, fetches only the records newer than the cursor; a drifted record is rejected by id and field', async () => {
    const [a, b, c] = [...records.keys()].slice(10, 13) as [string, string, string];
    const bump = (id: string, modified: string, edit: (r: Record<string, unknown>) => void = () => {}) => {
      const r = JSON.parse(records.get(id) as string);
      r.modified = modified;
      edit(r);
      changed.set(id, { modified, text: JSON.stringify(r) });
    };
    bump(c, '2026-09-01T12:00:00.000Z', (r) => {
      r.affected = 'github.com/example/module';
    });
    bump(b, '2026-09-01T11:00:00.000Z');
    bump(a, '2026-09-01T10:00:00.000Z', (r) => {
      r.summary = 'Summary revised upstream';
    });
    // csv lists newest first: c, b, a, then the unchanged records
    upstream.fault({ kind: 'status', status: 503, pathPrefix: '/Go/modified_id.csv' });
    upstream.fault({ kind: 'body', body: '{"id": "GO-', pathPrefix: '/Go/GO-' });
    upstream.requests.length = 0;
    const events = await run({ baseUrl, ecosystems: ['Go'] }, '{"Go":"0001-01-01T00:00:00.000Z"}');
    const stored = advisoriesOf(events);
    expect(stored.map((x) => x.id).sort()).toEqual([a, b].sort());
    expect(stored.find((x) => x.id === a)).toMatchObject({ title: 'Summary revised upstream', modified: '2026-09-01T10:00:00.000Z' });
    expect(rejectedOf(events).map((r) => r.where)).toEqual([{ origin: `${baseUrl}/Go/${c}.json`, record: c, field: 'affected' }]);
    expect(cursorsOf(events)).toEqual(['{"Go":"2026-09-01T12:00:00.000Z"}']);
    expect(upstream.requests).not.toContain('/Go/all.zip');
    expect(upstream.requests.filter((r) => r.startsWith('/Go/GO-')).length).toBe(4); // 3 records + 1 refetch of the malformed one
  });

  it('a sync with nothing newer reads only modified_id.csv and keeps the cursor', async () => {
    upstream.requests.length = 0;
    const events = await run({ baseUrl, ecosystems: ['Go'] }, '{"Go":"2026-09-01T12:00:00.000Z"}');
    expect(advisoriesOf(events)).toEqual([]);
    expect(cursorsOf(events)).toEqual(['{"Go":"2026-09-01T12:00:00.000Z"}']);
    expect(upstream.requests).toEqual(['/Go/modified_id.csv']);
  });

  it('more changes than maxIncremental: downloads all.zip instead of fetching one by one', async () => {
    upstream.requests.length = 0;
    const events = await run({ baseUrl, ecosystems: ['Go'], maxIncremental: 2 }, '{"Go":"0001-01-01T00:00:00.000Z"}');
    expect(upstream.requests).toEqual(['/Go/modified_id.csv', '/Go/all.zip']);
    expect(advisoriesOf(events)).toHaveLength(300);
  });

  it('a malformed modified_id.csv fails the sync (VIGIL_SOURCE_BAD_PAYLOAD) and yields no cursor', async () => {
    upstream.fault({ kind: 'body', body: '<html>oops</html>', contentType: 'text/html', pathPrefix: '/Go/modified_id.csv' });
    const events: SourceEvent[] = [];
    const ctx = { log, cursor: '{"Go":"0001-01-01T00:00:00.000Z"}', http: http(), now: () => new Date() };
    const err = await (async () => {
      for await (const e of osvSource.sync(OsvConfigSchema.parse({ baseUrl, ecosystems: ['Go'] }), ctx)) events.push(e);
    })().catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'VIGIL_SOURCE_BAD_PAYLOAD' });
    expect(cursorsOf(events)).toEqual([]);
  });

  it('looks up one record with the OSV API (GET /v1/vulns/{id}); an unknown id is null', async () => {
    const spring = await fetchOsvVulnerability('GHSA-36p3-wjmg-h94x', http(), { apiUrl: baseUrl });
    expect(spring?.affected).toHaveLength(10);
    expect(spring?.cves).toEqual([{ id: 'CVE-2022-22965', origin: 'listed' }]);
    expect(await fetchOsvVulnerability('GHSA-0000-0000-0000', http(), { apiUrl: baseUrl })).toBeNull();
  });
});
