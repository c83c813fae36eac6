/** EPSS days on PostgreSQL (same semantics as ../sqlite/epss.ts). */
import type { EpssDay } from '../../model/vulnerability.ts';
import type { EpssImportResult } from '../types.ts';
import type { PgDb } from './pool.ts';
import { todo } from './todo.ts';

export async function applyEpssDay(_db: PgDb, _day: EpssDay): Promise<EpssImportResult> {
  return todo('applyEpssDay');
}
