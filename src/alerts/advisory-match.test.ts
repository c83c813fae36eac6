import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Advisory, AdvisoryAffected } from '../model/advisory.ts';
import type { WatchEntry } from '../model/alert.ts';
import { parseCertfrBulletin } from '../sources/certfr/index.ts';
import { parseOsvText } from '../sources/osv/index.ts';
import { corpusPath, hasCorpus } from '../testing/corpus.ts';
import { AdvisoryIndex } from './advisory-match.ts';
import { validateEntry } from './entry.ts';
import { affectedBy, inOsvRange, osvIntervals } from './osv-ranges.ts';

const present = hasCorpus();

/** A GHSA advisory from the corpus through the osv source's own mapping. */
function ghsa(path: string): Advisory {
  const file = corpusPath('ghsa', 'advisories', 'github-reviewed', path);
  const [result] = parseOsvText(readFileSync(file, 'utf8'), file, 'ghsa');
  if (!result?.advisory) throw new Error(`${path}: ${result?.rejection?.reason}`);
  return result.advisory;
}

let nextId = 1;
function entry(kind: string, value: string, more: { vendor?: string; version?: string } = {}): WatchEntry {
  return validateEntry({ id: nextId++, watchlist: 'w', kind, value, ...more });
}

describe('OSV range evaluation (osv-schema #evaluation)', () => {
  const maven = (events: AdvisoryAffected['ranges']): AdvisoryAffected => ({ status: 'affected', ecosystem: 'Maven', ranges: events });
  it.each<[string, string, AdvisoryAffected, string | null]>([
    [
      'introduced 0, fixed',
      '5.2.19.RELEASE',
      maven([{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '5.2.20.RELEASE' }] }]),
      '5.2.19.RELEASE in (-∞, 5.2.20.RELEASE) (Maven order)',
    ],
    ['at fixed: not affected', '5.2.20', maven([{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '5.2.20.RELEASE' }] }]), null],
    [
      'last_affected is inclusive',
      '1.8.1',
      { status: 'affected', ecosystem: 'RubyGems', ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { last_affected: '1.8.1' }] }] },
      '1.8.1 in (-∞, 1.8.1] (RubyGems order)',
    ],
    [
      'after last_affected',
      '1.8.2',
      { status: 'affected', ecosystem: 'RubyGems', ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { last_affected: '1.8.1' }] }] },
      null,
    ],
    [
      'unsorted events are sorted first',
      '2.1.0',
      {
        status: 'affected',
        ecosystem: 'npm',
        ranges: [{ type: 'SEMVER', events: [{ introduced: '3.0.0' }, { fixed: '3.2.5' }, { introduced: '1.0.0' }, { fixed: '2.2.0' }] }],
      },
      '2.1.0 in [1.0.0, 2.2.0) (SemVer order)',
    ],
    [
      'between two ranges',
      '2.5.0',
      {
        status: 'affected',
        ecosystem: 'npm',
        ranges: [{ type: 'SEMVER', events: [{ introduced: '1.0.0' }, { fixed: '2.2.0' }, { introduced: '3.0.0' }, { fixed: '3.2.5' }] }],
      },
      null,
    ],
    [
      'no fix yet',
      '9.9.9',
      { status: 'affected', ecosystem: 'PyPI', ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '2.3.0' }] }] },
      '9.9.9 in [2.3.0, ∞) (PEP 440 order)',
    ],
    [
      'below a limit',
      '1.5',
      { status: 'affected', ecosystem: 'PyPI', ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '1.0' }, { limit: '2.0' }] }] },
      '1.5 in [1.0, ∞) (PEP 440 order)',
    ],
    ['at a limit', '2.0', { status: 'affected', ecosystem: 'PyPI', ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '1.0' }, { limit: '2.0' }] }] }, null],
    [
      'limit *',
      '7.0',
      { status: 'affected', ecosystem: 'PyPI', ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '1.0' }, { limit: '*' }] }] },
      '7.0 in [1.0, ∞) (PEP 440 order)',
    ],
    [
      'Go pseudo-version before the fix',
      'v0.0.0-20191211000000-aaaaaaaaaaaa',
      { status: 'affected', ecosystem: 'Go', ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }, { fixed: '0.0.0-20200220183623-bac4c82f6975' }] }] },
      'v0.0.0-20191211000000-aaaaaaaaaaaa in (-∞, 0.0.0-20200220183623-bac4c82f6975) (SemVer order)',
    ],
    [
      'GIT ranges never match a version',
      '1.0.0',
      {
        status: 'affected',
        ranges: [{ type: 'GIT', repo: 'https://github.com/x/y', events: [{ introduced: '0' }, { fixed: 'a1b2c3d4e5f6a1b2c3d4e5f6a1b2c3d4e5f6a1b2' }] }],
      },
      null,
    ],
    ['listed in versions', '1.0.1', { status: 'affected', ecosystem: 'npm', versions: ['1.0.0', '1.0.1'] }, '1.0.1 listed in versions'],
  ])('%s: %s', (_name, version, affected, expected) => {
    expect(affectedBy(version, affected)).toBe(expected);
  });

  it('turns ranges into intervals for version ranges', () => {
    const a: AdvisoryAffected = {
      status: 'affected',
      ecosystem: 'npm',
      ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }, { fixed: '1.16.0' }, { introduced: '2.0.0' }, { fixed: '2.1.0' }] }],
    };
    expect(osvIntervals(a)).toEqual([
      { end: { v: '1.16.0', inclusive: false } },
      { start: { v: '2.0.0', inclusive: true }, end: { v: '2.1.0', inclusive: false } },
    ]);
    expect(inOsvRange('1.0.0', { type: 'GIT', events: [{ introduced: '0' }] }, undefined)).toBeNull();
  });
});

