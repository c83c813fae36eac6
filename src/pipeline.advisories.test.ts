/**
 * `advisories` events through the pipeline, on the real CERT-FR bulletins: counted in the run's
 * summary, stored before the next cursor is saved, and a second run changes nothing.
 */
import { describe, expect, it } from 'vitest';
import { createLogger } from './log.ts';
import type { Advisory } from './model/advisory.ts';
import { consume, emptySummary, importFiles } from './pipeline.ts';
import { corpusPlan, findSource } from './sources/registry.ts';
import type { SourceEvent } from './sources/types.ts';
import { certFrAdvisories } from './testing/certfr-lines.ts';
import { corpusDir, hasCorpus } from './testing/corpus.ts';
import { openTestStores } from './testing/store.ts';

const log = createLogger('silent');

/** The bulletins in batches of 1,000, a cursor after each batch. */
async function* bulletins(all: Advisory[]): AsyncGenerator<SourceEvent> {
  for (let i = 0; i < all.length; i += 1000) {
    yield { type: 'advisories', records: all.slice(i, i + 1000) };
    yield { type: 'cursor', cursor: String(Math.min(i + 1000, all.length)) };
  }
}

describe.skipIf(!hasCorpus())('advisories through the pipeline', () => {
  it('stores every batch before its cursor, counts them, and changes nothing on a second run', async () => {
    const all = certFrAdvisories().slice(0, 5500);
    const stores = await openTestStores();
    const { store } = stores;
    const stored: [string, number][] = [];
    const onCursor = async (cursor: string) => {
      stored.push([cursor, await store.countAdvisories({})]);
    };
    const first = await consume(bulletins(all), { store, log }, emptySummary('certfr'), { onCursor });
    expect(stored).toEqual(['1000', '2000', '3000', '4000', '5000', '5500'].map((c) => [c, Number(c)]));
    expect(first).toMatchObject({ read: 5500, stored: 5500, created: 5500, changed: 0, unchanged: 0, stale: 0, cursor: '5500' });
    expect(first.advisories).toEqual({ created: 5500, changed: 0, unchanged: 0, stale: 0 });

    const second = await consume(bulletins(all), { store, log }, emptySummary('certfr'));
    expect(second).toMatchObject({ read: 5500, stored: 0, created: 0, changed: 0, unchanged: 5500, stale: 0 });
    expect(second.advisories).toEqual({ created: 0, changed: 0, unchanged: 5500, stale: 0 });
    await stores.close();
  });

  it('imports the CERT-FR corpus through the certfr source into the import writer (SQLite: the threaded store): every bulletin, read back whole and from its listed and text CVEs, then nothing on a second run', async () => {
    const paths = corpusPlan(corpusDir).find((s) => s.source === 'certfr')?.paths ?? [];
    const yielded: Advisory[] = [];
    for await (const ev of findSource('certfr').source.importFiles(paths, { log })) if (ev.type === 'advisories') yielded.push(...ev.records);
    expect(yielded.some((a) => a.cves.some((c) => c.origin === 'text'))).toBe(true);
    const stores = await openTestStores({ writer: true });
    const store = stores.writer;
    try {
      const first = await importFiles(findSource('certfr').source, paths, { store, log });
      expect(first).toMatchObject({ read: yielded.length, stored: yielded.length, created: yielded.length, error: null });
      expect(await store.countAdvisories({})).toBe(yielded.length);
      const sample = yielded[Math.floor(yielded.length / 2)] as Advisory;
      expect((await store.getAdvisory(sample.id))?.advisory).toEqual(sample);
      // Every CVE link, listed or found in the text, reads back from the CVE side.
      const cve = sample.cves.find((c) => c.origin === 'text') ?? sample.cves[0];
      if (cve) expect((await store.advisoriesForCve(cve.id)).map((a) => a.id)).toContain(sample.id);
      const withText = yielded.find((a) => a.cves.some((c) => c.origin === 'text')) as Advisory;
      const textCve = withText.cves.find((c) => c.origin === 'text')?.id as string;
      expect((await store.listAdvisories({ cve: textCve, limit: 500 })).map((a) => a.id)).toContain(withText.id);
      const second = await importFiles(findSource('certfr').source, paths, { store, log });
      expect(second).toMatchObject({ read: yielded.length, stored: 0, unchanged: yielded.length });
      expect(second.advisories).toEqual({ created: 0, changed: 0, unchanged: yielded.length, stale: 0 });
      expect(await store.stats()).toMatchObject({ advisories: { bulletin: yielded.length } });
    } finally {
      await stores.close();
    }
  }, 120_000);

  it('a batch the store refuses stops the run before the next cursor, with the batches before it stored', async () => {
    const all = certFrAdvisories().slice(0, 4000);
    // The 3rd batch breaks a constraint (an unknown CVE origin) in its last document.
    const bad = all.map((a, i) => (i === 2999 ? { ...a, cves: [{ id: 'CVE-2026-0001', origin: 'guessed' as 'text' }] } : a));
    const stores = await openTestStores();
    const { store } = stores;
    const cursors: string[] = [];
    const summary = emptySummary('certfr');
    await expect(
      consume(bulletins(bad), { store, log }, summary, {
        onCursor: async (c) => {
          cursors.push(c);
        },
      }),
    ).rejects.toThrow(/check constraint/i);
    expect(cursors).toEqual(['1000', '2000']);
    expect(await store.countAdvisories({})).toBe(2000);
    expect(summary.advisories).toEqual({ created: 2000, changed: 0, unchanged: 0, stale: 0 });
    await stores.close();
  });
});
