/**
 * Raw SQL peeks for tests that run on both back ends (`openTestStores()`): one statement with `?`
 * placeholders, run on the SQLite connection or the PostgreSQL pool of the stores under test. For
 * what the store interfaces do not show (history rows, stub flags); prefer the interfaces.
 */
import type { Stores } from './index.ts';

/** Rows of `sql` (`?` placeholders, numbered `$n` for PostgreSQL). */
export async function peek<R = Record<string, unknown>>(stores: Pick<Stores, 'sqlite' | 'pg'>, sql: string, ...params: unknown[]): Promise<R[]> {
  if (stores.sqlite) return stores.sqlite.db.prepare(sql).all(...params) as R[];
  if (!stores.pg) throw new Error('peek: stores without a SQLite connection or PostgreSQL pool');
  let n = 0;
  return stores.pg.query<R>(
    sql.replace(/\?/g, () => `$${++n}`),
    params,
  );
}

/** The first column of the first row of `sql`, or undefined. */
export async function peekValue<T = unknown>(stores: Pick<Stores, 'sqlite' | 'pg'>, sql: string, ...params: unknown[]): Promise<T | undefined> {
  const row = (await peek(stores, sql, ...params))[0];
  return row ? (Object.values(row)[0] as T) : undefined;
}

/** The first column of every row of `sql`. */
export async function peekColumn<T = unknown>(stores: Pick<Stores, 'sqlite' | 'pg'>, sql: string, ...params: unknown[]): Promise<T[]> {
  return (await peek(stores, sql, ...params)).map((r) => Object.values(r)[0] as T);
}