describe.runIf(present)('advisories against watch entries (real GHSA files)', () => {
  it('Spring4Shell: pkg:maven/…/spring-webmvc@5.3.17 matches GHSA-36p3-wjmg-h94x, @5.3.18 does not', () => {
    const adv = ghsa('2022/03/GHSA-36p3-wjmg-h94x/GHSA-36p3-wjmg-h94x.json');
    const affected = entry('purl', 'pkg:maven/org.springframework/spring-webmvc@5.3.17');
    const fixed = entry('purl', 'pkg:maven/org.springframework/spring-webmvc@5.3.18');
    const old = entry('purl', 'pkg:maven/org.springframework/spring-webmvc@5.2.19.RELEASE');
    const oldFixed = entry('purl', 'pkg:maven/org.springframework/spring-webmvc@5.2.20.RELEASE');
    const other = entry('purl', 'pkg:npm/spring-webmvc@5.3.17'); // same name, other ecosystem
    const matches = new AdvisoryIndex([affected, fixed, old, oldFixed, other]).match(adv);
    expect(matches.map((m) => m.entry.id).sort()).toEqual([affected.id, old.id].sort());
    expect(matches.find((m) => m.entry.id === affected.id)?.reasons).toEqual([
      {
        entryId: affected.id,
        kind: 'purl',
        entry: 'purl pkg:maven/org.springframework/spring-webmvc@5.3.17',
        via: 'advisory',
        field: 'affected[3].packageName',
        matched: 'org.springframework:spring-webmvc',
        version: '5.3.17 in [5.3.0, 5.3.18) (Maven order)',
      },
    ]);
    expect(matches.find((m) => m.entry.id === old.id)?.reasons[0]?.version).toBe('5.2.19.RELEASE in (-∞, 5.2.20.RELEASE) (Maven order)');
  });

  it.each([
    // path, matching purl, purl at the fixed version
    ['2020/07/GHSA-p6mc-m468-83gw/GHSA-p6mc-m468-83gw.json', 'pkg:npm/lodash@4.17.19', 'pkg:npm/lodash@4.17.20'],
    ['2023/05/GHSA-j8r2-6x86-q33q/GHSA-j8r2-6x86-q33q.json', 'pkg:pypi/Requests@2.30.0', 'pkg:pypi/requests@2.31.0'],
    ['2024/09/GHSA-c85f-pcx6-2ghm/GHSA-c85f-pcx6-2ghm.json', 'pkg:pypi/mindsdb@24.7.4.0', 'pkg:pypi/mindsdb@24.7.4.1'],
    ['2024/09/GHSA-6f62-3596-g6w7/GHSA-6f62-3596-g6w7.json', 'pkg:gem/webrick@1.8.1', 'pkg:gem/webrick@1.8.2'],
    ['2022/06/GHSA-5crp-9r3c-p9vr/GHSA-5crp-9r3c-p9vr.json', 'pkg:nuget/Newtonsoft.Json@12.0.3', 'pkg:nuget/Newtonsoft.Json@13.0.1'],
    ['2024/09/GHSA-4p75-5p53-65m9/GHSA-4p75-5p53-65m9.json', 'pkg:composer/contao/core-bundle@v4.13.48', 'pkg:composer/contao/core-bundle@4.13.49'],
    ['2024/09/GHSA-2326-pfpj-vx3h/GHSA-2326-pfpj-vx3h.json', 'pkg:cargo/lexical-core@0.8.5', 'pkg:cargo/lexical-core@1.0.0'],
    [
      '2024/09/GHSA-6xx4-x46f-f897/GHSA-6xx4-x46f-f897.json',
      'pkg:golang/github.com/SpectoLabs/hoverfly@v1.10.2',
      'pkg:golang/github.com/SpectoLabs/hoverfly@v1.10.3',
    ],
    [
      '2021/12/GHSA-jfh8-c2jp-5v3q/GHSA-jfh8-c2jp-5v3q.json',
      'pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1',
      'pkg:maven/org.apache.logging.log4j/log4j-core@2.15.0',
    ],
  ])('%s: %s matches, %s does not', (path, hit, miss) => {
    const adv = ghsa(path);
    const a = entry('purl', hit);
    const b = entry('purl', miss);
    expect(new AdvisoryIndex([a, b]).match(adv).map((m) => m.entry.id)).toEqual([a.id]);
  });

  it('product, CVE, keyword and regex entries on a package advisory', () => {
    const adv = ghsa('2021/12/GHSA-jfh8-c2jp-5v3q/GHSA-jfh8-c2jp-5v3q.json');
    const product = entry('product', 'log4j-core', { version: '>=2.14.0 <2.15.0' });
    const productOld = entry('product', 'log4j-core', { version: '2.17.1' });
    const cve = entry('cve', 'CVE-2021-44228');
    const keyword = entry('keyword', 'JNDI');
    const regex = entry('regex', 'remote\\s+code');
    const matches = new AdvisoryIndex([product, productOld, cve, keyword, regex]).match(adv);
    expect(matches.map((m) => m.entry.id).sort()).toEqual([product.id, cve.id, keyword.id, regex.id].sort());
    expect(matches.find((m) => m.entry.id === keyword.id)?.reasons[0]).toMatchObject({ via: 'text', field: 'details' });
    expect(matches.find((m) => m.entry.id === regex.id)?.reasons[0]).toMatchObject({ via: 'text', field: 'title', matched: 'Remote code injection in Log4j' });
    expect(matches.find((m) => m.entry.id === product.id)?.reasons[0]?.version).toBe('[2.14.0, 2.15.0) overlaps [2.13.0, 2.15.0)');
    expect(matches.find((m) => m.entry.id === cve.id)?.reasons[0]).toMatchObject({ via: 'cve-id', field: 'cves[0]', matched: 'CVE-2021-44228' });
  });

  it('a withdrawn advisory, a fixed or not-affected product match nothing', () => {
    const adv = ghsa('2020/07/GHSA-p6mc-m468-83gw/GHSA-p6mc-m468-83gw.json');
    const lodash = entry('purl', 'pkg:npm/lodash');
    expect(new AdvisoryIndex([lodash]).match({ ...adv, withdrawn: '2024-01-01T00:00:00Z' })).toEqual([]);
    const vex = { ...adv, affected: adv.affected.map((a) => ({ ...a, status: 'not_affected' as const })) };
    expect(new AdvisoryIndex([lodash]).match(vex)).toEqual([]);
  });
});

