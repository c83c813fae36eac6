/**
 * CVE records on PostgreSQL: observations, the `vulns` row per CVE (ranking columns, priority),
 * products, CWEs, full text and change history; ranked lists, source state and sizes.
 * Same semantics as the SQLite store (../sqlite/index.ts, rows.ts, ../query.ts).
 */
import type { RankedVulnerability } from '../../model/record.ts';
import type { MergeState, RankQuery, SourceState, StoredVulnerability, StoreStats, VulnWrite } from '../types.ts';
import type { PgDb } from './pool.ts';
import { todo } from './todo.ts';

export async function loadForMerge(_db: PgDb, _cveIds: string[]): Promise<Map<string, MergeState>> {
  return todo('loadForMerge');
}
export async function saveVulnerabilities(_db: PgDb, _writes: VulnWrite[]): Promise<void> {
  return todo('saveVulnerabilities');
}
export async function getVulnerability(_db: PgDb, _cveId: string): Promise<StoredVulnerability | null> {
  return todo('getVulnerability');
}
export async function rank(_db: PgDb, _q: RankQuery): Promise<RankedVulnerability[]> {
  return todo('rank');
}
export async function countRanked(_db: PgDb, _q: RankQuery): Promise<number> {
  return todo('countRanked');
}
export async function getSourceState(_db: PgDb, _source: string): Promise<SourceState | null> {
  return todo('getSourceState');
}
export async function saveSourceState(_db: PgDb, _state: SourceState): Promise<void> {
  return todo('saveSourceState');
}
export async function listSourceStates(_db: PgDb): Promise<SourceState[]> {
  return todo('listSourceStates');
}
export async function newestLastModified(_db: PgDb, _source: string): Promise<string | null> {
  return todo('newestLastModified');
}
export async function storeStats(_db: PgDb): Promise<StoreStats> {
  return todo('storeStats');
}
