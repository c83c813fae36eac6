/**
 * Conflicts between a CVE and its advisories, table-tested on real records (CVE-2024-3400 from its
 * CVE 5 record, CVE-2024-0012 from its NVD record, CVE-2024-8088 from the vulnrichment file) and
 * real advisory facts (the severity words of GitHub and Red Hat CSAF documents of the corpus), with
 * small advisories of our own around them for the VEX rules.
 */
import { createReadStream, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../log.ts';
import type { Advisory, AdvisoryAffected } from '../model/advisory.ts';
import type { Vulnerability } from '../model/record.ts';
import type { VulnObservation } from '../model/vulnerability.ts';
import { normalizeCve5Record } from '../sources/cve5/normalize.ts';
import { findSource } from '../sources/registry.ts';
import { corpusPath, hasCorpus } from '../testing/corpus.ts';
import { findConflicts, severityLevel } from './conflicts.ts';
import { mergeVulnerability } from './merge.ts';

describe('severityLevel', () => {
  it.each([
    ['CRITICAL', 4],
    ['critical', 4],
    ['HIGH', 3],
    ['Important', 3],
    ['MODERATE', 2],
    ['Moderate', 2],
    ['MEDIUM', 2],
    ['LOW', 1],
    ['Low', 1],
    ['NONE', 0],
    [' High ', 3],
    ['Élevé', null],
    ['', null],
    [undefined, null],
  ] as const)('%s → %s', (word, level) => {
    expect(severityLevel(word)).toBe(level);
  });
});

/** A small advisory of our own. */
function advisory(fields: Partial<Advisory> & Pick<Advisory, 'id' | 'source' | 'kind'>): Advisory {
  return { title: fields.id, modified: '2024-05-01T00:00:00.000Z', aliases: [], cves: [], affected: [], references: [], ...fields };
}

/** A CSAF VEX document stating one entry for `cveId`. */
function vex(cveId: string, entry: AdvisoryAffected): Advisory {
  return advisory({ id: 'VEX-TEST-1', source: 'csaf', kind: 'vex', cves: [{ id: cveId, origin: 'listed' }], affected: [entry] });
}

async function cve5FromJsonl(id: string): Promise<VulnObservation> {
  const lines = createInterface({ input: createReadStream(corpusPath('cve5', 'vulnrichment-2024-cve5.jsonl.gz')).pipe(createGunzip()) });
  for await (const line of lines) {
    if (!line.includes(`"${id}"`)) continue;
    const r = normalizeCve5Record(JSON.parse(line));
    if (r.ok && r.cveId === id) {
      lines.close();
      return r.observation;
    }
  }
  throw new Error(`${id} is not in the corpus`);
}

async function nvd(id: string): Promise<VulnObservation> {
  for await (const ev of findSource('nvd').source.importFiles([corpusPath('nvd', 'api2', 'records', `${id}.json`)], { log: createLogger('silent') }))
    if (ev.type === 'vulns') for (const o of ev.records) if (o.cveId === id) return o;
  throw new Error(`${id} has no NVD record in the corpus`);
}

const readJson = (...parts: string[]) => JSON.parse(readFileSync(corpusPath(...parts), 'utf8'));

describe.skipIf(!hasCorpus())('findConflicts on real records', () => {
  /** CVE-2024-3400: CRITICAL (CVSS 3.1 10.0 by palo_alto); PAN-OS affected, Cloud NGFW and Prisma Access unaffected. */
  let panos: Vulnerability;
  /** CVE-2024-0012 from NVD: vulnerable CPEs paloaltonetworks:pan-os. */
  let panosNvd: Vulnerability;
  /** CVE-2024-8088 (CPython zipfile), from the vulnrichment file. */
  let zipfile: Vulnerability;
  /** The GitHub severity word of Spring4Shell's advisory and Red Hat's aggregate severity of RHSA-2024:6163 (CVE-2024-8088). */
  let ghsaWord: string;
  let redHatWord: string;

  beforeAll(async () => {
    const r = normalizeCve5Record(readJson('cve5', 'records', '2024', '3xxx', 'CVE-2024-3400.json'));
    if (!r.ok) throw new Error('CVE-2024-3400 did not normalise');
    panos = mergeVulnerability([r.observation]).vulnerability;
    panosNvd = mergeVulnerability([await nvd('CVE-2024-0012')]).vulnerability;
    zipfile = mergeVulnerability([await cve5FromJsonl('CVE-2024-8088')]).vulnerability;
    ghsaWord = readJson('ghsa', 'advisories', 'github-reviewed', '2022', '03', 'GHSA-36p3-wjmg-h94x', 'GHSA-36p3-wjmg-h94x.json').database_specific.severity;
    redHatWord = readJson('csaf', 'redhat', 'rhsa-2024_6163.json').document.aggregate_severity.text;
  });

  it('has the records the table assumes', () => {
    expect([panos.severity, panos.primaryCvss?.scorer, panos.primaryCvss?.baseScore]).toEqual(['CRITICAL', 'palo_alto', 10]);
    expect(panosNvd.cpes.some((c) => c.vulnerable && c.vendor === 'paloaltonetworks' && c.product === 'pan-os')).toBe(true);
    expect([ghsaWord, redHatWord]).toEqual(['CRITICAL', 'Moderate']);
    expect(zipfile.severity).toBe('HIGH');
  });

  it('a severity word on the primary CVSS level is no conflict (GitHub CRITICAL on a CRITICAL CVE)', () => {
    expect(findConflicts(panos, [advisory({ id: 'GHSA-TEST-CRIT', source: 'ghsa', kind: 'package', severity: ghsaWord })])).toEqual([]);
  });

  it("Red Hat's Moderate on CVE-2024-8088 (HIGH) is a severity conflict naming both sides", () => {
    const rhsa = advisory({ id: 'RHSA-2024:6163', source: 'csaf', kind: 'vendor', severity: redHatWord, cves: [{ id: 'CVE-2024-8088', origin: 'listed' }] });
    const found = findConflicts(zipfile, [rhsa]);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ kind: 'severity', sources: ['RHSA-2024:6163', zipfile.primaryCvss?.scorer] });
    expect(found[0]?.detail).toMatch(/^CSAF advisory RHSA-2024:6163 rates it Moderate \(medium\), lower than the primary CVSS .* \(HIGH\)\.$/);
  });

  it.each([
    ['GitHub MODERATE on a CRITICAL CVE', advisory({ id: 'GHSA-TEST-MOD', source: 'ghsa', kind: 'package', severity: 'MODERATE' }), 1],
    ['GitHub LOW', advisory({ id: 'GHSA-TEST-LOW', source: 'ghsa', kind: 'package', severity: 'LOW' }), 1],
    ['Red Hat Critical', advisory({ id: 'RHSA-TEST', source: 'csaf', kind: 'vendor', severity: 'Critical' }), 0],
    ['a CERT bulletin without a severity', advisory({ id: 'CERTFR-2024-AVI-0000', source: 'certfr', kind: 'bulletin' }), 0],
    ['a word of no scale', advisory({ id: 'X-1', source: 'certeu', kind: 'bulletin', severity: 'Élevé' }), 0],
    ['an exploit, whatever its severity', advisory({ id: 'EDB-1', source: 'exploitdb', kind: 'exploit', severity: 'LOW' }), 0],
  ] as const)('%s on CVE-2024-3400: %i conflict(s)', (_name, a, count) => {
    expect(findConflicts(panos, [a])).toHaveLength(count);
  });

  it("a document naming several CVEs rates the document: only a lower word is a conflict (RHSA-2024:0010's Important over 3 CVEs)", () => {
    const rhsa = readJson('csaf', 'redhat', 'rhsa-2024_0010.json') as {
      document: { aggregate_severity: { text: string } };
      vulnerabilities: { cve: string }[];
    };
    const cves = rhsa.vulnerabilities.map((x) => ({ id: x.cve, origin: 'listed' as const }));
    expect([rhsa.document.aggregate_severity.text, cves.length]).toEqual(['Important', 3]);
    const doc = (severity: string, named = [...cves, { id: 'CVE-2024-8088', origin: 'listed' as const }]) =>
      advisory({ id: 'RHSA-2024:0010', source: 'csaf', kind: 'vendor', severity, cves: named });
    // Important (high) on a HIGH CVE: agrees; Critical over 4 CVEs: the worst of them, no claim about this one.
    expect(findConflicts(zipfile, [doc(rhsa.document.aggregate_severity.text)])).toEqual([]);
    expect(findConflicts(zipfile, [doc('Critical')])).toEqual([]);
    // Critical naming only this CVE, or Low over all four: a disagreement.
    expect(findConflicts(zipfile, [doc('Critical', [{ id: 'CVE-2024-8088', origin: 'listed' }])])[0]?.detail).toMatch(
      /rates it Critical \(critical\), higher than/,
    );
    expect(findConflicts(zipfile, [doc('Low')])[0]?.detail).toMatch(/^CSAF advisory RHSA-2024:0010 rates its 4 CVEs Low \(low\), lower than the primary CVSS/);
  });

  it('a CVE without CVSS (known from KEV only) has no severity conflict', () => {
    const bare: Vulnerability = { ...panos, cvss: [], primaryCvss: null, severity: null };
    expect(findConflicts(bare, [advisory({ id: 'GHSA-TEST-LOW', source: 'ghsa', kind: 'package', severity: 'LOW' })])).toEqual([]);
  });

  it.each([
    ['PAN-OS (the CNA lists it as affected)', { status: 'not_affected', vendor: 'Palo Alto Networks', product: 'PAN-OS 11.1' }, ['VEX-TEST-1', 'palo_alto']],
    ['pan-os by the ADP spelling', { status: 'not_affected', vendor: 'paloaltonetworks', product: 'pan-os' }, ['VEX-TEST-1', 'palo_alto']],
    ['no vendor stated', { status: 'not_affected', product: 'PAN-OS 10.2.9-h1' }, ['VEX-TEST-1', 'palo_alto']],
    ['Cloud NGFW (listed only as unaffected)', { status: 'not_affected', vendor: 'Palo Alto Networks', product: 'Cloud NGFW' }, null],
    ['PAN-OS of another vendor', { status: 'not_affected', vendor: 'Acme', product: 'PAN-OS' }, null],
    [
      'a product whose name only contains the letters (Span-OS Suite)',
      { status: 'not_affected', vendor: 'Palo Alto Networks', product: 'Span-OS Suite' },
      null,
    ],
    ['PAN-OS fixed (not a VEX statement)', { status: 'fixed', vendor: 'Palo Alto Networks', product: 'PAN-OS 11.1.2-h3' }, null],
    ['PAN-OS not affected by another CVE', { status: 'not_affected', vendor: 'Palo Alto Networks', product: 'PAN-OS', cves: ['CVE-2024-0012'] }, null],
    [
      'PAN-OS not affected by this CVE',
      { status: 'not_affected', vendor: 'Palo Alto Networks', product: 'PAN-OS', cves: ['CVE-2024-3400'] },
      ['VEX-TEST-1', 'palo_alto'],
    ],
  ] as const)('VEX not_affected %s on CVE-2024-3400', (_name, entry, sources) => {
    const found = findConflicts(panos, [vex('CVE-2024-3400', entry as AdvisoryAffected)]);
    if (!sources) return expect(found).toEqual([]);
    expect(found.map((c) => [c.kind, c.sources])).toEqual([['vex', sources]]);
    expect(found[0]?.detail).toMatch(
      /^VEX-TEST-1 says .+ is not affected by CVE-2024-3400, while the CVE record \(palo_alto\) lists Palo Alto Networks PAN-OS as vulnerable\.$/,
    );
  });

  it("matches NVD's vulnerable CPEs by the entry's CPE", () => {
    const entry: AdvisoryAffected = {
      status: 'not_affected',
      vendor: 'PAN',
      product: 'firewall image',
      cpes: ['cpe:2.3:o:paloaltonetworks:pan-os:10.2.12:-:*:*:*:*:*:*'],
    };
    const found = findConflicts(panosNvd, [vex('CVE-2024-0012', entry)]);
    expect(found.map((c) => [c.kind, c.sources])).toEqual([['vex', ['VEX-TEST-1', 'nvd']]]);
    expect(found[0]?.detail).toContain("while NVD's CPE data lists paloaltonetworks pan-os as vulnerable");
    const other: AdvisoryAffected = { ...entry, cpes: ['cpe:2.3:a:paloaltonetworks:cortex_xdr_agent:8.1:*:*:*:*:*:*:*'] };
    expect(findConflicts(panosNvd, [vex('CVE-2024-0012', other)])).toEqual([]);
  });

  it('matches a distribution package by its package name, whoever ships it', () => {
    const bind: Vulnerability = {
      ...panosNvd,
      id: 'CVE-2021-25220',
      affected: [],
      cpes: [
        { criteria: 'cpe:2.3:a:isc:bind:*:*:*:*:*:*:*:*', vendor: 'isc', product: 'bind', version: '*', vulnerable: true, versionEndExcluding: '9.11.37' },
      ],
    };
    const rh = (e: Partial<AdvisoryAffected>) =>
      vex('CVE-2021-25220', {
        status: 'not_affected',
        vendor: 'Red Hat',
        product: 'bind-32:9.8.2-0.68.rc1.el6_10.17.src as a component of Red Hat Enterprise Linux Server',
        ...e,
      });
    expect(findConflicts(bind, [rh({ packageName: 'bind' })]).map((c) => c.sources)).toEqual([['VEX-TEST-1', 'nvd']]);
    expect(findConflicts(bind, [rh({ purl: 'pkg:rpm/redhat/bind' })]).map((c) => c.sources)).toEqual([['VEX-TEST-1', 'nvd']]);
    // Named only in Red Hat's product prose: the vendors differ, so no claim about ISC's product.
    expect(findConflicts(bind, [rh({})])).toEqual([]);
  });

  it('lists severity conflicts first, then VEX, one VEX conflict per product', () => {
    const doc: Advisory = {
      ...vex('CVE-2024-3400', { status: 'not_affected', vendor: 'Palo Alto Networks', product: 'PAN-OS 11.0' }),
      severity: 'Low',
      affected: [
        { status: 'not_affected', vendor: 'Palo Alto Networks', product: 'PAN-OS 11.0' },
        { status: 'not_affected', vendor: 'Palo Alto Networks', product: 'PAN-OS 10.2' },
      ],
    };
    expect(findConflicts(panos, [doc]).map((c) => c.kind)).toEqual(['severity', 'vex']);
  });
});
