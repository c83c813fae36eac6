import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../log.ts';
import type { VulnObservation } from '../../model/vulnerability.ts';
import { corpusPath, hasCorpus } from '../../testing/corpus.ts';
import type { SourceEvent } from '../types.ts';
import { cve5Source, normalizeCve5Record } from './index.ts';
import { dailyBundle, deltaBundle, recordFiles, zipOf } from './test-bundles.ts';

const log = createLogger('silent');
const RECORDS = () => corpusPath('cve5', 'records');
const JSONL = () => corpusPath('cve5', 'vulnrichment-2024-cve5.jsonl.gz');

interface Collected {
  records: VulnObservation[];
  batches: number[];
  rejected: Extract<SourceEvent, { type: 'rejected' }>[];
  progress: Extract<SourceEvent, { type: 'progress' }>[];
}

async function collect(paths: string[]): Promise<Collected> {
  const out: Collected = { records: [], batches: [], rejected: [], progress: [] };
  for await (const e of cve5Source.importFiles(paths, { log })) {
    if (e.type === 'vulns') {
      out.batches.push(e.records.length);
      out.records.push(...e.records);
    } else if (e.type === 'rejected') out.rejected.push(e);
    else if (e.type === 'progress') out.progress.push(e);
  }
  return out;
}

function byId(records: VulnObservation[], id: string): VulnObservation {
  const found = records.find((r) => r.cveId === id);
  if (!found) throw new Error(`${id} not imported`);
  return found;
}

/** The three corpus records whose CNA wrote a v3.1 vector with its metrics out of order. */
const MISORDERED = ['CVE-2023-41265', 'CVE-2023-49103', 'CVE-2024-39891'];

