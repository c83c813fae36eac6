/**
 * Cross-check against ioc-extractor's own expectations (corpus iocs/ninoseki-ioc-extractor,
 * transcribed from its spec): for the cases run with refanging and a TLD check (our only mode),
 * every value that library expects of a type we share must be among ours.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { corpusPath, hasCorpus } from '../../testing/corpus.ts';
import type { IocType } from '../types.ts';
import { extractIocs } from './index.ts';

interface Case {
  name: string;
  options: { strict?: boolean; refang?: boolean };
  /** Absent: the fixture input.txt. */
  input?: string;
  expected: Record<string, string[]>;
}

const SHARED: Record<string, IocType> = {
  md5s: 'md5',
  sha1s: 'sha1',
  sha256s: 'sha256',
  sha512s: 'sha512',
  asns: 'asn',
  ipv4s: 'ipv4',
  ipv6s: 'ipv6',
  domains: 'domain',
  urls: 'url',
  emails: 'email',
  btcs: 'btc',
  xmrs: 'xmr',
  cves: 'cve',
};

const present = hasCorpus();
const cases: Case[] = present
  ? (JSON.parse(readFileSync(corpusPath('iocs', 'ninoseki-ioc-extractor', 'expected.json'), 'utf8')) as { cases: Case[] }).cases
  : [];
// `strict: false` accepts unknown TLDs and `refang: false` keeps defanged text as is: modes we do not offer.
const comparable = cases.filter((c) => c.options.strict !== false && c.options.refang !== false);
const fixture = present ? readFileSync(corpusPath('iocs', 'ninoseki-ioc-extractor', 'input.txt'), 'utf8') : '';
// Deliberate difference: for `テスト.example.com` that library (ASCII-only labels) reports the tail
// `example.com`; we report no domain for an IDN label rather than a truncated one.
const KNOWN_DIFFERENCES = new Set(['simple input|domain|example.com']);
const normal = (type: IocType, v: string): string =>
  type === 'ipv6' ? new URL(`http://[${v}]/`).hostname.slice(1, -1) : type === 'asn' ? v.toUpperCase().replace(/^ASN?\s?/, 'AS') : v.toLowerCase();

describe.skipIf(!present)('agreement with ioc-extractor expectations', () => {
  it('has comparable cases', () => expect(comparable.length).toBeGreaterThanOrEqual(3));
  for (const c of comparable) {
    const rows = Object.entries(c.expected).flatMap(([key, values]) => {
      const type = SHARED[key];
      return type ? values.filter((v) => !KNOWN_DIFFERENCES.has(`${c.name}|${type}|${v}`)).map((v) => [type, v] as const) : [];
    });
    it.each(rows)(`${c.name}: %s %s`, (type, value) => {
      const ours = extractIocs(c.input ?? fixture)
        .filter((i) => i.type === type)
        .map((i) => normal(type, i.value));
      expect(ours).toContain(normal(type, value));
    });
  }
});
