import { readdirSync, readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { VigilError } from '../errors.ts';
import { corpusPath, hasCorpus } from '../testing/corpus.ts';
import { type Cpe23, formatCpe23, parseCpe23 } from './cpe.ts';

const ANY: Omit<Cpe23, 'part' | 'vendor' | 'product'> = {
  version: '*', update: '*', edition: '*', language: '*', swEdition: '*', targetSw: '*', targetHw: '*', other: '*',
};

describe('parseCpe23 / formatCpe23: one row per form', () => {
  it.each<[string, string, Cpe23]>([
    // NISTIR 7695 §6.2.2.3 / §6.2.3 examples
    ['spec: plain values', 'cpe:2.3:a:microsoft:internet_explorer:8.0.6001:beta:*:*:*:*:*:*',
      { ...ANY, part: 'a', vendor: 'microsoft', product: 'internet_explorer', version: '8.0.6001', update: 'beta' }],
    ['spec: wildcards at the ends (8.*, sp?)', 'cpe:2.3:a:microsoft:internet_explorer:8.*:sp?:*:*:*:*:*:*',
      { ...ANY, part: 'a', vendor: 'microsoft', product: 'internet_explorer', version: '8.*', update: 'sp?' }],
    ['spec: quoted asterisk is a literal, not a wildcard', 'cpe:2.3:a:microsoft:internet_explorer:8.\\*:sp?:*:*:*:*:*:*',
      { ...ANY, part: 'a', vendor: 'microsoft', product: 'internet_explorer', version: '8.\\*', update: 'sp?' }],
    ['spec: NA (-) and target attributes', 'cpe:2.3:a:hp:insight_diagnostics:7.4.0.1570:-:*:*:online:win2003:x64:*',
      { ...ANY, part: 'a', vendor: 'hp', product: 'insight_diagnostics', version: '7.4.0.1570', update: '-', swEdition: 'online', targetSw: 'win2003', targetHw: 'x64' }],
    ['spec: target_sw only', 'cpe:2.3:a:hp:openview_network_manager:7.51:*:*:*:*:linux:*:*',
      { ...ANY, part: 'a', vendor: 'hp', product: 'openview_network_manager', version: '7.51', targetSw: 'linux' }],
    ['spec: quoted backslash and dollar', 'cpe:2.3:a:foo\\\\bar:big\\$money_2010:*:*:*:*:special:ipod_touch:80gb:*',
      { ...ANY, part: 'a', vendor: 'foo\\\\bar', product: 'big$money_2010', swEdition: 'special', targetSw: 'ipod_touch', targetHw: '80gb' }],
    // real NVD names (legacy 1.1 feeds and API 2.0 records)
    ['NVD: operating system', 'cpe:2.3:o:paloaltonetworks:pan-os:10.2.0:*:*:*:*:*:*:*',
      { ...ANY, part: 'o', vendor: 'paloaltonetworks', product: 'pan-os', version: '10.2.0' }],
    ['NVD: hardware with NA version', 'cpe:2.3:h:juniper:srx110:-:*:*:*:*:*:*:*',
      { ...ANY, part: 'h', vendor: 'juniper', product: 'srx110', version: '-' }],
    ['NVD: quoted colons', 'cpe:2.3:a:sandoba:cp\\:\\:shop:2016.1:*:*:*:*:*:*:*',
      { ...ANY, part: 'a', vendor: 'sandoba', product: 'cp::shop', version: '2016.1' }],
    ['NVD: quoted parentheses', 'cpe:2.3:o:cisco:ios:16.7\\(1\\):*:*:*:*:*:*:*',
      { ...ANY, part: 'o', vendor: 'cisco', product: 'ios', version: '16.7(1)' }],
    ['NVD: quoted slash', 'cpe:2.3:h:iodata:ts-wrlp\\/e:-:*:*:*:*:*:*:*',
      { ...ANY, part: 'h', vendor: 'iodata', product: 'ts-wrlp/e', version: '-' }],
    ['NVD: quoted & and @', 'cpe:2.3:a:hgiga:c\\&cm\\@il:-:*:*:*:*:*:*:*',
      { ...ANY, part: 'a', vendor: 'hgiga', product: 'c&cm@il', version: '-' }],
    ['NVD: quoted apostrophe', "cpe:2.3:a:qnap:q\\'center:*:*:*:*:*:*:*:*", { ...ANY, part: 'a', vendor: 'qnap', product: "q'center" }],
    ['NVD: quoted plus', 'cpe:2.3:h:lg:g6\\+:-:*:*:*:*:*:*:*', { ...ANY, part: 'h', vendor: 'lg', product: 'g6+', version: '-' }],
    ['NVD: quoted pipe', 'cpe:2.3:a:dell:data_protection_\\|_encryption:*:*:*:*:enterprise:*:*:*',
      { ...ANY, part: 'a', vendor: 'dell', product: 'data_protection_|_encryption', swEdition: 'enterprise' }],
    ['NVD: quoted backslash', 'cpe:2.3:a:backpackforlaravel:backpack\\\\crud:*:*:*:*:*:*:*:*',
      { ...ANY, part: 'a', vendor: 'backpackforlaravel', product: 'backpack\\\\crud' }],
    ['NVD: trailing wildcard', 'cpe:2.3:a:rivercitygraphix:limit_bio:1.0:*:*:*:*:wordpress*:*:*',
      { ...ANY, part: 'a', vendor: 'rivercitygraphix', product: 'limit_bio', version: '1.0', targetSw: 'wordpress*' }],
    ['NVD: language tag', 'cpe:2.3:a:evernote:evernote:*:*:*:zh:*:macos:*:*',
      { ...ANY, part: 'a', vendor: 'evernote', product: 'evernote', language: 'zh', targetSw: 'macos' }],
    ['language tag with region', 'cpe:2.3:a:vendor:product:1.0:*:*:en-us:*:*:*:*',
      { ...ANY, part: 'a', vendor: 'vendor', product: 'product', version: '1.0', language: 'en-us' }],
    ['leading ? wildcards', 'cpe:2.3:a:vendor:??product:*:*:*:*:*:*:*:*', { ...ANY, part: 'a', vendor: 'vendor', product: '??product' }],
    ['lone literal hyphen stays quoted', 'cpe:2.3:a:vendor:product:\\-:*:*:*:*:*:*:*', { ...ANY, part: 'a', vendor: 'vendor', product: 'product', version: '\\-' }],
    ['part ANY', 'cpe:2.3:*:vendor:product:*:*:*:*:*:*:*:*', { ...ANY, part: '*', vendor: 'vendor', product: 'product' }],
  ])('%s: %s', (_form, s, expected) => {
    const cpe = parseCpe23(s);
    expect(cpe).toEqual(expected);
    expect(formatCpe23(cpe)).toBe(s);
    expect(parseCpe23(formatCpe23(cpe))).toEqual(cpe);
  });

  it('reads unnecessary quoting (\\. \\- \\_) as the bare character and formats it canonically', () => {
    const cpe = parseCpe23('cpe:2.3:a:my\\_vendor:prod\\-uct:1\\.0:*:*:*:*:*:*:*');
    expect(cpe).toMatchObject({ vendor: 'my_vendor', product: 'prod-uct', version: '1.0' });
    expect(formatCpe23(cpe)).toBe('cpe:2.3:a:my_vendor:prod-uct:1.0:*:*:*:*:*:*:*');
  });

  it('quotes bare punctuation of display values when formatting', () => {
    expect(formatCpe23({ ...ANY, part: 'a', vendor: 'sandoba', product: 'cp::shop', version: '16.7(1)' })).toBe(
      'cpe:2.3:a:sandoba:cp\\:\\:shop:16.7\\(1\\):*:*:*:*:*:*:*',
    );
  });

  it.each<[string, string, RegExp]>([
    ['wrong prefix (URI binding)', 'cpe:/a:microsoft:internet_explorer:8.0.6001:beta', /must start with "cpe:2\.3:"/],
    ['wrong version', 'cpe:2.2:a:microsoft:internet_explorer:8.0.6001:beta:*:*:*:*:*:*', /must start with "cpe:2\.3:"/],
    ['12 components', 'cpe:2.3:a:microsoft:internet_explorer:8.0.6001:beta:*:*:*:*:*', /has 12 colon-separated components, a CPE 2\.3 name has 13/],
    ['14 components (unquoted colon in a value)', 'cpe:2.3:a:vendor:pro:duct:1.0:*:*:*:*:*:*:*', /has 14 colon-separated components/],
    ['bad part', 'cpe:2.3:x:microsoft:internet_explorer:8.0.6001:beta:*:*:*:*:*:*', /part "x" is not a \(application\)/],
    ['empty component', 'cpe:2.3:a::internet_explorer:8.0.6001:beta:*:*:*:*:*:*', /vendor is empty/],
    ['spec: embedded unquoted asterisk', 'cpe:2.3:a:hp:insight_diagnostics:7.4.*.1570:*:*:*:*:*:*:*', /version: unquoted "\*" or "\?" inside the value/],
    ['spec: embedded asterisk, as printed (12 components)', 'cpe:2.3:a:hp:insight_diagnostics:7.4.*.1570:*:*:*:*:*:*', /has 12 colon-separated components/],
    ['embedded question mark', "cpe:2.3:a:disney:where\\'s_my_perry?_free:1.5.1:*:*:*:*:android:*:*", /product: unquoted "\*" or "\?" inside/],
    ['two asterisks at an end', 'cpe:2.3:a:vendor:product**:*:*:*:*:*:*:*:*', /product: "\*\*" \(at an end/],
    ['asterisk and question mark at an end', 'cpe:2.3:a:vendor:product*?:*:*:*:*:*:*:*:*', /product: "\*\?" \(at an end/],
    ['unquoted punctuation', 'cpe:2.3:a:vendor:big$money:*:*:*:*:*:*:*:*', /product: "\$" must be quoted with a backslash/],
    ['space', 'cpe:2.3:a:vendor:big money:*:*:*:*:*:*:*:*', /product: a space is not allowed/],
    ['non-ASCII', 'cpe:2.3:a:vendor:caf\u00e9:*:*:*:*:*:*:*:*', /product: U\+00E9 is not allowed/],
    ['quoted letter', 'cpe:2.3:a:vendor:\\product:*:*:*:*:*:*:*:*', /product: "\\p" quotes a character that needs no quoting/],
    ['trailing lone backslash', 'cpe:2.3:a:cisco:cisco_security_monitoring\\', /ends with a lone backslash/],
    ['bad language tag', 'cpe:2.3:a:vendor:product:*:*:*:english:*:*:*:*', /language "english" is not a language tag/],
  ])('rejects %s', (_form, s, reason) => {
    let caught: unknown;
    try {
      parseCpe23(s);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(VigilError);
    expect((caught as VigilError).code).toBe('VIGIL_INVALID_CPE');
    expect((caught as VigilError).message).toContain(`"${s}"`);
    expect((caught as VigilError).message).toMatch(reason);
  });

  it('round-trips 20,000 generated values over every quotable character (fixed seed)', () => {
    let seed = 42;
    const random = (): number => {
      // mulberry32
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    const alphabet = `ab9._-!"#$%&'()+,/:;<=>@[]^\`{|}~*?\\`;
    let valid = 0;
    const failures: string[] = [];
    for (let i = 0; i < 20_000; i++) {
      let value = '';
      for (let n = 1 + Math.floor(random() * 6); n > 0; n--) {
        const c = alphabet[Math.floor(random() * alphabet.length)] ?? 'a';
        // canonical form: unreserved and wildcards bare, a backslash always quoted, other punctuation mostly quoted
        value += /[A-Za-z0-9._*?-]/.test(c) || (c !== '\\' && random() < 0.2) ? c : `\\${c}`;
      }
      const s = `cpe:2.3:a:vendor:${value}:*:*:*:*:*:*:*:*`;
      let cpe: Cpe23;
      try {
        cpe = parseCpe23(s);
      } catch {
        continue; // misplaced wildcards, unquoted punctuation: rejection is tested above
      }
      valid++;
      const formatted = formatCpe23(cpe);
      if (formatted !== s || JSON.stringify(parseCpe23(formatted)) !== JSON.stringify(cpe)) failures.push(`${s} → ${formatted}`);
    }
    expect(failures).toEqual([]);
    expect(valid).toBeGreaterThan(5_000);
  });

  it('refuses to format a value with a wildcard in the middle', () => {
    expect(() => formatCpe23({ ...ANY, part: 'a', vendor: 'vendor', product: 'pro*duct' })).toThrow(/product: unquoted "\*" or "\?" inside/);
  });
});

interface FeedNode {
  cpe_match?: { cpe23Uri: string }[];
  children?: FeedNode[];
}

describe.skipIf(!hasCorpus())('parseCpe23 on every CPE name in the corpus NVD data', () => {
  function checkAll(names: readonly string[]): string[] {
    const failures: string[] = [];
    for (const s of new Set(names)) {
      try {
        const cpe = parseCpe23(s);
        const again = formatCpe23(cpe);
        if (again !== s) failures.push(`${s}: formats back as ${again}`);
        else if (JSON.stringify(parseCpe23(again)) !== JSON.stringify(cpe)) failures.push(`${s}: does not round-trip`);
      } catch (err) {
        failures.push(`${s}: ${(err as Error).message}`);
      }
    }
    return failures;
  }

  it('parses and round-trips all 126,959 cpe23Uri values (30,941 distinct) of the legacy 1.1 feeds', async () => {
    const names: string[] = [];
    const walk = (nodes: FeedNode[] | undefined): void => {
      for (const node of nodes ?? []) {
        for (const m of node.cpe_match ?? []) names.push(m.cpe23Uri);
        walk(node.children);
      }
    };
    for (const file of ['nvdcve-1.1-2018.json.gz', 'nvdcve-1.1-2025.json.gz', 'nvdcve-1.1-recent.json.gz']) {
      const json = (await promisify(gunzip)(readFileSync(corpusPath('nvd', file)))).toString('utf8');
      const feed = JSON.parse(json) as { CVE_Items: { configurations?: { nodes?: FeedNode[] } }[] };
      for (const item of feed.CVE_Items) walk(item.configurations?.nodes);
    }
    expect(checkAll(names)).toEqual([]);
    expect(names).toHaveLength(126_959);
    expect(new Set(names).size).toBe(30_941);
  });

  it('parses and round-trips every criteria of the NVD API 2.0 records and pages', () => {
    const names: string[] = [];
    const files = [
      ...readdirSync(corpusPath('nvd', 'api2', 'records')).map((f) => corpusPath('nvd', 'api2', 'records', f)),
      corpusPath('nvd', 'api2', 'vunnel-full-page.json'),
      corpusPath('nvd', 'api2', 'vunnel-single-entry.json'),
    ];
    for (const file of files) {
      // criteria sit at configurations[].nodes[].cpeMatch[].criteria in records and in page items
      JSON.parse(readFileSync(file, 'utf8'), (key, value: unknown) => {
        if (key === 'criteria' && typeof value === 'string') names.push(value);
        return value;
      });
    }
    expect(checkAll(names)).toEqual([]);
    expect(names).toHaveLength(225);
  });
});
