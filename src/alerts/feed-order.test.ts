/**
 * The change feed never skips a change committed late (PostgreSQL only: ids are taken at insert
 * and transactions commit in any order, so id 2 can be visible before id 1; SQLite has one writer
 * at a time, whose ids commit in order, so the case cannot arise there). The engine's cursor moves
 * to the newest id it read: a reader that saw 2 without 1 would never see 1.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openTestStores, TEST_BACKEND, type TestStores } from '../testing/store.ts';

describe.skipIf(TEST_BACKEND !== 'postgres')('change feed with writers committing out of order', () => {
  let stores: TestStores;
  beforeEach(async () => {
    stores = await openTestStores();
  });
  afterEach(async () => stores.close());

  it.each([
    ['changes', (s: TestStores, after: number) => s.alerts.readChanges(after, 100), `INSERT INTO changes (cve_id, field, old, new, source, at) VALUES ($1, 'state', NULL, 'PUBLISHED', 'cve5', '2026-12-05T00:00:00.000Z') RETURNING id`],
    ['advisory_changes', (s: TestStores, after: number) => s.alerts.readAdvisoryChanges(after, 100), `INSERT INTO advisory_changes (advisory_id, field, old, new, source, at) VALUES ($1, 'created', NULL, NULL, 'certfr', '2026-12-05T00:00:00.000Z') RETURNING id`],
  ] as const)('%s: a read waits for the earlier id to commit instead of passing it', async (_table, read, insert) => {
    const pool = stores.pg?.pool;
    if (!pool) throw new Error('no PostgreSQL pool');
    const [first, second] = [await pool.connect(), await pool.connect()];
    try {
      await first.query('BEGIN');
      const one = (await first.query(insert, ['CVE-2024-0001'])).rows[0].id as number;
      const two = (await second.query(insert, ['CVE-2024-0002'])).rows[0].id as number; // autocommit: visible now
      expect(two).toBeGreaterThan(one);
      let settled = false;
      const reading = read(stores, 0).finally(() => {
        settled = true;
      });
      await new Promise((r) => setTimeout(r, 300));
      expect(settled).toBe(false); // waiting for `first`, not returning [two] alone
      await first.query('COMMIT');
      expect((await reading).map((c) => c.id)).toEqual([one, two]);
    } finally {
      await first.query('ROLLBACK').catch(() => {});
      first.release();
      second.release();
    }
  });
});
