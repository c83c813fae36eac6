/**
 * {@link TrendsStore} on SQLite (issue 15): the shared SQL of trends/sql.ts run through the
 * store's cached statements; vendor display names from the store's vendor-names cache.
 */
import { SqlTrends } from '../../trends/sql.ts';
import type { TrendsStore } from '../../trends/types.ts';
import type { SqliteStore } from './index.ts';

/** Trend reads over the SQLite store. */
export class SqliteTrendsStore extends SqlTrends implements TrendsStore {
  constructor(readonly store: SqliteStore) {
    super({
      dialect: 'sqlite',
      all: async <R>(sql: string, params: unknown[]) => store.stmt(sql).all(...params) as R[],
      vendorNames: async (keys) => {
        const out = new Map<string, string>();
        for (const k of keys) {
          const name = store.vendorNames.ofKey(k);
          if (name) out.set(k, name);
        }
        return out;
      },
    });
  }
}
