import { promises as fs } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { corpusPath, hasCorpus } from '../../testing/corpus.ts';
import { BAIL, mapRecord } from './map.ts';
import { normalizeCve5Record } from './normalize.ts';
import { Cve5Record, toIsoUtc } from './schema.ts';
import { recordFiles } from './test-bundles.ts';

/** What the fast path does with a value: its observation, or 'bail'. */
function fast(raw: unknown): ReturnType<typeof mapRecord> | 'bail' {
  try {
    return mapRecord(raw);
  } catch (e) {
    if (e === BAIL) return 'bail';
    throw e;
  }
}

describe('toIsoUtc', () => {
  it.each([
    ['2024-04-12T07:20:00.707Z', '2024-04-12T07:20:00.707Z'],
    ['2024-05-01T15:37:18', '2024-05-01T15:37:18.000Z'],
    ['2024-04-17T04:00:13.543064Z', '2024-04-17T04:00:13.543Z'],
    ['2024-09-05T15:28:29.569946', '2024-09-05T15:28:29.569Z'],
    ['2024-04-17T04:00:13.5', '2024-04-17T04:00:13.500Z'],
    ['2024-04-17T06:00:13+02:00', '2024-04-17T04:00:13.000Z'],
    ['2024-04-17T04:00Z', '2024-04-17T04:00:00.000Z'],
    ['2024-04-17', '2024-04-17T00:00:00.000Z'],
    ['2024-02-29T00:00:00Z', '2024-02-29T00:00:00.000Z'],
    ['2023-02-29T00:00:00Z', null],
    ['2024-13-01T00:00:00Z', null],
    ['2024-04-17T24:00:00Z', null],
    ['yesterday', null],
    ['', null],
  ])('%j → %j', (input, expected) => {
    expect(toIsoUtc(input)).toBe(expected);
  });
});

describe.skipIf(!hasCorpus())('fast path (map.ts) and zod schema agree', () => {
  let raws: unknown[];
  beforeAll(async () => {
    raws = [];
    for (const f of await recordFiles(corpusPath('cve5', 'records'))) raws.push(JSON.parse(await fs.readFile(f, 'utf8')));
    const jsonl = gunzipSync(await fs.readFile(corpusPath('cve5', 'vulnrichment-2024-cve5.jsonl.gz'))).toString('utf8');
    for (const line of jsonl.split('\n')) if (line) raws.push(JSON.parse(line));
  });

  it('on every corpus record: same verdict, and the same observation when both accept', () => {
    expect(raws).toHaveLength(24_375);
    let accepted = 0;
    for (const raw of raws) {
      const zod = Cve5Record.safeParse(raw);
      const got = fast(raw);
      expect(got === 'bail').toBe(!zod.success);
      if (zod.success && got !== 'bail') {
        expect(mapRecord(zod.data)).toEqual(got);
        accepted++;
      }
    }
    // Every corpus record is valid (v3.1 vectors with base metrics out of order included).
    expect(accepted).toBe(24_375);
  });
});

