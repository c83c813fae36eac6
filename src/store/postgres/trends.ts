/**
 * {@link TrendsStore} on PostgreSQL (issue 15): the shared SQL of trends/sql.ts (its `?`
 * placeholders renumbered `$1`…), vendor display names from the pool's cache (records.ts).
 */
import { SqlTrends } from '../../trends/sql.ts';
import type { TrendsStore } from '../../trends/types.ts';
import type { PgDb } from './pool.ts';
import { vendorNamesOf } from './records.ts';

/** `?` placeholders as `$1`, `$2`, … (the shared SQL has no `?` anywhere else). */
function numbered(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

/** Trend reads over the PostgreSQL store. */
export function createPgTrendsStore(db: PgDb): TrendsStore {
  return new SqlTrends({
    dialect: 'postgres',
    all: <R>(sql: string, params: unknown[]) => db.query<R>(numbered(sql), params),
    vendorNames: (keys) => vendorNamesOf(db).ofKeys(keys),
  });
}
