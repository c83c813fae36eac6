/**
 * The SQLite write path in two halves: {@link toRows} flattens merged records into plain rows
 * (on the caller's thread), {@link writeRows} stores them in one transaction (wherever the
 * connection lives: in-thread, or in the store's worker; see threaded.ts). Rows hold only strings
 * and numbers, so they cross to a worker cheaply.
 */
import { listText } from '../../analysis/title.ts';
import { VigilError } from '../../errors.ts';
import { productKey } from '../../enrich/product-key.ts';
import type { VulnWrite } from '../types.ts';
import { EXPLOIT_COUNT_SQL } from './advisories.ts';
import type { SqliteStore } from './index.ts';
import { awaitingSince, isAwaitingEpss } from './known.ts';

/** An EPSS day in a compact form for crossing to the worker. */
export interface PackedEpssDay {
  date: string;
  modelVersion: string | null;
  /** CVE ids joined by newlines. */
  ids: string;
  epss: Float64Array;
  percentile: Float64Array;
}

/** One CVE's rows. */
export interface WriteRow {
  id: string;
  source: string;
  /** The other feeds' observation hashes the merge was computed from ({@link VulnWrite.basis}), sorted by feed; null: not checked. */
  basis: [string, string][] | null;
  lastModified: string;
  hash: string;
  json: string;
  isNew: boolean;
  state: string;
  published: string | null;
  mergedLastModified: string;
  /** What a list shows (analysis/title.ts): the CNA's title, else one derived from the description. */
  title: string | null;
  /** Description text beside the title in a list. */
  snippet: string | null;
  severity: string | null;
  cvssScore: number | null;
  cvssVersion: string | null;
  kevHint: string | null;
  vendors: string | null;
  /** [vendor key, product key] pairs. */
  products: [string, string][];
  /** CWE ids (`CWE-79`). */
  cwes: string[];
  /** Full-text columns: title, description, products, CWEs. */
  fts: [string, string, string, string];
  /** [field, old, new, source, at] */
  changes: [string, string | null, string | null, string, string][];
}

/** Flattens merged records into rows. */
export function toRows(writes: VulnWrite[]): WriteRow[] {
  return writes.map((w) => {
    const v = w.vulnerability;
    // One display name per vendor (`Fortinet` from the CNA, `fortinet` from a CPE: the first wins).
    const byKey = new Map<string, string>();
    for (const p of v.products) if (!byKey.has(productKey(p.vendor))) byKey.set(productKey(p.vendor), p.vendor);
    const vendors = [...byKey.values()];
    const text = listText(v.title, v.description);
    return {
      id: v.id,
      source: w.observation.source,
      lastModified: w.observation.lastModified,
      hash: w.hash,
      json: w.json,
      isNew: w.isNew,
      state: v.state,
      published: v.published ?? null,
      mergedLastModified: v.lastModified,
      title: text.title,
      snippet: text.snippet,
      severity: v.severity,
      cvssScore: v.primaryCvss?.baseScore ?? null,
      cvssVersion: v.primaryCvss?.version ?? null,
      kevHint: w.kevHint ? JSON.stringify(w.kevHint) : null,
      vendors: vendors.length ? vendors.join(', ') : null,
      products: v.products.map((p) => [productKey(p.vendor), productKey(p.product)]),
      cwes: v.cwes.map((c) => c.id).filter((id) => id.startsWith('CWE-')),
      fts: [
        v.title ?? '',
        v.description ?? '',
        v.products.map((p) => `${p.vendor} ${p.product}`).join(' '),
        v.cwes.map((c) => `${c.id} ${c.name ?? ''}`).join(' '),
      ],
      changes: w.changes.map((c) => [c.field, c.old, c.new, c.source, c.at]),
      basis: w.basis ? Object.entries(w.basis).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)) : null,
    };
  });
}

