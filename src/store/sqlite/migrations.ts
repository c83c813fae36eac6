/**
 * SQLite schema migrations, applied in order, each in its own transaction and recorded in
 * `schema_migrations`. Never edit a released migration: add the next one.
 */
import type { Database } from 'better-sqlite3';
import { listText } from '../../analysis/title.ts';
import { backfillKnown } from './known.ts';
import { dropUnaffectedProducts } from './unaffected-products.ts';

/** One migration. */
export interface Migration {
  id: number;
  name: string;
  sql: string;
  /** Runs after `sql`, in the same transaction: a backfill SQL alone cannot compute. */
  run?: (db: Database) => void;
}

/**
 * The priority formula (analysis/priority.ts `prioritySql()`) as each migration that created the
 * `vulns` table compiled it. Frozen text: a released migration never changes, and a store keeps
 * the generated column of the migration that built it; a new formula needs a migration rebuilding
 * the table (as 5 does), and a test checks the newest one equals `prioritySql()`.
 */
const PRIORITY_V1 = `(CASE WHEN state = 'REJECTED' THEN 0 ELSE round(55 * kev + 5 * ransomware + 25 * coalesce(epss, 0) + 15 * coalesce(cvss_score, 0) / 10.0, 2) END)`;
/** Migration 5: with the prior of CVEs awaiting their first EPSS score (docs/priority.md). */
export const PRIORITY_V5 = `(CASE WHEN state = 'REJECTED' THEN 0 ELSE round(55 * (CASE WHEN (kev = 1 OR (awaiting_epss = 1 AND epss IS NULL AND coalesce(cvss_score, 0) >= 9)) THEN 1 ELSE 0 END) + 5 * ransomware + 25 * coalesce(epss, CASE WHEN awaiting_epss = 1 AND epss IS NULL THEN 0.1 ELSE 0 END) + 15 * coalesce(cvss_score, 0) / 10.0, 2) END)`;

/** Migration 8: with the public-exploit factor (`exploits`, added by migration 7; docs/priority.md). */
export const PRIORITY_V8 = `(CASE WHEN state = 'REJECTED' THEN 0 ELSE round(55 * (CASE WHEN (kev = 1 OR (awaiting_epss = 1 AND epss IS NULL AND coalesce(cvss_score, 0) >= 9)) THEN 1 ELSE 0 END) + 5 * ransomware + 10 * (CASE WHEN exploits > 0 AND NOT (kev = 1 OR (awaiting_epss = 1 AND epss IS NULL AND coalesce(cvss_score, 0) >= 9)) THEN 1 ELSE 0 END) + 25 * coalesce(epss, CASE WHEN awaiting_epss = 1 AND epss IS NULL THEN 0.1 ELSE 0 END) + 15 * coalesce(cvss_score, 0) / 10.0, 2) END)`;

/** The columns of `vulns` as migrations 1 and 4 left them, copied by migration 5. */
const VULN_COLUMNS_V4 =
  'cve_id, state, published, last_modified, title, severity, cvss_score, cvss_version, kev, ransomware, kev_hint, epss, epss_percentile, epss_date, vendors, snippet';
