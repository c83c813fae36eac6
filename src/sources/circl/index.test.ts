/**
 * CIRCL vulnerability-lookup source. No real vulnerability-lookup response is in the corpus, so
 * the responses are built from REAL corpus records wrapped the way vulnerability-lookup wraps
 * them (website/web/api/v1/vulnerability.py): CVE 5 records of cve5/records, with the NVD API 2.0
 * record of nvd/api2/records as a JSON string under `vulnerability-lookup:meta.nvd` (`{"cve":…}`),
 * `containers.cna.x_gcve` injected as `last` does, and a GHSA (OSV) record as another feed's entry.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { SourceUnavailableError, type VigilError } from '../../errors.ts';
import { createLogger } from '../../log.ts';
import type { VulnObservation } from '../../model/vulnerability.ts';
import { corpusPath, hasCorpus } from '../../testing/corpus.ts';
import { startUpstream, type Upstream } from '../../testing/upstream.ts';
import { cve5Source } from '../cve5/index.ts';
import { HttpClient } from '../http.ts';
import { nvdSource } from '../nvd/index.ts';
import type { Source, SourceEvent } from '../types.ts';
import {
  type CirclApi,
  CirclConfigSchema,
  circlSource,
  getCirclDbInfo,
  getCirclVendorProducts,
  getCirclVendors,
  getCirclVulnerability,
  META_KEY,
  readCirclRecord,
  searchCirclVendorProduct,
} from './index.ts';

const log = createLogger('silent');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'vigil-circl-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** CVEs with both a CVE 5 record and an NVD API 2.0 record in the corpus. */
const WITH_NVD = ['2021/34xxx/CVE-2021-34527', '2023/44xxx/CVE-2023-44487', '2024/1xxx/CVE-2024-1709', '2024/3xxx/CVE-2024-3400'];
const CVE5_ONLY = ['2024/0xxx/CVE-2024-0021', '2024/0xxx/CVE-2024-0049', '2024/0xxx/CVE-2024-0519', '2024/1xxx/CVE-2024-1205', '2024/1xxx/CVE-2024-1307', '2024/1xxx/CVE-2024-1511', '2024/1xxx/CVE-2024-1578'];
const GHSA = 'ghsa/advisories/github-reviewed/2023/05/GHSA-j8r2-6x86-q33q/GHSA-j8r2-6x86-q33q.json';

type Rec = Record<string, unknown> & { cveMetadata: { cveId: string; dateUpdated: string } };
const cve5File = (p: string) => `${corpusPath('cve5', 'records', ...p.split('/'))}.json`;
const nvdFile = (id: string) => corpusPath('nvd', 'api2', 'records', `${id}.json`);
const idOf = (p: string) => p.split('/').at(-1) as string;
const readJson = (file: string) => JSON.parse(readFileSync(file, 'utf8'));
/** A record as `/api/vulnerability/<id>?with_meta=true` answers it. */
function withMeta(p: string): Rec {
  const rec = readJson(cve5File(p)) as Rec;
  const id = idOf(p);
  if (WITH_NVD.includes(p)) rec[META_KEY] = { nvd: JSON.stringify({ cve: readJson(nvdFile(id)) }), epss: { cve: id, epss: '0.94', percentile: '0.99', date: '2024-10-24' } };
  return rec;
}
/** A record as `last` answers it: no meta, `x_gcve` injected. */
function asLast(p: string): Rec {
  const rec = readJson(cve5File(p)) as Rec & { containers: { cna: Record<string, unknown> } };
  rec.containers.cna.x_gcve = [{ recordType: 'advisory', vulnId: idOf(p) }];
  return rec;
}
const all = () => [...WITH_NVD, ...CVE5_ONLY];
/** `last`: every record newest update first, the GHSA record among them. */
function lastList(): unknown[] {
  const list: unknown[] = all().map(asLast).sort((a, b) => b.cveMetadata.dateUpdated.localeCompare(a.cveMetadata.dateUpdated));
  list.splice(3, 0, readJson(corpusPath(...GHSA.split('/'))));
  return list;
}

