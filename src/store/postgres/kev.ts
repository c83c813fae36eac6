/**
 * Storing one CISA KEV catalog version in PostgreSQL, with the semantics of ../sqlite/kev.ts (read
 * its header): entries new since the stored catalog are `added` (history `added <dateAdded>`; the
 * first catalog stored is a baseline, `listed <dateAdded>`), changed entries `updated`, entries
 * missing from the newest version `removed`; listed CVEs without a record get stubs (known.ts).
 * The diff is computed here from one read of the stored entries; the writes are set-based (a dozen
 * statements for the 1,400-entry catalog), in one transaction.
 */
import type { KevCatalog, KevEntry } from '../../model/vulnerability.ts';
import type { KevImportResult } from '../types.ts';
import { writeKevStubs } from './known.ts';
import type { PgClient, PgDb } from './pool.ts';

const TRACKED: (keyof KevEntry)[] = ['dueDate', 'requiredAction', 'knownRansomwareCampaignUse', 'vulnerabilityName', 'dateAdded'];

/** Key of the advisory lock that serialises KEV imports (two workers given catalogs at once). */
const KEV_LOCK = 0x6b6576;

interface ChangeRow {
  cveId: string;
  field: string;
  old: string | null;
  new: string | null;
}

/**
 * Stores `catalog` atomically; a catalog version already stored is left as it is (`alreadyStored`).
 * An entry listed twice in one catalog counts once (its last occurrence).
 * @throws pg's error when the database fails (nothing is written).
 */
export async function applyKevCatalog(db: PgDb, catalog: KevCatalog): Promise<KevImportResult> {
  const version = catalog.catalogVersion;
  const base: KevImportResult = { catalogVersion: version, entries: catalog.entries.length, added: [], updated: [], removed: [], alreadyStored: false };
  return db.tx(async (client) => {
    const result: KevImportResult = { ...base, added: [], updated: [], removed: [] };
    await client.query('SELECT pg_advisory_xact_lock($1)', [KEV_LOCK]);
    if ((await client.query('SELECT 1 FROM kev_catalogs WHERE catalog_version = $1', [version])).rowCount) return { ...result, alreadyStored: true };
    const newestStored = (await client.query<{ v: string | null }>('SELECT max(catalog_version) AS v FROM kev_catalogs')).rows[0]?.v ?? null;
    const isNewest = newestStored === null || version > newestStored;
    const entries = [...new Map(catalog.entries.map((e) => [e.cveId, e])).values()];
    const stored = new Map<string, { data: string; removed_in: string | null }>();
    for (const r of (await client.query<{ cve_id: string; data: string; removed_in: string | null }>('SELECT cve_id, data, removed_in FROM kev')).rows) {
      stored.set(r.cve_id, r);
    }

    const inserts: KevEntry[] = [];
    const updates: KevEntry[] = [];
    const changes: ChangeRow[] = [];
    const touched: KevEntry[] = [];
    for (const e of entries) {
      const row = stored.get(e.cveId);
      if (!row) {
        inserts.push(e);
        if (newestStored !== null) result.added.push(e.cveId);
        changes.push({ cveId: e.cveId, field: 'kev', old: null, new: `${newestStored === null ? 'listed' : 'added'} ${e.dateAdded}` });
      } else if (isNewest) {
        const old = JSON.parse(row.data) as KevEntry;
        const diffs = TRACKED.filter((k) => String(old[k]) !== String(e[k]));
        if (row.removed_in) changes.push({ cveId: e.cveId, field: 'kev', old: 'removed', new: `added ${e.dateAdded}` });
        if (diffs.length || row.removed_in || JSON.stringify(old) !== JSON.stringify(e)) {
          updates.push(e);
          if (diffs.length) result.updated.push(e.cveId);
          for (const k of diffs) changes.push({ cveId: e.cveId, field: `kev.${k}`, old: String(old[k]), new: String(e[k]) });
        }
      } else continue;
      touched.push(e);
    }
    if (isNewest && newestStored !== null) {
      const listed = new Set(entries.map((e) => e.cveId));
      for (const [id, row] of [...stored].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
        if (row.removed_in !== null || listed.has(id)) continue;
        changes.push({ cveId: id, field: 'kev', old: 'listed', new: 'removed' });
        result.removed.push(id);
      }
    }

    await putEntries(client, inserts, version, 'insert');
    await putEntries(client, updates, version, 'update');
    if (result.removed.length) await client.query('UPDATE kev SET removed_in = $1 WHERE cve_id = ANY($2::text[])', [version, result.removed]);
    await client.query(
      `INSERT INTO changes (cve_id, field, old, new, source, at)
       SELECT c.cve_id, c.field, c.old, c.new, 'kev', $5 FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) WITH ORDINALITY AS c(cve_id, field, old, new, n)
       ORDER BY c.n`,
      [changes.map((c) => c.cveId), changes.map((c) => c.field), changes.map((c) => c.old), changes.map((c) => c.new), catalog.dateReleased],
    );
    await writeKevStubs(client, touched);
    await refreshKevFlags(client, [...touched.map((e) => e.cveId), ...result.removed]);
    await client.query('INSERT INTO kev_catalogs (catalog_version, date_released, entries, added) VALUES ($1, $2, $3, $4)', [
      version,
      catalog.dateReleased,
      catalog.entries.length,
      JSON.stringify(result.added),
    ]);
    return result;
  });
}

/** Inserts new KEV rows, or replaces the entry of stored ones (listing them again). */
async function putEntries(client: PgClient, entries: KevEntry[], version: string, how: 'insert' | 'update'): Promise<void> {
  if (!entries.length) return;
  const ids = entries.map((e) => e.cveId);
  const data = entries.map((e) => JSON.stringify(e));
  const ransomware = entries.map((e) => (e.knownRansomwareCampaignUse === 'Known' ? 1 : 0));
  if (how === 'insert') {
    await client.query(
      `INSERT INTO kev (cve_id, data, ransomware, first_catalog)
       SELECT i.cve_id, i.data, i.ransomware, $4 FROM unnest($1::text[], $2::text[], $3::int[]) AS i(cve_id, data, ransomware)`,
      [ids, data, ransomware, version],
    );
  } else {
    await client.query(
      `UPDATE kev SET data = i.data, ransomware = i.ransomware, removed_in = NULL
       FROM unnest($1::text[], $2::text[], $3::int[]) AS i(cve_id, data, ransomware) WHERE kev.cve_id = i.cve_id`,
      [ids, data, ransomware],
    );
  }
}

/** The `kev` and `ransomware` columns of these CVEs' rows from the listed entries (or the record's own KEV mark). */
async function refreshKevFlags(client: PgClient, cveIds: string[]): Promise<void> {
  if (!cveIds.length) return;
  await client.query(
    `UPDATE vulns SET kev = (k.cve_id IS NOT NULL OR vulns.kev_hint IS NOT NULL)::int, ransomware = coalesce(k.ransomware, 0)
     FROM unnest($1::text[]) AS i(cve_id) LEFT JOIN kev k ON k.cve_id = i.cve_id AND k.removed_in IS NULL
     WHERE vulns.cve_id = i.cve_id`,
    [cveIds],
  );
}
