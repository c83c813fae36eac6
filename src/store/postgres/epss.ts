/**
 * Storing one EPSS day in PostgreSQL, with the semantics of ../sqlite/epss.ts (read its header):
 * history keeps a row per CVE only where the score changed from the score in effect on the
 * previous stored day, days may arrive out of order, the newest day sets the current scores and
 * the records' columns, and a day already stored writes nothing.
 *
 * A day is ~300k scores. COPY would need another package (pg-copy-streams), so the day is loaded
 * into a temporary table by multi-row `INSERT … SELECT FROM unnest(…)` in chunks of
 * {@link CHUNK} rows (one array parameter per column: no 65,535-parameter limit, one round trip per
 * chunk), and everything after that is set-based SQL. One transaction, under an advisory lock so that
 * two processes given days at once store them one after the other.
 */
import type { EpssDay } from '../../model/vulnerability.ts';
import type { EpssImportResult } from '../types.ts';
import { refreshAwaitingEpss } from './known.ts';
import type { PgClient, PgDb } from './pool.ts';

/** Rows per INSERT into the temporary table (measured: larger chunks gain nothing, smaller cost round trips). */
const CHUNK = 50_000;

/** Key of the advisory lock that serialises EPSS imports. */
const EPSS_LOCK = 0x65707373;

/**
 * Stores `day` atomically; a day already stored is left as it is (`alreadyStored`). A CVE scored
 * twice in one file keeps its last score.
 * @throws pg's error when the database fails (nothing is written).
 */
export async function applyEpssDay(db: PgDb, day: EpssDay): Promise<EpssImportResult> {
  const rows = day.scores.length;
  const result: EpssImportResult = { date: day.date, rows, changed: 0, alreadyStored: false };
  if (await db.one('SELECT 1 FROM epss_days WHERE date = $1', [day.date])) return { ...result, alreadyStored: true };
  return db.tx(async (client) => {
    await client.query('SELECT pg_advisory_xact_lock($1)', [EPSS_LOCK]);
    // Checked again under the lock: another process may have stored it meanwhile.
    if ((await client.query('SELECT 1 FROM epss_days WHERE date = $1', [day.date])).rowCount) return { ...result, alreadyStored: true };
    await loadDay(client, day);
    const newest = (await client.query<{ d: string | null }>('SELECT max(date) AS d FROM epss_days')).rows[0]?.d ?? '';
    const date = day.date;
    const changed = date > newest ? await applyNewest(client, date) : await applyPast(client, date);
    await client.query('INSERT INTO epss_days (date, model_version, rows) VALUES ($1, $2, $3)', [date, day.modelVersion, rows]);
    if (date > newest) await refreshAwaitingEpss(client);
    return { ...result, changed };
  });
}

/** Fills the transaction's temporary table `epss_in` with the day's scores (one per CVE). */
async function loadDay(client: PgClient, day: EpssDay): Promise<void> {
  await client.query('CREATE TEMP TABLE epss_in (cve_id TEXT NOT NULL, epss DOUBLE PRECISION NOT NULL, percentile DOUBLE PRECISION NOT NULL) ON COMMIT DROP');
  // Last score wins, as SQLite's INSERT OR REPLACE: a primary key would refuse the duplicate.
  const last = new Map<string, number>();
  day.scores.forEach((s, i) => {
    last.set(s.cveId, i);
  });
  const order = last.size === day.scores.length ? null : [...last.values()];
  const count = order ? order.length : day.scores.length;
  for (let start = 0; start < count; start += CHUNK) {
    const n = Math.min(CHUNK, count - start);
    const ids = new Array<string>(n);
    const epss = new Array<number>(n);
    const pct = new Array<number>(n);
    for (let j = 0; j < n; j++) {
      const s = day.scores[order ? (order[start + j] as number) : start + j] as EpssDay['scores'][number];
      ids[j] = s.cveId;
      epss[j] = s.epss;
      pct[j] = s.percentile;
    }
    await client.query('INSERT INTO epss_in (cve_id, epss, percentile) SELECT * FROM unnest($1::text[], $2::float8[], $3::float8[])', [ids, epss, pct]);
  }
  await client.query('ALTER TABLE epss_in ADD PRIMARY KEY (cve_id)');
  await client.query('ANALYZE epss_in');
}

