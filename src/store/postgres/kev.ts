/** KEV catalog versions on PostgreSQL (same semantics as ../sqlite/kev.ts). */
import type { KevCatalog } from '../../model/vulnerability.ts';
import type { KevImportResult } from '../types.ts';
import type { PgDb } from './pool.ts';
import { todo } from './todo.ts';

export async function applyKevCatalog(_db: PgDb, _catalog: KevCatalog): Promise<KevImportResult> {
  return todo('applyKevCatalog');
}
