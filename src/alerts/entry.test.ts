import { describe, expect, it } from 'vitest';
import { VigilError } from '../errors.ts';
import { compileEntry, entryLabel, findKeyword, validateEntry, type WatchEntryInput } from './entry.ts';

function errorOf(input: WatchEntryInput): VigilError {
  try {
    validateEntry(input);
  } catch (e) {
    if (e instanceof VigilError) return e;
    throw e;
  }
  throw new Error(`accepted ${JSON.stringify(input)}`);
}

describe('entryLabel', () => {
  it.each<[WatchEntryInput & { kind: 'vendor' | 'product' | 'cpe' | 'purl' | 'keyword' | 'regex' | 'cve' }, string]>([
    [{ kind: 'product', value: 'pan-os', vendor: 'paloaltonetworks', version: '10.2.5' }, 'product paloaltonetworks:pan-os 10.2.5'],
    [{ kind: 'product', value: 'PAN-OS' }, 'product PAN-OS'],
    [{ kind: 'keyword', value: 'remote code execution' }, 'keyword "remote code execution"'],
    [{ kind: 'regex', value: '(foo' }, 'regex "(foo"'],
    [{ kind: 'vendor', value: 'Palo Alto Networks' }, 'vendor Palo Alto Networks'],
    [{ kind: 'cve', value: 'CVE-2024-3400' }, 'cve CVE-2024-3400'],
    [{ kind: 'purl', value: 'pkg:npm/lodash@4.17.15' }, 'purl pkg:npm/lodash@4.17.15'],
  ])('%j → %s', (entry, label) => {
    expect(entryLabel({ ...entry, vendor: entry.vendor ?? undefined, version: entry.version ?? undefined })).toBe(label);
  });
});

