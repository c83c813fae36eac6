/**
 * PostgreSQL full text tokenizes as SQLite's FTS5 `unicode61 remove_diacritics 2` does: table rows
 * for the forms users type, then every word of the corpus's CVE 5 records and KEV catalog checked
 * against FTS5 itself (fts5vocab). The back-end-to-back-end search test is ../records.test.ts.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { corpusPath, hasCorpus } from '../../testing/corpus.ts';
import { ftsDocument, ftsTokens, ftsTsquery } from './query-pg.ts';

describe('ftsTokens: unicode61 with remove_diacritics 2', () => {
  it.each([
    ['CVE-2024-3400', ['cve', '2024', '3400']],
    ['PAN-OS GlobalProtect', ['pan', 'os', 'globalprotect']],
    ['v1.2.3 x86_64 foo.php /etc/passwd', ['v1', '2', '3', 'x86', '64', 'foo', 'php', 'etc', 'passwd']],
    ['CWE-79: Cross-site Scripting', ['cwe', '79', 'cross', 'site', 'scripting']],
    ['Café naïve ÉCOLE Cafe\u0301', ['cafe', 'naive', 'ecole', 'cafe']],
    ['Straße ø ł Œuvre İstanbul', ['straße', 'ø', 'ł', 'œuvre', 'istanbul']],
    ['ΣΊΣΥΦΟΣ 日本語テスト ½ x²', ['σίσυφοσ', '日本語テスト', '½', 'x²']],
    ['a+b=c ™ 😀 x\u200by', ['a', 'b', 'c', 'x', 'y']],
  ])('%j', (text, tokens) => expect(ftsTokens(text)).toEqual(tokens));
});

describe('ftsTsquery: words ANDed, a word a phrase of its tokens, nothing interpreted', () => {
  it.each([
    ['pan-os "globalprotect', "'pan' & 'os' & 'globalprotect'"],
    ['CVE-2024-3400', "'cve' & '2024' & '3400'"],
    ['foo_bar Café', "('foo' <-> 'bar') & 'cafe'"],
    ["'; DROP TABLE vulns; --", "'drop' & 'table' & 'vulns'"],
    ['foo* OR (bar) & !baz <-> qux:*', "'foo' & 'or' & 'bar' & 'baz' & 'qux'"],
    ['*** --- ""', null],
    ['_', null],
    ['_ linux', "'linux'"],
    ['', null],
  ])('%j', (text, query) => expect(ftsTsquery(text)).toBe(query));

  it('keeps a phrase inside one column of a document', () => {
    expect(ftsDocument(['CVE-2024-3400', null, 'PAN-OS'])).toBe("'cve':1 '2024':2 '3400':3 'pan':5 'os':6");
  });
});

/** Every `.json` file under `dir`. */
function jsonFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = path.join(dir, f);
    return statSync(p).isDirectory() ? jsonFiles(p) : f.endsWith('.json') ? [p] : [];
  });
}

describe.skipIf(!hasCorpus())('ftsTokens on the corpus equals FTS5', () => {
  it('tokenizes every CVE 5 record and KEV entry as FTS5 does', () => {
    const texts: string[] = [];
    for (const f of jsonFiles(corpusPath('cve5', 'records'))) {
      const cna = JSON.parse(readFileSync(f, 'utf8')).containers?.cna ?? {};
      texts.push(
        [cna.title, ...(cna.descriptions ?? []).map((d: { value: string }) => d.value), ...(cna.affected ?? []).map((a: { vendor?: string; product?: string }) => `${a.vendor} ${a.product}`)]
          .filter(Boolean)
          .join(' '),
      );
    }
    const kev = JSON.parse(readFileSync(corpusPath('cisa-kev', 'known_exploited_vulnerabilities.json'), 'utf8')) as { vulnerabilities: Record<string, string>[] };
    for (const e of kev.vulnerabilities) texts.push([e.cveID, e.vendorProject, e.product, e.vulnerabilityName, e.shortDescription, e.notes].join(' '));
    expect(texts.length).toBeGreaterThan(1_500);
    const db = new Database(':memory:');
    db.exec("CREATE VIRTUAL TABLE t USING fts5 (x, tokenize = 'unicode61 remove_diacritics 2'); CREATE VIRTUAL TABLE v USING fts5vocab(t, instance);");
    const put = db.prepare('INSERT INTO t (rowid, x) VALUES (?, ?)');
    db.transaction(() => {
      for (const [i, t] of texts.entries()) put.run(i + 1, t);
    })();
    const byDoc = new Map<number, string[]>();
    for (const r of db.prepare('SELECT doc, term FROM v ORDER BY doc, offset').iterate() as Iterable<{ doc: number; term: string }>) {
      const list = byDoc.get(r.doc) ?? [];
      list.push(r.term);
      byDoc.set(r.doc, list);
    }
    let tokens = 0;
    texts.forEach((t, i) => {
      const ours = ftsTokens(t);
      tokens += ours.length;
      expect(ours, t.slice(0, 80)).toEqual(byDoc.get(i + 1) ?? []);
    });
    expect(tokens).toBeGreaterThan(50_000);
    db.close();
  });
});
