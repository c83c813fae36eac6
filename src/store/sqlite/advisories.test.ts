/**
 * Advisories in the store (both back ends: `openTestStores()`), on the real CERT-FR bulletins (every avis of the corpus,
 * 2000-2026): stored with their CVE links, re-imported without a change, an older revision kept
 * out, a newer one written with its history, a failing batch leaving the batches before it whole,
 * and the list filters (CVE, vendor, text, kind, date, keyset pages) answering like a scan of the
 * same data.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Advisory } from '../../model/advisory.ts';
import { certFrAdvisories } from '../../testing/certfr-lines.ts';
import { hasCorpus } from '../../testing/corpus.ts';
import { openTestStores, TEST_BACKEND, type TestStores } from '../../testing/store.ts';
import { openStores } from '../index.ts';
import { peekValue } from '../test-sql.ts';
import type { Store } from '../types.ts';

const BATCH = 1000;

async function saveAll(store: Pick<Store, 'saveAdvisories'>, all: Advisory[]) {
  const total = { created: 0, changed: 0, unchanged: 0, stale: 0, changes: 0 };
  for (let i = 0; i < all.length; i += BATCH) {
    const r = await store.saveAdvisories(all.slice(i, i + BATCH));
    total.created += r.created;
    total.changed += r.changed;
    total.unchanged += r.unchanged;
    total.stale += r.stale;
    total.changes += r.changes.length;
  }
  return total;
}

describe.skipIf(!hasCorpus())(`advisories in the ${TEST_BACKEND} store, on every CERT-FR avis`, () => {
  const all = hasCorpus() ? certFrAdvisories() : [];
  const links = all.reduce((n, a) => n + new Set(a.cves.map((c) => c.id)).size, 0);
  let stores: TestStores;
  let store: Store;

  beforeAll(async () => {
    stores = await openTestStores();
    store = stores.store;
    const started = performance.now();
    const first = await saveAll(store, all);
    // Reported, not asserted (the machine is shared).
    console.info(`${TEST_BACKEND}: ${all.length} CERT-FR bulletins saved in ${((performance.now() - started) / 1000).toFixed(2)} s`);
    expect(first).toEqual({ created: all.length, changed: 0, unchanged: 0, stale: 0, changes: all.length });
  }, 300_000);
  afterAll(() => stores?.close());

  it('stores every bulletin with its CVE links, per kind, and a created row each in the history feed', async () => {
    expect(all.length).toBeGreaterThan(15_000);
    expect(links).toBeGreaterThan(150_000);
    expect(await peekValue(stores, 'SELECT count(*) FROM advisory_cves')).toBe(links);
    expect(await store.countAdvisories({})).toBe(all.length);
    const stats = await store.stats();
    expect(stats.advisories).toEqual({ bulletin: all.length });
    const alerts = stores.alerts;
    expect(await alerts.lastAdvisoryChangeId()).toBe(all.length);
    const feed = await alerts.readAdvisoryChanges(0, 3);
    expect(feed.map((c) => [c.id, c.advisoryId, c.field])).toEqual(all.slice(0, 3).map((a, i) => [i + 1, a.id, 'created']));
  });

  it('gives back a bulletin as it was stored, with its first-seen time and history', async () => {
    const a = (all.find((x) => x.id === 'CERTFR-2026-AVI-0196') ?? all[all.length - 1]) as Advisory;
    const stored = await store.getAdvisory(a.id);
    expect(stored?.advisory).toEqual(a);
    expect(stored?.history).toEqual([{ advisoryId: a.id, field: 'created', old: null, new: a.title, source: 'certfr', at: a.modified }]);
    expect(await store.getAdvisory('CERTFR-1999-AVI-0000')).toBeNull();
  });

  it('re-importing every bulletin changes nothing', async () => {
    const before = await stores.alerts.lastAdvisoryChangeId();
    expect(await saveAll(store, all)).toEqual({ created: 0, changed: 0, unchanged: all.length, stale: 0, changes: 0 });
    expect(await stores.alerts.lastAdvisoryChangeId()).toBe(before);
  }, 300_000);

  it('keeps a newer revision against an older one, and writes the history of a revision', async () => {
    const a = all.find((x) => x.revisions && x.revisions.length >= 2 && x.cves.length >= 2) as Advisory;
    expect(a).toBeDefined();
    // The bulletin as it was at its first revision: older `modified`, one CVE fewer.
    const firstRevision: Advisory = { ...a, modified: (a.revisions ?? [])[0]?.date as string, revisions: a.revisions?.slice(0, 1), cves: a.cves.slice(1) };
    expect(await store.saveAdvisories([firstRevision])).toMatchObject({ created: 0, changed: 0, unchanged: 0, stale: 1, changes: [] });
    expect((await store.getAdvisory(a.id))?.advisory).toEqual(a);

    // A new revision: a later date, a new CVE, withdrawn.
    const date = new Date(Date.parse(a.modified) + 86_400_000).toISOString();
    const revised: Advisory = {
      ...a,
      modified: date,
      withdrawn: date,
      revisions: [...(a.revisions ?? []), { date, description: 'Ajout du CVE-2026-99999' }],
      cves: [...a.cves, { id: 'CVE-2026-99999', origin: 'text' }],
    };
    const r = await store.saveAdvisories([revised]);
    expect(r).toMatchObject({ created: 0, changed: 1, unchanged: 0, stale: 0 });
    const ids = (list: Advisory['cves']) => [...new Set(list.map((c) => (c.origin === 'text' ? `${c.id} (text)` : c.id)))].sort().join(', ');
    expect(r.changes).toEqual([
      { advisoryId: a.id, field: 'modified', old: a.modified, new: date, source: 'certfr', at: date },
      { advisoryId: a.id, field: 'withdrawn', old: null, new: date, source: 'certfr', at: date },
      { advisoryId: a.id, field: 'cves', old: ids(a.cves), new: ids(revised.cves), source: 'certfr', at: date },
    ]);
    const stored = await store.getAdvisory(a.id);
    expect(stored?.advisory).toEqual(revised);
    expect(stored?.history.map((h) => h.field)).toEqual(['created', 'modified', 'withdrawn', 'cves']);
    expect((await store.advisoriesForCve('CVE-2026-99999')).map((s) => s.id)).toEqual([a.id]);
    // The older document again is stale; the same again is unchanged.
    expect(await store.saveAdvisories([a])).toMatchObject({ stale: 1 });
    expect(await store.saveAdvisories([revised])).toMatchObject({ unchanged: 1 });
    // Put back, for the other tests (a later `modified` than the revision's).
    const back = { ...a, modified: new Date(Date.parse(date) + 1000).toISOString() };
    expect(await store.saveAdvisories([back])).toMatchObject({ changed: 1 });
  });

  it('lists by CVE exactly the bulletins that name it, newest first', async () => {
    const cve = 'CVE-2021-44228';
    const expected = all
      .filter((a) => a.cves.some((c) => c.id === cve))
      .sort((x, y) => (y.published ?? y.modified).localeCompare(x.published ?? x.modified) || y.id.localeCompare(x.id))
      .map((a) => a.id);
    expect(expected.length).toBeGreaterThan(10);
    expect((await store.advisoriesForCve(cve)).map((s) => s.id)).toEqual(expected);
    expect((await store.listAdvisories({ cve: cve.toLowerCase(), limit: 500 })).map((s) => s.id)).toEqual(expected);
    expect(await store.countAdvisories({ cve })).toBe(expected.length);
    const one = (await store.advisoriesForCve(cve))[0];
    expect(one).not.toHaveProperty('cves'); // a CVE page's list does not read every bulletin's CVE list
    expect((await store.listAdvisories({ cve, limit: 1 }))[0]?.cves).toContain(cve);
    expect(one?.url).toMatch(/^https:\/\/www\.cert\.ssi\.gouv\.fr\/avis\/CERTFR-/);
  });

  it('filters by vendor (affected vendor or product, or the title) and by words', async () => {
    const fortinet = all.filter((a) => a.affected.some((p) => /fortinet/i.test(`${p.vendor} ${p.product}`)) || /\bfortinet\b/i.test(a.title));
    expect(fortinet.length).toBeGreaterThan(100);
    expect(await store.countAdvisories({ vendor: 'Fortinet' })).toBe(fortinet.length);
    const since = '2025-01-01';
    const recent = fortinet.filter((a) => (a.published ?? a.modified) >= since);
    expect(await store.countAdvisories({ vendor: 'fortinet', since })).toBe(recent.length);
    // FTS5's unicode61 tokenizer with diacritics removed: whole words, case and accents folded.
    const tokens = (text: string) =>
      new Set(
        text
          .normalize('NFD')
          .replace(/\p{M}/gu, '')
          .toLowerCase()
          .split(/[^\p{L}\p{N}]+/u),
      );
    const words = all.filter((a) => {
      const t = tokens(`${a.id} ${a.title} ${a.summary ?? ''}`);
      return t.has('fortios') && t.has('vulnerabilite');
    });
    expect(words.length).toBeGreaterThan(5);
    const found = await store.listAdvisories({ text: 'FortiOS vulnérabilité', limit: 500 });
    expect(found.map((s) => s.id).sort()).toEqual(words.map((a) => a.id).sort());
    expect(await store.countAdvisories({ text: '   ' })).toBe(0);
    await expect(store.countAdvisories({ since: '2024-02-30' })).rejects.toThrow(RangeError);
    await expect(store.listAdvisories({ since: 'yesterday' })).rejects.toThrow(RangeError);
    expect(await store.countAdvisories({ since: '2024-02-29T12:00:00+02:00' })).toBe(
      all.filter((a) => (a.published ?? a.modified) >= '2024-02-29T10:00:00.000Z').length,
    );
    expect(await store.countAdvisories({ text: 'CERTFR-2024-AVI-0001' })).toBe(1);
    expect(await store.countAdvisories({ kind: 'exploit' })).toBe(0);
    expect(await store.countAdvisories({ source: 'certfr', kind: 'bulletin' })).toBe(all.length);
  });

  it('pages with a keyset cursor through every bulletin once, in order', async () => {
    const seen: string[] = [];
    let after: { published: string; id: string } | undefined;
    for (;;) {
      const page = await store.listAdvisories({ limit: 500, ...(after ? { after } : {}) });
      if (!page.length) break;
      seen.push(...page.map((p) => p.id));
      const last = page[page.length - 1] as (typeof page)[number];
      after = { published: last.published ?? last.modified, id: last.id };
    }
    expect(seen.length).toBe(all.length);
    expect(new Set(seen).size).toBe(all.length);
  });
});

describe.skipIf(!hasCorpus())('a batch of advisories is stored whole or not at all', () => {
  it('a failing batch leaves the batches before it whole and nothing of itself (the import writer: SQLite in a worker thread)', async () => {
    const all = certFrAdvisories().slice(0, 3000);
    const stores = await openTestStores({ writer: true });
    const store = stores.writer;
    try {
      expect((await store.saveAdvisories(all.slice(0, 1000))).created).toBe(1000);
      expect((await store.saveAdvisories(all.slice(1000, 2000))).created).toBe(1000);
      // The 500th document of the third batch breaks a constraint (an unknown CVE origin):
      // the 499 before it in the same batch must not stay.
      const bad = all.slice(2000, 3000).map((a, i) => (i === 499 ? { ...a, cves: [{ id: 'CVE-2026-0001', origin: 'guessed' as 'text' }] } : a));
      await expect(store.saveAdvisories(bad)).rejects.toThrow(/check constraint/i);
      expect(await store.countAdvisories({})).toBe(2000);
      expect(await store.getAdvisory(all[2000]?.id as string)).toBeNull();
      expect((await store.saveAdvisories(all.slice(2000, 3000))).created).toBe(1000);
    } finally {
      await stores.close();
    }
  }, 120_000);
});

describe.skipIf(!hasCorpus())('writers saving the same advisories at once', () => {
  it('two stores on one database, overlapping batches in opposite orders: no deadlock, each advisory once, the newest kept', async () => {
    const all = certFrAdvisories().slice(0, 3000);
    const stores = await openTestStores();
    // A second set of connections to the same database: another worker process's.
    const other = await openStores(stores.database);
    try {
      const later = (a: Advisory): Advisory => ({ ...a, modified: new Date(Date.parse(a.modified) + 86_400_000).toISOString(), title: `${a.title} (rev.)` });
      const first = all.slice(0, 2000);
      const second = all
        .slice(1000)
        .map((a, i) => (i % 3 ? a : later(a)))
        .reverse();
      const results = await Promise.all([
        stores.store.saveAdvisories(first.slice(0, 1000)),
        other.store.saveAdvisories(second.slice(0, 1000)),
        stores.store.saveAdvisories(first.slice(1000)),
        other.store.saveAdvisories(second.slice(1000)),
      ]);
      expect(results.reduce((n, r) => n + r.created, 0)).toBe(3000);
      expect(await stores.store.countAdvisories({})).toBe(3000);
      for (const a of all.slice(1000, 1030)) {
        const stored = await stores.store.getAdvisory(a.id);
        const expected = (all.indexOf(a) - 1000) % 3 ? a : later(a);
        expect(stored?.advisory).toEqual(expected);
        expect(stored?.history.map((h) => h.field)).toEqual(expected === a ? ['created'] : expect.arrayContaining(['created']));
      }
    } finally {
      await other.close();
      await stores.close();
    }
  }, 120_000);
});