describe('validateEntry', () => {
  it('normalises a valid entry', () => {
    expect(
      validateEntry({ id: 3, watchlist: 'edge', kind: 'cve', value: ' cve-2024-3400 ', vendor: '', thresholds: { minCvss: 7, kevOnly: undefined } }),
    ).toEqual({
      id: 3,
      watchlist: 'edge',
      kind: 'cve',
      value: 'CVE-2024-3400',
      thresholds: { minCvss: 7 },
    });
    expect(
      validateEntry({
        kind: 'product',
        value: 'pan-os',
        vendor: 'paloaltonetworks',
        version: '>=10.2.0 <10.2.9',
        thresholds: { minSeverity: 'HIGH', minEpss: 0.1 },
      }),
    ).toMatchObject({
      kind: 'product',
      vendor: 'paloaltonetworks',
      version: '>=10.2.0 <10.2.9',
    });
  });

  it.each<[WatchEntryInput, string]>([
    [
      { id: 12, kind: 'regex', value: '(foo' },
      'Invalid watchlist entry #12 regex "(foo": RE2 cannot compile it: error parsing regexp: missing closing ): `(foo`',
    ],
    [{ id: 1, kind: 'regex', value: '(a' }, 'Invalid watchlist entry #1 regex "(a": RE2 cannot compile it: error parsing regexp: missing closing ): `(a`'],
    [
      { id: 2, kind: 'regex', value: '(a)\\1' },
      'Invalid watchlist entry #2 regex "(a)\\1": RE2 cannot compile it: error parsing regexp: invalid escape sequence: `\\1`',
    ],
    [
      { id: 3, kind: 'regex', value: 'foo(?=bar)' },
      'Invalid watchlist entry #3 regex "foo(?=bar)": RE2 cannot compile it: error parsing regexp: invalid or unsupported Perl syntax: `(?=`',
    ],
    [
      { id: 4, kind: 'cpe', value: 'cpe:2.3:o:paloaltonetworks:pan-os' },
      'Invalid watchlist entry #4 cpe cpe:2.3:o:paloaltonetworks:pan-os: invalid CPE: "cpe:2.3:o:paloaltonetworks:pan-os": has 5 colon-separated components, a CPE 2.3 name has 13',
    ],
    [
      { id: 5, kind: 'cpe', value: 'cpe:2.3:a:*:*:*:*:*:*:*:*:*:*' },
      'Invalid watchlist entry #5 cpe cpe:2.3:a:*:*:*:*:*:*:*:*:*:*: the CPE names neither a vendor nor a product (it would match every CVE)',
    ],
    [
      { id: 6, kind: 'purl', value: 'npm/lodash' },
      'Invalid watchlist entry #6 purl npm/lodash: invalid purl: Invalid purl: missing required "pkg" scheme component',
    ],
    [{ id: 7, kind: 'purl', value: 'pkg:npm/' }, 'Invalid watchlist entry #7 purl pkg:npm/: invalid purl: Invalid purl: "name" is a required component'],
    [
      { id: 8, kind: 'product', value: 'pan-os', version: 'latest' },
      'Invalid watchlist entry #8 product pan-os latest: version "latest": "latest" is not a version (expected e.g. 10.2.5, >=10.2.0 <10.2.9, 10.2.*)',
    ],
    [
      { id: 9, kind: 'product', value: 'pan-os', version: '>=10.2.9 <10.2.0' },
      'Invalid watchlist entry #9 product pan-os >=10.2.9 <10.2.0: version ">=10.2.9 <10.2.0": the range holds no version (lower bound above upper bound)',
    ],
    [
      { id: 10, kind: 'cve', value: 'CVE-24-3400' },
      'Invalid watchlist entry #10 cve CVE-24-3400: not a CVE id (expected CVE-YYYY-NNNN, four or more digits at the end)',
    ],
    [
      { id: 11, kind: 'cve', value: 'CVE-2024-340' },
      'Invalid watchlist entry #11 cve CVE-2024-340: not a CVE id (expected CVE-YYYY-NNNN, four or more digits at the end)',
    ],
    [{ id: 13, kind: 'keyword', value: '   ' }, 'Invalid watchlist entry #13 keyword "": the value is empty'],
    [
      { id: 14, kind: 'vendor', value: 'Palo Alto', vendor: 'x' },
      'Invalid watchlist entry #14 vendor Palo Alto: "vendor" applies to product entries only (a vendor entry takes none)',
    ],
    [{ id: 15, kind: 'keyword', value: 'rce', version: '1.0' }, 'Invalid watchlist entry #15 keyword "rce": "version" applies to product entries only'],
    [
      { id: 16, kind: 'cpe', value: 'cpe:2.3:o:paloaltonetworks:pan-os:*:*:*:*:*:*:*:*', version: '10.2.5' },
      'Invalid watchlist entry #16 cpe cpe:2.3:o:paloaltonetworks:pan-os:*:*:*:*:*:*:*:*: "version" applies to product entries only (put the version in the CPE name)',
    ],
    [
      { id: 17, kind: 'purl', value: 'pkg:pypi/django', version: '4.2' },
      'Invalid watchlist entry #17 purl pkg:pypi/django: "version" applies to product entries only (put it in the purl: @version)',
    ],
    [{ id: 18, kind: 'vendor', value: '---' }, 'Invalid watchlist entry #18 vendor ---: vendor "---" has no letters or digits'],
    [{ id: 19, kind: 'product', value: 'pan-os', vendor: '***' }, 'Invalid watchlist entry #19 product ***:pan-os: vendor "***" has no letters or digits'],
    [
      { id: 20, kind: 'os', value: 'linux' },
      'Invalid watchlist entry #20 os linux: unknown kind "os" (known: vendor, product, cpe, purl, keyword, regex, cve, ioc)',
    ],
    [
      { id: 21, kind: 'vendor', value: 'x', thresholds: { minCvss: 11 } },
      'Invalid watchlist entry #21 vendor x: minCvss must be a number from 0 to 10 (got 11)',
    ],
    [
      { id: 22, kind: 'vendor', value: 'x', thresholds: { minCvss: -0.1 } },
      'Invalid watchlist entry #22 vendor x: minCvss must be a number from 0 to 10 (got -0.1)',
    ],
    [
      { id: 23, kind: 'vendor', value: 'x', thresholds: { minEpss: 1.5 } },
      'Invalid watchlist entry #23 vendor x: minEpss must be a number from 0 to 1 (got 1.5)',
    ],
    [
      { id: 24, kind: 'vendor', value: 'x', thresholds: { minPercentile: 95 } },
      'Invalid watchlist entry #24 vendor x: minPercentile must be a number from 0 to 1 (got 95)',
    ],
    [
      { id: 25, kind: 'vendor', value: 'x', thresholds: { minSeverity: 'SEVERE' } },
      'Invalid watchlist entry #25 vendor x: minSeverity must be one of NONE, LOW, MEDIUM, HIGH, CRITICAL (got "SEVERE")',
    ],
    [{ id: 26, kind: 'vendor', value: 'x', thresholds: { kevOnly: 'yes' } }, 'Invalid watchlist entry #26 vendor x: kevOnly must be true or false (got "yes")'],
    [
      { id: 27, kind: 'vendor', value: 'x', thresholds: { minScore: 5 } },
      'Invalid watchlist entry #27 vendor x: unknown threshold "minScore" (known: minSeverity, minCvss, minEpss, minPercentile, kevOnly, ransomwareOnly)',
    ],
  ])('%j', (input, message) => {
    const err = errorOf(input);
    expect(err.code).toBe('VIGIL_WATCH_ENTRY_INVALID');
    expect(err.status).toBe(400);
    expect(err.message).toBe(message);
  });

  it('refuses a regex too costly to run on every CVE (issue 10 item 15: the reported pattern took 86 s)', () => {
    const err = errorOf({ id: 28, kind: 'regex', value: '[\\s\\S]{0,1000}x[\\s\\S]{0,1000}y' });
    expect(err.message).toBe(
      'Invalid watchlist entry #28 regex "[\\s\\S]{0,1000}x[\\s\\S]{0,1000}y": a counted repetition of 1000 (nested counts multiplied) is too costly to run on every CVE (limit 100): use a smaller count, or * or +',
    );
    expect(errorOf({ kind: 'regex', value: '.{0,60}x.{0,60}y' }).message).toMatch(/compiles to \d+ RE2 instructions, too costly .*\(limit 200\)/);
  });

  it('keeps the parser error as the cause', () => {
    expect(errorOf({ kind: 'cpe', value: 'cpe:2.3:x:a:b:*:*:*:*:*:*:*:*' }).cause).toMatchObject({ code: 'VIGIL_INVALID_CPE' });
  });
});

