/** {@link ExposureStore} on SQLite: the recursive CTE of docs/exposure.md (issue 15). */
import type { ExposureStore } from '../../exposure/types.ts';
import type { SqliteStore } from './index.ts';

/** Exposure reads over the SQLite store. */
export class SqliteExposureStore implements ExposureStore {
  constructor(readonly store: SqliteStore) {}
  exposure(): never {
    throw new Error('not implemented yet (issue 15)');
  }
}
