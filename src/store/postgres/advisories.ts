/** Advisories, bulletins and exploits on PostgreSQL (same semantics as ../sqlite/advisories.ts). */
import type { Advisory, AdvisoryLink, AdvisorySummary } from '../../model/advisory.ts';
import type { AdvisoryQuery, AdvisorySaveResult, StoredAdvisory } from '../types.ts';
import type { PgDb } from './pool.ts';
import { todo } from './todo.ts';

export async function saveAdvisories(_db: PgDb, _advisories: Advisory[]): Promise<AdvisorySaveResult> {
  return todo('saveAdvisories');
}
export async function getAdvisory(_db: PgDb, _id: string): Promise<StoredAdvisory | null> {
  return todo('getAdvisory');
}
export async function listAdvisories(_db: PgDb, _q: AdvisoryQuery): Promise<AdvisorySummary[]> {
  return todo('listAdvisories');
}
export async function countAdvisories(_db: PgDb, _q: AdvisoryQuery): Promise<number> {
  return todo('countAdvisories');
}
export async function advisoriesForCve(_db: PgDb, _cveId: string): Promise<AdvisoryLink[]> {
  return todo('advisoriesForCve');
}