describe('compileEntry', () => {
  const entry = { id: 1, watchlist: 'w', thresholds: {} };
  it('compiles each kind to its keys and ranges', () => {
    expect(compileEntry({ ...entry, kind: 'product', value: 'PAN-OS', vendor: 'Palo Alto Networks', version: '10.2.*' })).toMatchObject({
      vendorKey: 'paloaltonetworks',
      productKey: 'panos',
      range: { start: { v: '10.2', inclusive: true }, end: { v: '10.2.*', inclusive: true } },
    });
    expect(compileEntry({ ...entry, kind: 'cpe', value: 'cpe:2.3:o:paloaltonetworks:pan-os:10.2.4:h1:*:*:*:*:*:*' })).toMatchObject({
      vendorKey: 'paloaltonetworks',
      productKey: 'panos',
      range: { exact: '10.2.4-h1' },
    });
    expect(compileEntry({ ...entry, kind: 'cpe', value: 'cpe:2.3:a:apache:*:*:*:*:*:*:*:*:*' })).toMatchObject({
      vendorKey: 'apache',
      productKey: null,
      range: null,
    });
    expect(compileEntry({ ...entry, kind: 'purl', value: 'pkg:maven/commons-io/commons-io@2.11.0' })).toMatchObject({
      purl: { type: 'maven', namespace: 'commons-io', name: 'commons-io', version: '2.11.0' },
      nameKey: 'commonsio',
      range: { exact: '2.11.0' },
    });
    expect(compileEntry({ ...entry, kind: 'keyword', value: 'Remote Code Execution' })).toMatchObject({ firstToken: 'remote' });
  });

  it.each([
    ['remote code execution', 'allows Remote  Code\nExecution via', true],
    ['remote code execution', 'remote code executions', false],
    ['GlobalProtect', 'the GlobalProtect feature', true],
    ['Global', 'the GlobalProtect feature', false],
    ['node.js', 'Node.js before 20', true],
    ['node.js', 'nodexjs', false],
    ['C++', 'a C++ library', true],
    ['cross-site scripting', 'Cross-Site Scripting (XSS)', true],
    ['(XSS)', 'Cross-Site Scripting (XSS) in', true],
    ['xss', 'Stored-XSS via', true],
    ['xss', 'noxss', false],
    ['résumé', 'RÉSUMÉ builder', true],
  ])('keyword %j in %j → %s', (keyword, text, expected) => {
    const c = compileEntry({ ...entry, kind: 'keyword', value: keyword });
    expect(c.kind === 'keyword' && findKeyword(c, text) !== null).toBe(expected);
  });
});
