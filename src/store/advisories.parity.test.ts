/**
 * The two back ends answer alike on advisories: the corpus's CERT-FR and CERT-EU bulletins, Go
 * vulndb and GitHub OSV advisories, CSAF documents and the Exploit-DB sample, imported through
 * their sources into a SQLite store and a PostgreSQL store, then every read compared: counts,
 * lists (filters, full-text words, vendor names, keyset pages), a CVE's advisories and stored
 * documents with their history. The queries are drawn from the data itself (words of titles,
 * vendor names of affected entries, CVEs advisories name) and a few hostile inputs.
 *
 * It needs both back ends, so it runs in the PostgreSQL pass of the suite (`VIGIL_TEST_DB=postgres`),
 * where the server is known to be up.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../log.ts';
import type { Advisory } from '../model/advisory.ts';
import { importFiles } from '../pipeline.ts';
import { findSource } from '../sources/registry.ts';
import { corpusPath, hasCorpus } from '../testing/corpus.ts';
import { openTestStores, TEST_BACKEND, type TestStores } from '../testing/store.ts';
import type { AdvisoryQuery, Store } from './types.ts';

const log = createLogger('silent');

const IMPORTS: [string, string[]][] = [
  ['certfr', [corpusPath('cert-fr', 'certfr-avis-all-2000-2026.DERIVED.jsonl.gz')]],
  ['certeu', [corpusPath('cert-eu', 'certeu-security-advisories-2017-2026.DERIVED.jsonl.gz')]],
  ['osv', [corpusPath('osv', 'go-vulndb-osv-all.jsonl.gz'), corpusPath('ghsa', 'advisories')]],
  ['csaf', [corpusPath('csaf', 'cisagov', 'csaf_files'), corpusPath('csaf', 'redhat')]],
  ['exploitdb', [corpusPath('exploitdb', 'files_exploits-sample.csv')]],
];

/** Every `step`-th element. */
function every<T>(list: T[], step: number): T[] {
  return list.filter((_, i) => i % step === 0);
}

