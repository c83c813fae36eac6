/**
 * Migration 4 on a store built before it: every stored record gets the list title and snippet the
 * write path now stores (analysis/title.ts), from its observations' title and description (CVE 5
 * first, then NVD). Records are real corpus records, stored as the pre-4 write path left them.
 * SQLite only, on purpose: the backfill exists only there (PostgreSQL's migration 4 has no older
 * store to backfill). That both back ends store the same list text is checked by ../records.test.ts.
 */
import { readFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { listText } from '../../analysis/title.ts';
import { corpusPath, hasCorpus } from '../../testing/corpus.ts';
import { migrate, migrations } from './migrations.ts';

/** [CVE id, source, title, description] of real records: CNA-titled, CNA without title, NVD only. */
function records(): [string, string, string | undefined, string][] {
  const cna = (id: string, dir: string) => JSON.parse(readFileSync(corpusPath('cve5', 'records', dir, `${id}.json`), 'utf8')).containers.cna;
  const c3400 = cna('CVE-2024-3400', '2024/3xxx');
  const c44529 = cna('CVE-2021-44529', '2021/44xxx');
  const nvd = JSON.parse(readFileSync(corpusPath('nvd', 'api2', 'records', 'CVE-2024-0012.json'), 'utf8'));
  const n0012 = (nvd.vulnerabilities?.[0]?.cve ?? nvd.cve ?? nvd).descriptions.find((d: { lang: string }) => d.lang === 'en').value;
  return [
    ['CVE-2024-3400', 'cve5', c3400.title, c3400.descriptions[0].value],
    ['CVE-2021-44529', 'cve5', undefined, c44529.descriptions[0].value],
    ['CVE-2021-44529', 'nvd', undefined, 'NVD wording, not used: the CNA description comes first.'],
    ['CVE-2024-0012', 'nvd', undefined, n0012],
  ];
}

describe.skipIf(!hasCorpus())('migration 4 (list text)', () => {
  it('backfills title and snippet of records stored before it', () => {
    const db = new Database(':memory:');
    migrate(db, migrations.filter((m) => m.id < 4));
    const rows = records();
    for (const [id, source, title, description] of rows) {
      const data = { cveId: id, source, state: 'PUBLISHED', lastModified: '2024-12-01T00:00:00.000Z', cvss: [], ...(title ? { title } : {}), description };
      db.prepare('INSERT INTO observations (cve_id, source, last_modified, hash, data) VALUES (?, ?, ?, ?, ?)').run(id, source, data.lastModified, 'h', JSON.stringify(data));
      // The pre-4 write path stored the merged (CNA) title, or NULL.
      db.prepare('INSERT OR IGNORE INTO vulns (cve_id, state, last_modified, title) VALUES (?, ?, ?, ?)').run(id, 'PUBLISHED', data.lastModified, title ?? null);
    }
    migrate(db);
    const stored = db.prepare('SELECT cve_id, title, snippet FROM vulns ORDER BY cve_id').all();
    // CVE 5 wins where a CVE has both (CVE-2021-44529).
    const expected = rows.filter(([id, source]) => source === 'cve5' || !rows.some(([other, s]) => other === id && s === 'cve5'));
    expect(stored).toEqual(
      expected.map(([id, , title, description]) => ({ cve_id: id, ...listText(title, description) })).sort((a, b) => a.cve_id.localeCompare(b.cve_id)),
    );
    const untitled = stored.find((r) => (r as { cve_id: string }).cve_id === 'CVE-2021-44529') as { title: string };
    expect(untitled.title).toMatch(/^A code injection vulnerability in the Ivanti EPM/);
  });
});