describe.skipIf(!hasCorpus())('cve5 importFiles on the corpus', () => {
  let tree: Collected;
  beforeAll(async () => {
    tree = await collect([RECORDS()]);
  });

  it('imports the 400-record cvelistV5 tree, nothing rejected', () => {
    expect(tree.records).toHaveLength(400);
    expect(new Set(tree.records.map((r) => r.cveId)).size).toBe(400);
    expect(tree.batches).toEqual([400]);
    expect(tree.rejected).toEqual([]);
    // v3.1 vectors with the base metrics out of order are valid (CVSS v3.1 §6: readers accept any order).
    for (const id of MISORDERED) expect(byId(tree.records, id).cvss.length, id).toBeGreaterThan(0);
    expect(byId(tree.records, 'CVE-2023-49103').cvss).toContainEqual(
      expect.objectContaining({ scorer: 'mitre', vector: 'CVSS:3.1/AC:L/AV:N/A:H/C:H/I:H/PR:N/S:C/UI:N', baseScore: 10 }),
    );
    expect(tree.progress.at(-1)).toMatchObject({ done: 400, total: 400, unit: 'records' });
  });

  it('normalises CVE-2024-3400 (PAN-OS): CNA CVSS, CISA-ADP SSVC, KEV, affected, references', () => {
    const r = byId(tree.records, 'CVE-2024-3400');
    expect(r).toMatchObject({
      source: 'cve5',
      state: 'PUBLISHED',
      assigner: 'palo_alto',
      title: 'PAN-OS: Arbitrary File Creation Leads to OS Command Injection Vulnerability in GlobalProtect',
      published: '2024-04-12T07:20:00.707Z',
      lastModified: '2024-08-01T20:12:06.667Z',
      cwes: ['CWE-77', 'CWE-20'],
      cpeMatches: [],
      kev: { dateAdded: '2024-04-12' },
      ssvc: { exploitation: 'active', automatable: 'yes', technicalImpact: 'total', version: '2.0.3', timestamp: '2024-04-17T04:00:13.543Z' },
    });
    expect(r.description).toMatch(/^A command injection as a result of arbitrary file creation vulnerability/);
    expect(r.cvss).toEqual([
      { version: '3.1', vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H', baseScore: 10, baseSeverity: 'CRITICAL', scorer: 'palo_alto', type: 'Primary' },
    ]);
    const adp = r.affected.filter((a) => a.provider === 'CISA-ADP');
    expect(adp).toHaveLength(3);
    expect(adp[0]).toEqual({
      vendor: 'paloaltonetworks',
      product: 'pan-os',
      cpes: ['cpe:2.3:o:paloaltonetworks:pan-os:10.2.0:*:*:*:*:*:*:*'],
      defaultStatus: 'unknown',
      provider: 'CISA-ADP',
      versions: [{ version: '10.2.0', status: 'affected', lessThan: '10.2.9-h1', versionType: 'custom' }],
    });
    expect(r.affected.filter((a) => a.provider === 'palo_alto').map((a) => a.product)).toEqual(['PAN-OS', 'Cloud NGFW', 'Prisma Access']);
    // 4 CNA references; the CVE Program container repeats them with `x_transferred`, which is dropped.
    expect(r.references).toHaveLength(4);
    expect(r.references[0]).toEqual({ url: 'https://security.paloaltonetworks.com/CVE-2024-3400', tags: ['vendor-advisory'] });
  });

  it('keeps a CNA cvssV4_0 and a CISA-ADP cvssV3_1 side by side (CVE-2024-1578)', () => {
    const r = byId(tree.records, 'CVE-2024-1578');
    expect(r.cvss).toEqual([
      {
        version: '4.0',
        vector: 'CVSS:4.0/AV:P/AC:H/AT:N/PR:L/UI:N/VC:H/VI:H/VA:N/SC:N/SI:N/SA:N',
        baseScore: 5.3,
        baseSeverity: 'MEDIUM',
        scorer: 'Canon_EMEA',
        type: 'Primary',
      },
      { version: '3.1', vector: 'CVSS:3.1/AV:P/AC:H/PR:N/UI:N/S:U/C:H/I:L/A:L', baseScore: 5.3, baseSeverity: 'MEDIUM', scorer: 'CISA-ADP', type: 'Secondary' },
    ]);
    expect(r.cwes).toEqual(['CWE-1287']);
    expect(r.ssvc).toMatchObject({ exploitation: 'none', automatable: 'no', technicalImpact: 'total' });
    expect(r.kev).toBeUndefined();
  });

  it('reads zone-less timestamps as UTC and takes CWEs from the ADP (CVE-2024-33664)', () => {
    const r = byId(tree.records, 'CVE-2024-33664');
    expect(r.lastModified).toBe('2024-09-05T15:28:29.569Z');
    expect(r.published).toBe('2024-04-25T00:00:00.000Z');
    expect(r.cwes).toEqual(['CWE-400']);
    expect(r.cvss).toEqual([
      { version: '3.1', vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:L', baseScore: 5.3, baseSeverity: 'MEDIUM', scorer: 'CISA-ADP', type: 'Secondary' },
    ]);
  });

  it('imports the 23,975-record vulnrichment JSONL in batches of 1,000, with REJECTED records', async () => {
    const all = await collect([JSONL()]);
    expect(all.records).toHaveLength(23_975);
    expect(all.batches).toHaveLength(24);
    expect(Math.max(...all.batches)).toBe(1000);
    expect(all.batches.at(-1)).toBe(975);
    expect(all.records.filter((r) => r.state === 'REJECTED')).toHaveLength(69);
    expect(all.records.every((r) => /^CVE-2024-\d+$/.test(r.cveId) && r.lastModified.endsWith('Z'))).toBe(true);
    // Nothing rejected: the 130 v3.1 vectors with base metrics out of order are valid (v3.1 §6).
    expect(all.rejected).toEqual([]);
    expect(byId(all.records, 'CVE-2024-22779').cvss.some((c) => c.version === '3.1')).toBe(true);
    const rejected = byId(all.records, 'CVE-2024-1216');
    expect(rejected).toMatchObject({
      state: 'REJECTED',
      assigner: 'Fluid Attacks',
      description: 'This CVE ID has been rejected or withdrawn by its CVE Numbering Authority.',
      lastModified: '2024-03-08T21:46:42.875Z',
      cvss: [],
    });
    expect(all.progress.at(-1)).toMatchObject({ unit: 'bytes', done: 9_210_605, total: 9_210_605 });
  });
});

describe.skipIf(!hasCorpus())('cve5 importFiles on release zips built from the corpus', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cve5-zip-test-'));
  });
  afterAll(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('reads the daily bundle through its nested cves.zip, ignoring delta.json and deltaLog.json', async () => {
    const file = path.join(dir, '2024-10-24_all_CVEs_at_midnight.zip.zip');
    await fs.writeFile(file, await dailyBundle(RECORDS()));
    const got = await collect([file]);
    expect(got.records).toHaveLength(400);
    expect(got.rejected).toEqual([]);
    expect(got.progress.at(-1)?.label ?? '').toMatch(/_all_CVEs_at_midnight\.zip\.zip/);
    expect(byId(got.records, 'CVE-2024-3400').kev).toEqual({ dateAdded: '2024-04-12' });
  });

  it('reads an hourly delta zip (deltaCves/)', async () => {
    const files = (await recordFiles(RECORDS())).filter((f) => f.includes(`${path.sep}2024${path.sep}`)).slice(0, 25);
    const file = path.join(dir, '2024-10-24_delta_CVEs_at_0400Z.zip');
    await fs.writeFile(file, await deltaBundle(files));
    const got = await collect([file]);
    expect(got.records.map((r) => r.cveId)).toEqual(files.map((f) => path.basename(f, '.json')));
  });

  it('reports a truncated zip as a rejected file, and goes on with the next path', async () => {
    const whole = await deltaBundle((await recordFiles(RECORDS())).slice(0, 10));
    const cut = path.join(dir, 'cut.zip');
    await fs.writeFile(cut, whole.subarray(0, Math.floor(whole.length / 2)));
    const single = corpusPath('cve5', 'records', '2024', '3xxx', 'CVE-2024-3400.json');
    const got = await collect([cut, single]);
    expect(got.records.map((r) => r.cveId)).toEqual(['CVE-2024-3400']);
    expect(got.rejected).toHaveLength(1);
    expect(got.rejected[0]?.where).toEqual({ origin: cut });
    expect(got.rejected[0]?.reason).toMatch(/not a readable zip/);
  });
});

