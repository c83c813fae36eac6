import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { SourceUnavailableError, VigilError } from '../../errors.ts';
import { createLogger } from '../../log.ts';
import type { KevCatalog } from '../../model/vulnerability.ts';
import { corpusPath, hasCorpus } from '../../testing/corpus.ts';
import { startUpstream, type Upstream } from '../../testing/upstream.ts';
import { HttpClient } from '../http.ts';
import type { SourceEvent } from '../types.ts';
import { KevConfigSchema, kevSource } from './index.ts';

const log = createLogger('silent');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'vigil-kev-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const json25 = () => corpusPath('cisa-kev', 'known_exploited_vulnerabilities.json');
const json18 = () => corpusPath('cisa-kev', 'known_exploited_vulnerabilities-2025.08.18.json');
const csv25 = () => corpusPath('cisa-kev', 'known_exploited_vulnerabilities.csv');

async function collect(paths: string[]): Promise<SourceEvent[]> {
  const events: SourceEvent[] = [];
  for await (const e of kevSource.importFiles(paths, { log })) events.push(e);
  return events;
}
const catalogsOf = (events: SourceEvent[]): KevCatalog[] => events.flatMap((e) => (e.type === 'kev' ? [e.catalog] : []));
const rejectedOf = (events: SourceEvent[]) => events.flatMap((e) => (e.type === 'rejected' ? [e] : []));
function write(name: string, content: string | Buffer): string {
  const file = path.join(tmp, name);
  writeFileSync(file, content);
  return file;
}

const CVE_2024_3400 = {
  cveId: 'CVE-2024-3400',
  vendorProject: 'Palo Alto Networks',
  product: 'PAN-OS',
  vulnerabilityName: 'Palo Alto Networks PAN-OS Command Injection Vulnerability',
  dateAdded: '2024-04-12',
  shortDescription: 'Palo Alto Networks PAN-OS GlobalProtect feature contains a command injection vulnerability that allows an unauthenticated attacker to execute commands with root privileges on the firewall.',
  requiredAction: 'Apply mitigations per vendor instructions as they become available. Otherwise, users with vulnerable versions of affected devices should enable Threat Prevention IDs available from the vendor. See the vendor bulletin for more details and a patch release schedule.',
  dueDate: '2024-04-19',
  knownRansomwareCampaignUse: 'Known',
  notes: 'https://security.paloaltonetworks.com/CVE-2024-3400 ;   https://nvd.nist.gov/vuln/detail/CVE-2024-3400',
  cwes: ['CWE-20', 'CWE-77'],
};

