import { describe, expect, it } from 'vitest';
import { advisoryUrl, purlOf, splitIds, titleOf } from './normalise.ts';
import { sniffOsv } from './parse.ts';

describe('purlOf: one row per OSV ecosystem (purl-spec PURL-TYPES)', () => {
  it.each([
    ['npm', 'lodash', 'pkg:npm/lodash'],
    ['npm', '@babel/core', 'pkg:npm/%40babel/core'],
    ['Maven', 'org.springframework:spring-webmvc', 'pkg:maven/org.springframework/spring-webmvc'],
    ['Maven', 'no-group', undefined],
    ['PyPI', 'Django_REST', 'pkg:pypi/django-rest'],
    ['Go', 'github.com/gin-gonic/gin', 'pkg:golang/github.com/gin-gonic/gin'],
    ['Go', 'stdlib', 'pkg:golang/stdlib'],
    ['crates.io', 'lexical-core', 'pkg:cargo/lexical-core'],
    ['NuGet', 'Newtonsoft.Json', 'pkg:nuget/Newtonsoft.Json'],
    ['RubyGems', 'webrick', 'pkg:gem/webrick'],
    ['Packagist', 'contao/core-bundle', 'pkg:composer/contao/core-bundle'],
    ['Hex', 'plug', 'pkg:hex/plug'],
    ['Debian:12', 'openssl', undefined],
    ['npm', '', undefined],
  ])('%s %s → %s', (ecosystem, name, purl) => {
    expect(purlOf(ecosystem, name)).toBe(purl);
  });
});

describe('advisoryUrl, titleOf, splitIds', () => {
  it.each([
    ['GHSA-36p3-wjmg-h94x', 'https://github.com/advisories/GHSA-36p3-wjmg-h94x'],
    ['GO-2022-0298', 'https://pkg.go.dev/vuln/GO-2022-0298'],
    ['PYSEC-2023-74', 'https://osv.dev/vulnerability/PYSEC-2023-74'],
    ['RUSTSEC-2024-0377', 'https://osv.dev/vulnerability/RUSTSEC-2024-0377'],
  ])('%s → %s', (id, url) => expect(advisoryUrl(id)).toBe(url));

  it.each([
    ['summary wins', ' A summary ', '## Impact\nx', 'A summary'],
    ['else the first line of details, heading marks dropped', '', '\n### Impact\nmore', 'Impact'],
    ['else the id', undefined, undefined, 'X-1'],
  ])('title: %s', (_, summary, details, title) => expect(titleOf('X-1', summary, details)).toBe(title));

  it('splits CVE ids from other aliases, upper-cases and dedups them, and lists the id itself when it is a CVE', () => {
    expect(splitIds(['cve-2024-1234', 'GHSA-aaaa-bbbb-cccc', 'CVE-2024-1234', 'PYSEC-1'])).toEqual({
      cves: [{ id: 'CVE-2024-1234', origin: 'listed' }],
      aliases: ['GHSA-aaaa-bbbb-cccc', 'PYSEC-1'],
    });
    expect(splitIds(['GHSA-aaaa-bbbb-cccc'], 'CVE-2021-44228').cves).toEqual([{ id: 'CVE-2021-44228', origin: 'listed' }]);
  });
});

describe('sniffOsv', () => {
  it.each([
    ['pretty-printed record', '{\n  "schema_version": "1.4.0",\n  "id": "GHSA-x"', 'document'],
    ['JSON Lines', '{"schema_version":"1.3.1","id":"GO-2020-0001","modified":"x"}\n{"id":', 'lines'],
    ['array of records', '[\n {"id": "GO-1"}', 'document'],
    ['zip', 'PK\u0003\u0004rest', 'zip'],
    ['GitHub REST JSON', '[{"ghsa_id":"GHSA-x","id":1}]', null],
    ['KEV catalog', '{"title":"CISA Catalog","catalogVersion":"2025.08.25"}', null],
    ['CSV', 'cveID,vendorProject', null],
  ])('%s → %s', (_, head, layout) => expect(sniffOsv(Buffer.from(head, 'latin1'))).toBe(layout));
});
