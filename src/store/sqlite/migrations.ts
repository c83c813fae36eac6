/**
 * SQLite schema migrations, applied in order, each in its own transaction and recorded in
 * `schema_migrations`. Never edit a released migration: add the next one.
 */
import type { Database } from 'better-sqlite3';
import { prioritySql } from '../../analysis/priority.ts';

/** One migration. */
export interface Migration {
  id: number;
  name: string;
  sql: string;
}

export const migrations: Migration[] = [
  {
    id: 1,
    name: 'core',
    sql: `
      CREATE TABLE observations (
        cve_id TEXT NOT NULL,
        source TEXT NOT NULL,
        last_modified TEXT NOT NULL,
        hash TEXT NOT NULL,
        data TEXT NOT NULL
      );
      CREATE UNIQUE INDEX observations_key ON observations (cve_id, source);

      CREATE TABLE vulns (
        cve_id TEXT PRIMARY KEY,
        state TEXT NOT NULL,
        published TEXT,
        last_modified TEXT NOT NULL,
        title TEXT,
        severity TEXT,
        cvss_score REAL,
        cvss_version TEXT,
        kev INTEGER NOT NULL DEFAULT 0,
        ransomware INTEGER NOT NULL DEFAULT 0,
        kev_hint TEXT,
        epss REAL,
        epss_percentile REAL,
        epss_date TEXT,
        vendors TEXT,
        priority REAL GENERATED ALWAYS AS ${prioritySql()} STORED
      );
      CREATE INDEX vulns_rank ON vulns (priority DESC, epss DESC, cvss_score DESC, published DESC);
      CREATE INDEX vulns_published ON vulns (published);
      CREATE INDEX vulns_kev ON vulns (kev, priority DESC);

      CREATE TABLE vuln_products (
        vendor_key TEXT NOT NULL,
        product_key TEXT NOT NULL,
        cve_id TEXT NOT NULL,
        PRIMARY KEY (vendor_key, product_key, cve_id)
      ) WITHOUT ROWID;
      CREATE INDEX vuln_products_cve ON vuln_products (cve_id);

      -- Contentless: the text lives in observations; the index only maps words to vulns rowids.
      CREATE VIRTUAL TABLE vulns_fts USING fts5 (
        cve_id, title, description, products, cwes,
        content = '', contentless_delete = 1,
        tokenize = 'unicode61 remove_diacritics 2'
      );

      CREATE TABLE changes (
        id INTEGER PRIMARY KEY,
        cve_id TEXT NOT NULL,
        field TEXT NOT NULL,
        old TEXT,
        new TEXT,
        source TEXT NOT NULL,
        at TEXT NOT NULL
      );
      CREATE INDEX changes_cve ON changes (cve_id, id);
      CREATE INDEX changes_at ON changes (at);

      CREATE TABLE epss_days (
        date TEXT PRIMARY KEY,
        model_version TEXT,
        rows INTEGER NOT NULL
      );
      CREATE TABLE epss_current (
        cve_id TEXT PRIMARY KEY,
        epss REAL NOT NULL,
        percentile REAL NOT NULL,
        date TEXT NOT NULL
      ) WITHOUT ROWID;
      CREATE TABLE epss_history (
        cve_id TEXT NOT NULL,
        date TEXT NOT NULL,
        epss REAL NOT NULL,
        percentile REAL NOT NULL,
        PRIMARY KEY (cve_id, date)
      ) WITHOUT ROWID;

      CREATE TABLE kev (
        cve_id TEXT PRIMARY KEY,
        data TEXT NOT NULL,
        ransomware INTEGER NOT NULL,
        first_catalog TEXT NOT NULL,
        removed_in TEXT
      );
      CREATE TABLE kev_catalogs (
        catalog_version TEXT PRIMARY KEY,
        date_released TEXT NOT NULL,
        entries INTEGER NOT NULL,
        added TEXT NOT NULL
      );

      CREATE TABLE source_state (
        source TEXT PRIMARY KEY,
        cursor TEXT,
        last_success TEXT,
        last_attempt TEXT,
        last_error TEXT,
        last_count INTEGER
      );
    `,
  },
];

/** Applies pending migrations. @returns the ids applied. */
export function migrate(db: Database): number[] {
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (id INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)');
  const done = new Set(db.prepare('SELECT id FROM schema_migrations').pluck().all() as number[]);
  const applied: number[] = [];
  for (const m of migrations) {
    if (done.has(m.id)) continue;
    db.transaction(() => {
      db.exec(m.sql);
      db.prepare('INSERT INTO schema_migrations (id, name, applied_at) VALUES (?, ?, ?)').run(m.id, m.name, new Date().toISOString());
    })();
    applied.push(m.id);
  }
  return applied;
}
