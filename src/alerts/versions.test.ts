import { describe as group, expect, it } from 'vitest';
import { VigilError } from '../errors.ts';
import type { AffectedVersion } from '../model/vulnerability.ts';
import { compareVersions, describe, intersects, parseVersionSpec, type VersionRange } from './versions.ts';
import { rangeFromCpe, rangeFromCpeMatch, rangesFromAffected } from './ranges.ts';

const sign = (n: number): number => Math.sign(n);

group('compareVersions', () => {
  // Each row is a form seen in the corpus (NVD versionEnd*, CVE 5 lessThan/lessThanOrEqual).
  it.each([
    ['2.4.49', '2.4.50', -1], // Apache httpd
    ['7.4.3', '7.4.10', -1], // Fortinet: numeric, not lexical
    ['10.2.9-h1', '10.2.9', 1], // PAN-OS hotfix after its base
    ['11.1.2-h3', '11.1.2-h4', -1],
    ['10.2.9-h1', '10.2.10', -1],
    ['10.2.5', '10.2.9-h1', -1],
    ['13.1-49.15', '13.1-51.15', -1], // Citrix builds
    ['12.1-55.291', '12.1-55.300', -1],
    ['13.0-92.19', '13.0', 1],
    ['10.0.19045.2251', '10.0.19044.1415', 1], // Windows builds
    ['10.0.17763.2029', '10.0.17763.2300', -1],
    ['1.0.0-rc1', '1.0.0', -1], // pre-release before release
    ['1.0.0-rc2', '1.0.0-rc10', -1],
    ['1.0.0-rc.2', '1.0.0-rc.10', -1], // semver identifiers
    ['3.0.0-beta', '3.0.0-rc.1', -1],
    ['1.22.0-0', '1.22.0', -1], // Go's "-0" pre-release (CVE 5 from the Go CNA)
    ['1.22.0-0', '1.21.8', 1],
    ['v1.21.8', '1.21.8', 0],
    ['v3.26.5', 'v3.27.0', -1], // Tigera
    ['10.2', '10.2.0', 0],
    ['2.0', '2.0.1', -1],
    ['2.0.0', '10.0.0', -1],
    ['2.4.4-p9', '2.4.4-p10', -1], // Magento patch levels
    ['2.4.4-p9', '2.4.4', 1],
    ['22.4R3-S3', '22.4R3', 1], // Juniper
    ['22.4R2', '22.4R3-S3', -1],
    ['21.4R3-S8', '21.4R3-S7', 1],
    ['1.0.2k', '1.0.2', 1], // OpenSSL letter releases
    ['1.0.2k', '1.0.2l', -1],
    ['1.0a1', '1.0', -1], // PEP 440 alpha
    ['10.0.0-M1', '10.0.0', -1], // Maven milestones
    ['10.0.0-M1', '10.0.0-M2', -1],
    ['0:5.14.0-362.24.1.el9_3', '0:5.14.0-362.18.1.el9_3', 1], // RPM with epoch
    ['1:1.0', '2.0', 1],
    ['7.0\\(3\\)i7\\(1\\)', '7.0\\(3\\)i7\\(2\\)', -1], // Cisco NX-OS as NVD quotes it
    ['2017-08-01', '2017-11-20', -1], // date versions
    ['2405129_000041', '2405130_000068', -1],
    ['6.1.6-15266', '6.1.6', 1], // Synology build
    ['9.2.0-9289', '9.2.0-11289', -1],
    ['2.0.0p39', '2.0.0p9', 1], // Checkmk
    ['r49p3', 'r49p0', 1], // Arm Mali
    ['2.5.1 Rev 2', '2.5.1', 1],
    ['v4.11-rc1', 'v6.6-rc1', -1], // Linux kernel tags
    ['v4.11-rc1', 'v4.11', -1],
    ['1.0.Final', '1.0', 0],
    ['2024.6.0', '2024.4.3', 1], // authentik calendar versions
    ['1.9.0-150400.10.6.1', '1.9.0', 1], // SUSE
    ['6.6.99', '6.6.*', -1], // Linux CNA "6.6.*" ends the series
    ['6.7', '6.6.*', 1],
    ['1.0.0+build.5', '1.0.0', 0],
    ['3.10.5', '3.10.5', 0],
  ])('%s vs %s → %i', (a, b, expected) => {
    expect(sign(compareVersions(a, b))).toBe(expected);
    expect(sign(compareVersions(b, a))).toBe(-expected || 0);
  });
});

