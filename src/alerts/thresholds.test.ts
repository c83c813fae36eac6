import { describe, expect, it } from 'vitest';
import type { ThresholdCheck, Thresholds } from '../model/alert.ts';
import { checkThresholds, passesAll, type ThresholdFacts } from './thresholds.ts';

/** CVE-2024-3400 as Vigil sees it: CVSS 4.0 10.0 CRITICAL, in KEV, no known ransomware use. */
const panos: ThresholdFacts = { severity: 'CRITICAL', cvssScore: 10, epss: 0.95, percentile: 0.999, kev: true, ransomware: false };
/** A new CVE not scored yet. */
const unscored: ThresholdFacts = { severity: null, cvssScore: null, epss: null, percentile: null, kev: false, ransomware: false };

describe('checkThresholds', () => {
  it.each<[string, Thresholds, ThresholdFacts, ThresholdCheck[]]>([
    ['no thresholds', {}, panos, []],
    ['minSeverity met', { minSeverity: 'HIGH' }, panos, [{ name: 'minSeverity', required: 'HIGH', actual: 'CRITICAL', passed: true }]],
    ['minSeverity equal', { minSeverity: 'CRITICAL' }, panos, [{ name: 'minSeverity', required: 'CRITICAL', actual: 'CRITICAL', passed: true }]],
    ['minSeverity not met', { minSeverity: 'HIGH' }, { ...panos, severity: 'MEDIUM' }, [{ name: 'minSeverity', required: 'HIGH', actual: 'MEDIUM', passed: false }]],
    ['minSeverity NONE passes any severity', { minSeverity: 'NONE' }, { ...panos, severity: 'NONE' }, [{ name: 'minSeverity', required: 'NONE', actual: 'NONE', passed: true }]],
    ['minCvss at the bound', { minCvss: 10 }, panos, [{ name: 'minCvss', required: 10, actual: 10, passed: true }]],
    ['minCvss below', { minCvss: 9 }, { ...panos, cvssScore: 8.8 }, [{ name: 'minCvss', required: 9, actual: 8.8, passed: false }]],
    ['minEpss', { minEpss: 0.5 }, panos, [{ name: 'minEpss', required: 0.5, actual: 0.95, passed: true }]],
    ['minPercentile', { minPercentile: 0.9999 }, panos, [{ name: 'minPercentile', required: 0.9999, actual: 0.999, passed: false }]],
    ['kevOnly', { kevOnly: true }, panos, [{ name: 'kevOnly', required: true, actual: true, passed: true }]],
    ['kevOnly: false sets nothing', { kevOnly: false }, unscored, []],
    ['ransomwareOnly', { ransomwareOnly: true }, panos, [{ name: 'ransomwareOnly', required: true, actual: false, passed: false }]],
    [
      'missing values fail the thresholds that need them',
      { minSeverity: 'LOW', minCvss: 0, minEpss: 0, minPercentile: 0, kevOnly: true },
      unscored,
      [
        { name: 'minSeverity', required: 'LOW', actual: null, passed: false },
        { name: 'minCvss', required: 0, actual: null, passed: false },
        { name: 'minEpss', required: 0, actual: null, passed: false },
        { name: 'minPercentile', required: 0, actual: null, passed: false },
        { name: 'kevOnly', required: true, actual: false, passed: false },
      ],
    ],
  ])('%s', (_name, t, facts, expected) => {
    expect(checkThresholds(t, facts)).toEqual(expected);
  });
});

describe('passesAll', () => {
  it('needs every check to pass; no checks pass', () => {
    expect(passesAll([])).toBe(true);
    expect(passesAll(checkThresholds({ minSeverity: 'HIGH', kevOnly: true }, panos))).toBe(true);
    expect(passesAll(checkThresholds({ minSeverity: 'HIGH', ransomwareOnly: true }, panos))).toBe(false);
  });
});
