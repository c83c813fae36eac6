import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { VigilError } from '../../errors.ts';
import { corpusPath, hasCorpus } from '../../testing/corpus.ts';
import { type OwaspCategory, owaspByCwe, parseOwaspPage, readOwaspTop10 } from './index.ts';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'vigil-owasp-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
function write(rel: string, content: string): string {
  const file = path.join(tmp, rel);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, content);
  return file;
}

/** The derived mapping (PROVENANCE §10), an independent regex over the same pages: the oracle. */
interface MappingEntry {
  id: string;
  title: string;
  source_file: string;
  cwe_count: number;
  cwes: string[];
}
const oracle = () => JSON.parse(readFileSync(corpusPath('owasp-top10', 'owasp-top10-cwe-mapping.json'), 'utf8')) as Record<string, MappingEntry[]>;
const RANKS = ['A01', 'A02', 'A03', 'A04', 'A05', 'A06', 'A07', 'A08', 'A09', 'A10'];
const link = (n: number, name = 'Some Weakness') => `[CWE-${n} ${name}](https://cwe.mitre.org/data/definitions/${n}.html)`;

/** Catches what `fn` throws, for asserting on a VigilError's code and message. */
function thrown(fn: () => unknown): VigilError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(VigilError);
    return error as VigilError;
  }
  throw new Error('expected a VigilError');
}

describe.skipIf(!hasCorpus())('OWASP Top 10 on the real pages (OWASP/Top10, 2021 and 2025)', () => {
  it('reads both editions, 10 categories each, with the CWE lists of the derived mapping', async () => {
    const categories = await readOwaspTop10(corpusPath('owasp-top10'));
    const expected = oracle();
    for (const edition of ['2021', '2025']) {
      const mine = categories.filter((c) => c.edition === edition);
      expect(mine.map((c) => c.id)).toEqual(RANKS.map((r) => `${r}:${edition}`));
      const theirs = expected[edition] ?? [];
      expect(theirs).toHaveLength(10);
      for (const [i, category] of mine.entries()) {
        expect(category.cwes, category.id).toEqual(theirs[i]?.cwes);
        expect(category.cwes).toHaveLength(theirs[i]?.cwe_count ?? -1);
      }
    }
    expect(categories.filter((c) => c.edition === '2021').flatMap((c) => c.cwes)).toHaveLength(197);
    expect(categories.filter((c) => c.edition === '2025').flatMap((c) => c.cwes)).toHaveLength(249);
  });

  it('takes titles verbatim from the headings (the mapping spells one title differently)', async () => {
    const categories = await readOwaspTop10(corpusPath('owasp-top10'));
    const expected = Object.values(oracle()).flat();
    for (const c of categories) {
      // The 2025 page heading writes "Security Logging & Alerting Failures"; the mapping (and
      // the file name) "and". The heading is the source of truth here.
      const title = c.id === 'A09:2025' ? 'Security Logging and Alerting Failures' : c.title;
      expect(title, c.id).toBe(expected.find((e) => e.id === c.id)?.title);
    }
    expect(categories.find((c) => c.id === 'A09:2025')?.title).toBe('Security Logging & Alerting Failures');
    expect(categories.find((c) => c.id === 'A10:2021')?.title).toBe('Server-Side Request Forgery (SSRF)');
  });

  it('A02:2021 lists 30 CWEs although its Factors table says 29 (an upstream slip)', async () => {
    const file = corpusPath('owasp-top10', '2021', 'A02_2021-Cryptographic_Failures.md');
    const text = readFileSync(file, 'utf8');
    expect(text).toMatch(/^\| 29 +\|/m);
    const a02 = parseOwaspPage(text, file);
    expect(a02.cwes).toHaveLength(30);
    expect(a02.cwes.slice(0, 3)).toEqual(['CWE-259', 'CWE-261', 'CWE-296']);
  });

  it('reads one edition folder alone', async () => {
    const categories = await readOwaspTop10(corpusPath('owasp-top10', '2025'));
    expect(categories.map((c) => c.id)).toEqual(RANKS.map((r) => `${r}:2025`));
    expect(categories.find((c) => c.id === 'A05:2025')).toMatchObject({ edition: '2025', title: 'Injection', cwes: expect.arrayContaining(['CWE-79', 'CWE-89']) });
  });

  it('indexes by CWE: CWE-259 maps to two 2021 categories, every 2025 CWE to one', async () => {
    const categories = await readOwaspTop10(corpusPath('owasp-top10'));
    const ids = (list: OwaspCategory[] | undefined) => list?.map((c) => c.id);
    const y2021 = owaspByCwe(categories, '2021');
    expect(y2021.size).toBe(196);
    expect([...y2021].filter(([, list]) => list.length > 1).map(([cwe, list]) => [cwe, ids(list)])).toEqual([['CWE-259', ['A02:2021', 'A07:2021']]]);
    expect(ids(y2021.get('CWE-79'))).toEqual(['A03:2021']);
    const y2025 = owaspByCwe(categories, '2025');
    expect(y2025.size).toBe(249);
    expect([...y2025.values()].every((list) => list.length === 1)).toBe(true);
    expect(ids(y2025.get('CWE-79'))).toEqual(['A05:2025']);
    expect(y2025.get('CWE-99999')).toBeUndefined();
    expect(owaspByCwe(categories, '2017').size).toBe(0);
  });
});

