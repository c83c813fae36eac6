import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VigilError } from '../../errors.ts';
import { createLogger } from '../../log.ts';
import type { VulnObservation } from '../../model/vulnerability.ts';
import { corpusPath, hasCorpus } from '../../testing/corpus.ts';
import type { SourceEvent } from '../types.ts';
import { nvdSource } from './index.ts';

const log = createLogger('silent');
type Rejected = Extract<SourceEvent, { type: 'rejected' }>;

interface Imported {
  records: VulnObservation[];
  rejected: Rejected[];
  events: SourceEvent[];
}

async function importAll(...paths: string[]): Promise<Imported> {
  const out: Imported = { records: [], rejected: [], events: [] };
  for await (const e of nvdSource.importFiles(paths, { log })) {
    out.events.push(e);
    if (e.type === 'vulns') out.records.push(...e.records);
    if (e.type === 'rejected') out.rejected.push(e);
  }
  return out;
}

function byId(records: VulnObservation[], id: string): VulnObservation {
  const found = records.find((r) => r.cveId === id);
  if (!found) throw new Error(`${id} not imported`);
  return found;
}

const ISO_UTC = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

describe.skipIf(!hasCorpus())('nvd importFiles on the real corpus', () => {
  const files = [
    ['nvdcve-1.1-2018.json.gz', 16_591],
    ['nvdcve-1.1-2025.json.gz', 12_137],
    ['nvdcve-1.1-recent.json.gz', 1_182],
    ['api2/vunnel-full-page.json', 38],
    ['api2/vunnel-single-entry.json', 1],
    ['api2/records', 17],
  ] as const;
  const imported = new Map<string, Imported>();
  const seconds = new Map<string, number>();
  beforeAll(async () => {
    for (const [file] of files) {
      const started = performance.now();
      imported.set(file, await importAll(corpusPath('nvd', file)));
      seconds.set(file, (performance.now() - started) / 1000);
    }
  });
  const get = (file: string): Imported => imported.get(file) as Imported;
  const api2 = (): VulnObservation[] => ['api2/vunnel-full-page.json', 'api2/vunnel-single-entry.json', 'api2/records'].flatMap((f) => get(f).records);

  for (const [file, count] of files) {
    it(`${file}: ${count} valid records, none rejected, batches of at most 1000`, () => {
      const { records, rejected, events } = get(file);
      expect(rejected).toEqual([]);
      expect(records).toHaveLength(count);
      expect(new Set(records.map((r) => r.cveId)).size).toBe(count);
      for (const e of events) if (e.type === 'vulns') expect(e.records.length).toBeLessThanOrEqual(1000);
      for (const r of records) {
        expect(r.cveId).toMatch(/^CVE-\d{4}-\d{4,}$/);
        expect(r.source).toBe('nvd');
        expect(r.lastModified).toMatch(ISO_UTC);
        expect(r.published).toMatch(ISO_UTC);
      }
    });
  }

  it('imports the 2018 feed in linear time (a loose floor: ~25,000 records/s alone, less beside other test files)', () => {
    const rate = 16_591 / (seconds.get('nvdcve-1.1-2018.json.gz') as number);
    expect(rate).toBeGreaterThan(2_000);
  });

  it('streams a large feed: records arrive before the file is read, progress ends at the file size', () => {
    const { events } = get('nvdcve-1.1-2018.json.gz');
    const firstBatch = events.findIndex((e) => e.type === 'vulns');
    const progress = events.filter((e): e is Extract<SourceEvent, { type: 'progress' }> => e.type === 'progress');
    const before = events.slice(0, firstBatch).filter((e) => e.type === 'progress') as typeof progress;
    expect(before.length).toBeGreaterThan(0);
    expect(before.at(-1)?.done).toBeLessThan(4_079_988 / 2);
    expect(progress.at(-1)).toMatchObject({ done: 4_079_988, total: 4_079_988, unit: 'bytes', label: 'nvdcve-1.1-2018.json.gz' });
    expect(progress.map((p) => p.done)).toEqual([...progress.map((p) => p.done)].sort((a, b) => a - b));
  });

  it('CVE-2024-3400 (Awaiting Analysis): one CNA v3.1 metric 10.0, no configurations, KEV hint', () => {
    const r = byId(api2(), 'CVE-2024-3400');
    expect(r.vulnStatus).toBe('Awaiting Analysis');
    expect(r.state).toBe('PUBLISHED');
    expect(r.assigner).toBe('psirt@paloaltonetworks.com');
    expect(r.published).toBe('2024-04-12T08:15:06.230Z');
    expect(r.lastModified).toBe('2024-04-13T01:00:01.407Z');
    expect(r.cvss).toEqual([
      {
        version: '3.1',
        vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H',
        baseScore: 10,
        baseSeverity: 'CRITICAL',
        scorer: 'psirt@paloaltonetworks.com',
        type: 'Secondary',
      },
    ]);
    expect(r.cwes).toEqual(['CWE-77']);
    expect(r.cpeMatches).toEqual([]);
    expect(r.references).toEqual([{ url: 'https://security.paloaltonetworks.com/CVE-2024-3400', tags: [] }]);
    expect(r.kev?.dateAdded).toBe('2024-04-12');
    expect(r.description).toMatch(/^A command injection vulnerability in the GlobalProtect feature/);
  });

  it('CVE-2024-0012 keeps its CNA v4.0 metric beside NVD’s v3.1', () => {
    const r = byId(api2(), 'CVE-2024-0012');
    expect(r.cvss.map((m) => [m.version, m.scorer, m.type, m.baseScore, m.baseSeverity])).toEqual([
      ['4.0', 'psirt@paloaltonetworks.com', 'Secondary', 9.3, 'CRITICAL'],
      ['3.1', 'nvd@nist.gov', 'Primary', 9.8, 'CRITICAL'],
    ]);
    expect(r.cvss[0]?.vector).toMatch(/^CVSS:4\.0\/AV:N\/AC:L\/AT:N\/PR:N\/UI:N\/VC:H\/VI:H\/VA:H\/SC:L\/SI:N\/SA:N\//);
  });

  it('CVE-2024-10914: v4.0 + v3.1 + v2 (v2 severity read beside cvssData), three CWEs from one weakness', () => {
    const r = byId(api2(), 'CVE-2024-10914');
    expect(r.vulnStatus).toBe('Received');
    expect(r.cvss.map((m) => m.version)).toEqual(['4.0', '3.1', '2.0']);
    expect(r.cvss[2]).toMatchObject({ vector: 'AV:N/AC:H/Au:N/C:C/I:C/A:C', baseScore: 7.6, baseSeverity: 'HIGH', scorer: 'cna@vuldb.com' });
    expect(r.cwes).toEqual(['CWE-707', 'CWE-74', 'CWE-78']);
  });

  it('CVE-2020-24980 is REJECTED (vulnStatus Rejected) with empty metrics and references', () => {
    const r = byId(api2(), 'CVE-2020-24980');
    expect(r).toMatchObject({ state: 'REJECTED', vulnStatus: 'Rejected', cvss: [], cwes: [], cpeMatches: [], references: [] });
  });

  it('CVE-2023-4966: KEV hint, CWE-119 without NVD-CWE-noinfo, Citrix-style version bounds', () => {
    const r = byId(api2(), 'CVE-2023-4966');
    expect(r.kev).toEqual({
      dateAdded: '2023-10-18',
      dueDate: '2023-11-08',
      requiredAction:
        'Apply mitigations and kill all active and persistent sessions per vendor instructions [https://www.netscaler.com/blog/news/cve-2023-4966-critical-security-update-now-available-for-netscaler-adc-and-netscaler-gateway/] OR discontinue use of the product if mitigations are unavailable.',
      vulnerabilityName: 'Citrix NetScaler ADC and NetScaler Gateway Buffer Overflow Vulnerability',
    });
    expect(r.cwes).toEqual(['CWE-119']);
    expect(r.cpeMatches).toContainEqual({
      criteria: 'cpe:2.3:a:citrix:netscaler_application_delivery_controller:*:*:*:*:-:*:*:*',
      vulnerable: true,
      versionStartIncluding: '13.1',
      versionEndExcluding: '13.1-49.15',
    });
    expect(r.references).toHaveLength(3); // 5 entries, 3 distinct URLs
  });

  it('CVE-2024-3273: 20 AND-configurations keep their vulnerable:false hardware entries', () => {
    const r = byId(api2(), 'CVE-2024-3273');
    expect(r.cpeMatches).toHaveLength(40);
    expect(r.cpeMatches.filter((m) => !m.vulnerable)).toHaveLength(20);
    expect(r.cpeMatches).toContainEqual({ criteria: 'cpe:2.3:h:dlink:dns-320l:-:*:*:*:*:*:*:*', vulnerable: false });
  });

  it('API 2.0: CWE placeholders dropped, references merged by URL, CISA-ADP as scorer', () => {
    expect(byId(api2(), 'CVE-2024-1709').cwes).toEqual(['CWE-288']); // + NVD-CWE-Other
    expect(byId(api2(), 'CVE-2010-2568').references).toHaveLength(14); // 28 entries
    expect(byId(api2(), 'CVE-2024-3094').references).toHaveLength(54); // 58 entries
    expect(byId(api2(), 'CVE-2023-44487').references).toHaveLength(95); // 95 distinct (merged through a Map)
    expect(byId(api2(), 'CVE-2010-2568').cvss.map((m) => [m.version, m.scorer, m.baseScore])).toEqual([
      ['3.1', '134c704f-9b21-4f2e-91b3-4a467353bcc0', 7.8],
      ['2.0', 'nvd@nist.gov', 9.3],
    ]);
    expect(byId(api2(), 'CVE-2022-1576').cvss.map((m) => [m.version, m.baseScore, m.baseSeverity])).toEqual([
      ['3.1', 6.5, 'MEDIUM'],
      ['2.0', 4.3, 'MEDIUM'],
    ]);
  });

  it('1.1 feed: CVE-2018-0015 ranges, NVD v3.0 + v2 metrics, minute timestamps', () => {
    const r = byId(get('nvdcve-1.1-2018.json.gz').records, 'CVE-2018-0015');
    expect(r.vulnStatus).toBeUndefined();
    expect(r.assigner).toBe('sirt@juniper.net');
    expect(r.published).toBe('2018-02-22T22:29:00.000Z');
    expect(r.lastModified).toBe('2019-10-03T00:03:00.000Z');
    expect(r.cvss).toEqual([
      { version: '3.0', vector: 'CVSS:3.0/AV:N/AC:H/PR:L/UI:N/S:U/C:H/I:H/A:H', baseScore: 7.5, baseSeverity: 'HIGH', scorer: 'nvd@nist.gov', type: 'Primary' },
      { version: '2.0', vector: 'AV:N/AC:M/Au:S/C:C/I:C/A:C', baseScore: 8.5, baseSeverity: 'HIGH', scorer: 'nvd@nist.gov', type: 'Primary' },
    ]);
    expect(r.cwes).toEqual(['CWE-862']);
    expect(r.cpeMatches).toEqual([
      { criteria: 'cpe:2.3:a:juniper:appformix:*:*:*:*:*:*:*:*', vulnerable: true, versionEndIncluding: '2.7.3' },
      { criteria: 'cpe:2.3:a:juniper:appformix:*:*:*:*:*:*:*:*', vulnerable: true, versionStartIncluding: '2.11', versionEndExcluding: '2.11.3' },
      { criteria: 'cpe:2.3:a:juniper:appformix:*:*:*:*:*:*:*:*', vulnerable: true, versionStartIncluding: '2.15', versionEndExcluding: '2.15.2' },
    ]);
  });

  it('1.1 feed: nested children are flattened (CVE-2018-0002: 176 matches, 120 not vulnerable)', () => {
    const r = byId(get('nvdcve-1.1-2018.json.gz').records, 'CVE-2018-0002');
    expect(r.cpeMatches).toHaveLength(176);
    expect(r.cpeMatches.filter((m) => !m.vulnerable)).toHaveLength(120);
    expect(r.cpeMatches).toContainEqual({ criteria: 'cpe:2.3:h:juniper:srx110:-:*:*:*:*:*:*:*', vulnerable: false });
  });

  it('1.1 feed: ** REJECT ** descriptions give REJECTED (973 in 2018), unscored 2025 items have no CVSS', () => {
    expect(get('nvdcve-1.1-2018.json.gz').records.filter((r) => r.state === 'REJECTED')).toHaveLength(973);
    const y2025 = get('nvdcve-1.1-2025.json.gz').records;
    expect(y2025.filter((r) => r.cvss.length === 0)).toHaveLength(8181);
    expect(byId(y2025, 'CVE-2025-0167').references).toHaveLength(4); // 5 entries, one URL twice
  });
});

describe.skipIf(!hasCorpus())('nvd importFiles on damaged input', () => {
  let dir: string;
  let feed: { CVE_Items: Record<string, unknown>[] } & Record<string, unknown>;
  let apiRecord: Record<string, unknown>;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'vigil-nvd-'));
    feed = JSON.parse(gunzipSync(readFileSync(corpusPath('nvd', 'nvdcve-1.1-recent.json.gz'))).toString('utf8'));
    apiRecord = JSON.parse(readFileSync(corpusPath('nvd', 'api2', 'records', 'CVE-2024-3400.json'), 'utf8'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, data: string | Buffer): string => {
    const file = path.join(dir, name);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, data);
    return file;
  };
  const threeItems = (): Record<string, unknown>[] => structuredClone(feed.CVE_Items.slice(0, 3));
  const idOf = (item: Record<string, unknown> | undefined): string => (item as { cve: { CVE_data_meta: { ID: string } } }).cve.CVE_data_meta.ID;

  it('a truncated gzip feed: the records before the cut, then the file rejected', async () => {
    const gz = readFileSync(corpusPath('nvd', 'nvdcve-1.1-2025.json.gz'));
    const file = write('cut.json.gz', gz.subarray(0, Math.floor(gz.length / 2)));
    const { records, rejected } = await importAll(file);
    expect(records.length).toBeGreaterThan(4_000);
    expect(records.length).toBeLessThan(12_137);
    expect(rejected).toHaveLength(1);
    expect(rejected[0]?.where).toEqual({ origin: file });
    expect(rejected[0]?.reason).toMatch(/truncated or malformed: unexpected end of file .*record\(s\) before the damage/);
  });

  it('a plain feed cut inside a record keeps the complete records before it', async () => {
    const text = JSON.stringify({ ...feed, CVE_Items: threeItems() }, null, 2);
    const file = write('cut.json', text.slice(0, Math.floor(text.length * 0.9)));
    const { records, rejected } = await importAll(file);
    expect(records.map((r) => r.cveId)).toEqual(threeItems().slice(0, 2).map(idOf));
    expect(rejected).toHaveLength(1);
    expect(rejected[0]?.reason).toMatch(/input ends inside a string|unclosed bracket/);
  });

  it('malformed JSON inside one record rejects that record by CVE id; the others come through', async () => {
    const items = threeItems().map((i) => JSON.stringify(i, null, 2));
    items[1] = (items[1] as string).replace('"publishedDate": "', '"publishedDate": , "x": "');
    const file = write('malformed.json', `{"CVE_data_type":"CVE","CVE_Items":[${items.join(',')}]}`);
    const { records, rejected } = await importAll(file);
    expect(records.map((r) => r.cveId)).toEqual([idOf(threeItems()[0]), idOf(threeItems()[2])]);
    expect(rejected).toEqual([
      { type: 'rejected', where: { origin: file, record: idOf(threeItems()[1]) }, reason: expect.stringMatching(/^malformed JSON: /) },
    ]);
  });

  it('a bad CVE id, a wrong-typed field and a non-object element are rejected by id/index and field', async () => {
    const items: unknown[] = threeItems();
    const [a, b, c] = items as { cve: { CVE_data_meta: { ID: string } }; configurations: { nodes: { cpe_match: { vulnerable: unknown }[] }[] } }[];
    a!.cve.CVE_data_meta.ID = 'CVE-25-1';
    (b as unknown as Record<string, unknown>).lastModifiedDate = 20250519;
    items.push(null);
    const file = write('bad-fields.json', JSON.stringify({ CVE_Items: items }));
    const { records, rejected } = await importAll(file);
    expect(records.map((r) => r.cveId)).toEqual([c!.cve.CVE_data_meta.ID]);
    expect(rejected.map((r) => r.where)).toEqual([
      { origin: file, record: 'CVE_Items[0]', field: 'cve.CVE_data_meta.ID' },
      { origin: file, record: b!.cve.CVE_data_meta.ID, field: 'lastModifiedDate' },
      { origin: file, record: 'CVE_Items[3]' },
    ]);
    expect(rejected[0]?.reason).toMatch(/not a CVE id/);
    expect(rejected[1]?.reason).toMatch(/expected string, received number/);
    expect(rejected[2]?.reason).toBe('array element is not a JSON object');
  });

  it('1.1 configuration nodes nested deeper than usual are flattened, a bad deep node is reported', async () => {
    const [a, b] = threeItems() as { configurations: { nodes: unknown[] } }[];
    const leaf = (cpe: string, vulnerable: unknown) => ({ operator: 'OR', children: [], cpe_match: [{ vulnerable, cpe23Uri: cpe, cpe_name: [] }] });
    const deep = (node: unknown) => [{ operator: 'AND', children: [{ operator: 'AND', children: [node], cpe_match: [] }], cpe_match: [] }];
    a!.configurations.nodes = deep(leaf('cpe:2.3:a:deep:ok:1.0:*:*:*:*:*:*:*', true));
    b!.configurations.nodes = deep(leaf('cpe:2.3:a:deep:bad:1.0:*:*:*:*:*:*:*', 'yes'));
    const file = write('deep.json', JSON.stringify({ CVE_Items: [a, b] }));
    const { records, rejected } = await importAll(file);
    expect(records.map((r) => r.cpeMatches)).toEqual([[{ criteria: 'cpe:2.3:a:deep:ok:1.0:*:*:*:*:*:*:*', vulnerable: true }], []]);
    expect(rejected.map((r) => r.where)).toEqual([{ origin: file, record: records[1]?.cveId, field: 'configurations.nodes[0].children[0].children[0]' }]);
  });

  it('a malformed CVSS vector drops that metric only and names record and field', async () => {
    const bad = structuredClone(apiRecord) as { metrics: { cvssMetricV31: { cvssData: { vectorString: string } }[] }; configurations?: unknown };
    bad.metrics.cvssMetricV31[0]!.cvssData.vectorString = 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H';
    bad.configurations = [{ nodes: [{ operator: 'OR', cpeMatch: [{ vulnerable: 'yes', criteria: 'cpe:2.3:o:x:y:*:*:*:*:*:*:*:*' }] }] }];
    const good = structuredClone(apiRecord) as { id: string; metrics: { cvssMetricV31: { cvssData: { vectorString: string } }[] } };
    good.id = 'CVE-2024-99999';
    good.metrics.cvssMetricV31[0]!.cvssData.vectorString = 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H';
    const page = {
      resultsPerPage: 2,
      startIndex: 0,
      totalResults: 2,
      format: 'NVD_CVE',
      version: '2.0',
      timestamp: '2024-04-13T01:00:00.000',
      vulnerabilities: [{ cve: bad }, { cve: good }],
    };
    const file = write('page.json.gz', gzipSync(JSON.stringify(page)));
    const { records, rejected } = await importAll(file);
    expect(records.map((r) => [r.cveId, r.cvss.length, r.cwes])).toEqual([['CVE-2024-99999', 0, ['CWE-77']]]);
    expect(rejected.map((r) => r.where)).toEqual([
      { origin: file, record: 'CVE-2024-3400', field: 'configurations[0].nodes[0].cpeMatch[0].vulnerable' },
      { origin: file, record: 'CVE-2024-99999', field: 'metrics.cvssMetricV31[0].cvssData.vectorString' },
    ]);
    expect(rejected[1]?.reason).toMatch(/malformed CVSS 3\.1 vector.*field dropped, record kept/);
  });

  it('reads a gzipped API page, a top-level array of records and a folder of both', async () => {
    const page = readFileSync(corpusPath('nvd', 'api2', 'vunnel-full-page.json'));
    write('sub/page.json.gz', gzipSync(page));
    write('sub/array.json', JSON.stringify([apiRecord, { cve: { ...apiRecord, id: 'CVE-2024-88888' } }, feed.CVE_Items[0]]));
    write('sub/notes.txt', 'not imported');
    const { records, rejected } = await importAll(path.join(dir, 'sub'));
    expect(rejected).toEqual([]);
    expect(records).toHaveLength(38 + 3);
    expect(records.slice(0, 3).map((r) => r.cveId)).toEqual(['CVE-2024-3400', 'CVE-2024-88888', idOf(feed.CVE_Items[0])]);
  });

  it('throws VIGIL_INPUT_UNREADABLE for a path that does not exist', async () => {
    await expect(importAll(path.join(dir, 'missing.json'))).rejects.toThrow(VigilError);
    await expect(importAll(path.join(dir, 'missing.json'))).rejects.toMatchObject({ code: 'VIGIL_INPUT_UNREADABLE' });
  });
});