/** The day is newer than every stored day: history from the current scores, then the current scores and the records. */
async function applyNewest(client: PgClient, date: string): Promise<number> {
  const changed =
    (
      await client.query(
        `INSERT INTO epss_history (cve_id, date, epss, percentile)
         SELECT i.cve_id, $1, i.epss, i.percentile FROM epss_in i LEFT JOIN epss_current c ON c.cve_id = i.cve_id
         WHERE c.epss IS NULL OR c.epss != i.epss`,
        [date],
      )
    ).rowCount ?? 0;
  // Every row changes (its date at least): replacing the table's rows in key order costs about 60 %
  // of the CPU of an upsert (measured on a corpus day: 1.35 s vs 2.3 s). Readers keep seeing the
  // previous day until the commit (MVCC); no TRUNCATE, whose lock would block them.
  await client.query('DELETE FROM epss_current');
  await client.query('INSERT INTO epss_current (cve_id, epss, percentile, date) SELECT cve_id, epss, percentile, $1 FROM epss_in ORDER BY cve_id', [date]);
  // Only rows with a value to change are written: a new row version moves it in the rank index.
  await client.query(
    `UPDATE vulns SET epss = i.epss, epss_percentile = i.percentile, epss_date = $1 FROM epss_in i
     WHERE i.cve_id = vulns.cve_id
       AND (vulns.epss IS DISTINCT FROM i.epss OR vulns.epss_percentile IS DISTINCT FROM i.percentile OR vulns.epss_date IS DISTINCT FROM $1)`,
    [date],
  );
  await client.query(
    `UPDATE vulns SET epss = NULL, epss_percentile = NULL, epss_date = NULL
     WHERE epss IS NOT NULL AND NOT EXISTS (SELECT 1 FROM epss_in i WHERE i.cve_id = vulns.cve_id)`,
  );
  return changed;
}

/** The day falls before the newest stored day: change points around it, current scores untouched. */
async function applyPast(client: PgClient, date: string): Promise<number> {
  // Compare with the change point in effect before this day.
  await client.query(
    `CREATE TEMP TABLE epss_moved ON COMMIT DROP AS
     SELECT i.cve_id, i.epss, i.percentile, p.epss AS prev_epss, p.percentile AS prev_pct
     FROM epss_in i LEFT JOIN LATERAL (
       SELECT h.epss, h.percentile FROM epss_history h WHERE h.cve_id = i.cve_id AND h.date < $1 ORDER BY h.date DESC LIMIT 1
     ) p ON true
     WHERE p.epss IS NULL OR p.epss != i.epss`,
    [date],
  );
  const changed =
    (await client.query('INSERT INTO epss_history (cve_id, date, epss, percentile) SELECT cve_id, $1, epss, percentile FROM epss_moved', [date])).rowCount ?? 0;
  const next = (await client.query<{ d: string }>('SELECT min(date) AS d FROM epss_days WHERE date > $1', [date])).rows[0]?.d as string;
  // The next stored day read the previous score: keep it so (a point is added where there was
  // none; an existing one is kept), then drop a point the new day made redundant.
  await client.query(
    `INSERT INTO epss_history (cve_id, date, epss, percentile)
     SELECT cve_id, $1, prev_epss, prev_pct FROM epss_moved WHERE prev_epss IS NOT NULL
     ON CONFLICT (cve_id, date) DO NOTHING`,
    [next],
  );
  await client.query('DELETE FROM epss_history h USING epss_moved m WHERE h.date = $1 AND h.cve_id = m.cve_id AND h.epss = m.epss', [next]);
  return changed;
}
