/** {@link TrendsStore} on PostgreSQL (issue 15). */
import type { TrendsStore } from '../../trends/types.ts';
import type { PgDb } from './pool.ts';

/** Trend reads over the PostgreSQL store. */
export function createPgTrendsStore(_db: PgDb): TrendsStore {
  const todo = (): never => {
    throw new Error('not implemented yet (issue 15)');
  };
  return { trend: todo, epssMovers: todo, buzz: todo, members: todo };
}
