/**
 * Storing one EPSS day in SQLite. History keeps a row per CVE only where the score changed
 * from the score in effect on the previous stored day (change points), so a year of daily files
 * stays small. Days may arrive out of order: inserting day D between stored days fixes the
 * change point of the next stored day so every stored day still reads back its own score.
 */
import type { EpssDay } from '../../model/vulnerability.ts';
import type { EpssImportResult } from '../types.ts';
import type { PackedEpssDay } from './rows.ts';
import type { SqliteStore } from './index.ts';
import { refreshAwaitingEpss } from './known.ts';

/** Calls `put` for each score of a day, plain or packed (without building 360k objects). */
function eachScore(day: EpssDay | PackedEpssDay, put: (cveId: string, epss: number, percentile: number) => void): number {
  if (!('ids' in day)) {
    for (const s of day.scores) put(s.cveId, s.epss, s.percentile);
    return day.scores.length;
  }
  let i = 0;
  let start = 0;
  while (start < day.ids.length) {
    const end = day.ids.indexOf('\n', start);
    const stop = end < 0 ? day.ids.length : end;
    put(day.ids.slice(start, stop), day.epss[i] as number, day.percentile[i] as number);
    i++;
    start = stop + 1;
  }
  return i;
}

/** Stores `day` atomically; a day already stored is left as it is. */
export function applyEpssDay(store: SqliteStore, day: EpssDay | PackedEpssDay): EpssImportResult {
  const { db } = store;
  const rows = 'ids' in day ? day.epss.length : day.scores.length;
  const result: EpssImportResult = { date: day.date, rows, changed: 0, alreadyStored: false };
  if (store.stmt('SELECT 1 FROM epss_days WHERE date = ?').get(day.date)) return { ...result, alreadyStored: true };
  db.exec('CREATE TEMP TABLE IF NOT EXISTS epss_in (cve_id TEXT PRIMARY KEY, epss REAL NOT NULL, percentile REAL NOT NULL) WITHOUT ROWID');
  db.exec('CREATE TEMP TABLE IF NOT EXISTS epss_moved (cve_id TEXT PRIMARY KEY, epss REAL NOT NULL, prev_epss REAL, prev_pct REAL) WITHOUT ROWID');
  db.transaction(() => {
    db.exec('DELETE FROM epss_in; DELETE FROM epss_moved');
    const put = store.stmt('INSERT OR REPLACE INTO epss_in (cve_id, epss, percentile) VALUES (?, ?, ?)');
    eachScore(day, (cveId, epss, percentile) => put.run(cveId, epss, percentile));
    const newest = (store.stmt('SELECT max(date) FROM epss_days').pluck().get() as string | null) ?? '';
    const date = day.date;
    if (date > newest) {
      result.changed = store
        .stmt(
          `INSERT INTO epss_history (cve_id, date, epss, percentile)
           SELECT i.cve_id, ?, i.epss, i.percentile FROM epss_in i LEFT JOIN epss_current c ON c.cve_id = i.cve_id
           WHERE c.epss IS NULL OR c.epss != i.epss`,
        )
        .run(date).changes;
      db.exec('DELETE FROM epss_current');
      store.stmt('INSERT INTO epss_current (cve_id, epss, percentile, date) SELECT cve_id, epss, percentile, ? FROM epss_in').run(date);
      // Two passes: a changed score moves the row in the rank index (most of the cost on a large
      // store); an unchanged one only takes the day's percentile and date.
      db.exec(`UPDATE vulns SET epss = c.epss, epss_percentile = c.percentile, epss_date = c.date
               FROM epss_current c WHERE c.cve_id = vulns.cve_id AND vulns.epss IS NOT c.epss`);
      db.exec(`UPDATE vulns SET epss_percentile = c.percentile, epss_date = c.date
               FROM epss_current c WHERE c.cve_id = vulns.cve_id AND (vulns.epss_percentile IS NOT c.percentile OR vulns.epss_date IS NOT c.date)`);
      db.exec(`UPDATE vulns SET epss = NULL, epss_percentile = NULL, epss_date = NULL
               WHERE epss IS NOT NULL AND NOT EXISTS (SELECT 1 FROM epss_current c WHERE c.cve_id = vulns.cve_id)`);
    } else {
      // Out of order: compare with the change point in effect before this day.
      store
        .stmt(
          `INSERT INTO epss_moved (cve_id, epss, prev_epss, prev_pct)
           SELECT cve_id, epss, prev_epss, prev_pct FROM (
             SELECT i.cve_id, i.epss,
               (SELECT h.epss FROM epss_history h WHERE h.cve_id = i.cve_id AND h.date < @d ORDER BY h.date DESC LIMIT 1) AS prev_epss,
               (SELECT h.percentile FROM epss_history h WHERE h.cve_id = i.cve_id AND h.date < @d ORDER BY h.date DESC LIMIT 1) AS prev_pct
             FROM epss_in i)
           WHERE prev_epss IS NULL OR prev_epss != epss`,
        )
        .run({ d: date });
      result.changed = store
        .stmt('INSERT INTO epss_history (cve_id, date, epss, percentile) SELECT m.cve_id, ?, i.epss, i.percentile FROM epss_moved m JOIN epss_in i USING (cve_id)')
        .run(date).changes;
      const next = store.stmt('SELECT min(date) FROM epss_days WHERE date > ?').pluck().get(date) as string;
      // The next stored day read the previous score: keep it so (a point is added where there
      // was none; an existing one is kept), then drop a point the new day made redundant.
      store
        .stmt(
          `INSERT OR IGNORE INTO epss_history (cve_id, date, epss, percentile)
           SELECT cve_id, ?, prev_epss, prev_pct FROM epss_moved WHERE prev_epss IS NOT NULL`,
        )
        .run(next);
      store
        .stmt('DELETE FROM epss_history WHERE date = @d AND cve_id IN (SELECT m.cve_id FROM epss_moved m JOIN epss_history h ON h.cve_id = m.cve_id AND h.date = @d WHERE h.epss = m.epss)')
        .run({ d: next });
    }
    store.stmt('INSERT INTO epss_days (date, model_version, rows) VALUES (?, ?, ?)').run(date, day.modelVersion, rows);
    if (date > newest) refreshAwaitingEpss(db);
  })();
  return result;
}
