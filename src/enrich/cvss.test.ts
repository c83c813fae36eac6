import { readFileSync } from 'node:fs';
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
    // Rows whose vector carries temporal / environmental metrics (v2.0 and v3.x).
    expect(compared).toEqual({ temporal: 45, environmental: 39 });
  });

  it('gives v2.0 zero-impact vectors 0, never -0 (the corpus writes "-0.0")', () => {
    const negZero = rows.filter((r) => r.version === '2.0' && /C:N\/I:N\/A:N/.test(r.vector));
    expect(negZero.length).toBeGreaterThan(0);
    for (const r of negZero) expect(Object.is(scoreCvss(r.vector).baseScore, 0)).toBe(true);
  });

  it('scores v4.0 vectors in each nomenclature form (B, BT, BE, BTE) as the corpus lists them', () => {
    const forms = new Map<string, number>();
    for (const r of rows.filter((row) => row.version === '4.0')) {
      const s = scoreCvss(r.vector);
      forms.set(s.nomenclature ?? '?', (forms.get(s.nomenclature ?? '?') ?? 0) + 1);
    }
    expect([...forms.keys()].sort()).toEqual(['CVSS-B', 'CVSS-BE', 'CVSS-BT', 'CVSS-BTE']);
    expect([...forms.values()].reduce((a, b) => a + b)).toBe(1394);
  });

  it('keeps up with imports: repeated vectors come from the memo at well over 10k/s', () => {
    const vectors = rows.map((r) => r.vector);
    for (const v of vectors) scoreCvss(v); // warm (already scored above when run in order)
    const passes = 30;
    const t0 = performance.now();
    for (let p = 0; p < passes; p++) for (const v of vectors) scoreCvss(v);
    const perSecond = (passes * vectors.length) / ((performance.now() - t0) / 1000);
    console.info(`scoreCvss memoised: ${Math.round(perSecond).toLocaleString('en')} vectors/s`);
    expect(perSecond).toBeGreaterThan(100_000);
  });
});

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

  it('scores CVE-2024-3400 (PAN-OS) v4.0 vector with supplemental metrics as the CNA states (10.0)', () => {
    const s = scoreCvss('CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H/E:A/AU:Y/R:U/V:C/RE:M/U:Red', '4.0');
    expect(s).toMatchObject({ baseScore: 10, baseSeverity: 'CRITICAL', nomenclature: 'CVSS-BT' });
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