function write(name: string, content: string | Buffer): string {
  const file = path.join(tmp, name);
  writeFileSync(file, content);
  return file;
}
async function collect(source: Source, paths: string[]): Promise<SourceEvent[]> {
  const events: SourceEvent[] = [];
  for await (const e of source.importFiles(paths, { log })) events.push(e);
  return events;
}
const vulnsOf = (events: SourceEvent[]): VulnObservation[] => events.flatMap((e) => (e.type === 'vulns' ? e.records : []));
const rejectedOf = (events: SourceEvent[]) => events.flatMap((e) => (e.type === 'rejected' ? [{ where: e.where, reason: e.reason }] : []));
const keys = (obs: VulnObservation[]) => obs.map((o) => `${o.source} ${o.cveId}`);

describe.skipIf(!hasCorpus())('CIRCL import of saved API responses (real records, vulnerability-lookup wrapping)', () => {
  it('one CVE response gives the cve5 and nvd observations their own sources give for the same records', async () => {
    const file = write('CVE-2024-3400.json', JSON.stringify(withMeta('2024/3xxx/CVE-2024-3400')));
    const events = await collect(circlSource, [file]);
    expect(rejectedOf(events)).toEqual([]);
    const obs = vulnsOf(events);
    expect(keys(obs)).toEqual(['cve5 CVE-2024-3400', 'nvd CVE-2024-3400']);
    const fromCve5 = vulnsOf(await collect(cve5Source, [cve5File('2024/3xxx/CVE-2024-3400')]));
    const fromNvd = vulnsOf(await collect(nvdSource, [nvdFile('CVE-2024-3400')]));
    expect(obs[0]).toEqual(fromCve5[0]);
    expect(obs[1]).toEqual(fromNvd[0]);
    expect(obs[1]?.lastModified).toBe('2024-04-13T01:00:01.407Z');
  });

  it('reads a last array (other feeds skipped), a search result (wrapped or not, gzipped) and a not-found {}', async () => {
    const last = write('last.json', JSON.stringify(lastList()));
    const pairs = all().map((p) => [idOf(p).toLowerCase(), withMeta(p)]);
    const wrapped = write('search.json.gz', gzipSync(JSON.stringify({ results: { cvelistv5: pairs.slice(0, 6) }, total_count: 6, page: 1, page_size: 10 })));
    const bare = write('search-since.json', JSON.stringify({ cvelistv5: pairs.slice(6) }));
    const notFound = write('unknown.json', '{}');
    const events = await collect(circlSource, [last, wrapped, bare, notFound]);
    expect(rejectedOf(events)).toEqual([]);
    const obs = vulnsOf(events);
    expect(obs.filter((o) => o.source === 'cve5')).toHaveLength(22);
    // `last` carries no meta; the search results carry NVD's record for the four CVEs that have one.
    expect(obs.filter((o) => o.source === 'nvd').map((o) => o.cveId).sort()).toEqual(['CVE-2021-34527', 'CVE-2023-44487', 'CVE-2024-1709', 'CVE-2024-3400']);
  });

  it('refuses a file that is not a vulnerability-lookup response before importing anything (VIGIL_INPUT_FORMAT)', async () => {
    const good = write('good.json', JSON.stringify(withMeta('2024/3xxx/CVE-2024-3400')));
    for (const other of [corpusPath('exploitdb', 'files_exploits-sample.csv'), corpusPath('cisa-kev', 'known_exploited_vulnerabilities.json')]) {
      const events: SourceEvent[] = [];
      const err = await (async () => {
        for await (const e of circlSource.importFiles([good, other], { log })) events.push(e);
      })().catch((e: unknown) => e);
      expect((err as VigilError).code).toBe('VIGIL_INPUT_FORMAT');
      expect(events).toEqual([]);
    }
  });

  it('a cut-off file is one rejection naming it; the files beside it are imported', async () => {
    const text = JSON.stringify(lastList());
    const cut = write('last-cut.json', text.slice(0, text.length / 2));
    const good = write('one.json', JSON.stringify(withMeta('2024/1xxx/CVE-2024-1709')));
    const events = await collect(circlSource, [cut, good]);
    expect(rejectedOf(events)).toEqual([{ where: { origin: cut }, reason: expect.stringMatching(/^truncated or malformed/) }]);
    expect(keys(vulnsOf(events))).toEqual(['cve5 CVE-2024-1709', 'nvd CVE-2024-1709']);
  });

  it('schema drift: a bad record is rejected by CVE id and field, a bad embedded NVD record by its meta field; the rest kept', async () => {
    const list = all().map(withMeta);
    const drifted = list.find((r) => r.cveMetadata.cveId === 'CVE-2024-0519') as Rec;
    drifted.cveMetadata.dateUpdated = 'yesterday';
    const badNvd = list.find((r) => r.cveMetadata.cveId === 'CVE-2024-1709') as Rec;
    const nvd = JSON.parse((badNvd[META_KEY] as { nvd: string }).nvd);
    nvd.cve.published = 'not a date';
    (badNvd[META_KEY] as { nvd: string }).nvd = JSON.stringify(nvd);
    const notJson = list.find((r) => r.cveMetadata.cveId === 'CVE-2021-34527') as Rec;
    (notJson[META_KEY] as { nvd: string }).nvd = '{"cve": {"id": "CVE-2021-34527"';
    const file = write('drift.json', JSON.stringify([...list, 42]));
    const events = await collect(circlSource, [file]);
    expect(rejectedOf(events)).toEqual([
      { where: { origin: file, record: 'CVE-2021-34527', field: `${META_KEY}.nvd` }, reason: expect.stringMatching(/^embedded NVD record is not valid JSON/) },
      { where: { origin: file, record: 'CVE-2024-1709', field: `${META_KEY}.nvd.cve.published` }, reason: expect.stringContaining('published') },
      { where: { origin: file, record: 'CVE-2024-0519', field: 'cveMetadata.dateUpdated' }, reason: expect.stringContaining('cveMetadata.dateUpdated') },
      { where: { origin: file, record: '[11]' }, reason: 'record is not a JSON object (number)' },
    ]);
    const obs = vulnsOf(events);
    expect(obs.filter((o) => o.source === 'cve5').map((o) => o.cveId)).toHaveLength(10);
    expect(keys(obs.filter((o) => o.source === 'nvd'))).toEqual(['nvd CVE-2023-44487', 'nvd CVE-2024-3400']);
  });
});

