/**
 * The PostgreSQL write path of CVE records: a batch of merged records in one transaction, with a
 * fixed number of statements whatever its size (each a multi-row `INSERT … SELECT FROM unnest($n::text[], …)`),
 * the same rows as ../sqlite/rows.ts writes (its {@link toRows} flattens the records for both).
 *
 * Idempotent (upserts keyed by CVE id and source; the pipeline writes only changed records), atomic
 * (one transaction), and safe with several writers: rows are written in CVE-id order, so two
 * imports of overlapping CVEs take their row locks in the same order; a deadlock that still
 * happens (PostgreSQL detects it after `deadlock_timeout`) is retried by {@link PgDb.tx}.
 */
import { awaitingSince } from '../sqlite/known.ts';
import { checkBasis, toRows, type WriteRow } from '../sqlite/rows.ts';
import { lockExploitCounts } from './advisories.ts';
import type { VulnWrite } from '../types.ts';
import type { PgClient, PgDb } from './pool.ts';
import { ftsDocument } from './query-pg.ts';

/** Saves in flight per pool: {@link afterSaves} lets a read wait for them. */
const inFlight = new WeakMap<PgDb, Set<Promise<unknown>>>();

/**
 * Resolves once every save issued on `db` before this call has settled. The pipeline sends the
 * load of batch N+1 before the save of batch N and merges the load with batch N's unsaved state,
 * relying on every earlier save being visible (the SQLite worker serves requests in order; a
 * pool would run them side by side).
 */
export async function afterSaves(db: PgDb): Promise<void> {
  const pending = inFlight.get(db);
  if (pending?.size) await Promise.allSettled([...pending]);
}

/**
 * Stores merged records (observation, ranking columns, products, CWEs, full text, changes) in one
 * transaction. A CVE written twice in one batch keeps its last write; all its changes are kept, in order.
 * @throws pg's error when the database fails (nothing of the batch is written).
 */
export function saveVulnerabilities(db: PgDb, writes: VulnWrite[]): Promise<void> {
  if (!writes.length) return Promise.resolve();
  const rows = toRows(writes);
  let pending = inFlight.get(db);
  if (!pending) {
    pending = new Set();
    inFlight.set(db, pending);
  }
  const set = pending;
  const saving = db.tx((client) => writeRows(client, rows));
  set.add(saving);
  const done = () => set.delete(saving);
  saving.then(done, done);
  return saving;
}