describe('parseOwaspPage', () => {
  const section = `## List of Mapped CWEs\n\n${link(79)}\n\n${link(89)}\n`;
  it.each([
    ['2021 form: en dash and icon', `# A03:2021 – Injection    ![icon](assets/TOP_10_Icons_Final_Injection.png){: style="height:80px;width:80px" align="right"} \n\n${section}`, 'A03:2021', 'Injection'],
    ['2025 form: no separator, two spaces', `#  A01:2025 Broken Access Control ![icon](../assets/x.png){: style="height:80px"}\n\n${section}`, 'A01:2025', 'Broken Access Control'],
    ['hyphen separator', `# A10:2021 - Server-Side Request Forgery (SSRF)\n${section}`, 'A10:2021', 'Server-Side Request Forgery (SSRF)'],
    ['hyphen without spaces', `# A03:2021-Injection\n${section}`, 'A03:2021', 'Injection'],
    ['em dash', `# A04:2021 — Insecure Design\n${section}`, 'A04:2021', 'Insecure Design'],
    ['ampersand kept verbatim', `# A09:2025 Security Logging & Alerting Failures\n${section}`, 'A09:2025', 'Security Logging & Alerting Failures'],
    ['CRLF line endings and a BOM', `\uFEFF# A03:2021 – Injection\r\n\r\n${section.replace(/\n/g, '\r\n')}`, 'A03:2021', 'Injection'],
  ])('heading, %s', (_form, text, id, title) => {
    expect(parseOwaspPage(text, 'page.md')).toEqual({ edition: id.slice(4), id, title, cwes: ['CWE-79', 'CWE-89'] });
  });

  const head = '# A03:2021 – Injection\n\nXSS (CWE-79) and [CWE-20 Improper Input Validation](https://cwe.mitre.org/data/definitions/20.html) are discussed here.\n\n';
  it.each([
    ['plain links, blank-line separated', `${link(79)}\n\n${link(89)}`, ['CWE-79', 'CWE-89']],
    ['bulleted links', `* ${link(79)}\n* ${link(89)}`, ['CWE-79', 'CWE-89']],
    ['tab after the id (A10:2025)', `* [CWE-209\tGeneration of Error Message](https://cwe.mitre.org/data/definitions/209.html)`, ['CWE-209']],
    ['link text wrapped over two lines', "[CWE-22 Improper Limitation of a Pathname to a Restricted Directory\n('Path Traversal')](https://cwe.mitre.org/data/definitions/22.html)\n\n[CWE-23 Relative Path Traversal](https://cwe.mitre.org/data/definitions/23.html)", ['CWE-22', 'CWE-23']],
    ['bare list items', '- CWE-79 Cross-site Scripting\n- CWE-89 SQL Injection', ['CWE-79', 'CWE-89']],
    ['duplicates removed, first position kept', `${link(89)}\n${link(79)}\n${link(89)}\n* ${link(79)}`, ['CWE-89', 'CWE-79']],
    ['a CWE named inside a title is not an entry', `${link(720, 'OWASP Top Ten 2007 Category A9 (see CWE-319)')}`, ['CWE-720']],
    ['leading zeros dropped', '[CWE-079 XSS](https://cwe.mitre.org/data/definitions/79.html)', ['CWE-79']],
    ['section ends at the next heading of its level', `${link(79)}\n\n## Appendix\n\n${link(89)}`, ['CWE-79']],
    ['a deeper heading stays inside the section', `${link(79)}\n\n### More\n\n${link(89)}`, ['CWE-79', 'CWE-89']],
  ])('CWE list, %s', (_form, body, cwes) => {
    expect(parseOwaspPage(`${head}## List of Mapped CWEs\n\n${body}\n`, 'page.md').cwes).toEqual(cwes);
  });

  it.each([
    ['no section', '# A03:2021 – Injection\n\n## References\n\n[CWE-79 XSS](x)\n', 'no "List of Mapped CWEs" section'],
    ['no H1 heading', `## A03:2021 – Injection\n${section}`, 'no "# Axx:YYYY Title" heading'],
    ['heading without an id', `# Injection\n${section}`, 'does not start with an id'],
    ['rank out of range', `# A11:2021 – Extra\n${section}`, 'does not start with an id'],
    ['empty title', `# A03:2021 – ![icon](x.png)\n${section}`, 'title: empty title'],
    ['section lists no CWE', '# A03:2021 – Injection\n\n## List of Mapped CWEs\n\nTo be announced.\n', 'cwes: no CWE listed'],
    ['CWE-0', '# A03:2021 – Injection\n\n## List of Mapped CWEs\n\n[CWE-0 Nothing](x)\n', 'cwes.0: expected CWE-NNN'],
  ])('refuses a page with %s, naming the file', (_case, text, reason) => {
    const error = thrown(() => parseOwaspPage(text, '2021/A03_2021-Injection.md'));
    expect(error.code).toBe('VIGIL_INPUT_UNREADABLE');
    expect(error.message).toContain('Cannot read 2021/A03_2021-Injection.md: ');
    expect(error.message).toContain(reason);
  });
});