describe.skipIf(!hasCorpus())('CIRCL embedded NVD record, each form', () => {
  const nvd3400 = () => readJson(nvdFile('CVE-2024-3400'));
  it.each([
    ['a JSON string of {cve}', () => JSON.stringify({ cve: nvd3400() }), ['cve5', 'nvd'], []],
    ['a JSON string of the bare cve object', () => JSON.stringify(nvd3400()), ['cve5', 'nvd'], []],
    ['an object {cve}', () => ({ cve: nvd3400() }), ['cve5', 'nvd'], []],
    ['absent', () => undefined, ['cve5'], []],
    ['the record of another CVE', () => JSON.stringify({ cve: readJson(nvdFile('CVE-2024-1709')) }), ['cve5'], [`${META_KEY}.nvd.cve.id`]],
    ['a number', () => 7, ['cve5'], [`${META_KEY}.nvd`]],
  ])('%s', (_, nvd, sources, rejectedFields) => {
    const rec = readJson(cve5File('2024/3xxx/CVE-2024-3400'));
    const value = nvd();
    if (value !== undefined) rec[META_KEY] = { nvd: value };
    const r = readCirclRecord(rec, 'test', '(record)');
    expect(r.observations.map((o) => o.source)).toEqual(sources);
    expect(r.observations.every((o) => o.cveId === 'CVE-2024-3400')).toBe(true);
    expect(r.rejected.map((x) => x.where.field)).toEqual(rejectedFields);
  });
});

