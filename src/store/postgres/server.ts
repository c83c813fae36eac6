/** Accounts, sessions, tokens, audit, settings and jobs on PostgreSQL (same semantics as ../sqlite/server.ts). */
import type { AuthStore, JobStore } from '../server.ts';
import { stub } from './alerts.ts';
import type { PgDb } from './pool.ts';

export function createPgServerStore(_db: PgDb): AuthStore & JobStore {
  return stub('PgServerStore');
}