/** The columns of `vulns` as migrations 5 and 7 left them, copied by migration 8. */
const VULN_COLUMNS_V7 = `${VULN_COLUMNS_V4}, has_record, awaiting_epss, exploits`;

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
        priority REAL GENERATED ALWAYS AS ${PRIORITY_V1} STORED
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
  {
    id: 3,
    name: 'server',
    sql: `
      -- Sign-in accounts of users (a user without one only receives alerts).
      CREATE TABLE accounts (
        user_name TEXT PRIMARY KEY REFERENCES users (name) ON DELETE CASCADE,
        role TEXT NOT NULL CHECK (role IN ('admin', 'analyst', 'viewer')),
        password_hash TEXT NOT NULL,
        disabled INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL,
        password_changed_at TEXT NOT NULL
      );
      -- Refresh tokens, by SHA-256; rotated on use. Reuse of a rotated one revokes its family.
      CREATE TABLE sessions (
        token_hash TEXT PRIMARY KEY,
        family TEXT NOT NULL,
        user_name TEXT NOT NULL REFERENCES users (name) ON DELETE CASCADE,
        created_at TEXT NOT NULL,
        expires_at TEXT NOT NULL,
        used_at TEXT,
        revoked_at TEXT
      );
      CREATE INDEX sessions_family ON sessions (family);
      CREATE TABLE api_tokens (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        user_name TEXT NOT NULL REFERENCES users (name) ON DELETE CASCADE,
        name TEXT NOT NULL,
        token_hash TEXT NOT NULL UNIQUE,
        prefix TEXT NOT NULL,
        scopes TEXT NOT NULL,
        created_at TEXT NOT NULL,
        expires_at TEXT,
        last_used_at TEXT,
        revoked_at TEXT
      );
      CREATE INDEX api_tokens_user ON api_tokens (user_name);
      CREATE TABLE audit_log (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at TEXT NOT NULL,
        actor TEXT,
        actor_kind TEXT NOT NULL,
        token_id INTEGER,
        action TEXT NOT NULL,
        target TEXT,
        outcome TEXT NOT NULL,
        status_code INTEGER,
        ip TEXT,
        user_agent TEXT,
        detail TEXT
      );
      CREATE INDEX audit_actor ON audit_log (actor, id);
      CREATE INDEX audit_action ON audit_log (action, id);
      -- Server secrets and one-time values (JWT signing key, setup token hash).
      CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);

      -- Triage of alerts, apart from their delivery status.
      ALTER TABLE alerts ADD COLUMN triage TEXT NOT NULL DEFAULT 'new';
      ALTER TABLE alerts ADD COLUMN assignee TEXT;
      ALTER TABLE alerts ADD COLUMN acknowledged_at TEXT;
      ALTER TABLE alerts ADD COLUMN acknowledged_by TEXT;
      CREATE INDEX alerts_triage ON alerts (triage, id);
      CREATE TABLE alert_comments (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        alert_id INTEGER NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
        author TEXT NOT NULL,
        body TEXT NOT NULL,
        at TEXT NOT NULL
      );
      CREATE INDEX alert_comments_alert ON alert_comments (alert_id, id);

      CREATE TABLE jobs (
        id TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        status TEXT NOT NULL,
        request TEXT NOT NULL,
        progress TEXT NOT NULL DEFAULT '[]',
        requested_by TEXT,
        created_at TEXT NOT NULL,
        started_at TEXT,
        finished_at TEXT,
        error TEXT
      );

      -- CWEs per record (for breakdowns), filled by the write path; backfilled here.
      CREATE TABLE vuln_cwes (
        cwe TEXT NOT NULL,
        cve_id TEXT NOT NULL,
        PRIMARY KEY (cwe, cve_id)
      ) WITHOUT ROWID;
      CREATE INDEX vuln_cwes_cve ON vuln_cwes (cve_id);
      INSERT OR IGNORE INTO vuln_cwes (cwe, cve_id)
        SELECT j.value, o.cve_id FROM observations o, json_each(o.data, '$.cwes') j WHERE j.value LIKE 'CWE-%';
      -- OWASP Top 10 categories and the CWEs they map (sources/owasp).
      CREATE TABLE owasp_cwes (
        edition TEXT NOT NULL,
        category TEXT NOT NULL,
        title TEXT NOT NULL,
        cwe TEXT NOT NULL,
        PRIMARY KEY (edition, cwe, category)
      ) WITHOUT ROWID;
    `,
  },
  {
    id: 4,
    name: 'list text',
    // `title` becomes what a list shows: the CNA's title, else one derived from the description
    // (analysis/title.ts; rows.ts writes both); `snippet` is the description text beside it.
    sql: 'ALTER TABLE vulns ADD COLUMN snippet TEXT;',
    run: backfillListText,
  },
  {
    id: 5,
    name: 'known cves',
    // vulns rebuilt (a generated column cannot be altered), keeping rowids: the full-text index
    // refers to them. has_record: 0 for a CVE known only from KEV/EPSS (known.ts); awaiting_epss:
    // a new record not scored by EPSS yet, ranked with the prior (docs/priority.md).
    sql: `
      CREATE TABLE vulns_v5 (
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
        snippet TEXT,
        has_record INTEGER NOT NULL DEFAULT 1,
        awaiting_epss INTEGER NOT NULL DEFAULT 0,
        priority REAL GENERATED ALWAYS AS ${PRIORITY_V5} STORED
      );
      INSERT INTO vulns_v5 (rowid, ${VULN_COLUMNS_V4}) SELECT rowid, ${VULN_COLUMNS_V4} FROM vulns ORDER BY rowid;
      DROP TABLE vulns;
      ALTER TABLE vulns_v5 RENAME TO vulns;
      CREATE INDEX vulns_rank ON vulns (priority DESC, epss DESC, cvss_score DESC, published DESC);
      CREATE INDEX vulns_published ON vulns (published);
      CREATE INDEX vulns_kev ON vulns (kev, priority DESC);
    `,
    run: backfillKnown,
  },
  {
    id: 6,
    name: 'unaffected products',
    // Products every feed lists only as unaffected are no longer indexed (analysis/merge.ts
    // `unaffectedProducts`): drop the rows older stores wrote for them (unaffected-products.ts).
    sql: '',
    run: (db) => {
      dropUnaffectedProducts(db);
    },
  },
  {
    id: 7,
    name: 'advisories',
    // Advisories, bulletins and exploits (model/advisory.ts; written by advisories.ts). `data` is
    // the canonical JSON, `hash` its SHA-1 (same hash: nothing to write); `sort_date` is
    // `published ?? modified`, the list order. `exploit`: `{verified,type,platform}` of an exploit,
    // for lists without parsing `data`. The CVE links and vendor names are the filters' indexes;
    // advisories_fts (contentless, keyed by advisories rowid) searches id, title and summary.
    sql: `
      CREATE TABLE advisories (
        id TEXT PRIMARY KEY,
        source TEXT NOT NULL,
        kind TEXT NOT NULL,
        title TEXT NOT NULL,
        url TEXT,
        severity TEXT,
        published TEXT,
        modified TEXT NOT NULL,
        withdrawn TEXT,
        sort_date TEXT NOT NULL,
        exploit TEXT,
        hash TEXT NOT NULL,
        data TEXT NOT NULL,
        first_seen TEXT NOT NULL
      );
      CREATE INDEX advisories_date ON advisories (sort_date DESC, id DESC);
      CREATE INDEX advisories_kind ON advisories (kind, sort_date DESC, id DESC);
      CREATE INDEX advisories_source ON advisories (source, sort_date DESC, id DESC);

      CREATE TABLE advisory_cves (
        advisory_id TEXT NOT NULL,
        cve_id TEXT NOT NULL,
        origin TEXT NOT NULL CHECK (origin IN ('listed', 'text')),
        PRIMARY KEY (advisory_id, cve_id)
      ) WITHOUT ROWID;
      CREATE INDEX advisory_cves_cve ON advisory_cves (cve_id);

      -- productKey() of each affected entry's vendor and product (enrich/product-key.ts).
      CREATE TABLE advisory_vendors (
        name_key TEXT NOT NULL,
        advisory_id TEXT NOT NULL,
        PRIMARY KEY (name_key, advisory_id)
      ) WITHOUT ROWID;
      CREATE INDEX advisory_vendors_advisory ON advisory_vendors (advisory_id);

      CREATE TABLE advisory_changes (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        advisory_id TEXT NOT NULL,
        field TEXT NOT NULL,
        old TEXT,
        new TEXT,
        source TEXT NOT NULL,
        at TEXT NOT NULL
      );
      CREATE INDEX advisory_changes_advisory ON advisory_changes (advisory_id, id);

      CREATE VIRTUAL TABLE advisories_fts USING fts5 (
        id, title, summary,
        content = '', contentless_delete = 1,
        tokenize = 'unicode61 remove_diacritics 2'
      );

      -- Public exploits naming each CVE (kind 'exploit', listed, not withdrawn): the priority's
      -- exploit factor (docs/priority.md), kept by advisories.ts, rows.ts and known.ts.
      ALTER TABLE vulns ADD COLUMN exploits INTEGER NOT NULL DEFAULT 0;
    `,
  },
  {
    id: 8,
    name: 'exploit priority',
    // vulns rebuilt as migration 5 did (same rowids: the full-text index's keys), for the priority
    // with the public-exploit factor; exploits are counted afresh from the stored advisories.
    // vulns_exploited serves `exploit` filters (`vigil top --exploit`, `?exploit=true`).
    sql: `
      CREATE TABLE vulns_v8 (
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
        snippet TEXT,
        has_record INTEGER NOT NULL DEFAULT 1,
        awaiting_epss INTEGER NOT NULL DEFAULT 0,
        exploits INTEGER NOT NULL DEFAULT 0,
        priority REAL GENERATED ALWAYS AS ${PRIORITY_V8} STORED
      );
      INSERT INTO vulns_v8 (rowid, ${VULN_COLUMNS_V7}) SELECT rowid, ${VULN_COLUMNS_V7} FROM vulns ORDER BY rowid;
      DROP TABLE vulns;
      ALTER TABLE vulns_v8 RENAME TO vulns;
      CREATE INDEX vulns_rank ON vulns (priority DESC, epss DESC, cvss_score DESC, published DESC);
      CREATE INDEX vulns_published ON vulns (published);
      CREATE INDEX vulns_kev ON vulns (kev, priority DESC);
      CREATE INDEX vulns_exploited ON vulns (priority DESC) WHERE exploits > 0;
      UPDATE vulns SET exploits = c.n FROM (
        SELECT ec.cve_id, count(*) AS n FROM advisory_cves ec JOIN advisories ea ON ea.id = ec.advisory_id
        WHERE ec.origin = 'listed' AND ea.kind = 'exploit' AND ea.withdrawn IS NULL GROUP BY ec.cve_id
      ) AS c WHERE c.cve_id = vulns.cve_id;
    `,
  },
  {
    id: 9,
    name: 'job leases, EPSS history by date',
    // A collection job's owner (the server process running it) and its last heartbeat: a server
    // starting next to a running replica fails only the jobs nobody beats for any more, not the
    // replica's (api/routes/jobs.ts). EPSS history by date: a day's moves (alert evaluation, the
    // movers card) and the day replaced on re-import read one date, not the whole history.
    sql: `
      ALTER TABLE jobs ADD COLUMN owner TEXT;
      ALTER TABLE jobs ADD COLUMN heartbeat_at TEXT;
      CREATE INDEX epss_history_date ON epss_history (date);
    `,
  },
  {
    id: 10,
    name: 'intel',
    // Threat-intel sources and documents (intel/types.ts; written by intel.ts). JSON fields
    // (headers, selectors, tags, cves) are JSON text; booleans 0/1. band0–band3 are the 16-bit
    // bands of the SimHash (intel/dedupe/simhash.ts): near-duplicate candidates share one.
    // intel_fts (contentless, keyed by intel_documents rowid) searches title and text; triggers
    // keep it, so any write (the store's, `vigil migrate`'s copy) leaves it in step.
    sql: `
      CREATE TABLE intel_sources (
        name TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        url TEXT NOT NULL,
        enabled INTEGER NOT NULL,
        interval_seconds INTEGER NOT NULL,
        proxy TEXT NOT NULL,
        headers TEXT NOT NULL,
        min_delay_seconds REAL,
        robots TEXT NOT NULL,
        fetch_articles TEXT NOT NULL,
        selectors TEXT NOT NULL,
        follow TEXT,
        max_pages INTEGER NOT NULL,
        max_depth INTEGER NOT NULL,
        min_content_length INTEGER NOT NULL,
        tags TEXT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );

      CREATE TABLE intel_documents (
        id TEXT PRIMARY KEY,
        source TEXT NOT NULL,
        url TEXT NOT NULL,
        canonical_url TEXT NOT NULL,
        title TEXT NOT NULL,
        author TEXT,
        published TEXT,
        fetched_at TEXT NOT NULL,
        language TEXT,
        text TEXT NOT NULL,
        summary TEXT,
        content_hash TEXT NOT NULL,
        simhash TEXT NOT NULL,
        tags TEXT NOT NULL,
        cves TEXT NOT NULL,
        cluster TEXT NOT NULL,
        first_seen TEXT NOT NULL,
        band0 INTEGER NOT NULL,
        band1 INTEGER NOT NULL,
        band2 INTEGER NOT NULL,
        band3 INTEGER NOT NULL
      );
      CREATE INDEX intel_documents_date ON intel_documents (coalesce(published, fetched_at) DESC, id DESC);
      CREATE INDEX intel_documents_source ON intel_documents (source, coalesce(published, fetched_at) DESC, id DESC);
      CREATE INDEX intel_documents_cluster ON intel_documents (cluster);
      CREATE INDEX intel_documents_band0 ON intel_documents (band0);
      CREATE INDEX intel_documents_band1 ON intel_documents (band1);
      CREATE INDEX intel_documents_band2 ON intel_documents (band2);
      CREATE INDEX intel_documents_band3 ON intel_documents (band3);

      CREATE TABLE intel_document_cves (
        document_id TEXT NOT NULL,
        cve_id TEXT NOT NULL,
        PRIMARY KEY (document_id, cve_id)
      ) WITHOUT ROWID;
      CREATE INDEX intel_document_cves_cve ON intel_document_cves (cve_id);

      CREATE TABLE intel_history (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        document_id TEXT NOT NULL,
        at TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('created', 'changed')),
        previous_hash TEXT,
        content_hash TEXT NOT NULL,
        title TEXT NOT NULL
      );
      CREATE INDEX intel_history_document ON intel_history (document_id, id);

      CREATE TABLE intel_validators (
        url TEXT PRIMARY KEY,
        etag TEXT,
        last_modified TEXT,
        fetched_at TEXT NOT NULL
      );

      CREATE VIRTUAL TABLE intel_fts USING fts5 (
        title, text,
        content = '', contentless_delete = 1,
        tokenize = 'unicode61 remove_diacritics 2'
      );
      CREATE TRIGGER intel_documents_fts_insert AFTER INSERT ON intel_documents BEGIN
        INSERT INTO intel_fts (rowid, title, text) VALUES (new.rowid, new.title, new.text);
      END;
      CREATE TRIGGER intel_documents_fts_delete AFTER DELETE ON intel_documents BEGIN
        DELETE FROM intel_fts WHERE rowid = old.rowid;
      END;
      CREATE TRIGGER intel_documents_fts_update AFTER UPDATE OF title, text ON intel_documents BEGIN
        DELETE FROM intel_fts WHERE rowid = old.rowid;
        INSERT INTO intel_fts (rowid, title, text) VALUES (new.rowid, new.title, new.text);
      END;
    `,
  },
  {
    id: 11,
    name: 'iocs',
    // Indicators found in intel documents (iocs/types.ts; written by iocs.ts, planned by
    // ../ioc-rows.ts). iocs holds each indicator's aggregates, counted again from its sightings on
    // every write that touches it; sources and cves are JSON text arrays. ioc_sightings: one row per
    // (indicator, document), its id the alert engine's cursor (sightingsSince). ioc_document_cves:
    // the CVE ids of each analysed document (an indicator's related CVEs). document_analyses: the
    // whole analysis (JSON) of each document. ioc_lookups: cached look-ups (VirusTotal), body JSON.
    sql: `
      CREATE TABLE iocs (
        type TEXT NOT NULL,
        value TEXT NOT NULL,
        first_seen TEXT NOT NULL,
        last_seen TEXT NOT NULL,
        sightings INTEGER NOT NULL,
        sources TEXT NOT NULL,
        cves TEXT NOT NULL,
        warning_list TEXT,
        warning_name TEXT,
        tlp TEXT NOT NULL,
        PRIMARY KEY (type, value)
      ) WITHOUT ROWID;
      CREATE INDEX iocs_last_seen ON iocs (last_seen DESC, type, value);

      CREATE TABLE ioc_sightings (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        type TEXT NOT NULL,
        value TEXT NOT NULL,
        document_id TEXT NOT NULL,
        source TEXT NOT NULL,
        seen TEXT NOT NULL,
        original TEXT NOT NULL,
        tlp TEXT NOT NULL,
        warning_list TEXT,
        warning_name TEXT,
        UNIQUE (type, value, document_id)
      );
      CREATE INDEX ioc_sightings_document ON ioc_sightings (document_id);

      CREATE TABLE ioc_document_cves (
        document_id TEXT NOT NULL,
        cve_id TEXT NOT NULL,
        PRIMARY KEY (document_id, cve_id)
      ) WITHOUT ROWID;

      CREATE TABLE document_analyses (
        document_id TEXT PRIMARY KEY,
        analysis TEXT NOT NULL,
        analysed TEXT NOT NULL
      );

      CREATE TABLE ioc_lookups (
        provider TEXT NOT NULL,
        type TEXT NOT NULL,
        value TEXT NOT NULL,
        fetched TEXT NOT NULL,
        body TEXT NOT NULL,
        PRIMARY KEY (provider, type, value)
      ) WITHOUT ROWID;
    `,
  },
  {
    id: 12,
    name: 'exposure alerts',
    // Issue 15 (exposure/, docs/exposure.md): a subscription's `exposure` threshold, same units as
    // E_t; NULL: no exposure alerts. vulns_exposure covers the exposure index's daily sums (an
    // index-only scan, grouped in the index's order, instead of reading every row of the 300k-record
    // table: bench/exposure.ts).
    sql: `
      ALTER TABLE subscriptions ADD COLUMN exposure_above REAL;
      CREATE INDEX vulns_exposure ON vulns (substr(published, 1, 10), state, priority, cve_id);
    `,
  },
  {
    id: 13,
    name: 'trends',
    // Issue 15 (trends/, docs/trends.md): the per-day counts of a CVE dimension read the window's
    // CVEs by published day; this index answers them without touching the wide vulns rows.
    sql: 'CREATE INDEX IF NOT EXISTS vulns_trends ON vulns (published, state, cve_id, severity);',
  },
  {
    id: 14,
    name: 'search index',
    // Issue 15 (search/indexer.ts): how far the daemon indexed each feed into each search engine
    // (target: engine URL without credentials and index prefix; feed: cves, cves-epss, advisories,
    // intel, iocs; cursor: the feed's last id, or an EPSS date).
    sql: `
      CREATE TABLE search_cursors (
        target TEXT NOT NULL,
        feed TEXT NOT NULL,
        cursor TEXT NOT NULL,
        updated TEXT NOT NULL,
        PRIMARY KEY (target, feed)
      );
    `,
  },
];

