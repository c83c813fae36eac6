/**
 * Storing one CISA KEV catalog version in SQLite: entries new since the stored catalog are
 * reported as added (and recorded as history: `kev` null → `added <dateAdded>`; entries of the
 * first catalog stored read `listed <dateAdded>`), changed entries (due date, ransomware use, …) as
 * updated, and entries missing from the newest version as removed. A listed CVE without a
 * record yet gets a stub row from its entry (known.ts), so that it is shown, counted and ranked.
 */
import type { KevCatalog, KevEntry } from '../../model/vulnerability.ts';
import type { KevImportResult } from '../types.ts';
import type { SqliteStore } from './index.ts';
import { kevStubWriter } from './known.ts';

const TRACKED: (keyof KevEntry)[] = ['dueDate', 'requiredAction', 'knownRansomwareCampaignUse', 'vulnerabilityName', 'dateAdded'];

/** Stores `catalog` atomically; a catalog version already stored is left as it is. */
export function applyKevCatalog(store: SqliteStore, catalog: KevCatalog): KevImportResult {
  const version = catalog.catalogVersion;
  const result: KevImportResult = { catalogVersion: version, entries: catalog.entries.length, added: [], updated: [], removed: [], alreadyStored: false };
  if (store.stmt('SELECT 1 FROM kev_catalogs WHERE catalog_version = ?').get(version)) return { ...result, alreadyStored: true };
  const newestStored = store.stmt('SELECT max(catalog_version) FROM kev_catalogs').pluck().get() as string | null;
  const isNewest = newestStored === null || version > newestStored;
  const at = catalog.dateReleased;
  const get = store.stmt('SELECT data, removed_in FROM kev WHERE cve_id = ?');
  const insert = store.stmt('INSERT INTO kev (cve_id, data, ransomware, first_catalog) VALUES (?, ?, ?, ?)');
  const update = store.stmt('UPDATE kev SET data = ?, ransomware = ?, removed_in = NULL WHERE cve_id = ?');
  const change = store.stmt("INSERT INTO changes (cve_id, field, old, new, source, at) VALUES (?, ?, ?, ?, 'kev', ?)");
  const refresh = store.stmt(
    `UPDATE vulns SET kev = (EXISTS (SELECT 1 FROM kev k WHERE k.cve_id = vulns.cve_id AND k.removed_in IS NULL) OR kev_hint IS NOT NULL),
       ransomware = coalesce((SELECT k.ransomware FROM kev k WHERE k.cve_id = vulns.cve_id AND k.removed_in IS NULL), 0)
     WHERE cve_id = ?`,
  );
  const putStub = kevStubWriter(store.db);
  store.db.transaction(() => {
    const inCatalog = new Set<string>();
    for (const e of catalog.entries) {
      inCatalog.add(e.cveId);
      const ransomware = e.knownRansomwareCampaignUse === 'Known' ? 1 : 0;
      const row = get.get(e.cveId) as { data: string; removed_in: string | null } | undefined;
      if (!row) {
        insert.run(e.cveId, JSON.stringify(e), ransomware, version);
        // The very first catalog stored is a baseline, not news: its entries are `listed`, and
        // only entries new to a later catalog are `added` (what alerting calls "added to KEV").
        if (newestStored !== null) result.added.push(e.cveId);
        change.run(e.cveId, 'kev', null, `${newestStored === null ? 'listed' : 'added'} ${e.dateAdded}`, at);
      } else if (isNewest) {
        const old = JSON.parse(row.data) as KevEntry;
        const diffs = TRACKED.filter((k) => String(old[k]) !== String(e[k]));
        if (row.removed_in) change.run(e.cveId, 'kev', 'removed', `added ${e.dateAdded}`, at);
        if (diffs.length || row.removed_in || JSON.stringify(old) !== JSON.stringify(e)) {
          update.run(JSON.stringify(e), ransomware, e.cveId);
          if (diffs.length) result.updated.push(e.cveId);
          for (const k of diffs) change.run(e.cveId, `kev.${k}`, String(old[k]), String(e[k]), at);
        }
      } else continue;
      putStub(e);
      refresh.run(e.cveId);
    }
    if (isNewest && newestStored !== null) {
      const gone = (store.stmt('SELECT cve_id FROM kev WHERE removed_in IS NULL').pluck().all() as string[]).filter((id) => !inCatalog.has(id));
      const remove = store.stmt('UPDATE kev SET removed_in = ? WHERE cve_id = ?');
      for (const id of gone) {
        remove.run(version, id);
        change.run(id, 'kev', 'listed', 'removed', at);
        refresh.run(id);
        result.removed.push(id);
      }
    }
    store
      .stmt('INSERT INTO kev_catalogs (catalog_version, date_released, entries, added) VALUES (?, ?, ?, ?)')
      .run(version, catalog.dateReleased, catalog.entries.length, JSON.stringify(result.added));
  })();
  return result;
}
