import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { corpusPath, hasCorpus } from '../testing/corpus.ts';
import { ecosystemOfPurlType, ecosystemOrder, SEMVER_ORDER } from './ecosystem-versions.ts';

const sign = (n: number): number => Math.sign(n) || 0;

/** Rows: ecosystem, older, newer (each row also checked reversed). Versions from the GHSA/Go corpus files where marked. */
const ASCENDING: [string, string, string][] = [
  // npm (GHSA-p6mc-m468-83gw lodash, GHSA-cm22-4g7w-348p serve-static): SemVer 2.0
  ['npm', '4.17.19', '4.17.20'],
  ['npm', '1.15.0', '1.16.0'],
  ['npm', '2.0.0-beta.2', '2.0.0'],
  ['npm', '2.0.0-beta.2', '2.0.0-beta.10'],
  ['npm', '2.0.0-alpha.1', '2.0.0-beta'],
  ['npm', '3.0.2', '3.0.3'], // braces GHSA-grv7-fg5c-xmjg
  // crates.io (GHSA-2326-pfpj-vx3h lexical-core)
  ['crates.io', '0.8.5', '1.0.0'],
  ['crates.io', '1.0.0-rc.1', '1.0.0'],
  // Go (GHSA-6xx4-x46f-f897 hoverfly, go-vulndb): `v` prefix, pseudo-versions, +incompatible
  ['Go', 'v1.10.2', '1.10.3'],
  ['Go', '0.0.0-20160722212129-ac0cc4484ad4', '0.0.0-20200131131040-063a3fb69896'], // GO-2020-0004
  ['Go', 'v1.0.4-0.20180125103619-43913f2f4fbd', 'v1.0.4'], // GO-2020-0006: a pseudo-version precedes its base
  ['Go', '1.0.3', '1.0.4-0.20180125103619-43913f2f4fbd'],
  ['Go', '1.0.0-rc8.0.20190930145003-cad42f6e0932', '1.0.0-rc9.0.20200122160610-2fc03cc11c77'], // GO-2021-0085/0087 runc
  ['Go', '3.0.0+incompatible', '3.0.1-0.20180525145409-4c9aadca8f89+incompatible'], // GO-2021-0076
  ['Go', '1.16.0-0', '1.16.0'], // stdlib "-0"
  ['Go', '0.5.0-alpha.5.0.20190108173120-83c051b701d3', '0.5.0-alpha.5.0.20200423152442-f4b650b51dc4'], // etcd
  // PyPI (GHSA-j8r2-6x86-q33q requests, GHSA-c85f-pcx6-2ghm mindsdb): PEP 440
  ['PyPI', '2.30.0', '2.31.0'],
  ['PyPI', '23.10.5.0', '24.7.4.1'],
  ['PyPI', '24.7.4.0', '24.7.4.1'],
  ['PyPI', '2.31.0rc1', '2.31.0'],
  ['PyPI', '2.31.0.dev1', '2.31.0a1'],
  ['PyPI', '2.31.0', '2.31.0.post1'],
  ['PyPI', '1.0', '1!0.5'], // epoch
  // RubyGems (GHSA-6f62-3596-g6w7 webrick)
  ['RubyGems', '1.8.1', '1.8.2'],
  ['RubyGems', '1.8.2.pre', '1.8.2'],
  ['RubyGems', '1.8.2.rc1', '1.8.2'],
  ['RubyGems', '1.8.10', '1.9'],
  // Maven (GHSA-36p3-wjmg-h94x Spring, GHSA-jfh8-c2jp-5v3q log4j)
  ['Maven', '5.2.19.RELEASE', '5.2.20.RELEASE'],
  ['Maven', '5.2.20.RELEASE', '5.3.0'],
  ['Maven', '5.3.17', '5.3.18'],
  ['Maven', '2.15.0-rc1', '2.15.0'],
  ['Maven', '2.3', '2.3.1'],
  ['Maven', '1.0-SNAPSHOT', '1.0'],
  ['Maven', '1.0', '1.0-sp1'],
  // NuGet (GHSA-5crp-9r3c-p9vr Newtonsoft.Json): four numbers, case-insensitive labels
  ['NuGet', '12.0.3', '13.0.1'],
  ['NuGet', '13.0.1-beta1', '13.0.1'],
  ['NuGet', '13.0.1', '13.0.1.1'],
  ['NuGet', '13.0.1-Beta1', '13.0.1-beta2'],
  ['NuGet', '1.0.0-alpha.2', '1.0.0-alpha.10'],
  // Packagist (GHSA-4p75-5p53-65m9 contao/core-bundle): Composer
  ['Packagist', '4.13.48', '4.13.49'],
  ['Packagist', 'v4.13.48', '4.13.49'],
  ['Packagist', '4.13.49-RC1', '4.13.49'],
  ['Packagist', '4.13.49-beta2', '4.13.49-RC1'],
  ['Packagist', '4.13.49-dev', '4.13.49-alpha1'],
  ['Packagist', '4.13.49', '4.13.49-p1'],
  ['Packagist', '5.3', '5.3.0.1'],
  // An ecosystem without its own order: the generic one (versions.ts)
  ['Debian:12', '1.2.3-1', '1.2.3-2'],
  ['Alpine:v3.19', '3.1.4-r5', '3.1.4-r6'],
];

