import { readdirSync, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { VigilError } from '../errors.ts';
import type { CvssVersion, Severity } from '../model/vulnerability.ts';
import { corpusPath, hasCorpus } from '../testing/corpus.ts';
import { scoreCvss, severityOf } from './cvss.ts';

interface CorpusRow {
  version: CvssVersion;
  vector: string;
  base: number;
  temporal: number | null;
  environmental: number | null;
  sourceFile: string;
}

/** `version,vector,base_score,temporal_score,environmental_score,source_file`; empty = none; "-0.0" = 0. */
function readCorpus(): CorpusRow[] {
  const lines = readFileSync(corpusPath('cvss', 'cvss-vectors-expected-scores.csv'), 'utf8').split(/\r?\n/).filter(Boolean);
  expect(lines[0]).toBe('version,vector,base_score,temporal_score,environmental_score,source_file');
  const num = (s: string | undefined): number | null => (s === undefined || s === '' ? null : Number(s) + 0);
  return lines.slice(1).map((line) => {
    const cols = line.split(',');
    expect(cols, line).toHaveLength(6);
    const [version, vector = '', base, temporal, environmental, sourceFile = ''] = cols;
    return { version: version as CvssVersion, vector, base: num(base) ?? Number.NaN, temporal: num(temporal), environmental: num(environmental), sourceFile };
  });
}

describe.skipIf(!hasCorpus())('scoreCvss on the RedHat/FIRST/NVD vector corpus', () => {
  const rows = hasCorpus() ? readCorpus() : [];

  it('scores every one of the 6,148 vectors exactly as listed', () => {
    const perVersion: Record<string, number> = {};
    const compared = { temporal: 0, environmental: 0 };
    const mismatches: string[] = [];
    for (const row of rows) {
      perVersion[row.version] = (perVersion[row.version] ?? 0) + 1;
      let s: ReturnType<typeof scoreCvss>;
      try {
        s = scoreCvss(row.vector, row.version);
      } catch (err) {
        mismatches.push(`${row.vector} (${row.sourceFile}): threw ${(err as Error).message}`);
        continue;
      }
      if (!Object.is(s.baseScore, row.base)) mismatches.push(`${row.vector}: base expected ${row.base}, got ${s.baseScore}`);
      if (s.version !== row.version) mismatches.push(`${row.vector}: version ${s.version}`);
      // Temporal/environmental are returned only when the vector sets a metric of that group; the
      // corpus (RedHat's library) also lists them for v3 vectors without any, so compare ours.
      if (s.temporalScore !== undefined) {
        compared.temporal++;
        if (s.temporalScore !== row.temporal) mismatches.push(`${row.vector}: temporal expected ${row.temporal}, got ${s.temporalScore}`);
      }
      if (s.environmentalScore !== undefined) {
        compared.environmental++;
        if (s.environmentalScore !== row.environmental) mismatches.push(`${row.vector}: environmental expected ${row.environmental}, got ${s.environmentalScore}`);
      }
    }
    expect(mismatches).toEqual([]);
    expect(perVersion).toEqual({ '2.0': 605, '3.0': 2087, '3.1': 2062, '4.0': 1394 });
    // Rows whose vector sets temporal / environmental metrics: v2.0 7 + 4, v3.0 5 + 7, v3.1 none.
    expect(compared).toEqual({ temporal: 12, environmental: 11 });
  });

  it('gives v2.0 zero-impact vectors 0, never -0 (the corpus writes "-0.0")', () => {
    const negZero = rows.filter((r) => r.version === '2.0' && /C:N\/I:N\/A:N/.test(r.vector));
    expect(negZero.length).toBeGreaterThan(0);
    for (const r of negZero) expect(Object.is(scoreCvss(r.vector).baseScore, 0)).toBe(true);
  });

  it('scores v4.0 vectors of each form the corpus has: CVSS-B 1,348, CVSS-BE 42, CVSS-BT 4', () => {
    const forms: Record<string, number> = {};
    for (const r of rows.filter((row) => row.version === '4.0')) {
      const form = scoreCvss(r.vector).nomenclature ?? 'none';
      forms[form] = (forms[form] ?? 0) + 1;
    }
    expect(forms).toEqual({ 'CVSS-B': 1348, 'CVSS-BE': 42, 'CVSS-BT': 4 });
  });

  // Scoring speed is part of the import throughput measured by `npm run bench`, not asserted here.
  it('memoised scores equal fresh ones for every vector', () => {
    for (const r of rows) expect(scoreCvss(r.vector)).toEqual(scoreCvss(r.vector));
  });
});

describe.skipIf(!hasCorpus())('scoreCvss against the scores NVD states', () => {
  interface Stated {
    where: string;
    vector: string;
    version: CvssVersion;
    baseScore: number;
  }
  function check(items: Stated[]): { mismatches: string[]; perSecond: number } {
    const mismatches: string[] = [];
    const t0 = performance.now();
    for (const m of items) {
      try {
        const s = scoreCvss(m.vector, m.version);
        if (s.baseScore !== m.baseScore) mismatches.push(`${m.where} ${m.vector}: NVD ${m.baseScore}, got ${s.baseScore}`);
      } catch (err) {
        mismatches.push(`${m.where}: ${(err as Error).message}`);
      }
    }
    return { mismatches, perSecond: items.length / ((performance.now() - t0) / 1000) };
  }

  it('agrees with all 35,577 v2/v3 scores of the legacy NVD 1.1 feeds (2018, 2025, recent)', () => {
    const items: Stated[] = [];
    for (const file of ['nvdcve-1.1-2018.json.gz', 'nvdcve-1.1-2025.json.gz', 'nvdcve-1.1-recent.json.gz']) {
      const feed = JSON.parse(gunzipSync(readFileSync(corpusPath('nvd', file))).toString('utf8')) as {
        CVE_Items: { cve: { CVE_data_meta: { ID: string } }; impact?: Record<string, { cvssV3?: NvdCvss; cvssV2?: NvdCvss }> }[];
      };
      for (const item of feed.CVE_Items) {
        for (const m of [item.impact?.baseMetricV3?.cvssV3, item.impact?.baseMetricV2?.cvssV2]) {
          if (m) items.push({ where: `${file} ${item.cve.CVE_data_meta.ID}`, vector: m.vectorString, version: m.version, baseScore: m.baseScore });
        }
      }
    }
    const { mismatches, perSecond } = check(items);
    console.info(`NVD 1.1 feeds: ${items.length} stated scores, ${new Set(items.map((i) => i.vector)).size} distinct vectors, ${Math.round(perSecond).toLocaleString('en')} scores/s`);
    expect(mismatches).toEqual([]);
    expect(items).toHaveLength(35_577);
  });

  it('agrees with every cvssMetricV2/V30/V31/V40 of the NVD API 2.0 records (incl. v4.0 with supplemental metrics)', () => {
    const items: Stated[] = [];
    const dir = corpusPath('nvd', 'api2', 'records');
    for (const file of readdirSync(dir)) {
      const cve = JSON.parse(readFileSync(`${dir}/${file}`, 'utf8')) as { id: string; metrics?: Record<string, { cvssData: NvdCvss }[]> };
      for (const [key, metrics] of Object.entries(cve.metrics ?? {})) {
        for (const m of metrics) items.push({ where: `${cve.id} ${key}`, vector: m.cvssData.vectorString, version: m.cvssData.version, baseScore: m.cvssData.baseScore });
      }
    }
    const { mismatches } = check(items);
    expect(mismatches).toEqual([]);
    expect(items).toHaveLength(32);
    expect(items.filter((i) => i.version === '4.0').map((i) => `${i.where} ${i.baseScore}`).sort()).toEqual([
      'CVE-2024-0012 cvssMetricV40 9.3',
      'CVE-2024-10914 cvssMetricV40 9.2',
      'CVE-2025-0108 cvssMetricV40 8.8',
    ]);
  });
});

interface NvdCvss {
  version: CvssVersion;
  vectorString: string;
  baseScore: number;
}

describe('scoreCvss', () => {
  it.each([
    ['CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', '3.1', 9.8, 'CRITICAL'],
    ['CVSS:3.0/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N', '3.0', 6.1, 'MEDIUM'],
    ['AV:N/AC:L/Au:N/C:P/I:P/A:P', '2.0', 7.5, 'HIGH'],
    ['(AV:N/AC:L/Au:N/C:C/I:C/A:C)', '2.0', 10, 'HIGH'],
    ['CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N', '4.0', 9.3, 'CRITICAL'],
    ['CVSS:3.1/AV:P/AC:H/PR:H/UI:R/S:U/C:N/I:N/A:N', '3.1', 0, 'NONE'],
  ] as const)('%s → %s %s %s', (vector, version, baseScore, baseSeverity) => {
    expect(scoreCvss(vector)).toMatchObject({ version, vector, baseScore, baseSeverity });
  });

  it.each([
    ['CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N', 'CVSS-B'],
    ['CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:X/CR:X/AU:Y/U:Red', 'CVSS-B'],
    ['CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:U', 'CVSS-BT'],
    ['CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/CR:L', 'CVSS-BE'],
    ['CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:A/MAV:L', 'CVSS-BTE'],
  ] as const)('names the v4.0 form of %s: %s', (vector, nomenclature) => {
    expect(scoreCvss(vector).nomenclature).toBe(nomenclature);
  });

  it('returns v2.0 temporal/environmental only when the vector sets them, with the guide\'s rounding', () => {
    // 9.0 × 0.95 = 8.55 → 8.6 (NVD calculator); ae-cvss-calculator 1.0.13 alone says 8.5.
    expect(scoreCvss('AV:N/AC:L/Au:S/C:C/I:C/A:C/E:F/RL:U/RC:C')).toMatchObject({ baseScore: 9, temporalScore: 8.6 });
    expect(scoreCvss('AV:N/AC:L/Au:S/C:C/I:C/A:C/E:F/RL:U/RC:C').environmentalScore).toBeUndefined();
    expect(scoreCvss('AV:N/AC:L/Au:N/C:P/I:P/A:P/E:ND/RL:ND/RC:ND')).not.toHaveProperty('temporalScore');
  });

  it('accepts v3.x base metrics out of order (FIRST calculators do) but not v4.0', () => {
    expect(scoreCvss('CVSS:3.1/S:U/AV:N/AC:L/PR:N/UI:N/C:H/I:H/A:H').baseScore).toBe(9.8);
    expect(() => scoreCvss('CVSS:4.0/AC:L/AV:N/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N')).toThrow(/out of order/);
  });

  it('memoises: the same frozen object for the same vector, stated version still checked', () => {
    const v = 'CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H';
    const a = scoreCvss(v);
    expect(scoreCvss(v, '3.1')).toBe(a);
    expect(Object.isFrozen(a)).toBe(true);
    expect(() => scoreCvss(v, '3.0')).toThrow(/vector is CVSS 3\.1, stated version is 3\.0/);
  });

  const base31 = 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H';
  it.each([
    ['empty', '', /empty vector/],
    ['unknown prefix', 'CVSS:3.2/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', /unknown CVSS version prefix/],
    ['no prefix, not v2', 'AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', /unknown CVSS version prefix/],
    ['garbage', 'not a vector', /unknown CVSS version prefix/],
    ['v2 with CVSS: prefix', 'CVSS:2.0/AV:N/AC:L/Au:N/C:P/I:P/A:P', /carry no "CVSS:2\.0\/" prefix/],
    ['missing base metric (v3.1 A)', 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H', /missing base metric A\b/],
    ['missing base metrics (v4.0 SC, SI, SA)', 'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H', /missing base metrics SC, SI, SA/],
    ['missing base metric (v2 Au)', 'AV:N/AC:L/C:P/I:P/A:P', /missing base metric Au/],
    ['duplicated metric', `${base31}/AV:L`, /metric "AV" appears more than once/],
    ['duplicated temporal metric', `${base31}/E:P/E:H`, /metric "E" appears more than once/],
    ['unknown metric', `${base31}/XX:H`, /unknown metric "XX" for CVSS 3\.1/],
    ['v2 metric in a v3 vector', `${base31}/Au:N`, /unknown metric "Au"/],
    ['unknown value', 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:Q', /unknown value "Q" for metric A/],
    ['Not Defined base metric', 'CVSS:3.1/AV:X/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', /unknown value "X" for metric AV/],
    ['trailing slash', `${base31}/`, /trailing "\/"/],
    ['empty pair', 'CVSS:3.1/AV:N//AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', /"" is not a Metric:Value pair/],
    ['pair without value', `${base31}/E`, /"E" is not a Metric:Value pair/],
    ['stated version differs', ['CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', '3.1'], /vector is CVSS 3\.0, stated version is 3\.1/],
    ['lower-case prefix', 'cvss:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', /unknown CVSS version prefix/],
    ['v3.1 vector without its prefix', 'AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', /unknown metric "PR" for CVSS 2\.0 .*did you mean "CVSS:3\.1\/AV:N\/AC:L\/PR:N\/UI:N\/S:U\/C:H\/I:H\/A:H"\?/],
    ['v4.0 vector without its prefix', 'AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N', /for CVSS 2\.0 .*did you mean "CVSS:4\.0\/AV:N\/AC:L\/AT:N\//],
    ['v3 metrics, no prefix, incomplete', 'AV:N/AC:L/PR:N/UI:N', /unknown metric "PR" for CVSS 2\.0 .*v3\.x and v4\.0 vectors start with "CVSS:3\.1\/" or "CVSS:4\.0\/"/],
    ['v3.1 vector without its prefix, not starting with AV', 'AC:L/AV:N/PR:N/UI:N/S:U/C:H/I:H/A:H', /unknown CVSS version prefix.*did you mean "CVSS:3\.1\/AC:L\/AV:N/],
  ] as const)('rejects %s', (_name, input, reason) => {
    const [vector, version] = typeof input === 'string' ? [input, undefined] : input;
    let caught: unknown;
    try {
      scoreCvss(vector, version);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(VigilError);
    expect((caught as VigilError).code).toBe('VIGIL_INVALID_CVSS_VECTOR');
    expect((caught as VigilError).message).toContain(`"${vector}"`);
    expect((caught as VigilError).message).toMatch(reason);
  });
});

describe('severityOf', () => {
  it.each([
    ['3.1', 0, 'NONE'],
    ['3.1', 0.1, 'LOW'],
    ['3.1', 3.9, 'LOW'],
    ['3.1', 4.0, 'MEDIUM'],
    ['3.1', 6.9, 'MEDIUM'],
    ['3.1', 7.0, 'HIGH'],
    ['3.1', 8.9, 'HIGH'],
    ['3.1', 9.0, 'CRITICAL'],
    ['3.1', 10, 'CRITICAL'],
    ['3.0', 0, 'NONE'],
    ['3.0', 9.0, 'CRITICAL'],
    ['4.0', 0, 'NONE'],
    ['4.0', 0.1, 'LOW'],
    ['4.0', 6.9, 'MEDIUM'],
    ['4.0', 8.9, 'HIGH'],
    ['4.0', 9.0, 'CRITICAL'],
    ['2.0', 0, 'LOW'],
    ['2.0', 3.9, 'LOW'],
    ['2.0', 4.0, 'MEDIUM'],
    ['2.0', 6.9, 'MEDIUM'],
    ['2.0', 7.0, 'HIGH'],
    ['2.0', 10, 'HIGH'],
  ] as const satisfies readonly (readonly [CvssVersion, number, Severity])[])('CVSS %s score %d → %s', (version, score, severity) => {
    expect(severityOf(version, score)).toBe(severity);
  });

  it.each([-0.1, 10.1, Number.NaN])('rejects score %d', (score) => {
    expect(() => severityOf('3.1', score)).toThrow(RangeError);
  });
});
