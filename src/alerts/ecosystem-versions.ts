/**
 * Each package ecosystem's own version order, for OSV ranges (osv-ranges.ts) and purl watch
 * entries: npm, crates.io, Hex and Pub are SemVer 2.0 (`semver`); Go is SemVer with a `v` prefix
 * and pseudo-versions (`v0.0.0-20200131131040-063a3fb69896`, a pre-release of the next version);
 * PyPI is PEP 440 (`@renovatebot/pep440`); RubyGems is `Gem::Version` (`@renovatebot/ruby-semver`);
 * Maven is `ComparableVersion` (maven-version.ts); NuGet is SemVer with up to four numbers
 * (`1.2.3.4`, case-insensitive labels); Packagist is Composer's order (`v` prefix, stability
 * suffixes dev < alpha < beta < RC < stable < patch). Any other ecosystem, and any version an
 * ecosystem's parser refuses, falls back to the general order of versions.ts.
 * Ecosystem names: https://ossf.github.io/osv-schema/#defined-ecosystems.
 */
import * as pep440 from '@renovatebot/pep440';
import * as rubygems from '@renovatebot/ruby-semver';
import semver from 'semver';
import { compareMavenVersions } from './maven-version.ts';
import { compareVersions } from './versions.ts';

/** How one ecosystem orders versions. */
export interface VersionOrder {
  /** The order's name, for explanations (`Maven`, `PEP 440`, `SemVer`, `generic`). */
  name: string;
  /** Negative when `a` is older, 0 when equal, positive when newer. Never throws. */
  compare(a: string, b: string): number;
}

const sign = (n: number): number => (n < 0 ? -1 : n > 0 ? 1 : 0);

/** SemVer 2.0 (§11) where both parse (a leading `v` allowed), else the generic order. */
function compareSemver(a: string, b: string): number {
  const x = semver.parse(a.trim());
  const y = semver.parse(b.trim());
  return x && y ? x.compare(y) : compareVersions(a, b);
}

/**
 * Go module versions: SemVer with a `v` prefix (`v1.2.3`, `+incompatible` is build metadata and
 * ignored). Pseudo-versions are SemVer pre-releases (`v1.0.4-0.20180125103619-43913f2f4fbd` <
 * `v1.0.4`), so SemVer orders them by their timestamp. https://go.dev/ref/mod#versions
 */
function compareGo(a: string, b: string): number {
  const strip = (v: string) =>
    v
      .trim()
      .replace(/^go(?=\d)/, '')
      .replace(/^v(?=\d)/, '');
  return compareSemver(strip(a), strip(b));
}

function comparePep440(a: string, b: string): number {
  if (pep440.valid(a) === null || pep440.valid(b) === null) return compareVersions(a, b);
  return sign(pep440.compare(a, b));
}

function compareRubyGems(a: string, b: string): number {
  if (rubygems.valid(a) === null || rubygems.valid(b) === null) return compareVersions(a, b);
  return rubygems.eq(a, b) ? 0 : rubygems.gt(a, b) ? 1 : -1;
}

interface Dotted {
  numbers: number[];
  /** Pre-release identifiers; empty for a release. */
  pre: string[];
}

const NUGET = /^v?(\d+(?:\.\d+){0,3})(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$/;

function parseNuget(v: string): Dotted | null {
  const m = NUGET.exec(v.trim());
  if (!m) return null;
  return { numbers: (m[1] as string).split('.').map(Number), pre: m[2] ? m[2].toLowerCase().split('.') : [] };
}

function compareNumbers(x: number[], y: number[], length: number): number {
  for (let i = 0; i < length; i++) {
    const c = (x[i] ?? 0) - (y[i] ?? 0);
    if (c !== 0) return sign(c);
  }
  return 0;
}

/** SemVer §11 pre-release precedence: numeric identifiers numerically and before words. */
function comparePre(x: string[], y: string[]): number {
  if (!x.length || !y.length) return sign(y.length - x.length); // a release sorts after its pre-releases
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const p = x[i];
    const q = y[i];
    if (p === undefined || q === undefined) return p === undefined ? -1 : 1;
    const pn = /^\d+$/.test(p);
    const qn = /^\d+$/.test(q);
    if (pn && qn) {
      const c = Number(p) - Number(q);
      if (c !== 0) return sign(c);
    } else if (pn !== qn) return pn ? -1 : 1;
    else if (p !== q) return p < q ? -1 : 1;
  }
  return 0;
}

/**
 * NuGet versions: `Major.Minor.Patch[.Revision][-label][+metadata]`, missing numbers are 0,
 * labels compare case-insensitively by SemVer 2.0 rules, metadata is ignored.
 * https://learn.microsoft.com/nuget/concepts/package-versioning
 */