const EQUAL: [string, string, string][] = [
  ['Go', 'v1.10.3', '1.10.3'],
  ['Go', '2.7.0+incompatible', '2.7.0'],
  ['Maven', '5.2.20.RELEASE', '5.2.20'],
  ['Maven', '2.4', '2.4.0'],
  ['PyPI', '2.31', '2.31.0'],
  ['PyPI', '1.0RC1', '1.0rc1'],
  ['NuGet', '13.0', '13.0.0.0'],
  ['NuGet', '1.0.0-BETA', '1.0.0-beta'],
  ['NuGet', '1.0.0+build', '1.0.0'],
  ['Packagist', 'v2.0', '2.0.0.0'],
  ['RubyGems', '1.8', '1.8.0'],
  ['npm', 'v1.2.3', '1.2.3'],
];

describe('ecosystemOrder', () => {
  it.each(ASCENDING)('%s: %s < %s', (ecosystem, older, newer) => {
    const order = ecosystemOrder(ecosystem);
    expect(sign(order.compare(older, newer))).toBe(-1);
    expect(sign(order.compare(newer, older))).toBe(1);
  });

  it.each(EQUAL)('%s: %s = %s', (ecosystem, a, b) => {
    expect(ecosystemOrder(ecosystem).compare(a, b)).toBe(0);
    expect(ecosystemOrder(ecosystem).compare(b, a)).toBe(0);
  });

  it('names its order and falls back to the generic one', () => {
    expect(ecosystemOrder('Maven:https://maven.google.com').name).toBe('Maven');
    expect(ecosystemOrder('PyPI').name).toBe('PEP 440');
    expect(ecosystemOrder('Debian:12').name).toBe('generic');
    expect(ecosystemOrder(undefined).name).toBe('generic');
    // A version PEP 440 refuses is still ordered (generic), not an error.
    expect(sign(ecosystemOrder('PyPI').compare('not a version 1', 'not a version 2'))).toBe(-1);
  });

  it.each([
    ['maven', 'Maven'], ['golang', 'Go'], ['cargo', 'crates.io'], ['gem', 'RubyGems'], ['composer', 'Packagist'], ['pypi', 'PyPI'], ['nuget', 'NuGet'], ['npm', 'npm'], ['generic', null],
  ])('purl type %s is OSV ecosystem %s', (type, ecosystem) => {
    expect(ecosystemOfPurlType(type)).toBe(ecosystem);
  });
});

describe.runIf(hasCorpus())('on the real Go vulndb (4,291 OSV records)', () => {
  it('every range lists its events in ascending SemVer order', () => {
    const lines = gunzipSync(readFileSync(corpusPath('osv', 'go-vulndb-osv-all.jsonl.gz'))).toString('utf8').trim().split('\n');
    expect(lines.length).toBeGreaterThan(4000);
    let pairs = 0;
    const wrong: string[] = [];
    for (const line of lines) {
      const osv = JSON.parse(line) as { id: string; affected?: { package: { name: string }; ranges?: { type: string; events: Record<string, string>[] }[] }[] };
      for (const a of osv.affected ?? [])
        for (const r of a.ranges ?? []) {
          const versions = r.events.map((e) => Object.values(e)[0] as string).filter((v) => v !== '0');
          for (let i = 1; i < versions.length; i++) {
            pairs++;
            if (SEMVER_ORDER.compare(versions[i - 1] as string, versions[i] as string) >= 0) wrong.push(`${osv.id} ${a.package.name}: ${versions[i - 1]} !< ${versions[i]}`);
          }
        }
    }
    expect(pairs).toBeGreaterThan(1000);
    expect(wrong).toEqual([]);
  });
});