/** A loopback vulnerability-lookup serving the corpus records at its API paths. */
async function startFakeLookup(): Promise<Upstream> {
  const byId = new Map(all().map((p) => [idOf(p).toLowerCase(), p]));
  const json = (res: import('node:http').ServerResponse, body: unknown) => {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    return true;
  };
  const affected = (p: string) => (asLast(p).containers as { cna: { affected?: { vendor?: string; product?: string }[] } }).cna.affected ?? [];
  const pairs = all().flatMap((p) => affected(p).map((a) => ({ p, vendor: (a.vendor ?? '').trim().toLowerCase(), product: (a.product ?? '').trim().toLowerCase() }))).filter((a) => a.vendor && a.product && !a.vendor.includes('n/a'));
  return startUpstream({
    '/api/last/': (_req, res, url) => {
      const count = Number(url.pathname.split('/')[3]);
      const page = Number(url.searchParams.get('page') ?? 1);
      return json(res, lastList().slice((page - 1) * count, page * count));
    },
    '/api/vulnerability/': (_req, res, url) => {
      const p = byId.get(decodeURIComponent(url.pathname.split('/')[3] ?? '').toLowerCase());
      return json(res, p ? withMeta(p) : {});
    },
    '/api/browse/': (_req, res, url) => {
      const vendor = decodeURIComponent(url.pathname.split('/')[3] ?? '');
      if (!vendor) return json(res, [...new Set(pairs.map((a) => a.vendor))]);
      return json(res, [...new Set(pairs.filter((a) => a.vendor === vendor).map((a) => a.product))]);
    },
    '/api/search/': (_req, res, url) => {
      const [, , , vendor, product] = url.pathname.split('/').map(decodeURIComponent);
      const hits = [...new Set(pairs.filter((a) => a.vendor === vendor && a.product === product).map((a) => a.p))];
      return json(res, { results: hits.length ? { cvelistv5: hits.map((p) => [idOf(p).toLowerCase(), withMeta(p)]) } : {}, total_count: hits.length, page: 1, page_size: 100 });
    },
    '/api/dbInfo': (_req, res) => json(res, { last_updates: { cvelistv5: '2024-10-24T09:12:40.511234+00:00', nvd: '2024-10-24T09:00:03.120000+00:00' }, db_sizes: { cvelistv5: all().length, nvd: WITH_NVD.length, total: all().length + 1 } }),
  });
}

