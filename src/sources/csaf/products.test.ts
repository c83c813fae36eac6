import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { corpusPath, hasCorpus } from '../../testing/corpus.ts';
import { parseHashFile, sniffCsaf } from './parse.ts';
import { affectedEntries, flattenProductTree, splitPurl, toCpe23 } from './products.ts';
import { CsafDocument } from './schema.ts';

describe('splitPurl', () => {
  it.each([
    ['rpm with epoch (Red Hat)', 'pkg:rpm/redhat/bind@9.8.2-0.68.rc1.el6_10.17?arch=src&epoch=32', { purl: 'pkg:rpm/redhat/bind', version: '32:9.8.2-0.68.rc1.el6_10.17' }],
    ['rpm with epoch 0', 'pkg:rpm/redhat/kernel@5.14.0-70.el9?arch=x86_64&epoch=0', { purl: 'pkg:rpm/redhat/kernel', version: '5.14.0-70.el9' }],
    ['maven', 'pkg:maven/org.springframework/spring-webmvc@5.3.20', { purl: 'pkg:maven/org.springframework/spring-webmvc', version: '5.3.20' }],
    ['oci digest, qualifiers dropped', 'pkg:oci/ubi8@sha256%3Aabc?arch=amd64&repository_url=registry.redhat.io/ubi8', { purl: 'pkg:oci/ubi8', version: 'sha256:abc' }],
    ['no version', 'pkg:npm/lodash', { purl: 'pkg:npm/lodash' }],
    ['not a purl', 'cpe:/a:redhat:openshift', null],
  ])('%s', (_name, raw, expected) => {
    expect(splitPurl(raw)).toEqual(expected);
  });
});

describe('toCpe23', () => {
  it.each([
    ['2.2 URI, operating system', 'cpe:/o:redhat:rhel_els:6', 'cpe:2.3:o:redhat:rhel_els:6:*:*:*:*:*:*:*'],
    ['2.2 URI with an edition', 'cpe:/a:redhat:enterprise_linux:8::appstream', 'cpe:2.3:a:redhat:enterprise_linux:8:*:appstream:*:*:*:*:*'],
    ['2.2 URI, packed edition', 'cpe:/a:hp:insight_diagnostics:7.4.0.1570::~~online~win2003~x64~', 'cpe:2.3:a:hp:insight_diagnostics:7.4.0.1570:*:*:*:online:win2003:x64:*'],
    ['2.2 URI, percent-encoded', 'cpe:/a:foo%21:bar', 'cpe:2.3:a:foo\\!:bar:*:*:*:*:*:*:*:*'],
    ['2.3 string kept', 'cpe:2.3:a:siemens:sicam_a8000:*:*:*:*:*:*:*:*', 'cpe:2.3:a:siemens:sicam_a8000:*:*:*:*:*:*:*:*'],
    ['2.3 string, wrong arity', 'cpe:2.3:a:siemens', null],
    ['not a CPE', 'pkg:rpm/redhat/bind', null],
  ])('%s', (_name, raw, expected) => {
    expect(toCpe23(raw)).toBe(expected);
  });
});

describe('sniffCsaf and parseHashFile', () => {
  it.each([
    ['{\n  "document": {\n    "category": "csaf_vex"', 'document'],
    ['\uFEFF{"product_tree": {"branches": []}, "document": {}}', 'document'],
    ['{\n  "feed": {\n    "id": "cisa-csaf-ot-feed-tlp-white"', 'feed'],
    ['{"canonical_url": "https://x/provider-metadata.json", "distributions": []}', null],
    ['"csaf_files/OT/white/2024/icsma-24-254-01.json",2024-09-10T06:00:00Z', null],
  ])('%j → %s', (head, kind) => {
    expect(sniffCsaf(head)).toBe(kind);
  });
  it('reads sha512sum lines and bare hex, and nothing else', () => {
    const hex = 'ab'.repeat(64);
    expect(parseHashFile(`${hex}  va-24-254-01.json\n`)).toBe(hex);
    expect(parseHashFile(hex.toUpperCase())).toBe(hex);
    expect(parseHashFile(`${hex}ff  x.json`)).toBeNull();
    expect(parseHashFile('not a hash')).toBeNull();
  });
});

