/**
 * `advisories` events through the pipeline, on the real CERT-FR bulletins: counted in the run's
 * summary, stored before the next cursor is saved, and a second run changes nothing.
 */
import { describe, expect, it } from 'vitest';
import { createLogger } from './log.ts';
import type { Advisory } from './model/advisory.ts';
import { consume, emptySummary } from './pipeline.ts';
import type { SourceEvent } from './sources/types.ts';
import { openSqliteStore } from './store/sqlite/index.ts';
import { certFrAdvisories } from './testing/certfr-lines.ts';
import { hasCorpus } from './testing/corpus.ts';

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
    const store = openSqliteStore(':memory:');
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
    await store.close();
  });

  it('a batch the store refuses stops the run before the next cursor, with the batches before it stored', async () => {
    const all = certFrAdvisories().slice(0, 4000);
    // The 3rd batch breaks a constraint (an unknown CVE origin) in its last document.
    const bad = all.map((a, i) => (i === 2999 ? { ...a, cves: [{ id: 'CVE-2026-0001', origin: 'guessed' as 'text' }] } : a));
    const store = openSqliteStore(':memory:');
    const cursors: string[] = [];
    const summary = emptySummary('certfr');
    await expect(
      consume(bulletins(bad), { store, log }, summary, {
        onCursor: async (c) => {
          cursors.push(c);
        },
      }),
    ).rejects.toThrow(/CHECK constraint/);
    expect(cursors).toEqual(['1000', '2000']);
    expect(await store.countAdvisories({})).toBe(2000);
    expect(summary.advisories).toEqual({ created: 2000, changed: 0, unchanged: 0, stale: 0 });
    await store.close();
  });
});