describe.skipIf(!hasCorpus())('normalizeCve5Record on broken variants of CVE-2024-3400', () => {
  // biome-ignore lint/suspicious/noExplicitAny: the rows break the record on purpose, field by field.
  let base: any;
  beforeAll(async () => {
    base = JSON.parse(await fs.readFile(corpusPath('cve5', 'records', '2024', '3xxx', 'CVE-2024-3400.json'), 'utf8'));
  });

  // biome-ignore lint/suspicious/noExplicitAny: as above.
  type Row = [name: string, breakIt: (r: any) => void, dropped: string[] | null, fatalField?: string];
  const rows: Row[] = [
    ['malformed CNA vector', (r) => (r.containers.cna.metrics[0].cvssV3_1.vectorString = 'CVSS:3.1/AV:X'), ['containers.cna.metrics[0].cvssV3_1.vectorString']],
    [
      'v2 vector under cvssV3_1',
      (r) => (r.containers.cna.metrics[0].cvssV3_1.vectorString = 'AV:N/AC:L/Au:N/C:P/I:P/A:P'),
      ['containers.cna.metrics[0].cvssV3_1.vectorString'],
    ],
    ['score out of range', (r) => (r.containers.cna.metrics[0].cvssV3_1.baseScore = 11), ['containers.cna.metrics[0].cvssV3_1.baseScore']],
    ['score as a string', (r) => (r.containers.cna.metrics[0].cvssV3_1.baseScore = '10'), ['containers.cna.metrics[0].cvssV3_1.baseScore']],
    ['version without status', (r) => delete r.containers.cna.affected[0].versions[4].status, ['containers.cna.affected[0].versions[4].status']],
    ['null vendor', (r) => (r.containers.cna.affected[1].vendor = null), ['containers.cna.affected[1].vendor']],
    [
      'unknown SSVC value',
      (r) => (r.containers.adp[1].metrics[0].other.content.options[0] = { Exploitation: 'maybe' }),
      ['containers.adp[1].metrics[0].other.content.options'],
    ],
    [
      'KEV date not a date',
      (r) => (r.containers.adp[1].metrics[1].other.content.dateAdded = 'April'),
      ['containers.adp[1].metrics[1].other.content.dateAdded'],
    ],
    ['blank reference url', (r) => (r.containers.cna.references[0].url = '  '), ['containers.cna.references[0].url']],
    ['reference tags not a list', (r) => (r.containers.cna.references[1].tags = 'patch'), ['containers.cna.references[1].tags']],
    ['problem type without list', (r) => (r.containers.cna.problemTypes[0].descriptions = null), ['containers.cna.problemTypes[0].descriptions']],
    ['description without lang', (r) => delete r.containers.cna.descriptions[0].lang, ['containers.cna.descriptions[0].lang']],
    ['ADP short name a number', (r) => (r.containers.adp[0].providerMetadata.shortName = 5), ['containers.adp[0].providerMetadata.shortName']],
    ['bad id', (r) => (r.cveMetadata.cveId = 'CVE-2024-34'), null, 'cveMetadata.cveId'],
    ['unknown state', (r) => (r.cveMetadata.state = 'DRAFT'), null, 'cveMetadata.state'],
    ['impossible date', (r) => (r.cveMetadata.datePublished = '2024-02-30T00:00:00Z'), null, 'cveMetadata.datePublished'],
    ['wrong data type', (r) => (r.dataType = 'CVE_RECORD_V4'), null, 'dataType'],
    ['title a number', (r) => (r.containers.cna.title = 42), null, 'containers.cna.title'],
    ['metrics an object', (r) => (r.containers.cna.metrics = {}), null, 'containers.cna.metrics'],
    ['PUBLISHED without CNA', (r) => delete r.containers.cna, null, 'containers.cna'],
  ];

  it.each(rows)('%s', (_name, breakIt, dropped, fatalField) => {
    const raw = structuredClone(base);
    breakIt(raw);
    const snapshot = JSON.stringify(raw);
    expect(fast(raw)).toBe('bail');
    expect(Cve5Record.safeParse(raw).success).toBe(false);
    const r = normalizeCve5Record(raw);
    expect(JSON.stringify(raw)).toBe(snapshot); // the input is left alone
    if (dropped) {
      expect(r.ok).toBe(true);
      if (r.ok) expect(r.dropped.map((d) => d.field)).toEqual(dropped);
    } else {
      expect(r).toMatchObject({ ok: false, problems: [expect.objectContaining({ field: fatalField })] });
      if (!r.ok && fatalField !== 'cveMetadata.cveId') expect(r.cveId).toBe('CVE-2024-3400');
    }
  });

  it('drops exactly the bad item: the version, the metric, the SSVC', () => {
    const raw = structuredClone(base);
    delete raw.containers.cna.affected[0].versions[4].status;
    raw.containers.adp[1].metrics[0].other.content.options[2] = { 'Technical Impact': 'huge' };
    const r = normalizeCve5Record(raw);
    if (!r.ok) throw new Error('rejected');
    expect(r.observation.affected[0]?.versions).toHaveLength(6);
    expect(r.observation.ssvc).toBeUndefined();
    expect(r.observation.kev).toEqual({ dateAdded: '2024-04-12' });
    expect(r.observation.cvss).toHaveLength(1);
  });
});

describe('normalizeCve5Record on hand-made records', () => {
  const minimal = (over: Record<string, unknown>) => ({
    dataType: 'CVE_RECORD',
    dataVersion: '5.1',
    cveMetadata: { cveId: 'CVE-2024-99999', state: 'PUBLISHED', assignerShortName: 'acme', dateUpdated: '2024-10-01T00:00:00Z' },
    containers: {
      cna: {
        providerMetadata: { orgId: 'x', shortName: 'acme' },
        descriptions: [
          { lang: 'es', value: 'hola' },
          { lang: 'en-US', value: ' Hello ' },
        ],
      },
    },
    ...over,
  });

  it('takes the first English description (en-US) and a parenthesised v2 vector', () => {
    const raw = minimal({});
    (raw.containers.cna as Record<string, unknown>).metrics = [{ cvssV2_0: { version: '2.0', vectorString: '(AV:N/AC:L/Au:N/C:P/I:P/A:P)', baseScore: 7.5 } }];
    const r = normalizeCve5Record(raw);
    expect(r.ok && r.observation).toMatchObject({
      description: 'Hello',
      cvss: [{ version: '2.0', vector: 'AV:N/AC:L/Au:N/C:P/I:P/A:P', baseScore: 7.5, scorer: 'acme', type: 'Primary' }],
    });
  });

  it('accepts a RESERVED record without containers and a REJECTED one with reasons', () => {
    const reserved = normalizeCve5Record({ cveMetadata: { cveId: 'CVE-2025-10001', state: 'RESERVED', dateReserved: '2025-01-02T03:04:05' } });
    expect(reserved.ok && reserved.observation).toMatchObject({ state: 'RESERVED', lastModified: '2025-01-02T03:04:05.000Z', cvss: [], affected: [] });
    const rejected = normalizeCve5Record(
      minimal({
        cveMetadata: { cveId: 'CVE-2024-99998', state: 'REJECTED', dateRejected: '2024-05-05T05:05:05.000Z', datePublished: '2024-01-01T00:00:00Z' },
        containers: { cna: { providerMetadata: { orgId: 'x' }, rejectedReasons: [{ lang: 'en', value: 'Duplicate of CVE-2024-0001.' }] } },
      }),
    );
    expect(rejected.ok && rejected.observation).toMatchObject({
      state: 'REJECTED',
      description: 'Duplicate of CVE-2024-0001.',
      lastModified: '2024-05-05T05:05:05.000Z',
    });
  });

  it('rejects what is not a record at all', () => {
    expect(normalizeCve5Record(null)).toMatchObject({ ok: false });
    expect(normalizeCve5Record({ cveMetadata: { state: 'PUBLISHED' } })).toMatchObject({ ok: false, problems: [{ field: 'cveMetadata.cveId' }] });
  });
});