/**
 * Migration 4's backfill: the list title and snippet of every stored record, from the title and
 * description its observations state (CVE 5 first, then NVD: analysis/merge.ts's precedence).
 */
function backfillListText(db: Database): void {
  db.function('vigil_list_text', { deterministic: true }, (title, description) =>
    JSON.stringify(listText(title as string | null, description as string | null)),
  );
  const field = (source: string, key: string) => `max(CASE source WHEN '${source}' THEN nullif(json_extract(data, '$.${key}'), '') END)`;
  db.exec(`
    UPDATE vulns SET title = json_extract(t.text, '$.title'), snippet = json_extract(t.text, '$.snippet')
    FROM (
      SELECT cve_id, vigil_list_text(coalesce(${field('cve5', 'title')}, ${field('nvd', 'title')}), coalesce(${field('cve5', 'description')}, ${field('nvd', 'description')})) AS text
      FROM observations GROUP BY cve_id
    ) AS t
    WHERE vulns.cve_id = t.cve_id`);
}

/**
 * Applies pending migrations (of `list`: all by default; a test passes a prefix to build an older store).
 * @returns the ids applied.
 */
export function migrate(db: Database, list: Migration[] = migrations): number[] {
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (id INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)');
  const done = new Set(db.prepare('SELECT id FROM schema_migrations').pluck().all() as number[]);
  const applied: number[] = [];
  for (const m of list) {
    if (done.has(m.id)) continue;
    // IMMEDIATE takes the write lock first; re-checking under it lets two connections that
    // open the same new file at once (CLI and store worker) both succeed.
    const ran = db
      .transaction(() => {
        if (db.prepare('SELECT 1 FROM schema_migrations WHERE id = ?').get(m.id)) return false;
        db.exec(m.sql);
        m.run?.(db);
        db.prepare('INSERT INTO schema_migrations (id, name, applied_at) VALUES (?, ?, ?)').run(m.id, m.name, new Date().toISOString());
        return true;
      })
      .immediate();
    if (ran) applied.push(m.id);
  }
  return applied;
}