describe('readOwaspTop10 on folders of fixtures', () => {
  const page = (id: string, title: string, cwes: number[]) => `# ${id} – ${title}\n\n## List of Mapped CWEs\n\n${cwes.map((n) => link(n)).join('\n\n')}\n`;

  it('finds pages in edition folders and under docs/en, ignoring other files, sorted', async () => {
    write('tree/2025/A02_2025-Security_Misconfiguration.md', page('A02:2025', 'Security Misconfiguration', [16]));
    write('tree/2025/A01_2025-Broken_Access_Control.md', page('A01:2025', 'Broken Access Control', [22, 23]));
    write('tree/2021/docs/en/A01_2021-Broken_Access_Control.md', page('A01:2021', 'Broken Access Control', [22]));
    write('tree/2021/docs/en/A00_2021_Introduction.md', '# Introduction\n');
    write('tree/2021/docs/en/A01_2021-Broken_Access_Control.fr.md', '# A01:2021 – Contrôles d’accès défaillants\n');
    write('tree/notes/A03_2025-Injection.md', 'not an edition folder');
    write('tree/README.md', '# OWASP Top 10');
    const categories = await readOwaspTop10(path.join(tmp, 'tree'));
    expect(categories).toEqual([
      { edition: '2021', id: 'A01:2021', title: 'Broken Access Control', cwes: ['CWE-22'] },
      { edition: '2025', id: 'A01:2025', title: 'Broken Access Control', cwes: ['CWE-22', 'CWE-23'] },
      { edition: '2025', id: 'A02:2025', title: 'Security Misconfiguration', cwes: ['CWE-16'] },
    ]);
  });

  it('names the page that fails, a file name that disagrees with its heading, and an empty folder', async () => {
    const bad = write('bad/2021/A03_2021-Injection.md', '# A03:2021 – Injection\n\n## References\n');
    await expect(readOwaspTop10(path.join(tmp, 'bad'))).rejects.toThrow(`Cannot read ${bad}: no "List of Mapped CWEs" section`);
    const misnamed = write('misnamed/A04_2021-Insecure_Design.md', page('A03:2021', 'Injection', [79]));
    await expect(readOwaspTop10(path.join(tmp, 'misnamed'))).rejects.toThrow(`Cannot read ${misnamed}: the heading says A03:2021 but the file name says A04_2021`);
    mkdirSync(path.join(tmp, 'empty'));
    await expect(readOwaspTop10(path.join(tmp, 'empty'))).rejects.toThrow(/^Cannot read .*empty: no OWASP Top 10 page/);
    await expect(readOwaspTop10(path.join(tmp, 'missing'))).rejects.toMatchObject({ code: 'VIGIL_INPUT_UNREADABLE', message: expect.stringContaining('ENOENT') });
  });
});
