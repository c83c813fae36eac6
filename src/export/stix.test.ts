import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { StoredIoc } from '../iocs/types.ts';
import type { AnalysisResult } from '../nlp/types.ts';
import { corpusPath, hasCorpus } from '../testing/corpus.ts';
import type { ExportData } from './data.ts';
import { buildStixBundle, type StixObject } from './stix.ts';
import { TLP2_MARKING_IDS } from './stix-markings.ts';
import { stixPattern, stixString } from './stix-patterns.ts';
import { loadStixValidator, type StixValidator } from './stix-validate.ts';

const SCHEMAS = corpusPath('stix2', 'schemas');
const EXAMPLES = corpusPath('stix2', 'examples');

/** A stored IOC as the store would give it. */
function ioc(type: StoredIoc['type'], value: string, extra: Partial<StoredIoc> = {}): StoredIoc {
  return {
    type,
    value,
    firstSeen: '2023-03-01T09:00:00.000Z',
    lastSeen: '2023-03-02T10:00:00.000Z',
    sightings: 1,
    sources: ['welivesecurity'],
    cves: [],
    warning: null,
    tlp: 'clear',
    ...extra,
  };
}

/** ESET's BlackLotus IOCs (the README's SHA-1 hashes) plus values that test escaping, as one analysed document. */
function blackLotusData(): ExportData {
  const readme = readFileSync(corpusPath('iocs', 'eset-malware-ioc', 'blacklotus', 'README.adoc'), 'utf8');
  const hashes = [...new Set(readme.match(/\b[0-9a-f]{40}\b/g) ?? [])];
  const iocs = [
    ...hashes.map((h) => ioc('sha1', h)),
    ioc('registry', "HKLM\\SYSTEM\\CurrentControlSet\\Control\\DeviceGuard\\it's"),
    ioc('url', "http://evil.example/a'b\\c"),
    ioc('asn', 'AS13335'),
    ioc('ipv6', '2001:db8::1', { tlp: 'amber+strict' }),
    ioc('cidr', '198.51.100.0/24'),
    ioc('domain', 'google.com', { warning: { list: 'tranco', name: 'Top 1000 Tranco' } }),
    ioc('btc', '1BoatSLRHtKNngkdXEeobR76b53LETtpyT'),
    ioc('attack', 'T1542.003'),
  ];
  const analysis: AnalysisResult = {
    iocs: [],
    cves: ['CVE-2022-21894'],
    entities: [
      { type: 'malware', text: 'BlackLotus', start: 0, end: 10, source: 'model' },
      { type: 'threat-actor', text: 'APT28', start: 20, end: 25, source: 'gazetteer', id: 'G0007' },
      { type: 'tool', text: 'Mimikatz', start: 30, end: 38, source: 'gazetteer', id: 'S0002' },
      { type: 'location', text: 'Kyiv', start: 40, end: 44, source: 'model' },
    ],
    techniques: [{ id: 'T1068', name: 'Exploitation for Privilege Escalation', score: 0.9, sentence: 'exploits CVE-2022-21894' }],
    classification: { labels: [] },
    severity: null,
    models: { used: [], missing: [] },
  };
  return {
    since: '2023-01-01',
    iocs,
    cves: [{ cveId: 'CVE-2022-21894', description: 'Windows Boot Manager Security Feature Bypass Vulnerability' }],
    documents: [
      {
        document: {
          id: 'intel-0123456789abcdef0123',
          source: 'welivesecurity',
          url: 'https://www.welivesecurity.com/2023/03/01/blacklotus-uefi-bootkit-myth-confirmed/',
          title: 'BlackLotus UEFI bootkit: Myth confirmed',
          published: '2023-03-01T09:00:00.000Z',
          fetchedAt: '2023-03-02T10:00:00.000Z',
          language: 'en',
          summary: null,
          cves: ['CVE-2022-21894'],
          tags: ['vendor'],
          cluster: 'intel-0123456789abcdef0123',
          clusterSize: 1,
        },
        analysis,
        iocs,
      },
    ],
  };
}

describe('STIX patterns', () => {
  it.each([
    ['ipv4', '198.51.100.7', "[ipv4-addr:value = '198.51.100.7']"],
    ['ipv6', '2001:db8::1', "[ipv6-addr:value = '2001:db8::1']"],
    ['cidr', '10.0.0.0/8', "[ipv4-addr:value = '10.0.0.0/8']"],
    ['cidr', '2001:db8::/32', "[ipv6-addr:value = '2001:db8::/32']"],
    ['domain', 'evil.example', "[domain-name:value = 'evil.example']"],
    ['url', "http://x.example/it's", "[url:value = 'http://x.example/it\\'s']"],
    ['email', 'a@evil.example', "[email-addr:value = 'a@evil.example']"],
    ['md5', 'd41d8cd98f00b204e9800998ecf8427e', "[file:hashes.MD5 = 'd41d8cd98f00b204e9800998ecf8427e']"],
    ['sha1', 'da39a3ee5e6b4b0d3255bfef95601890afd80709', "[file:hashes.'SHA-1' = 'da39a3ee5e6b4b0d3255bfef95601890afd80709']"],
    ['sha256', 'ab', "[file:hashes.'SHA-256' = 'ab']"],
    ['sha512', 'cd', "[file:hashes.'SHA-512' = 'cd']"],
    ['ssdeep', '3:a+b:c', "[file:hashes.SSDEEP = '3:a+b:c']"],
    ['filename', 'invoice.exe', "[file:name = 'invoice.exe']"],
    ['registry', 'HKCU\\Software\\Run', "[windows-registry-key:key = 'HKCU\\\\Software\\\\Run']"],
    ['asn', 'AS13335', '[autonomous-system:number = 13335]'],
    ['asn', 'ASX', null],
    ['cve', 'CVE-2021-44228', null],
    ['attack', 'T1059', null],
  ] as const)('%s %s', (type, value, expected) => {
    expect(stixPattern(type, value)).toBe(expected);
  });

  it('escapes backslash before quote, so an escaped quote is not unescaped by a doubled backslash', () => {
    expect(stixString("\\'")).toBe("'\\\\\\''");
  });
});