describe.skipIf(!hasCorpus())('KEV import on the real CISA feeds', () => {
  it('reads both JSON catalog versions with exact counts and a known entry', async () => {
    const events = await collect([json25(), json18()]);
    expect(rejectedOf(events)).toEqual([]);
    const [c25, c18] = catalogsOf(events) as [KevCatalog, KevCatalog];
    expect([c25.catalogVersion, c25.dateReleased, c25.entries.length]).toEqual(['2025.08.25', '2025-08-25T17:04:19.979Z', 1404]);
    expect([c18.catalogVersion, c18.dateReleased, c18.entries.length]).toEqual(['2025.08.18', '2025-08-18T13:43:39.408Z', 1400]);
    expect(c25.entries.find((e) => e.cveId === 'CVE-2024-3400')).toEqual(CVE_2024_3400);
    expect(c25.entries[0]).toMatchObject({ cveId: 'CVE-2025-48384', vendorProject: 'Git', cwes: ['CWE-59', 'CWE-436'] });
    expect(c25.entries.filter((e) => e.knownRansomwareCampaignUse === 'Known')).toHaveLength(293);
  });

  it('reads the CSV feed (1,404 entries) and it agrees with the JSON entry by entry', async () => {
    const [csv] = catalogsOf(await collect([csv25()])) as [KevCatalog];
    const [json] = catalogsOf(await collect([json25()])) as [KevCatalog];
    // The CSV has no version: it is derived from the latest dateAdded.
    expect([csv.catalogVersion, csv.dateReleased, csv.entries.length]).toEqual(['2025.08.25', '2025-08-25T00:00:00.000Z', 1404]);
    expect(csv.entries.find((e) => e.cveId === 'CVE-2024-3400')).toEqual(CVE_2024_3400);
    expect(csv.entries.length).toBe(json.entries.length);
    for (const [i, entry] of csv.entries.entries()) expect(entry, entry.cveId).toEqual(json.entries[i]);
  });

  it('the two catalog versions differ by exactly the 4 CVEs added in between', async () => {
    const [c25, c18] = catalogsOf(await collect([json25(), json18()])) as [KevCatalog, KevCatalog];
    const before = new Set(c18.entries.map((e) => e.cveId));
    const after = new Set(c25.entries.map((e) => e.cveId));
    const added = c25.entries.filter((e) => !before.has(e.cveId));
    expect(added.map((e) => `${e.cveId} ${e.dateAdded}`).sort()).toEqual(['CVE-2024-8068 2025-08-25', 'CVE-2024-8069 2025-08-25', 'CVE-2025-43300 2025-08-21', 'CVE-2025-48384 2025-08-25']);
    expect(c18.entries.filter((e) => !after.has(e.cveId))).toEqual([]);
  });

  it('rejects bad entries by cveID and field and keeps the rest', async () => {
    const doc = JSON.parse(readFileSync(json25(), 'utf8'));
    const v = doc.vulnerabilities;
    v[0].cveID = 'CVE-25-1';
    v[1].dueDate = '2025/09/15';
    v[2].knownRansomwareCampaignUse = 'Maybe';
    v[3].cwes = ['79'];
    delete v[4].product;
    v[6] = { ...v[5] };
    const events = await collect([write('kev-bad.json', JSON.stringify(doc))]);
    expect(rejectedOf(events).map((r) => [r.where.record, r.where.field])).toEqual([
      ['CVE-25-1', 'cveID'],
      [v[1].cveID, 'dueDate'],
      [v[2].cveID, 'knownRansomwareCampaignUse'],
      [v[3].cveID, 'cwes.0'],
      [v[4].cveID, 'product'],
      [v[5].cveID, 'cveID'],
    ]);
    expect(rejectedOf(events)[5]?.reason).toContain('listed twice');
    const [catalog] = catalogsOf(events);
    expect(catalog?.entries).toHaveLength(1404 - 6);
    expect(catalog?.entries.find((e) => e.cveId === 'CVE-2024-3400')).toEqual(CVE_2024_3400);
  });

  it('reports a count that disagrees with the entries listed, keeping the catalog', async () => {
    const doc = JSON.parse(readFileSync(json25(), 'utf8'));
    doc.count = 1405;
    const events = await collect([write('kev-count.json', JSON.stringify(doc))]);
    expect(rejectedOf(events)).toEqual([{ type: 'rejected', where: { origin: expect.stringContaining('kev-count.json'), field: 'count' }, reason: expect.stringContaining('count says 1405 but 1404 entries') }]);
    expect(catalogsOf(events)[0]?.entries).toHaveLength(1404);
  });

  it('rejects bad CSV rows by cveID and field', async () => {
    const lines = readFileSync(csv25(), 'utf8').split('\n');
    lines[1] = (lines[1] as string).replace(',2025-08-25,', ',yesterday,');
    lines[2] = 'CVE-2024-8068,Citrix';
    const events = await collect([write('kev-bad.csv', lines.join('\n'))]);
    expect(rejectedOf(events).map((r) => [r.where.record, r.where.field])).toEqual([
      ['CVE-2024-8068', 'product'],
      ['CVE-2025-48384', 'dateAdded'],
    ]);
    expect(catalogsOf(events)[0]?.entries).toHaveLength(1402);
  });

  it('reads a gzipped feed whatever its name, and fails truncated JSON clearly', async () => {
    const gz = write('kev.dat', gzipSync(readFileSync(json18())));
    expect(catalogsOf(await collect([gz]))[0]?.entries).toHaveLength(1400);
    const cut = write('kev-cut.json', readFileSync(json18()).subarray(0, 500_000));
    const events = await collect([cut]);
    expect(catalogsOf(events)).toEqual([]);
    expect(rejectedOf(events)).toEqual([{ type: 'rejected', where: { origin: cut }, reason: expect.stringMatching(/^not valid JSON \(truncated\?\)/) }]);
  });
});

