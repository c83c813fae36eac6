/** {@link TrendsStore} on SQLite (issue 15). */
import type { TrendsStore } from '../../trends/types.ts';
import type { SqliteStore } from './index.ts';

/** Trend reads over the SQLite store. */
export class SqliteTrendsStore implements TrendsStore {
  constructor(readonly store: SqliteStore) {}
  trend(): never {
    throw new Error('not implemented yet (issue 15)');
  }
  epssMovers(): never {
    throw new Error('not implemented yet (issue 15)');
  }
  buzz(): never {
    throw new Error('not implemented yet (issue 15)');
  }
  members(): never {
    throw new Error('not implemented yet (issue 15)');
  }
}