/** Stores rows in one transaction: observation, record columns, products, full-text, changes. */
export function writeRows(store: SqliteStore, rows: WriteRow[]): void {
  if (!rows.length) return;
  const putObs = store.stmt(
    `INSERT INTO observations (cve_id, source, last_modified, hash, data) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (cve_id, source) DO UPDATE SET last_modified = excluded.last_modified, hash = excluded.hash, data = excluded.data`,
  );
  const getKev = store.stmt('SELECT ransomware FROM kev WHERE cve_id = ? AND removed_in IS NULL').pluck();
  const getEpss = store.stmt('SELECT epss, percentile, date FROM epss_current WHERE cve_id = ?');
  const putVuln = store.stmt(
    `INSERT INTO vulns (cve_id, state, published, last_modified, title, snippet, severity, cvss_score, cvss_version, kev, ransomware, kev_hint, epss, epss_percentile, epss_date, vendors, has_record, awaiting_epss, exploits)
     VALUES (@id, @state, @published, @lastModified, @title, @snippet, @severity, @cvssScore, @cvssVersion, @kev, @ransomware, @kevHint, @epss, @percentile, @epssDate, @vendors, 1, @awaitingEpss,
       ${EXPLOIT_COUNT_SQL.replace('?', '@id')})
     ON CONFLICT (cve_id) DO UPDATE SET state = excluded.state, published = excluded.published, last_modified = excluded.last_modified,
       title = excluded.title, snippet = excluded.snippet, severity = excluded.severity, cvss_score = excluded.cvss_score, cvss_version = excluded.cvss_version,
       kev = excluded.kev, ransomware = excluded.ransomware, kev_hint = excluded.kev_hint, epss = excluded.epss,
       epss_percentile = excluded.epss_percentile, epss_date = excluded.epss_date, vendors = excluded.vendors,
       has_record = 1, awaiting_epss = excluded.awaiting_epss`,
  );
  // Not RETURNING: in SQLite it costs several times the insert itself.
  const getRowid = store.stmt('SELECT rowid FROM vulns WHERE cve_id = ?').pluck();
  // A CVE without an EPSS score published since then is awaiting its first one (known.ts).
  const since = awaitingSince((store.stmt('SELECT max(date) FROM epss_days').pluck().get() as string | null) ?? null);
  const delProducts = store.stmt('DELETE FROM vuln_products WHERE cve_id = ?');
  const putProduct = store.stmt('INSERT OR IGNORE INTO vuln_products (vendor_key, product_key, cve_id) VALUES (?, ?, ?)');
  const delCwes = store.stmt('DELETE FROM vuln_cwes WHERE cve_id = ?');
  const putCwe = store.stmt('INSERT OR IGNORE INTO vuln_cwes (cwe, cve_id) VALUES (?, ?)');
  const delFts = store.stmt('DELETE FROM vulns_fts WHERE rowid = ?');
  const putFts = store.stmt('INSERT INTO vulns_fts (rowid, cve_id, title, description, products, cwes) VALUES (?, ?, ?, ?, ?, ?)');
  const putChange = store.stmt('INSERT INTO changes (cve_id, field, old, new, source, at) VALUES (?, ?, ?, ?, ?, ?)');

  const getBasis = store.stmt('SELECT source, hash FROM observations WHERE cve_id = ? AND source != ? ORDER BY source');
  store.db.transaction(() => {
    for (const r of rows) {
      if (r.basis) checkBasis(r, getBasis.raw().all(r.id, r.source) as [string, string][]);
      putObs.run(r.id, r.source, r.lastModified, r.hash, r.json);
      const ransomware = getKev.get(r.id) as number | undefined;
      const epss = getEpss.get(r.id) as { epss: number; percentile: number; date: string } | undefined;
      // A row exists when the record was stored before, or as a stub (a CVE KEV or EPSS named first):
      // either way it is replaced in place, keeping its rowid (the full-text index's key) and its
      // public-exploit count (kept by advisories.ts); a new row counts the exploits stored before it.
      const existing = getRowid.get(r.id) as number | undefined;
      const info = putVuln.run({
        id: r.id,
        state: r.state,
        published: r.published,
        lastModified: r.mergedLastModified,
        title: r.title,
        snippet: r.snippet,
        severity: r.severity,
        cvssScore: r.cvssScore,
        cvssVersion: r.cvssVersion,
        kevHint: r.kevHint,
        kev: Number(ransomware !== undefined || r.kevHint !== null),
        ransomware: ransomware ?? 0,
        epss: epss?.epss ?? null,
        percentile: epss?.percentile ?? null,
        epssDate: epss?.date ?? null,
        vendors: r.vendors,
        awaitingEpss: Number(isAwaitingEpss({ state: r.state, published: r.published, epss: epss?.epss ?? null }, since)),
      });
      const rowid = existing ?? Number(info.lastInsertRowid);
      if (existing !== undefined) {
        delProducts.run(r.id);
        delCwes.run(r.id);
        delFts.run(rowid);
      }
      for (const [vendor, product] of r.products) putProduct.run(vendor, product, r.id);
      for (const cwe of r.cwes) putCwe.run(cwe, r.id);
      putFts.run(rowid, r.id, ...r.fts);
      for (const c of r.changes) putChange.run(r.id, ...c);
    }
  })();
}

/**
 * Throws VIGIL_MERGE_CONFLICT when the stored observations of the row's CVE by other feeds
 * (`stored`, sorted by feed) are not those its merge was computed from (see VulnWrite.basis).
 * Shared by both back ends.
 */
export function checkBasis(row: Pick<WriteRow, 'id' | 'source' | 'basis'>, stored: [string, string][]): void {
  const basis = row.basis ?? [];
  const same = basis.length === stored.length && basis.every(([s, h], i) => stored[i]?.[0] === s && stored[i]?.[1] === h);
  if (same) return;
  const held = stored.map(([s]) => s).join(', ') || 'none';
  const used = basis.map(([s]) => s).join(', ') || 'none';
  throw new VigilError('VIGIL_MERGE_CONFLICT', [row.id, `merged with ${used}, the store now holds ${held}, a ${row.source} write`]);
}