describe.skipIf(!hasCorpus())('CIRCL look-ups and live sync against a fake vulnerability-lookup', () => {
  let upstream: Upstream | undefined;
  afterEach(async () => {
    await upstream?.close();
    upstream = undefined;
  });
  const http = () => new HttpClient({ minBackoffSeconds: 0.01, retries: 3 });
  async function run(up: Upstream, cursor: string | null, config: Record<string, unknown> = {}): Promise<{ events: SourceEvent[]; error?: unknown }> {
    const events: SourceEvent[] = [];
    const ctx = { log, cursor, http: http(), now: () => new Date('2024-10-24T12:00:00Z') };
    try {
      for await (const e of circlSource.sync(CirclConfigSchema.parse({ baseUrl: up.baseUrl, ...config }), ctx)) events.push(e);
    } catch (error) {
      return { events, error };
    }
    return { events };
  }
  const newest = () => all().map((p) => asLast(p).cveMetadata.dateUpdated).sort().at(-1);

  it('answers every seed look-up with typed, checked results', async () => {
    upstream = await startFakeLookup();
    const api: CirclApi = { http: http(), baseUrl: upstream.baseUrl };
    expect(await getCirclVendors(api)).toEqual(expect.arrayContaining(['google', 'microsoft', 'palo alto networks', 'connectwise']));
    expect(await getCirclVendorProducts(api, 'palo alto networks')).toEqual(['pan-os', 'cloud ngfw', 'prisma access']);
    const search = await searchCirclVendorProduct(api, 'google', 'android');
    expect(search.total).toBe(2);
    expect(search.records.map((r) => r.cveId)).toEqual(['CVE-2024-0021', 'CVE-2024-0049']);
    const one = await getCirclVulnerability(api, 'CVE-2024-3400');
    expect(keys(one?.observations ?? [])).toEqual(['cve5 CVE-2024-3400', 'nvd CVE-2024-3400']);
    expect(await getCirclVulnerability(api, 'CVE-1999-0001')).toBeNull();
    expect((await getCirclDbInfo(api)).db_sizes.total).toBe(12);
    expect(upstream.requests).toContain('/api/vulnerability/CVE-2024-3400?with_meta=true');
  });

  it('a first sync reads one last page and saves the newest dateUpdated; the next yields nothing new', async () => {
    upstream = await startFakeLookup();
    const first = await run(upstream, null, { lastCount: 5 });
    expect(rejectedOf(first.events)).toEqual([]);
    // Page 1 holds four CVE records and the GHSA record (left alone).
    expect(vulnsOf(first.events)).toHaveLength(4);
    expect(first.events.at(-1)).toEqual({ type: 'cursor', cursor: newest() });
    expect(upstream.requests).toEqual(['/api/last/5?page=1']);
    const again = await run(upstream, newest() ?? null, { lastCount: 5 });
    expect(again.events).toEqual([{ type: 'cursor', cursor: newest() }]);
  });

  it('pages back to the cursor, then looks up the configured CVEs with their NVD records', async () => {
    upstream = await startFakeLookup();
    const { events } = await run(upstream, '2024-08-01T18:00:00.000Z', { lastCount: 3, cves: ['cve-2024-3400', 'CVE-1999-0001'] });
    const updatedAfter = all().filter((p) => asLast(p).cveMetadata.dateUpdated > '2024-08-01T18:00:00.000Z').map(idOf);
    const obs = vulnsOf(events);
    expect(obs.slice(0, -2).map((o) => o.cveId).sort()).toEqual(updatedAfter.sort());
    expect(keys(obs.slice(-2))).toEqual(['cve5 CVE-2024-3400', 'nvd CVE-2024-3400']);
    expect(upstream.requests.filter((r) => r.startsWith('/api/last/'))).toEqual(['/api/last/3?page=1', '/api/last/3?page=2', '/api/last/3?page=3', '/api/last/3?page=4']);
    expect(events.at(-1)).toEqual({ type: 'cursor', cursor: newest() });
  });

  it('retries 429 with Retry-After, 503 and a cut-off body; fails a malformed body without a cursor', async () => {
    upstream = await startFakeLookup();
    upstream.fault({ kind: 'status', status: 429, retryAfter: 1, pathPrefix: '/api/last/' });
    upstream.fault({ kind: 'status', status: 503, pathPrefix: '/api/vulnerability/' });
    upstream.fault({ kind: 'truncate', bytes: 2_000, pathPrefix: '/api/last/' });
    const ok = await run(upstream, null, { cves: ['CVE-2024-1709'] });
    expect(ok.error).toBeUndefined();
    expect(vulnsOf(ok.events)).toHaveLength(11 + 2);
    upstream.fault({ kind: 'body', body: '[{"dataType":"CVE_RECORD","cveMetadata":', pathPrefix: '/api/last/' });
    const bad = await run(upstream, null);
    expect(bad.events).toEqual([]);
    expect((bad.error as VigilError).code).toBe('VIGIL_SOURCE_BAD_PAYLOAD');
    upstream.fault({ kind: 'status', status: 503 });
    upstream.fault({ kind: 'status', status: 503 });
    upstream.fault({ kind: 'status', status: 503 });
    upstream.fault({ kind: 'status', status: 503 });
    const down = await run(upstream, null);
    expect(down.error).toBeInstanceOf(SourceUnavailableError);
    expect(down.events).toEqual([]);
  });

  it('schema drift: a bad record in last is rejected by id and field, the others stored and the cursor saved', async () => {
    upstream = await startFakeLookup();
    const list = lastList() as Rec[];
    (list[0] as Rec).cveMetadata.dateUpdated = 'yesterday';
    const drifted = (list[0] as Rec).cveMetadata.cveId;
    upstream.fault({ kind: 'body', body: JSON.stringify(list), pathPrefix: '/api/last/' });
    const { events } = await run(upstream, null);
    expect(rejectedOf(events)).toEqual([{ where: { origin: `${upstream.baseUrl}/api/last/100?page=1`, record: drifted, field: 'cveMetadata.dateUpdated' }, reason: expect.any(String) }]);
    expect(vulnsOf(events)).toHaveLength(10);
    expect(events.at(-1)?.type).toBe('cursor');
  });

  it('refuses a dbInfo of another shape as VIGIL_SOURCE_BAD_PAYLOAD', async () => {
    upstream = await startFakeLookup();
    upstream.fault({ kind: 'body', body: '{"last_updates": "today"}', pathPrefix: '/api/dbInfo' });
    const err = await getCirclDbInfo({ http: http(), baseUrl: upstream.baseUrl }).catch((e: unknown) => e);
    expect((err as VigilError).code).toBe('VIGIL_SOURCE_BAD_PAYLOAD');
    expect((err as Error).message).toMatch(/last_updates/);
  });
});