describe.skipIf(!hasCorpus())('STIX 2.1 bundle against the OASIS schemas', () => {
  let validator: StixValidator;
  beforeAll(() => {
    validator = loadStixValidator(SCHEMAS);
  });

  it.each([
    'indicator-for-c2-ip-address.json',
    'indicator-to-campaign-relationship.json',
    'indicators-for-C2-with-COA.json',
    'infrastructure.json',
    'malicious-email-indicator-with-attachment.json',
    'threat-reports/apt1.json',
    'threat-reports/poisonivy.json',
  ])('accepts the spec example %s', (file) => {
    expect(validator.validate(JSON.parse(readFileSync(`${EXAMPLES}/${file}`, 'utf8')))).toEqual([]);
  });

  it('rejects the examples once broken (missing pattern, bad id, timestamp without Z, malware without is_family)', () => {
    const bundle = JSON.parse(readFileSync(`${EXAMPLES}/indicator-for-c2-ip-address.json`, 'utf8')) as { objects: StixObject[] };
    const indicator = bundle.objects.find((o) => o.type === 'indicator');
    if (!indicator) throw new Error('the example has no indicator');
    const broken = [
      { ...indicator, pattern: undefined },
      { ...indicator, id: 'indicator--not-a-uuid' },
      { ...indicator, created: '2016-04-06T20:03:48' },
      { ...indicator, valid_from: 'yesterday' },
      { ...indicator, type: 'malware', id: 'malware--33fe3b22-0201-47cf-85d0-97c02164528d' }, // no is_family
    ];
    for (const b of broken) {
      const copy = { ...bundle, objects: bundle.objects.map((o) => (o === indicator ? JSON.parse(JSON.stringify(b)) : o)) };
      expect(validator.validate(copy).length, JSON.stringify(b)).toBeGreaterThan(0);
    }
  });

  it('validates Vigil’s bundle of the BlackLotus report, with every kind of object', () => {
    const bundle = buildStixBundle(blackLotusData());
    expect(validator.validate(bundle)).toEqual([]);
    const types = new Set(bundle.objects.map((o) => o.type));
    for (const t of [
      'identity',
      'marking-definition',
      'indicator',
      'vulnerability',
      'malware',
      'intrusion-set',
      'tool',
      'attack-pattern',
      'report',
      'relationship',
    ]) {
      expect(types, t).toContain(t);
    }
  });

  it('writes the patterns, markings and references a consumer needs', () => {
    const bundle = buildStixBundle(blackLotusData());
    const byName = new Map(bundle.objects.filter((o) => o.type === 'indicator').map((o) => [o.name, o]));
    expect(byName.get('AS13335')?.pattern).toBe('[autonomous-system:number = 13335]');
    expect(byName.get('2001:db8::1')?.object_marking_refs).toEqual([TLP2_MARKING_IDS['amber+strict']]);
    expect(byName.get('google.com')?.indicator_types).toEqual(['benign']);
    const markings = bundle.objects.filter((o) => o.type === 'marking-definition').map((o) => o.id);
    expect(markings.sort()).toEqual([TLP2_MARKING_IDS.clear, TLP2_MARKING_IDS['amber+strict']].sort());
    const actor = bundle.objects.find((o) => o.type === 'intrusion-set');
    expect(actor?.external_references).toEqual([{ source_name: 'mitre-attack', external_id: 'G0007', url: 'https://attack.mitre.org/groups/G0007' }]);
    const subTechnique = bundle.objects.find((o) => o.type === 'attack-pattern' && o.name === 'T1542.003');
    expect(subTechnique?.external_references).toEqual([
      { source_name: 'mitre-attack', external_id: 'T1542.003', url: 'https://attack.mitre.org/techniques/T1542/003' },
    ]);
    const report = bundle.objects.find((o) => o.type === 'report');
    const ids = new Set(bundle.objects.map((o) => o.id));
    expect(report).toBeDefined();
    for (const ref of (report?.object_refs ?? []) as string[]) expect(ids.has(ref), ref).toBe(true);
    const rels = bundle.objects.filter((o) => o.type === 'relationship');
    const benign = byName.get('google.com')?.id;
    expect(rels.some((r) => r.source_ref === benign)).toBe(false);
    expect(rels.some((r) => r.relationship_type === 'indicates')).toBe(true);
    // Not an entity STIX exports: a location is not turned into anything.
    expect(bundle.objects.some((o) => o.name === 'Kyiv')).toBe(false);
  });

  it('gives the same ids on a re-export, and different ids to different values', () => {
    const a = buildStixBundle(blackLotusData());
    const b = buildStixBundle(blackLotusData());
    expect(JSON.stringify(b)).toBe(JSON.stringify(a));
    const ids = a.objects.map((o) => o.id);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
