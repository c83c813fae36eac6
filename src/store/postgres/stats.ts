/** The dashboard's statistics on PostgreSQL (same semantics as ../sqlite/stats.ts). */
import type { StatsStore } from '../server.ts';
import { stub } from './alerts.ts';
import type { PgDb } from './pool.ts';

export function createPgStatsStore(_db: PgDb): StatsStore {
  return stub('PgStatsStore');
}