describe.runIf(present)('CERT-FR bulletins against watch entries (real files, certfr source mapping)', () => {
  function certfr(year: string, ref: string): Advisory {
    const file = corpusPath('cert-fr', 'avis', year, `${ref}.json`);
    const r = parseCertfrBulletin(JSON.parse(readFileSync(file, 'utf8')), file);
    if (!('advisory' in r)) throw new Error(`${ref}: ${r.rejected.reason}`);
    return r.advisory;
  }

  it('vendor, product (+ vendor), CPE entries on a bulletin naming products', () => {
    const adv = certfr('2026', 'CERTFR-2026-AVI-0049'); // Palo Alto Networks PAN-OS, Prisma Access…
    const vendor = entry('vendor', 'paloaltonetworks');
    const product = entry('product', 'pan-os', { vendor: 'Palo Alto Networks' });
    const otherVendor = entry('product', 'pan-os', { vendor: 'fortinet' });
    const cpe = entry('cpe', 'cpe:2.3:o:paloaltonetworks:pan-os:*:*:*:*:*:*:*:*');
    const versioned = entry('product', 'pan-os', { vendor: 'paloaltonetworks', version: '10.2.5' });
    const matches = new AdvisoryIndex([vendor, product, otherVendor, cpe, versioned]).match(adv);
    expect(matches.map((m) => m.entry.id).sort()).toEqual([vendor.id, product.id, cpe.id, versioned.id].sort());
    expect(matches.find((m) => m.entry.id === vendor.id)?.reasons[0]).toMatchObject({
      via: 'advisory',
      field: 'affected[0].vendor',
      matched: 'Palo Alto Networks',
    });
    // CERT-FR states versions in words only: the product matches, the version is said not evaluated.
    expect(matches.find((m) => m.entry.id === versioned.id)?.reasons[0]?.version).toMatch(
      /^10\.2\.5 not evaluated: the advisory states no versions Vigil can compare: "/,
    );
  });

  it('a product named only in the description where CERT-FR writes N/A (CERTFR-2026-AVI-0001, SUSE)', () => {
    const adv = certfr('2026', 'CERTFR-2026-AVI-0001');
    expect(adv.affected.every((a) => a.product === undefined)).toBe(true);
    const sles = entry('product', 'SUSE Linux Enterprise Server', { vendor: 'SUSE' });
    const partial = entry('product', 'SUSE Linux Enterprise Serv'); // not on word boundaries
    const rhel = entry('product', 'Red Hat Enterprise Linux');
    const matches = new AdvisoryIndex([sles, partial, rhel]).match(adv);
    expect(matches.map((m) => m.entry.id)).toEqual([sles.id]);
    expect(matches[0]?.reasons[0]).toMatchObject({ via: 'advisory', matched: expect.stringMatching(/^SUSE Linux Enterprise Server/) });
    expect(matches[0]?.reasons[0]?.field).toMatch(/^affected\[\d+\]\.description$/);
  });
});