describe.skipIf(!hasCorpus())('KEV live sync against a fake upstream', () => {
  const feedPath = '/sites/default/files/feeds/known_exploited_vulnerabilities.json';
  let upstream: Upstream | undefined;
  let served = '';
  afterEach(async () => {
    await upstream?.close();
    upstream = undefined;
  });
  async function serve(file: string): Promise<Upstream> {
    served = file;
    upstream ??= await startUpstream({
      '/sites/default/files/feeds/': (_req, res, url) => {
        if (!url.pathname.endsWith(path.extname(served))) return false;
        res.setHeader('content-type', served.endsWith('.csv') ? 'text/csv' : 'application/json');
        res.end(readFileSync(served));
        return true;
      },
    });
    return upstream;
  }
  async function run(up: Upstream, cursor: string | null, feed = feedPath): Promise<{ events: SourceEvent[]; error?: unknown }> {
    const events: SourceEvent[] = [];
    const ctx = { log, cursor, http: new HttpClient({ minBackoffSeconds: 0.01, retries: 3 }), now: () => new Date('2025-08-26T00:00:00Z') };
    try {
      for await (const e of kevSource.sync(KevConfigSchema.parse({ url: up.baseUrl + feed }), ctx)) events.push(e);
    } catch (error) {
      return { events, error };
    }
    return { events };
  }
  const summary = (events: SourceEvent[]) => events.map((e) => (e.type === 'kev' ? `kev ${e.catalog.catalogVersion} ${e.catalog.entries.length}` : e.type === 'cursor' ? `cursor ${e.cursor}` : e.type));

  it('yields a new catalog then its version as the cursor; an unchanged one yields only the cursor', async () => {
    const up = await serve(json18());
    expect(summary((await run(up, null)).events)).toEqual(['kev 2025.08.18 1400', 'cursor 2025.08.18']);
    expect(summary((await run(up, '2025.08.18')).events)).toEqual(['cursor 2025.08.18']);
    await serve(json25());
    expect(summary((await run(up, '2025.08.18')).events)).toEqual(['kev 2025.08.25 1404', 'cursor 2025.08.25']);
    expect(summary((await run(up, '2025.08.25')).events)).toEqual(['cursor 2025.08.25']);
    // A stale cache serving an older version does not move the cursor back.
    await serve(json18());
    expect(summary((await run(up, '2025.08.25')).events)).toEqual(['cursor 2025.08.25']);
    expect(up.requests.every((r) => r === feedPath)).toBe(true);
  });

  it('retries 503 and a cut-off body; fails a malformed body and a 404 clearly', async () => {
    const up = await serve(json25());
    up.fault({ kind: 'status', status: 503 });
    up.fault({ kind: 'truncate', bytes: 10_000 });
    expect(summary((await run(up, '2025.08.18')).events)).toEqual(['kev 2025.08.25 1404', 'cursor 2025.08.25']);
    expect(up.requests).toHaveLength(3);
    up.fault({ kind: 'body', body: '{"title":"CISA Catalog","vulnerabilities":[' });
    const bad = await run(up, '2025.08.18');
    expect(bad.events).toEqual([]);
    expect(bad.error).toBeInstanceOf(VigilError);
    expect((bad.error as VigilError).code).toBe('VIGIL_SOURCE_BAD_PAYLOAD');
    const missing = await run(up, null, '/nothing/here.json');
    expect(missing.error).toBeInstanceOf(SourceUnavailableError);
  });

  it('reads the CSV feed URL too (version derived from the latest dateAdded)', async () => {
    const up = await serve(csv25());
    const { events } = await run(up, '2025.08.18', '/sites/default/files/feeds/known_exploited_vulnerabilities.csv');
    expect(summary(events)).toEqual(['kev 2025.08.25 1404', 'cursor 2025.08.25']);
  });
});