describe.skipIf(!hasCorpus())('cve5 importFiles on bad input', () => {
  let dir: string;
  let lines: string[];
  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cve5-bad-test-'));
    const files = (await recordFiles(RECORDS())).slice(0, 6);
    lines = await Promise.all(files.map(async (f) => JSON.stringify(JSON.parse(await fs.readFile(f, 'utf8')))));
  });
  afterAll(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('reports a malformed JSON line by line number while the other lines import', async () => {
    const file = path.join(dir, 'broken.jsonl');
    const broken = [...lines.slice(0, 2), '{"dataType":"CVE_RECORD","cveMetadata":{', ...lines.slice(2)];
    await fs.writeFile(file, `${broken.join('\n')}\n`);
    const got = await collect([file]);
    expect(got.records).toHaveLength(6);
    expect(got.rejected).toHaveLength(1);
    expect(got.rejected[0]?.where).toEqual({ origin: `${file}:3`, record: '3' });
    expect(got.rejected[0]?.reason).toMatch(/^malformed JSON/);
  });

  it('reports records that break the schema by id and field (bad id, wrong type, bad timestamp)', async () => {
    // biome-ignore lint/suspicious/noExplicitAny: the test breaks records on purpose, field by field.
    const [a, b, c, d] = lines.map((l) => JSON.parse(l)) as any[];
    a!.cveMetadata.cveId = 'CVE-24-1';
    b!.containers.cna.title = 42;
    c!.cveMetadata.dateUpdated = 'yesterday';
    const file = path.join(dir, 'schema.jsonl');
    await fs.writeFile(file, [a, b, c, d].map((r) => JSON.stringify(r)).join('\n'));
    const got = await collect([file]);
    expect(got.records.map((r) => r.cveId)).toEqual([d!.cveMetadata.cveId]);
    expect(got.rejected.map((r) => r.where)).toEqual([
      { origin: `${file}:1`, record: 'CVE-24-1', field: 'cveMetadata.cveId' },
      { origin: `${file}:2`, record: b!.cveMetadata.cveId, field: 'containers.cna.title' },
      { origin: `${file}:3`, record: c!.cveMetadata.cveId, field: 'cveMetadata.dateUpdated' },
    ]);
    expect(got.rejected[1]?.reason).toMatch(/expected string/);
  });

  it('yields the records before a truncated .jsonl.gz, then reports where it broke off', async () => {
    const gz = gzipSync(Buffer.from(`${[...lines, ...lines, ...lines].join('\n')}\n`));
    const file = path.join(dir, 'cut.jsonl.gz');
    await fs.writeFile(file, gz.subarray(0, gz.length - 200));
    const got = await collect([file]);
    expect(got.records.length).toBeGreaterThan(10);
    expect(got.records.length).toBeLessThan(18);
    expect(got.rejected).toHaveLength(1);
    expect(got.rejected[0]?.where).toEqual({ origin: file, record: String(got.records.length + 1) });
    expect(got.rejected[0]?.reason).toMatch(/input breaks off after line \d+/);
  });

  it('reports a zip entry that is not JSON, keeping the other entries', async () => {
    const file = path.join(dir, 'entries.zip');
    await fs.writeFile(
      file,
      await zipOf([
        ['deltaCves/CVE-2024-0001.json', 'not json'],
        ['deltaCves/CVE-2024-3400.json', lines[0] ?? ''],
      ]),
    );
    const got = await collect([file]);
    expect(got.records).toHaveLength(1);
    expect(got.rejected[0]?.where).toEqual({ origin: `${file}!deltaCves/CVE-2024-0001.json` });
  });

  it('reports a zip entry whose data is damaged, keeping the entries around it', async () => {
    const files = (await recordFiles(RECORDS())).slice(0, 3);
    const zip = await deltaBundle(files);
    // The entries' data come first and the central directory last: damage the middle one's data.
    const middle = Math.floor((zip.length - 300) / 2);
    zip.fill(0xff, middle - 40, middle + 40);
    const file = path.join(dir, 'damaged.zip');
    await fs.writeFile(file, zip);
    const got = await collect([file]);
    expect(got.records).toHaveLength(2);
    expect(got.rejected).toHaveLength(1);
    expect(got.rejected[0]?.reason).toMatch(/^cannot inflate entry/);
    const damaged = got.rejected[0]?.where.origin.split('!deltaCves/')[1];
    expect(files.map((f) => path.basename(f))).toContain(damaged);
    expect(got.records.map((r) => `${r.cveId}.json`)).not.toContain(damaged);
  });

  it('reads a .json file holding an array of records, with a byte-order mark', async () => {
    const file = path.join(dir, 'two.json');
    await fs.writeFile(file, `\ufeff[${lines[0]},${lines[1]}]`);
    const got = await collect([file]);
    expect(got.records.map((r) => r.cveId)).toEqual(lines.slice(0, 2).map((l) => JSON.parse(l).cveMetadata.cveId));
    expect(got.rejected).toEqual([]);
  });

  it('reports a path that does not exist', async () => {
    const got = await collect([path.join(dir, 'missing.json')]);
    expect(got.rejected[0]?.reason).toMatch(/cannot read: ENOENT/);
  });
});

// Throughput is measured by `npm run bench` (bench/RESULTS.md), not asserted here: timings on a
// shared machine would make this test flaky.
describe.skipIf(!hasCorpus())('cve5 on the whole vulnrichment JSONL', () => {
  it('parses, validates and normalises all 23,975 records, one by one and through importFiles', async () => {
    const { gunzipSync } = await import('node:zlib');
    const buf = gunzipSync(await fs.readFile(JSONL()));
    let ok = 0;
    for (let start = 0, nl = buf.indexOf(10); nl !== -1; start = nl + 1, nl = buf.indexOf(10, start)) {
      if (normalizeCve5Record(JSON.parse(buf.subarray(start, nl).toString('utf8'))).ok) ok++;
    }
    expect(ok).toBe(23_975);
    const whole = await collect([JSONL()]);
    expect(whole.records.length).toBe(23_975);
  });
});