describe('flattenProductTree and affectedEntries', () => {
  const tree = {
    branches: [
      { category: 'vendor', name: 'Sielco Sistemi', branches: [
        { category: 'product_name', name: 'Winlog Pro', branches: [
          { category: 'product_version_range', name: '< 3.02.01', product: { name: 'Winlog Pro < 3.02.01', product_id: 'P1' } },
          { category: 'product_version', name: '3.02.01', product: { name: 'Winlog Pro 3.02.01', product_id: 'P2' } },
        ] },
      ] },
      { category: 'vendor', name: 'Red Hat', branches: [
        { category: 'product_family', name: 'Red Hat Enterprise Linux', branches: [
          { category: 'product_name', name: 'RHEL 9 BaseOS', product: { name: 'RHEL 9 BaseOS', product_id: 'BaseOS-9', product_identification_helper: { cpe: 'cpe:/o:redhat:enterprise_linux:9::baseos' } } },
        ] },
        { category: 'architecture', name: 'x86_64', branches: [
          { category: 'product_version', name: 'bind-32:9.16.23-1.el9.x86_64', product: { name: 'bind-32:9.16.23-1.el9.x86_64', product_id: 'bind.x86_64', product_identification_helper: { purl: 'pkg:rpm/redhat/bind@9.16.23-1.el9?arch=x86_64&epoch=32' } } },
        ] },
        { category: 'architecture', name: 'aarch64', branches: [
          { category: 'product_version', name: 'bind-32:9.16.23-1.el9.aarch64', product: { name: 'bind-32:9.16.23-1.el9.aarch64', product_id: 'bind.aarch64', product_identification_helper: { purl: 'pkg:rpm/redhat/bind@9.16.23-1.el9?arch=aarch64&epoch=32' } } },
        ] },
      ] },
    ],
    relationships: [
      { category: 'default_component_of', product_reference: 'bind.x86_64', relates_to_product_reference: 'BaseOS-9', full_product_name: { name: 'bind x86_64 in RHEL 9', product_id: 'BaseOS-9:bind.x86_64' } },
      { category: 'default_component_of', product_reference: 'bind.aarch64', relates_to_product_reference: 'BaseOS-9', full_product_name: { name: 'bind aarch64 in RHEL 9', product_id: 'BaseOS-9:bind.aarch64' } },
    ],
  };
  const products = flattenProductTree(tree);

  it('reads vendor, product, version or range off the branch path', () => {
    expect(products.get('P1')).toMatchObject({ vendor: 'Sielco Sistemi', product: 'Winlog Pro', versions: [], description: '< 3.02.01' });
    expect(products.get('P2')).toMatchObject({ vendor: 'Sielco Sistemi', product: 'Winlog Pro', versions: ['3.02.01'] });
    expect(products.get('BaseOS-9')).toMatchObject({ product: 'RHEL 9 BaseOS', cpes: ['cpe:2.3:o:redhat:enterprise_linux:9:*:baseos:*:*:*:*:*'] });
  });

  it('makes a relationship the component with its platform CPE and name', () => {
    expect(products.get('BaseOS-9:bind.x86_64')).toMatchObject({
      vendor: 'Red Hat', product: 'bind', purl: 'pkg:rpm/redhat/bind', versions: ['32:9.16.23-1.el9'],
      cpes: ['cpe:2.3:o:redhat:enterprise_linux:9:*:baseos:*:*:*:*:*'], description: 'component of RHEL 9 BaseOS',
    });
  });

  it('groups architectures into one entry and keeps each status with its own CVEs', () => {
    const entries = affectedEntries(products, [
      { cve: 'CVE-2025-40778', product_status: { fixed: ['BaseOS-9:bind.x86_64', 'BaseOS-9:bind.aarch64'], known_affected: ['P1'] } },
      { cve: 'CVE-2021-25220', product_status: { known_not_affected: ['BaseOS-9:bind.x86_64', 'BaseOS-9:bind.aarch64'], known_affected: ['P1'], fixed: ['P2'] } },
      { cve: 'CVE-2024-0001', product_status: { under_investigation: ['UNDEFINED-ID'] } },
    ]);
    expect(entries).toEqual([
      { status: 'fixed', vendor: 'Red Hat', product: 'bind', purl: 'pkg:rpm/redhat/bind', cpes: ['cpe:2.3:o:redhat:enterprise_linux:9:*:baseos:*:*:*:*:*'], description: 'component of RHEL 9 BaseOS', versions: ['32:9.16.23-1.el9'], cves: ['CVE-2025-40778'] },
      { status: 'affected', vendor: 'Sielco Sistemi', product: 'Winlog Pro', description: '< 3.02.01', cves: ['CVE-2025-40778', 'CVE-2021-25220'] },
      { status: 'not_affected', vendor: 'Red Hat', product: 'bind', purl: 'pkg:rpm/redhat/bind', cpes: ['cpe:2.3:o:redhat:enterprise_linux:9:*:baseos:*:*:*:*:*'], description: 'component of RHEL 9 BaseOS', versions: ['32:9.16.23-1.el9'], cves: ['CVE-2021-25220'] },
      { status: 'fixed', vendor: 'Sielco Sistemi', product: 'Winlog Pro', versions: ['3.02.01'], cves: ['CVE-2021-25220'] },
      { status: 'under_investigation', product: 'UNDEFINED-ID', cves: ['CVE-2024-0001'] },
    ]);
  });

  it.skipIf(!hasCorpus())('never pairs a version with a CVE the document does not (real VEX VA-24-201-01: AdminerEvo 4.8.3 is fixed for one CVE only)', () => {
    const doc = CsafDocument.parse(JSON.parse(readFileSync(corpusPath('csaf/cisagov/csaf_files/IT/white/2024/va-24-201-01.json'), 'utf8')));
    const entries = affectedEntries(flattenProductTree(doc.product_tree), doc.vulnerabilities ?? []);
    const evo = entries.filter((e) => e.product === 'AdminerEvo');
    expect(evo).toEqual([
      { status: 'fixed', vendor: 'AdminerEvo', product: 'AdminerEvo', versions: ['4.8.4'], cves: ['CVE-2023-45195', 'CVE-2023-45196'] },
      { status: 'affected', vendor: 'AdminerEvo', product: 'AdminerEvo', versions: ['4.8.2'], cves: ['CVE-2023-45195', 'CVE-2023-45196', 'CVE-2023-45197'] },
      { status: 'affected', vendor: 'AdminerEvo', product: 'AdminerEvo', versions: ['4.8.3'], cves: ['CVE-2023-45195', 'CVE-2023-45196'] },
      { status: 'fixed', vendor: 'AdminerEvo', product: 'AdminerEvo', versions: ['4.8.3'], cves: ['CVE-2023-45197'] },
    ]);
  });
});
