/**
 * The indexer's cursors (table `search_cursors`, migration 14): per target (engine URL without
 * credentials + index prefix) and feed, the last change indexed. Both back ends.
 */
import type { Stores } from '../store/index.ts';

/** The feeds the daemon follows (./indexer.ts). */
export type SearchFeed = 'cves' | 'cves-epss' | 'advisories' | 'intel' | 'iocs';

/** Reads and writes cursors of one target. */
export interface CursorStore {
  /** Every cursor of the target (feed → value). */
  all(): Promise<Map<SearchFeed, string>>;
  /** Sets one cursor (`updated`: ISO 8601 now). */
  set(feed: SearchFeed, cursor: string, updated: string): Promise<void>;
}

/** The cursor store of `target` in `stores` (SQLite: its connection on this thread; PostgreSQL: its pool). */
export function cursorStore(stores: Stores, target: string): CursorStore {
  const { sqlite, pg } = stores;
  if (sqlite) {
    return {
      async all() {
        const rows = sqlite.db.prepare('SELECT feed, cursor FROM search_cursors WHERE target = ?').all(target) as { feed: SearchFeed; cursor: string }[];
        return new Map(rows.map((r) => [r.feed, r.cursor]));
      },
      async set(feed, cursor, updated) {
        sqlite.db
          .prepare(
            'INSERT INTO search_cursors (target, feed, cursor, updated) VALUES (?, ?, ?, ?) ON CONFLICT (target, feed) DO UPDATE SET cursor = excluded.cursor, updated = excluded.updated',
          )
          .run(target, feed, cursor, updated);
      },
    };
  }
  if (pg) {
    return {
      async all() {
        const rows = await pg.query<{ feed: SearchFeed; cursor: string }>('SELECT feed, cursor FROM search_cursors WHERE target = $1', [target]);
        return new Map(rows.map((r) => [r.feed, r.cursor]));
      },
      async set(feed, cursor, updated) {
        await pg.query(
          'INSERT INTO search_cursors (target, feed, cursor, updated) VALUES ($1, $2, $3, $4) ON CONFLICT (target, feed) DO UPDATE SET cursor = excluded.cursor, updated = excluded.updated',
          [target, feed, cursor, updated],
        );
      },
    };
  }
  throw new Error(`no table access to a ${stores.backend} store`);
}

/** The target key of an engine: its URL without user, password, query or trailing slash, then `|` and the index prefix. */
export function targetKey(url: string, indexPrefix: string): string {
  const u = new URL(url);
  u.username = '';
  u.password = '';
  u.search = '';
  u.hash = '';
  return `${u.toString().replace(/\/+$/, '')}|${indexPrefix}`;
}