function compareNuget(a: string, b: string): number {
  const x = parseNuget(a);
  const y = parseNuget(b);
  if (!x || !y) return compareVersions(a, b);
  return compareNumbers(x.numbers, y.numbers, 4) || comparePre(x.pre, y.pre);
}

/** Composer stabilities by rank (`p`/`pl`/`patch` sort after the release). */
const STABILITY: Readonly<Record<string, number>> = { dev: 0, alpha: 1, a: 1, beta: 2, b: 2, rc: 3, stable: 4, patch: 5, pl: 5, p: 5 };
const COMPOSER = /^v?(\d+(?:\.\d+){0,3})(?:[._-]?(stable|beta|b|rc|alpha|a|patch|pl|p|dev)(?:[._-]?(\d+(?:\.\d+)*))?)?(?:[.-]?dev)?$/i;

/**
 * Packagist (Composer) versions, as Composer normalises them: an optional `v`, up to four
 * numbers (`1.2` = `1.2.0.0`), then an optional stability with its own number (`-beta2`,
 * `RC1`, `-p1`), ordered dev < alpha < beta < RC < stable < patch; a `-dev` suffix makes the
 * whole version a development one. https://getcomposer.org/doc/articles/versions.md
 */
function compareComposer(a: string, b: string): number {
  const parse = (v: string) => {
    const m = COMPOSER.exec(v.trim());
    if (!m) return null;
    const word = (m[2] ?? 'stable').toLowerCase();
    const dev = /dev$/i.test(v.trim()) && word !== 'dev';
    return { numbers: (m[1] as string).split('.').map(Number), stability: dev ? -1 : (STABILITY[word] ?? 4), n: m[3] ? m[3].split('.').map(Number) : [] };
  };
  const x = parse(a);
  const y = parse(b);
  if (!x || !y) return compareVersions(a, b);
  return compareNumbers(x.numbers, y.numbers, 4) || sign(x.stability - y.stability) || compareNumbers(x.n, y.n, Math.max(x.n.length, y.n.length));
}

const SEMVER: VersionOrder = { name: 'SemVer', compare: compareSemver };
const GENERIC: VersionOrder = { name: 'generic', compare: compareVersions };

/** Orders by OSV ecosystem name (the part before any `:`, lower case). */
const ORDERS: Readonly<Record<string, VersionOrder>> = {
  npm: SEMVER,
  'crates.io': SEMVER,
  hex: SEMVER,
  pub: SEMVER,
  go: { name: 'Go', compare: compareGo },
  pypi: { name: 'PEP 440', compare: comparePep440 },
  rubygems: { name: 'RubyGems', compare: compareRubyGems },
  maven: { name: 'Maven', compare: compareMavenVersions },
  nuget: { name: 'NuGet', compare: compareNuget },
  packagist: { name: 'Composer', compare: compareComposer },
};

/**
 * The version order of an OSV ecosystem (`Maven`, `PyPI`, `Go`, `Maven:https://maven.google.com`,
 * `Debian:12`); the generic order (versions.ts) for any other or none.
 * @example ecosystemOrder('Maven').compare('5.2.20.RELEASE', '5.3.0') // -1
 */
export function ecosystemOrder(ecosystem: string | undefined): VersionOrder {
  if (!ecosystem) return GENERIC;
  return ORDERS[(ecosystem.split(':')[0] as string).toLowerCase()] ?? GENERIC;
}

/** The order OSV's `SEMVER` range type prescribes, whatever the ecosystem (SemVer 2.0, no `v`). */
export const SEMVER_ORDER: VersionOrder = { name: 'SemVer', compare: (a, b) => compareGo(a, b) };

/** OSV ecosystem of each purl type (https://github.com/package-url/purl-spec/blob/main/PURL-TYPES.rst). */
const PURL_ECOSYSTEMS: Readonly<Record<string, string>> = {
  npm: 'npm',
  maven: 'Maven',
  pypi: 'PyPI',
  golang: 'Go',
  cargo: 'crates.io',
  gem: 'RubyGems',
  nuget: 'NuGet',
  composer: 'Packagist',
  hex: 'Hex',
  pub: 'Pub',
  swift: 'SwiftURL',
  deb: 'Debian',
  apk: 'Alpine',
  github: 'GitHub Actions',
  cran: 'CRAN',
  hackage: 'Hackage',
};

/**
 * The OSV ecosystem a purl type names (`maven` → `Maven`, `golang` → `Go`), or `null` when none.
 * @example ecosystemOfPurlType('cargo') // 'crates.io'
 */
export function ecosystemOfPurlType(type: string): string | null {
  return PURL_ECOSYSTEMS[type.toLowerCase()] ?? null;
}
