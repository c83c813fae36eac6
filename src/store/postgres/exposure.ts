/** {@link ExposureStore} on PostgreSQL: the recursive CTE of docs/exposure.md (issue 15). */
import type { ExposureStore } from '../../exposure/types.ts';
import type { PgDb } from './pool.ts';

/** Exposure reads over the PostgreSQL store. */
export function createPgExposureStore(_db: PgDb): ExposureStore {
  return {
    exposure(): never {
      throw new Error('not implemented yet (issue 15)');
    },
  };
}
