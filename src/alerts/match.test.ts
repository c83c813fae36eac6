import { createReadStream, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { createGunzip, gunzipSync } from 'node:zlib';
import { RE2JS } from 're2js';
import { beforeAll, describe, expect, it } from 'vitest';
import { mergeVulnerability } from '../analysis/merge.ts';
import { productKey } from '../enrich/product-key.ts';
import { createLogger } from '../log.ts';
import type { WatchEntry } from '../model/alert.ts';
import type { Vulnerability } from '../model/record.ts';
import type { VulnObservation } from '../model/vulnerability.ts';
import { normalizeCve5Record } from '../sources/cve5/normalize.ts';
import { findSource } from '../sources/registry.ts';
import { corpusPath, hasCorpus } from '../testing/corpus.ts';
import { compileEntry, findKeyword } from './entry.ts';
import { type EntryMatch, isProvisional, MatchIndex, provisionalReason, WILDCARD_ONLY } from './match.ts';
import { rangesFromAffected } from './ranges.ts';

/** Records of the CVE 5 JSON Lines file used for package-URL tests (npm, PyPI, Maven, Go, NuGet, crates.io, Packagist). */
const PACKAGE_CVES = new Set(['CVE-2024-47554', 'CVE-2024-34391', 'CVE-2024-4340', 'CVE-2024-24786', 'CVE-2024-21907', 'CVE-2024-4435', 'CVE-2024-47050']);
/** Records of that file used for wildcard-CPE tests (PAN-OS, Samsung Email, OpenStack Storlets). */
const WILDCARD_CVES = new Set(['CVE-2024-8686', 'CVE-2024-20867', 'CVE-2024-28717']);

async function observations(source: string, paths: string[]): Promise<VulnObservation[]> {
  const out: VulnObservation[] = [];
  for await (const ev of findSource(source).source.importFiles(paths, { log: createLogger() })) if (ev.type === 'vulns') out.push(...ev.records);
  return out;
}

async function packageObservations(): Promise<VulnObservation[]> {
  const out: VulnObservation[] = [];
  const lines = createInterface({ input: createReadStream(corpusPath('cve5', 'vulnrichment-2024-cve5.jsonl.gz')).pipe(createGunzip()) });
  for await (const line of lines) {
    const id = /"cveId":\s*"(CVE-[\d-]+)"/.exec(line)?.[1];
    if (!id || !(PACKAGE_CVES.has(id) || WILDCARD_CVES.has(id))) continue;
    const r = normalizeCve5Record(JSON.parse(line));
    if (r.ok) out.push(r.observation);
  }
  return out;
}

let records: Map<string, Vulnerability>;
const rec = (id: string): Vulnerability => {
  const v = records.get(id);
  if (!v) throw new Error(`${id} is not in the corpus`);
  return v;
};

type EntrySpec = Pick<WatchEntry, 'kind' | 'value'> & Partial<WatchEntry>;
let nextId = 1;
const entry = (e: EntrySpec): WatchEntry => ({ id: nextId++, watchlist: 'w', thresholds: {}, ...e });

/** Matches one entry against one record. */
function matchOne(e: EntrySpec, id: string): EntryMatch | undefined {
  const index = new MatchIndex([entry(e)]);
  expect(index.invalid).toEqual([]);
  const got = index.match(rec(id));
  expect(got.length).toBeLessThanOrEqual(1);
  return got[0];
}

const shape = (m: EntryMatch | undefined) => m?.reasons.map(({ via, field, matched, version }) => ({ via, field, matched, ...(version ? { version } : {}) }));

describe.skipIf(!hasCorpus())('MatchIndex on real records', () => {
  beforeAll(async () => {
    const all = [
      ...(await observations('cve5', [corpusPath('cve5', 'records')])),
      ...(await observations('nvd', [corpusPath('nvd', 'api2')])),
      ...(await observations('nvd', [corpusPath('nvd', 'nvdcve-1.1-recent.json.gz')])),
      ...(await packageObservations()),
    ];
    const byId = new Map<string, VulnObservation[]>();
    for (const o of all) byId.set(o.cveId, [...(byId.get(o.cveId) ?? []), o]);
    records = new Map([...byId].map(([id, obs]) => [id, mergeVulnerability(obs).vulnerability]));
  });

  describe('CVE-2024-3400 (PAN-OS: CNA and CISA ADP affected data; NVD record awaiting analysis, no CPEs)', () => {
    it('has the data the assertions below rely on', () => {
      const v = rec('CVE-2024-3400');
      expect(v.cpes).toEqual([]);
      expect(v.affected.map((a) => `${a.provider}:${a.product}`)).toEqual(['palo_alto:PAN-OS', 'palo_alto:Cloud NGFW', 'palo_alto:Prisma Access', 'CISA-ADP:pan-os', 'CISA-ADP:pan-os', 'CISA-ADP:pan-os']);
    });

    it.each(['Palo Alto Networks', 'paloaltonetworks'])('vendor %j matches on CNA and ADP vendors (not on the products the CNA lists as unaffected)', (vendor) => {
      expect(shape(matchOne({ kind: 'vendor', value: vendor }, 'CVE-2024-3400'))).toEqual([
        { via: 'cna-affected', field: 'affected[0].vendor', matched: 'Palo Alto Networks' },
        { via: 'adp-affected', field: 'affected[3].vendor', matched: 'paloaltonetworks' },
        { via: 'adp-affected', field: 'affected[4].vendor', matched: 'paloaltonetworks' },
        { via: 'adp-affected', field: 'affected[5].vendor', matched: 'paloaltonetworks' },
      ]);
    });

    it('product pan-os 10.2.5 matches the range [10.2.0, 10.2.9-h1) of the CNA, the ADP entry and its CPE', () => {
      const m = matchOne({ kind: 'product', value: 'pan-os', version: '10.2.5' }, 'CVE-2024-3400');
      expect(m?.reasons[0]).toEqual({ entryId: m?.entry.id, kind: 'product', entry: 'product pan-os 10.2.5', via: 'cna-affected', field: 'affected[0].product', matched: 'PAN-OS', version: '10.2.5 in [10.2.0, 10.2.9-h1)' });
      expect(shape(m)?.slice(1)).toEqual([
        { via: 'adp-affected', field: 'affected[3].product', matched: 'pan-os', version: '10.2.5 in [10.2.0, 10.2.9-h1)' },
        { via: 'cna-cpe', field: 'affected[3].cpes[0]', matched: 'cpe:2.3:o:paloaltonetworks:pan-os:10.2.0:*:*:*:*:*:*:*', version: '10.2.5 in [10.2.0, 10.2.9-h1)' },
      ]);
    });

    it.each([
      ['10.2.9-h1', false], // the fixed hotfix (lessThan is exclusive)
      ['10.2.9', true],
      ['9.1.0', false], // listed unaffected
      ['11.0.3', true],
      ['11.0.4-h1', false],
      ['11.1.2', true],
      ['11.1.2-h3', false],
      ['>=10.2.8 <10.2.10', true],
      ['>=11.1.2-h3', false],
      ['10.1.*', false],
      ['11.1.*', true],
    ])('product PAN-OS (vendor Palo Alto Networks) version %s → %s', (version, expected) => {
      expect(matchOne({ kind: 'product', value: 'PAN-OS', vendor: 'Palo Alto Networks', version }, 'CVE-2024-3400') !== undefined).toBe(expected);
    });

    it('does not match a product the CNA lists as unaffected, nor another vendor', () => {
      for (const value of ['Cloud NGFW', 'Prisma Access']) expect(matchOne({ kind: 'product', value, vendor: 'Palo Alto Networks' }, 'CVE-2024-3400'), value).toBeUndefined();
      expect(matchOne({ kind: 'product', value: 'pan-os', vendor: 'cisco' }, 'CVE-2024-3400')).toBeUndefined();
    });

    it('CPE 11.1.0 (part o) matches the CNA product, the ADP product and the ADP CPE; part a matches no CPE', () => {
      const m = matchOne({ kind: 'cpe', value: 'cpe:2.3:o:paloaltonetworks:pan-os:11.1.0:*:*:*:*:*:*:*' }, 'CVE-2024-3400');
      expect(shape(m)).toEqual([
        { via: 'cna-affected', field: 'affected[0].product', matched: 'PAN-OS', version: '11.1.0 in [11.1.0, 11.1.2-h3)' },
        { via: 'adp-affected', field: 'affected[5].product', matched: 'pan-os', version: '11.1.0 in [11.1.0, 11.1.2-h3)' },
        { via: 'cna-cpe', field: 'affected[5].cpes[0]', matched: 'cpe:2.3:o:paloaltonetworks:pan-os:11.1.0:-:*:*:*:*:*:*', version: '11.1.0 in [11.1.0, 11.1.2-h3)' },
      ]);
      const app = matchOne({ kind: 'cpe', value: 'cpe:2.3:a:paloaltonetworks:pan-os:11.1.0:*:*:*:*:*:*:*' }, 'CVE-2024-3400');
      expect(app?.reasons.map((r) => r.via)).toEqual(['cna-affected', 'adp-affected']);
      expect(matchOne({ kind: 'cpe', value: 'cpe:2.3:o:paloaltonetworks:pan-os:9.1.0:*:*:*:*:*:*:*' }, 'CVE-2024-3400')).toBeUndefined();
    });

    it('keyword GlobalProtect matches title and description on word boundaries; "Global" does not', () => {
      expect(shape(matchOne({ kind: 'keyword', value: 'GlobalProtect' }, 'CVE-2024-3400'))).toEqual([
        { via: 'text', field: 'title', matched: '…OS Command Injection Vulnerability in GlobalProtect' },
        { via: 'text', field: 'description', matched: '…file creation vulnerability in the GlobalProtect feature of Palo Alto Networks PAN-OS…' },
      ]);
      expect(matchOne({ kind: 'keyword', value: 'Global' }, 'CVE-2024-3400')).toBeUndefined();
      expect(matchOne({ kind: 'keyword', value: 'arbitrary code with root privileges' }, 'CVE-2024-3400')?.reasons.map((r) => r.field)).toEqual(['description']);
    });

    it('regex command\\s+injection matches title and description (case-insensitive)', () => {
      const m = matchOne({ kind: 'regex', value: 'command\\s+injection' }, 'CVE-2024-3400');
      expect(m?.reasons.map((r) => [r.field, r.via])).toEqual([
        ['title', 'text'],
        ['description', 'text'],
      ]);
      expect(m?.reasons[1]?.matched).toBe('A command injection as a result of arbitrary file creation…');
      expect(matchOne({ kind: 'regex', value: 'sql\\s+injection' }, 'CVE-2024-3400')).toBeUndefined();
    });

    it('matches a cve entry by id, and is provisional (NVD has no CPEs for it yet)', () => {
      const m = matchOne({ kind: 'cve', value: 'CVE-2024-3400' }, 'CVE-2024-3400');
      expect(shape(m)).toEqual([{ via: 'cve-id', field: 'id', matched: 'CVE-2024-3400' }]);
      const product = matchOne({ kind: 'product', value: 'pan-os' }, 'CVE-2024-3400');
      expect(isProvisional(product?.reasons ?? [], rec('CVE-2024-3400'))).toBe(true);
      expect(isProvisional(m?.reasons ?? [], rec('CVE-2024-3400'))).toBe(false);
    });
  });

  describe('wildcard CPEs (CVE 5 `affected[].cpes` with version `*`)', () => {
    it('CVE-2024-8686: the CNA says only 11.2.2 is affected; the ADP wildcard CPEs beside its versions do not widen that', () => {
      const v = rec('CVE-2024-8686');
      expect(v.cpes).toEqual([]);
      expect(v.affected.filter((a) => a.cpes?.some((c) => c.includes(':pan-os:*:'))).map((a) => a.versions.map((x) => x.status))).toEqual([['affected'], ['unaffected']]);
      for (const version of ['10.2.5', '10.2.0', '11.2.1', '11.1.0'])
        expect(matchOne({ kind: 'product', value: 'pan-os', vendor: 'paloaltonetworks', version }, 'CVE-2024-8686'), version).toBeUndefined();
      expect(matchOne({ kind: 'cpe', value: 'cpe:2.3:o:paloaltonetworks:pan-os:10.2.5:*:*:*:*:*:*:*' }, 'CVE-2024-8686')).toBeUndefined();
      const m = matchOne({ kind: 'product', value: 'pan-os', vendor: 'paloaltonetworks', version: '11.2.2' }, 'CVE-2024-8686');
      expect(shape(m)?.[0]).toEqual({ via: 'cna-affected', field: 'affected[0].product', matched: 'PAN-OS', version: '11.2.2 in 11.2.2' });
      expect(m?.reasons.every((r) => r.version === '11.2.2 in 11.2.2' && r.provisional === undefined)).toBe(true);
      // Provisional only because NVD has not analysed it yet, not because of a wildcard.
      expect(provisionalReason(m?.reasons ?? [], v)).toBe("matched on the CNA's data before NVD analysis");
    });

    it('CVE-2024-8686: products the CNA and the ADP list only as unaffected match no entry', () => {
      for (const value of ['Cloud NGFW', 'cloud_ngfw', 'Prisma Access', 'prisma_access']) expect(matchOne({ kind: 'product', value }, 'CVE-2024-8686'), value).toBeUndefined();
      expect(matchOne({ kind: 'cpe', value: 'cpe:2.3:a:paloaltonetworks:cloud_ngfw:*:*:*:*:*:*:*:*' }, 'CVE-2024-8686')).toBeUndefined();
    });

    it('CVE-2024-20867: the CNA lists 6.1.91.14 as unaffected; the ADP wildcard CPE for the same product does not match it', () => {
      expect(matchOne({ kind: 'product', value: 'samsung_email', version: '6.1.91.14' }, 'CVE-2024-20867')).toBeUndefined();
      expect(matchOne({ kind: 'product', value: 'samsung_email', version: '6.1.90' }, 'CVE-2024-20867')?.reasons.map((r) => r.via)).toEqual(['cna-affected']);
    });

    it('CVE-2024-28717: where a wildcard CPE is the only product data, a versioned entry matches provisionally, saying why', () => {
      const v = rec('CVE-2024-28717');
      const m = matchOne({ kind: 'product', value: 'storlets', version: '1.0' }, 'CVE-2024-28717');
      expect(shape(m)).toEqual([{ via: 'cna-cpe', field: 'affected[1].cpes[0]', matched: 'cpe:2.3:a:openstack:storlets:*:*:*:*:*:*:*:*', version: '1.0 in * (wildcard CPE: no affected versions stated)' }]);
      expect(m?.reasons[0]?.provisional).toBe(WILDCARD_ONLY);
      expect(isProvisional(m?.reasons ?? [], v)).toBe(true);
      expect(provisionalReason(m?.reasons ?? [], v)).toBe(WILDCARD_ONLY);
      // Without a version there is nothing to widen: an ordinary (CNA-data) match.
      const any = matchOne({ kind: 'product', value: 'storlets' }, 'CVE-2024-28717');
      expect(any?.reasons.some((r) => r.provisional)).toBe(false);
      expect(provisionalReason(any?.reasons ?? [], v)).toBe("matched on the CNA's data before NVD analysis");
    });
  });

  describe('CVE-2024-1709 (ScreenConnect: NVD CPE range and CNA/ADP affected data)', () => {
    it('a versioned product entry shows reasons via NVD and via the CNA/ADP, and is not provisional', () => {
      const m = matchOne({ kind: 'product', value: 'ScreenConnect', vendor: 'ConnectWise', version: '23.9.7' }, 'CVE-2024-1709');
      expect(shape(m)).toEqual([
        { via: 'nvd-cpe', field: 'cpes[0].criteria', matched: 'cpe:2.3:a:connectwise:screenconnect:*:*:*:*:*:*:*:*', version: '23.9.7 in (-∞, 23.9.8)' },
        { via: 'cna-affected', field: 'affected[0].product', matched: 'ScreenConnect', version: '23.9.7 in (-∞, 23.9.7]' },
        { via: 'adp-affected', field: 'affected[1].product', matched: 'screenconnect', version: '23.9.7 in (-∞, 23.9.7]' },
        { via: 'cna-cpe', field: 'affected[1].cpes[0]', matched: 'cpe:2.3:a:connectwise:screenconnect:-:*:*:*:*:*:*:*', version: '23.9.7 in (-∞, 23.9.7]' },
      ]);
      expect(isProvisional(m?.reasons ?? [], rec('CVE-2024-1709'))).toBe(false);
      expect(matchOne({ kind: 'product', value: 'ScreenConnect', version: '23.9.8' }, 'CVE-2024-1709')).toBeUndefined();
    });

    it('a vendor entry matches the vulnerable NVD CPE', () => {
      expect(shape(matchOne({ kind: 'vendor', value: 'ConnectWise' }, 'CVE-2024-1709'))?.[0]).toEqual({
        via: 'nvd-cpe',
        field: 'cpes[0].criteria',
        matched: 'cpe:2.3:a:connectwise:screenconnect:*:*:*:*:*:*:*:*',
      });
    });
  });

  describe('records whose versions cannot be compared: a versioned entry does not match', () => {
    it('CVE-2024-3273: NVD firmware CPEs carry version "-" (not applicable)', () => {
      const v = rec('CVE-2024-3273');
      expect(v.cpes.find((c) => c.product === 'dns-320l_firmware')?.version).toBe('-');
      expect(matchOne({ kind: 'product', value: 'dns-320l_firmware', vendor: 'dlink' }, 'CVE-2024-3273')?.reasons[0]?.via).toBe('nvd-cpe');
      expect(matchOne({ kind: 'product', value: 'dns-320l_firmware', vendor: 'dlink', version: '1.11' }, 'CVE-2024-3273')).toBeUndefined();
    });

    it('CVE-2024-8302: the CNA gives a commit id as version, the ADP a git range', () => {
      const v = rec('CVE-2024-8302');
      expect(v.affected.map((a) => rangesFromAffected(a).skipped)).toEqual([
        ['versions[0]: "29d67d9044f6f93378e6eb6ff92272217ff7225c" looks like a commit id (no order)'],
        ['versions[0]: versionType git: commit ids have no order'],
      ]);
      expect(matchOne({ kind: 'product', value: 'cms', vendor: 'dingfanzu' }, 'CVE-2024-8302')?.reasons).toHaveLength(3);
      expect(matchOne({ kind: 'product', value: 'cms', vendor: 'dingfanzu', version: '1.0' }, 'CVE-2024-8302')).toBeUndefined();
    });
  });

  describe('package URLs', () => {
    it('a Go module matches each package of it the CVE names', () => {
      expect(matchOne({ kind: 'purl', value: 'pkg:golang/google.golang.org/protobuf@v1.32.0' }, 'CVE-2024-24786')?.reasons.map((r) => r.matched)).toEqual([
        'google.golang.org/protobuf/encoding/protojson',
        'google.golang.org/protobuf/internal/encoding/json',
      ]);
    });

    it.each([
      ['pkg:maven/commons-io/commons-io@2.11.0', 'CVE-2024-47554', { via: 'cna-affected', field: 'affected[0].packageName', matched: 'commons-io:commons-io', version: '2.11.0 in [2.0, 2.14.0)' }],
      ['pkg:maven/commons-io/commons-io', 'CVE-2024-47554', { via: 'cna-affected', field: 'affected[0].packageName', matched: 'commons-io:commons-io' }],
      ['pkg:maven/commons-io/commons-io@2.14.0', 'CVE-2024-47554', undefined],
      ['pkg:npm/commons-io@2.11.0', 'CVE-2024-47554', undefined], // collectionURL is Maven Central
      ['pkg:npm/libxmljs@1.0.11', 'CVE-2024-34391', { via: 'cna-affected', field: 'affected[0].packageName', matched: 'libxmljs', version: '1.0.11 in (-∞, 1.0.11]' }],
      ['pkg:npm/libxmljs@1.0.12', 'CVE-2024-34391', undefined],
      ['pkg:pypi/SQLParse@0.4.4', 'CVE-2024-4340', { via: 'cna-affected', field: 'affected[0].packageName', matched: 'sqlparse', version: '0.4.4 in (-∞, 0.5.0)' }],
      ['pkg:golang/google.golang.org/protobuf@v1.32.0', 'CVE-2024-24786', { via: 'cna-affected', field: 'affected[0].packageName', matched: 'google.golang.org/protobuf/encoding/protojson', version: 'v1.32.0 in (-∞, 1.33.0)' }],
      ['pkg:golang/google.golang.org/protobuf@v1.33.0', 'CVE-2024-24786', undefined],
      ['pkg:nuget/Newtonsoft.Json@13.0.0', 'CVE-2024-21907', { via: 'cna-affected', field: 'affected[0].packageName', matched: 'Newtonsoft.Json', version: '13.0.0 in (-∞, 13.0.1)' }],
      ['pkg:cargo/ic-stable-structures@0.6.3', 'CVE-2024-4435', { via: 'cna-affected', field: 'affected[0].packageName', matched: 'ic-stable-structures', version: '0.6.3 in [0.6.0, 0.6.4)' }],
      ['pkg:composer/mautic/core@4.4.12', 'CVE-2024-47050', { via: 'cna-affected', field: 'affected[0].packageName', matched: 'mautic/core', version: '4.4.12 in [2.6.0, 4.4.13)' }],
      ['pkg:composer/mautic/core@5.0.0', 'CVE-2024-47050', undefined], // `> 5.0.0` excludes it
      // GitHub's CNA (GitHub_M) names owner/repo, no package: the weaker match on the product name.
      ['pkg:pypi/gradio@4.40.0', 'CVE-2024-47168', { via: 'cna-affected', field: 'affected[0].product', matched: 'gradio', version: '4.40.0 in (-∞, 4.44)' }],
      ['pkg:pypi/gradio@4.44.0', 'CVE-2024-47168', undefined],
    ])('%s on %s', (purl, id, first) => {
      const m = matchOne({ kind: 'purl', value: purl }, id);
      expect(shape(m)?.[0]).toEqual(first);
      // A package match skips the weaker name match (CVE-2024-24786 names two packages of the module).
      const kind = (field: string): string => field.replace(/^\w+\[\d+\]/, '');
      expect(new Set(m?.reasons.map((r) => kind(r.field)))).toEqual(new Set(first ? [kind(first.field)] : []));
    });
  });

  it('a REJECTED record matches cve entries only', () => {
    const v = rec('CVE-2020-24980');
    expect(v.state).toBe('REJECTED');
    expect(v.description).toMatch(/REJECT/);
    const index = new MatchIndex([entry({ kind: 'keyword', value: 'reject' }), entry({ kind: 'regex', value: '.' }), entry({ kind: 'cve', value: 'CVE-2020-24980' })]);
    expect(index.match(v).map((m) => m.entry.kind)).toEqual(['cve']);
  });

  it('leaves invalid entries out, listing them, and indexes the rest', () => {
    const index = new MatchIndex([entry({ id: 501, kind: 'regex', value: '(a' }), entry({ kind: 'cve', value: 'CVE-2024-3400' })]);
    expect(index.size).toBe(1);
    expect(index.invalid.map((x) => [x.entry.id, x.error.message])).toEqual([[501, 'Invalid watchlist entry #501 regex "(a": RE2 cannot compile it: error parsing regexp: missing closing ): `(a`']]);
  });

  it('10,000 entries built from real names against 1,000 real records agree with a one-by-one scan', () => {
    const vs = [...records.values()].sort((a, b) => a.id.localeCompare(b.id)).slice(0, 1000);
    // Real names: the products of these records first (so that entries match), then NVD's 2018 CPE names.
    const nvd2018 = gunzipSync(readFileSync(corpusPath('nvd', 'nvdcve-1.1-2018.json.gz'))).toString('utf8');
    const pairs = [...vs.flatMap((v) => v.products), ...[...nvd2018.matchAll(/"cpe23Uri" ?: ?"cpe:2\.3:[aoh]:([a-z0-9._-]+):([a-z0-9._-]+):/g)].map((m) => ({ vendor: m[1] ?? '', product: m[2] ?? '' }))];
    const products = [...new Map(pairs.map((p) => [`${productKey(p.vendor)}/${productKey(p.product)}`, p])).values()];
    const vendors = [...new Map(pairs.map((p) => [productKey(p.vendor), p.vendor])).values()];
    const words = [...new Set(vs.flatMap((v) => `${v.title ?? ''} ${v.description ?? ''}`.split(/\s+/)).filter((w) => /^[A-Za-z]{6,}$/.test(w)))];
    const specs: EntrySpec[] = [];
    const take = <T>(list: T[], n: number, make: (x: T, i: number) => EntrySpec): void => {
      for (let i = 0; i < n; i++) specs.push(make(list[i % list.length] as T, i));
    };
    const versions = ['>=1.0 <2.0', '10.2.*', '2.4.49', '<=5', '>3.1', '1.0.2k', '11.1.2-h3'];
    take(vendors, 2000, (vendor) => ({ kind: 'vendor', value: vendor }));
    take(products, 3000, (p, i) => ({ kind: 'product', value: p.product, ...(i % 3 ? {} : { vendor: p.vendor }), ...(i % 5 ? {} : { version: versions[i % versions.length] }) }));
    take(products.slice(0, 1500), 1500, (p, i) => ({ kind: 'cpe', value: `cpe:2.3:${'*ao'[i % 3]}:${productKey(p.vendor) || '*'}:${productKey(p.product) || '*'}:*:*:*:*:*:*:*:*` }));
    take(products.slice(100), 1000, (p) => ({ kind: 'purl', value: `pkg:generic/${encodeURIComponent(p.product)}` }));
    take(words, 1500, (w, i) => ({ kind: 'keyword', value: i % 4 ? w : `${w} vulnerability` }));
    take(vs, 950, (v, i) => ({ kind: 'cve', value: i % 2 ? v.id : `CVE-2019-${1000 + i}` }));
    take(['command\\s+injection', 'cross[- ]site', 'sql\\s+injection', 'buffer\\s+overflow', 'wordpress', 'path\\s+traversal', 'unauthenticated', 'denial of service', '\\bxss\\b', 'prior to \\d+'], 50, (r, i) => ({ kind: 'regex', value: i < 10 ? r : `${r}|\\bcve-${i}\\b` }));
    const entries = specs.filter((e) => !/[^\x20-\x7e]/.test(e.value) || e.kind !== 'cpe').map(entry);
    const started = performance.now();
    const index = new MatchIndex(entries);
    const built = performance.now();
    const results = vs.map((v) => index.match(v));
    const done = performance.now();
    const count = results.reduce((n, r) => n + r.length, 0);
    console.log(`MatchIndex: ${index.size} entries indexed in ${(built - started).toFixed(0)} ms; ${vs.length} records matched in ${(done - built).toFixed(0)} ms; ${count} matches`);
    expect(index.invalid.map((x) => x.error.message)).toEqual([]);
    expect(index.size).toBe(entries.length);
    expect(entries.length).toBeGreaterThan(9_900);
    expect(results.filter((r) => r.length > 0).length).toBeGreaterThan(900);

    // One-by-one scan of a sample: the index must neither miss nor invent a match.
    const compiled = entries.map((e) => compileEntry(e));
    const claims = (a: Vulnerability['affected'][number]): boolean =>
      a.defaultStatus === 'affected' || a.defaultStatus === 'unknown' || a.versions.some((x) => x.status !== 'unaffected') || (a.versions.length === 0 && a.defaultStatus !== 'unaffected');
    const real = (name: string | undefined): string => (name && !['n/a', 'unknown', '-', '*'].includes(name.toLowerCase()) ? productKey(name) : '');
    let checked = 0;
    for (const [k, v] of vs.entries()) {
      if (k % 40 !== 0) continue;
      const got = new Map((results[k] ?? []).map((m) => [m.entry.id, m]));
      const vendorKeys = new Set([...v.cpes.filter((c) => c.vulnerable).map((c) => real(c.vendor)), ...v.affected.filter(claims).map((a) => real(a.vendor))]);
      vendorKeys.delete('');
      const text = [v.title, v.description].filter((t): t is string => Boolean(t));
      const live = v.state !== 'REJECTED';
      for (const c of compiled) {
        let expected: boolean | undefined;
        if (c.kind === 'cve') expected = c.cveId === v.id;
        else if (c.kind === 'vendor') expected = live && vendorKeys.has(c.vendorKey);
        else if (c.kind === 'keyword') expected = live && text.some((t) => findKeyword(c, t) !== null);
        else if (c.kind === 'regex') expected = live && text.some((t) => RE2JS.compile(c.entry.value, RE2JS.CASE_INSENSITIVE).matcher(t).find());
        if (expected !== undefined) expect(got.has(c.entry.id), `${v.id} ${c.label}`).toBe(expected);
        const m = got.get(c.entry.id);
        if (m) expect([m]).toEqual(new MatchIndex([c.entry]).match(v));
        checked++;
      }
    }
    expect(checked).toBe(25 * entries.length);
  });
});
