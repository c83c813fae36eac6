import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { corpusPath, hasCorpus } from '../testing/corpus.ts';
import { cweCatalogVersion, cweEntry, cweName } from './cwe.ts';

describe('cweName', () => {
  it('reports the catalog version cwe-sdk ships', () => {
    expect(cweCatalogVersion).toBe('4.15');
  });

  it.each([
    ['CWE-79', "Improper Neutralization of Input During Web Page Generation ('Cross-site Scripting')"],
    ['79', "Improper Neutralization of Input During Web Page Generation ('Cross-site Scripting')"],
    ['cwe-79', "Improper Neutralization of Input During Web Page Generation ('Cross-site Scripting')"],
    ['CWE-787', 'Out-of-bounds Write'],
    ['CWE-20', 'Improper Input Validation'],
    ['CWE-502', 'Deserialization of Untrusted Data'],
    // categories, which old NVD data uses and the weakness-only dictionary lacks
    ['CWE-264', 'Permissions, Privileges, and Access Controls'],
    ['CWE-399', 'Resource Management Errors'],
    // a view
    ['CWE-1000', 'Research Concepts'],
  ])('%s → %s', (id, name) => {
    expect(cweName(id)).toBe(name);
  });

  it.each(['CWE-99999', 'NVD-CWE-noinfo', 'NVD-CWE-Other', '', 'CWE-', 'CWE-79a', 'XSS'])('%j → undefined', (id) => {
    expect(cweName(id)).toBeUndefined();
  });

  it('tells weaknesses, categories and views apart, with their status', () => {
    expect(cweEntry('CWE-787')).toEqual({ id: 'CWE-787', name: 'Out-of-bounds Write', kind: 'weakness', status: 'Draft' });
    expect(cweEntry('264')).toMatchObject({ id: 'CWE-264', kind: 'category', status: 'Obsolete' });
    expect(cweEntry('CWE-1000')).toMatchObject({ kind: 'view' });
  });
});

describe.skipIf(!hasCorpus())('cweName on real data', () => {
  it('names every CWE id of the NVD 1.1 feeds; only the NVD placeholders stay unnamed', () => {
    const counts = new Map<string, number>();
    for (const file of ['nvdcve-1.1-2018.json.gz', 'nvdcve-1.1-2025.json.gz', 'nvdcve-1.1-recent.json.gz']) {
      const feed = JSON.parse(gunzipSync(readFileSync(corpusPath('nvd', file))).toString('utf8')) as {
        CVE_Items: { cve: { problemtype: { problemtype_data: { description: { value: string }[] }[] } } }[];
      };
      for (const item of feed.CVE_Items) {
        for (const pt of item.cve.problemtype.problemtype_data) for (const d of pt.description) counts.set(d.value, (counts.get(d.value) ?? 0) + 1);
      }
    }
    const unnamed = [...counts.keys()].filter((id) => cweName(id) === undefined).sort();
    expect(unnamed).toEqual(['NVD-CWE-Other', 'NVD-CWE-noinfo']);
    const named = [...counts].filter(([id]) => cweName(id) !== undefined);
    expect(named).toHaveLength(335);
    expect(named.reduce((sum, [, n]) => sum + n, 0)).toBe(23_844);
    expect(named.filter(([id]) => cweEntry(id)?.kind === 'category').reduce((sum, [, n]) => sum + n, 0)).toBe(53);
  });

  it('names every CWE of the OWASP Top 10 2021 and 2025 mappings', () => {
    const mapping = JSON.parse(readFileSync(corpusPath('owasp-top10', 'owasp-top10-cwe-mapping.json'), 'utf8')) as Record<string, { cwes: string[] }[]>;
    const cwes = ['2021', '2025'].flatMap((year) => (mapping[year] ?? []).flatMap((c) => c.cwes));
    expect(cwes).toHaveLength(197 + 249);
    expect(cwes.filter((id) => cweName(id) === undefined)).toEqual([]);
  });
});