/** Text order by code point (SQLite's BINARY), for lock order. */
function byId(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

async function writeRows(client: PgClient, all: WriteRow[]): Promise<void> {
  // Observations: the last one per (CVE, source); records: the last one per CVE (as sequential writes leave them).
  const obs = new Map<string, WriteRow>();
  const last = new Map<string, WriteRow>();
  for (const r of all) {
    obs.set(`${r.id}\u0000${r.source}`, r);
    last.set(r.id, r);
  }
  const observations = [...obs.values()].sort((a, b) => byId(a.id, b.id) || byId(a.source, b.source));
  const records = [...last.values()].sort((a, b) => byId(a.id, b.id));
  const ids = records.map((r) => r.id);

  // Per-CVE locks first (sorted): writers of the same CVEs queue here, so the basis check below
  // sees what an earlier writer committed, and exploit counts agree with advisory saves (advisories.ts).
  await lockExploitCounts(client, ids);
  const checked = all.filter((r) => r.basis);
  if (checked.length) {
    const stored = new Map<string, [string, string][]>();
    const { rows: held } = await client.query<{ cve_id: string; source: string; hash: string }>(
      'SELECT cve_id, source, hash FROM observations WHERE cve_id = ANY($1::text[]) ORDER BY cve_id, source COLLATE "C"',
      [[...new Set(checked.map((r) => r.id))]],
    );
    for (const h of held) {
      const list = stored.get(h.cve_id) ?? [];
      list.push([h.source, h.hash]);
      stored.set(h.cve_id, list);
    }
    // Rows of one CVE in this batch see the ones before them (as sequential writes would).
    for (const r of checked) {
      const list = stored.get(r.id) ?? [];
      checkBasis(r, list.filter(([s]) => s !== r.source));
      const i = list.findIndex(([s]) => s === r.source);
      if (i >= 0) list[i] = [r.source, r.hash];
      else {
        list.push([r.source, r.hash]);
        list.sort(([x], [y]) => byId(x, y));
      }
      stored.set(r.id, list);
    }
  }

  await client.query(
    `INSERT INTO observations (cve_id, source, last_modified, hash, data)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[])
     ON CONFLICT (cve_id, source) DO UPDATE SET last_modified = excluded.last_modified, hash = excluded.hash, data = excluded.data`,
    [observations.map((r) => r.id), observations.map((r) => r.source), observations.map((r) => r.lastModified), observations.map((r) => r.hash), observations.map((r) => r.json)],
  );

  // A CVE without an EPSS score published since then is awaiting its first one (../sqlite/known.ts).
  const newest = (await client.query<{ d: string | null }>('SELECT max(date) AS d FROM epss_days')).rows[0]?.d ?? null;
  const since = awaitingSince(newest);
  // A row exists when the record was stored before, or as a stub (a CVE KEV named first): either
  // way it is replaced in place, keeping its public-exploit count (kept by advisories.ts); a new row
  // counts the exploits stored before it.
  await client.query(
    `INSERT INTO vulns (cve_id, state, published, last_modified, title, snippet, severity, cvss_score, cvss_version, kev, ransomware, kev_hint,
       epss, epss_percentile, epss_date, vendors, has_record, awaiting_epss, exploits, fts)
     SELECT u.id, u.state, u.published, u.last_modified, u.title, u.snippet, u.severity, u.cvss_score, u.cvss_version,
       (k.cve_id IS NOT NULL OR u.kev_hint IS NOT NULL)::int, coalesce(k.ransomware, 0), u.kev_hint,
       e.epss, e.percentile, e.date, u.vendors, 1,
       ($13::text IS NOT NULL AND e.epss IS NULL AND u.state <> 'REJECTED' AND u.published IS NOT NULL AND u.published >= $13::text)::int,
       (SELECT count(*) FROM advisory_cves ec JOIN advisories ea ON ea.id = ec.advisory_id
         WHERE ec.cve_id = u.id AND ec.origin = 'listed' AND ea.kind = 'exploit' AND ea.withdrawn IS NULL),
       u.fts::tsvector
     FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::float8[], $9::text[], $10::text[], $11::text[], $12::text[])
       AS u(id, state, published, last_modified, title, snippet, severity, cvss_score, cvss_version, kev_hint, vendors, fts)
     LEFT JOIN kev k ON k.cve_id = u.id AND k.removed_in IS NULL
     LEFT JOIN epss_current e ON e.cve_id = u.id
     ORDER BY u.id COLLATE "C"
     ON CONFLICT (cve_id) DO UPDATE SET state = excluded.state, published = excluded.published, last_modified = excluded.last_modified,
       title = excluded.title, snippet = excluded.snippet, severity = excluded.severity, cvss_score = excluded.cvss_score, cvss_version = excluded.cvss_version,
       kev = excluded.kev, ransomware = excluded.ransomware, kev_hint = excluded.kev_hint, epss = excluded.epss,
       epss_percentile = excluded.epss_percentile, epss_date = excluded.epss_date, vendors = excluded.vendors,
       has_record = 1, awaiting_epss = excluded.awaiting_epss, fts = excluded.fts`,
    [
      ids,
      records.map((r) => r.state),
      records.map((r) => r.published),
      records.map((r) => r.mergedLastModified),
      records.map((r) => r.title),
      records.map((r) => r.snippet),
      records.map((r) => r.severity),
      records.map((r) => r.cvssScore),
      records.map((r) => r.cvssVersion),
      records.map((r) => r.kevHint),
      records.map((r) => r.vendors),
      records.map((r) => ftsDocument([r.id, ...r.fts])),
      since,
    ],
  );

  // Products and CWEs replace the CVE's previous ones (a stub's catalog product included).
  const products = records.flatMap((r) => [...new Set(r.products.map(([v, p]) => `${v}\u0000${p}`))].map((vp) => [r.id, ...vp.split('\u0000')] as const));
  const cwes = records.flatMap((r) => [...new Set(r.cwes)].map((c) => [r.id, c] as const));
  await client.query('DELETE FROM vuln_products WHERE cve_id = ANY($1::text[])', [ids]);
  if (products.length)
    await client.query(
      `INSERT INTO vuln_products (vendor_key, product_key, cve_id)
       SELECT v, p, c FROM unnest($1::text[], $2::text[], $3::text[]) AS u(c, v, p) ON CONFLICT DO NOTHING`,
      [products.map((x) => x[0]), products.map((x) => x[1]), products.map((x) => x[2])],
    );
  await client.query('DELETE FROM vuln_cwes WHERE cve_id = ANY($1::text[])', [ids]);
  if (cwes.length)
    await client.query(
      `INSERT INTO vuln_cwes (cwe, cve_id) SELECT w, c FROM unnest($1::text[], $2::text[]) AS u(c, w) ON CONFLICT DO NOTHING`,
      [cwes.map((x) => x[0]), cwes.map((x) => x[1])],
    );

  // History in the order the batch holds it (ids ascending, as SQLite's rowids).
  const changes = all.flatMap((r) => r.changes.map((c) => [r.id, ...c] as const));
  if (changes.length)
    await client.query(
      `INSERT INTO changes (cve_id, field, old, new, source, at)
       SELECT c, f, o, n, s, a FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[]) WITH ORDINALITY AS u(c, f, o, n, s, a, i)
       ORDER BY i`,
      [0, 1, 2, 3, 4, 5].map((k) => changes.map((c) => c[k])),
    );
}
