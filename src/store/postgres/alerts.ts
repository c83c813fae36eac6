/** The alerting store on PostgreSQL (../alerts.ts; same semantics as ../sqlite/alerts.ts). */
import type { AlertStore } from '../alerts.ts';
import type { PgDb } from './pool.ts';
import { todo } from './todo.ts';

/** The {@link AlertStore} of a PostgreSQL store. */
export function createPgAlertStore(_db: PgDb): AlertStore {
  return stub('PgAlertStore');
}

/** An object whose every method rejects with "not implemented" (until the store is written). */
export function stub<T>(name: string): T {
  return new Proxy({}, { get: (_t, p) => (p === 'then' ? undefined : async () => todo(`${name}.${String(p)}`)) }) as T;
}