describe.skipIf(!hasCorpus() || TEST_BACKEND !== 'postgres')('advisories on SQLite and PostgreSQL answer alike (real corpus)', () => {
  let sqlite: TestStores;
  let pg: TestStores;
  const stored: Advisory[] = [];

  /** Both stores' answers to one read. */
  async function both<T>(read: (store: Store) => Promise<T>): Promise<[T, T]> {
    return [await read(sqlite.store), await read(pg.store)];
  }

  beforeAll(async () => {
    sqlite = await openTestStores({ backend: 'sqlite' });
    pg = await openTestStores({ backend: 'postgres' });
    for (const [source, paths] of IMPORTS) {
      const [a, b] = await both((store) => importFiles(findSource(source).source, paths, { store, log }));
      expect(a.error, source).toBeNull();
      expect(b.advisories, source).toEqual(a.advisories);
      for await (const ev of findSource(source).source.importFiles(paths, { log })) if (ev.type === 'advisories') stored.push(...ev.records);
    }
    // Revisions of a few: history rows, a withdrawn exploit, CVEs moving from the text to the list.
    const revised = every(stored, 997).map((a, i) => {
      const at = new Date(Date.parse(a.modified) + 86_400_000).toISOString();
      return { ...a, modified: at, ...(i % 2 ? { withdrawn: at } : {}), cves: a.cves.map((c) => ({ ...c, origin: 'listed' as const })).slice(1) };
    });
    const [a, b] = await both((store) => store.saveAdvisories(revised));
    expect(a.changed).toBe(revised.length);
    expect(b).toEqual(a);
  }, 600_000);
  afterAll(async () => {
    await sqlite?.close();
    await pg?.close();
  });

  it('counts and lists alike for each source, kind, date and combination', async () => {
    const queries: AdvisoryQuery[] = [{}, { since: '2024-01-01' }, { since: '2025-06-30T12:00:00+02:00' }];
    for (const source of new Set(stored.map((a) => a.source))) queries.push({ source }, { source, since: '2023-01-01' });
    for (const kind of new Set(stored.map((a) => a.kind))) queries.push({ kind }, { kind, source: 'osv' });
    for (const q of queries) {
      const [countA, countB] = await both((s) => s.countAdvisories(q));
      expect(countB, JSON.stringify(q)).toBe(countA);
      const [listA, listB] = await both((s) => s.listAdvisories({ ...q, limit: 500 }));
      expect(listB, JSON.stringify(q)).toEqual(listA);
    }
  }, 120_000);

  it('pages through every advisory in the same order', async () => {
    const pages = await both(async (store) => {
      const ids: string[] = [];
      let after: AdvisoryQuery['after'];
      for (;;) {
        const page = await store.listAdvisories({ limit: 500, ...(after ? { after } : {}) });
        const last = page.at(-1);
        if (!last) return ids;
        ids.push(...page.map((p) => p.id));
        after = { published: last.published ?? last.modified, id: last.id };
      }
    });
    expect(pages[0].length).toBe(new Set(stored.map((a) => a.id)).size);
    expect(pages[1]).toEqual(pages[0]);
  }, 120_000);

  it('finds the same advisories for words of titles, summaries and ids, and for hostile input', async () => {
    const texts = [
      'FortiOS vulnérabilité',
      'VULNERABILITE fortios',
      'déni de service',
      'remote code execution',
      'pan-os',
      'CERTFR-2024-AVI-0001',
      'EDB 16929',
      'golang.org/x/net',
      'foo_bar',
      '_ linux',
      '"OR" NEAR( * -',
      "l'élévation",
      '   ',
    ];
    for (const a of every(stored, 701)) {
      const words = a.title.split(/\s+/).filter((w) => w.length > 3);
      texts.push(words.slice(0, 2).join(' '), (a.summary ?? '').split(/\s+/).slice(3, 5).join(' '));
    }
    for (const text of texts) {
      const [countA, countB] = await both((s) => s.countAdvisories({ text }));
      expect(countB, text).toBe(countA);
      const [listA, listB] = await both((s) => s.listAdvisories({ text, limit: 20 }));
      expect(listB, text).toEqual(listA);
    }
    expect((await both((s) => s.countAdvisories({ text: 'FortiOS vulnérabilité' })))[0]).toBeGreaterThan(5);
  }, 120_000);

  it('filters by vendor alike (affected vendors and products, or the title)', async () => {
    const vendors = new Set(['Fortinet', 'microsoft', 'Cisco', 'Apache', 'golang.org/x/net', 'Siemens', 'Red Hat', 'wordpress', '_', 'Ivanti Connect']);
    for (const a of every(stored, 211)) for (const p of a.affected.slice(0, 2)) vendors.add(p.vendor ?? p.product ?? p.packageName ?? '');
    for (const vendor of vendors) {
      const [countA, countB] = await both((s) => s.countAdvisories({ vendor }));
      expect(countB, vendor).toBe(countA);
      const [listA, listB] = await both((s) => s.listAdvisories({ vendor, limit: 50 }));
      expect(listB, vendor).toEqual(listA);
    }
    expect((await both((s) => s.countAdvisories({ vendor: 'Fortinet' })))[1]).toBeGreaterThan(100);
  }, 120_000);

  it("gives a CVE's advisories alike, listed or found in text", async () => {
    const cves = new Set(['CVE-2021-44228', 'CVE-2024-3400', 'CVE-2023-44487', 'cve-2022-22965', 'CVE-2024-8963', 'CVE-1999-0001']);
    for (const a of every(stored, 97)) for (const c of a.cves.slice(0, 3)) cves.add(c.id);
    for (const cve of cves) {
      const [a, b] = await both((s) => s.advisoriesForCve(cve));
      expect(b, cve).toEqual(a);
      const [listA, listB] = await both((s) => s.listAdvisories({ cve, limit: 500 }));
      expect(listB, cve).toEqual(listA);
    }
  }, 120_000);

  it('gives back the same documents with the same history', async () => {
    for (const a of [...every(stored, 301), ...every(stored, 997)]) {
      const [x, y] = await both((s) => s.getAdvisory(a.id));
      expect(y?.advisory, a.id).toEqual(x?.advisory);
      expect(y?.history, a.id).toEqual(x?.history);
    }
    const [statsA, statsB] = await both((s) => s.stats());
    expect(statsB.advisories).toEqual(statsA.advisories);
  }, 120_000);
});
