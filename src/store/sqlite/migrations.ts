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
  {
    id: 2,
    name: 'alerts',
    sql: `
      CREATE TABLE users (
        name TEXT PRIMARY KEY,
        email TEXT,
        handles TEXT NOT NULL DEFAULT '{}',
        created_at TEXT NOT NULL
      );
      CREATE TABLE teams (name TEXT PRIMARY KEY, created_at TEXT NOT NULL);
      CREATE TABLE team_members (
        team TEXT NOT NULL REFERENCES teams (name) ON DELETE CASCADE,
        user_name TEXT NOT NULL REFERENCES users (name) ON DELETE CASCADE,
        PRIMARY KEY (team, user_name)
      ) WITHOUT ROWID;

      CREATE TABLE watchlists (
        name TEXT PRIMARY KEY,
        owner_user TEXT REFERENCES users (name),
        owner_team TEXT REFERENCES teams (name),
        description TEXT,
        created_at TEXT NOT NULL,
        CHECK ((owner_user IS NULL) != (owner_team IS NULL))
      );
      CREATE TABLE watch_entries (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        watchlist TEXT NOT NULL REFERENCES watchlists (name) ON DELETE CASCADE,
        kind TEXT NOT NULL,
        value TEXT NOT NULL,
        vendor TEXT NOT NULL DEFAULT '',
        version TEXT NOT NULL DEFAULT '',
        thresholds TEXT NOT NULL DEFAULT '{}',
        created_at TEXT NOT NULL
      );
      CREATE UNIQUE INDEX watch_entries_key ON watch_entries (watchlist, kind, value, vendor, version, thresholds);
      CREATE TABLE subscriptions (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        watchlist TEXT NOT NULL REFERENCES watchlists (name) ON DELETE CASCADE,
        channel TEXT NOT NULL,
        target TEXT NOT NULL DEFAULT '',
        events TEXT NOT NULL,
        mode TEXT NOT NULL,
        quiet_hours TEXT,
        timezone TEXT NOT NULL,
        epss_above REAL NOT NULL,
        epss_jump REAL NOT NULL,
        created_at TEXT NOT NULL
      );
      CREATE UNIQUE INDEX subscriptions_key ON subscriptions (watchlist, channel, target);

      -- One alert per (subscription, CVE, event key), ever; 0 stands for the administrator fallback.
      -- subscription_id is not a foreign key: alerts outlive a removed subscription as history.
      CREATE TABLE alerts (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        subscription_id INTEGER NOT NULL,
        watchlist TEXT,
        channel TEXT NOT NULL,
        recipients TEXT NOT NULL,
        cve_id TEXT NOT NULL,
        event TEXT NOT NULL,
        event_key TEXT NOT NULL,
        mode TEXT NOT NULL,
        created_at TEXT NOT NULL,
        explanation TEXT NOT NULL,
        facts TEXT NOT NULL,
        provisional INTEGER NOT NULL,
        confirmed_at TEXT,
        status TEXT NOT NULL DEFAULT 'pending',
        delivered_to TEXT NOT NULL DEFAULT '[]',
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at TEXT,
        sent_at TEXT,
        last_error TEXT
      );
      CREATE UNIQUE INDEX alerts_once ON alerts (subscription_id, cve_id, event_key);
      CREATE INDEX alerts_due ON alerts (status, next_attempt_at);
      CREATE INDEX alerts_cve ON alerts (cve_id);

      CREATE TABLE deliveries (
        id INTEGER PRIMARY KEY,
        alert_id INTEGER NOT NULL,
        attempt INTEGER NOT NULL,
        at TEXT NOT NULL,
        status TEXT NOT NULL,
        retryable INTEGER NOT NULL,
        response TEXT,
        error TEXT,
        duration_ms INTEGER NOT NULL
      );
      CREATE INDEX deliveries_alert ON deliveries (alert_id, id);

      -- Engine cursors. A store that already holds history starts after it: old changes are not news.
      CREATE TABLE alert_state (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      INSERT INTO alert_state (key, value) SELECT 'changes', CAST(coalesce(max(id), 0) AS TEXT) FROM changes;
      INSERT INTO alert_state (key, value) SELECT 'epssDay', max(date) FROM epss_days WHERE date IS NOT NULL HAVING max(date) IS NOT NULL;
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
    // IMMEDIATE takes the write lock first; re-checking under it lets two connections that
    // open the same new file at once (CLI and store worker) both succeed.
    const ran = db.transaction(() => {
      if (db.prepare('SELECT 1 FROM schema_migrations WHERE id = ?').get(m.id)) return false;
      db.exec(m.sql);
      db.prepare('INSERT INTO schema_migrations (id, name, applied_at) VALUES (?, ?, ?)').run(m.id, m.name, new Date().toISOString());
      return true;
    }).immediate();
    if (ran) applied.push(m.id);
  }
  return applied;
}
