import { afterAll, describe, expect, it } from 'vitest';
import { openTestStores } from '../../testing/store.ts';
import { migratePg, migrations } from './migrations.ts';
import { migrations as sqliteMigrations } from '../sqlite/migrations.ts';

describe('PostgreSQL migrations', () => {
  const opened: { close(): Promise<void> }[] = [];
  afterAll(async () => {
    for (const s of opened) await s.close();
  });

  it('mirror the SQLite migrations id for id and apply once, also when started twice at once', async () => {
    expect(migrations.map((m) => [m.id, m.name])).toEqual(sqliteMigrations.map((m) => [m.id, m.name]));
    const stores = await openTestStores({ backend: 'postgres' });
    opened.push(stores);
    const db = stores.pg;
    if (!db) throw new Error('expected a PostgreSQL store');
    const again = await Promise.all([migratePg(db), migratePg(db)]);
    expect(again).toEqual([[], []]);
    const ids = await db.query<{ id: number }>('SELECT id FROM schema_migrations ORDER BY id');
    expect(ids.map((r) => r.id)).toEqual(migrations.map((m) => m.id));
    // The generated priority column computes the newest formula.
    await db.query(`INSERT INTO vulns (cve_id, state, last_modified, kev, epss, cvss_score, exploits) VALUES ('CVE-2024-3400', 'PUBLISHED', '2024-04-12', 1, 0.95, 10, 1)`);
    const row = await db.one<{ priority: number }>(`SELECT priority FROM vulns WHERE cve_id = 'CVE-2024-3400'`);
    expect(row?.priority).toBe(Math.round((55 + 25 * 0.95 + 15) * 100) / 100);
  });
});

describe('a PostgreSQL database that does not exist yet', () => {
  it('is created and migrated, as a SQLite file would be', async () => {
    const { openStores } = await import('../index.ts');
    const { TEST_PG_URL } = await import('../../testing/store.ts');
    const { randomBytes } = await import('node:crypto');
    const pg = (await import('pg')).default;
    const name = `vigil_new_${randomBytes(4).toString('hex')}`;
    const url = new URL(TEST_PG_URL);
    url.pathname = `/${name}`;
    const stores = await openStores(url.toString());
    try {
      expect((await stores.store.stats()).vulnerabilities).toBe(0);
      expect(await stores.pg?.query('SELECT id FROM schema_migrations ORDER BY id')).toHaveLength(migrations.length);
    } finally {
      await stores.close();
      const { parsePostgresUrl } = await import('./pool.ts');
      const admin = new pg.Client({ connectionString: parsePostgresUrl(TEST_PG_URL).connectionString });
      await admin.connect();
      await admin.query(`DROP DATABASE IF EXISTS ${name}`);
      await admin.end();
    }
  });
});