const range = (start?: [string, boolean], end?: [string, boolean]): VersionRange => ({
  ...(start ? { start: { v: start[0], inclusive: start[1] } } : {}),
  ...(end ? { end: { v: end[0], inclusive: end[1] } } : {}),
});

group('parseVersionSpec', () => {
  it.each<[string, VersionRange]>([
    ['10.2.5', { exact: '10.2.5' }],
    ['=1.2.3', { exact: '1.2.3' }],
    ['==1.2.3', { exact: '1.2.3' }],
    ['>=10.2.0 <10.2.9', range(['10.2.0', true], ['10.2.9', false])],
    ['>= 2.24.0, < 2.24.4', range(['2.24.0', true], ['2.24.4', false])],
    ['>1.0', range(['1.0', false])],
    ['<=2', range(undefined, ['2', true])],
    ['<11.1.2-h3', range(undefined, ['11.1.2-h3', false])],
    ['10.2.*', range(['10.2', true], ['10.2.*', true])],
    ['10.2.x', range(['10.2', true], ['10.2.*', true])],
    ['*', {}],
    ['  v1.21.8 ', { exact: 'v1.21.8' }],
  ])('%j', (spec, expected) => {
    expect(parseVersionSpec(spec)).toEqual(expected);
  });

  it.each([
    ['', /empty/],
    ['latest', /"latest" is not a version/],
    ['>=1.0 >=2.0', /two lower bounds/],
    ['<1 <=2', /two upper bounds/],
    ['=1.0 <2', /cannot be combined/],
    ['>=2.0 <1.0', /holds no version/],
    ['>1.0 <1.0', /holds no version/],
    ['foo.*', /"foo" is not a version/],
    ['~>1.0', /not a version/],
  ])('rejects %j', (spec, reason) => {
    const err = (() => {
      try {
        parseVersionSpec(spec);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(VigilError);
    expect((err as VigilError).code).toBe('VIGIL_WATCH_ENTRY_INVALID');
    expect((err as VigilError).message).toContain(`version "${spec}"`);
    expect((err as VigilError).message).toMatch(reason);
  });
});

group('intersects and describe', () => {
  const panos = range(['10.2.0', true], ['10.2.9-h1', false]);
  it.each<[VersionRange, VersionRange, boolean]>([
    [{ exact: '10.2.5' }, panos, true],
    [{ exact: '10.2.9-h1' }, panos, false],
    [{ exact: '10.2.9' }, panos, true],
    [{ exact: '10.2.0' }, panos, true],
    [{ exact: '9.1.0' }, panos, false],
    [range(['10.2.9-h1', true]), panos, false],
    [range(['10.2.8', true], ['10.2.8', true]), panos, true],
    [range(undefined, ['10.2.0', false]), panos, false],
    [range(undefined, ['10.2.0', true]), panos, true],
    [{}, panos, true],
    [{ exact: '6.6.12' }, range(['6.6', true], ['6.6.*', true]), true],
    [{ exact: '6.7.1' }, range(['6.6', true], ['6.6.*', true]), false],
    [{ exact: '10.2' }, { exact: '10.2.0' }, true],
    [{ exact: '10.2.1' }, { exact: '10.2.0' }, false],
  ])('%j ∩ %j → %s', (a, b, expected) => {
    expect(intersects(a, b)).toBe(expected);
    expect(intersects(b, a)).toBe(expected);
  });

  it.each<[VersionRange, string]>([
    [{ exact: '10.2.5' }, '10.2.5'],
    [range(['10.2.0', true], ['10.2.9', false]), '[10.2.0, 10.2.9)'],
    [range(['1.0', false], ['2', true]), '(1.0, 2]'],
    [range(undefined, ['2.23.6', false]), '(-∞, 2.23.6)'],
    [range(['11.0.0', true]), '[11.0.0, ∞)'],
    [{}, '*'],
  ])('describe(%j) = %s', (r, text) => {
    expect(describe(r)).toBe(text);
  });
});

group('rangeFromCpeMatch / rangeFromCpe', () => {
  it.each<[Parameters<typeof rangeFromCpeMatch>[0], VersionRange | null]>([
    [{ version: '*', versionStartIncluding: '13.1', versionEndExcluding: '13.1-49.15' }, range(['13.1', true], ['13.1-49.15', false])],
    [{ version: '*', versionStartExcluding: '1.0', versionEndIncluding: '2.0' }, range(['1.0', false], ['2.0', true])],
    [{ version: '*', versionEndExcluding: '1.2.9' }, range(undefined, ['1.2.9', false])],
    [{ version: '10.2.4' }, { exact: '10.2.4' }],
    [{ version: '10.2.4', update: 'h1' }, { exact: '10.2.4-h1' }],
    [{ version: '*' }, {}],
    [{ version: '-' }, null],
  ])('%j', (m, expected) => {
    expect(rangeFromCpeMatch(m)).toEqual(expected);
  });

  it('reads a wildcard version as a prefix', () => {
    expect(rangeFromCpe({ version: '8.*', update: '*' })).toEqual(range(['8', true], ['8.*', true]));
  });
});

group('rangesFromAffected', () => {
  const v = (x: Partial<AffectedVersion>): AffectedVersion => ({ version: '', status: 'affected', ...x });
  it.each<[string, Parameters<typeof rangesFromAffected>[0], string[]]>([
    ['PAN-OS lessThan (CVE-2024-3400)', { versions: [v({ status: 'unaffected', version: '9.1.0' }), v({ version: '10.2.0', lessThan: '10.2.9-h1', versionType: 'custom' })] }, ['[10.2.0, 10.2.9-h1)']],
    ['lessThanOrEqual from "n/a" (Patchstack)', { versions: [v({ version: 'n/a', lessThanOrEqual: '4.0.2', versionType: 'custom' })] }, ['(-∞, 4.0.2]']],
    ['from 0 (Go CNA)', { versions: [v({ version: '0', lessThan: '1.21.8', versionType: 'semver' }), v({ version: '1.22.0-0', lessThan: '1.22.1' })] }, ['(-∞, 1.21.8)', '[1.22.0-0, 1.22.1)']],
    ['exact versions (PowerDNS)', { versions: [v({ version: '1.9.0' }), v({ version: '1.9.1' })] }, ['1.9.0', '1.9.1']],
    ['GitHub CNA ranges in version', { versions: [v({ version: '< 2.23.6' }), v({ version: '>= 2.24.0, < 2.24.4' })] }, ['(-∞, 2.23.6)', '[2.24.0, 2.24.4)']],
    ['operators inside the values (Mautic)', { versions: [v({ version: '> 5.0.0', lessThan: '< 5.1.1' })] }, ['(5.0.0, 5.1.1)']],
    ['Linux CNA series wildcard', { versions: [v({ version: '6.1.80', lessThanOrEqual: '6.1.*' })] }, ['[6.1.80, 6.1.*]']],
    ['upper bound *', { versions: [v({ version: '0.8.0', lessThanOrEqual: '*' })] }, ['[0.8.0, ∞)']],
    ['"0" alone = every version', { versions: [v({ version: '0', versionType: 'python' })] }, ['*']],
    ['defaultStatus affected, no versions', { versions: [], defaultStatus: 'affected' }, ['*']],
    ['defaultStatus affected minus unaffected (Red Hat)', { defaultStatus: 'affected', versions: [v({ status: 'unaffected', version: '0:5.14.0-362.24.1.el9_3', lessThan: '*', versionType: 'rpm' })] }, ['(-∞, 0:5.14.0-362.24.1.el9_3)']],
    ['defaultStatus unaffected, nothing affected', { defaultStatus: 'unaffected', versions: [v({ status: 'unaffected', version: 'All' })] }, []],
  ])('%s', (_name, a, expected) => {
    expect(rangesFromAffected(a).ranges.map(describe)).toEqual(expected);
  });

  it('skips git commit ranges and says why', () => {
    const r = rangesFromAffected({ versions: [v({ version: 'c04a1c6afc6bca0fa5739ecf4f58e4723d82e82f', lessThan: '4a049cbb02e83fdd7bd9400b6b6b27d1cda4fc99', versionType: 'git' })] });
    expect(r.ranges).toEqual([]);
    expect(r.skipped).toEqual(['versions[0]: versionType git: commit ids have no order']);
  });

  it('skips commit ids written as versions (VulDB, CVE-2024-8302)', () => {
    const r = rangesFromAffected({ versions: [v({ version: '29d67d9044f6f93378e6eb6ff92272217ff7225c' })] });
    expect(r.ranges).toEqual([]);
    expect(r.skipped).toEqual(['versions[0]: "29d67d9044f6f93378e6eb6ff92272217ff7225c" looks like a commit id (no order)']);
  });

  it('skips values that are no versions', () => {
    const r = rangesFromAffected({ versions: [v({ version: 'latest' }), v({ version: '1.0', lessThan: 'Android ' })] });
    expect(r.ranges).toEqual([]);
    expect(r.skipped).toEqual(['versions[0]: "latest" is not a version', 'versions[1]: upper bound "Android " is not a version']);
  });
});
