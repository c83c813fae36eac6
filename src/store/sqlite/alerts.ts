/**
 * {@link AlertStore} on SQLite, sharing the connection of a {@link SqliteStore} (the alert engine
 * reads the change history and the records through it). Tables: migration 2 in migrations.ts.
 */
import { VigilError } from '../../errors.ts';
import type { AdvisoryChange } from '../../model/advisory.ts';
import type { Alert, AlertStatus, DeliveryAttempt, Owner, Subscription, Team, User, WatchEntry, Watchlist } from '../../model/alert.ts';
import type { KevEntry } from '../../model/vulnerability.ts';
import { type Row, toAlert, toAttempt, toEntry, toSubscription, toUser } from './alert-rows.ts';
import type { AlertQuery, AlertStore, CandidateQuery, EpssDayInfo, EpssMove, EvaluationCommit, FeedChange } from '../alerts.ts';
import { ftsQuery } from '../query.ts';
import type { SqliteStore } from './index.ts';

/**
 * The `WHERE` of a cursor upsert in `alert_state`: the new value replaces the old one only when it
 * is further on. Both integers (`changes`, `advisoryChanges`): numerically; otherwise as text
 * (ISO dates, `epssDay`). The PostgreSQL store has the same rule (postgres/alerts.ts).
 */
const CURSOR_FORWARD = `CASE WHEN alert_state.value GLOB '[0-9]*' AND alert_state.value NOT GLOB '*[^0-9]*' AND length(alert_state.value) <= 18
    AND excluded.value GLOB '[0-9]*' AND excluded.value NOT GLOB '*[^0-9]*' AND length(excluded.value) <= 18
  THEN CAST(excluded.value AS INTEGER) > CAST(alert_state.value AS INTEGER)
  ELSE excluded.value > alert_state.value END`;

/** Alerting tables on the connection of `store`. */
export class SqliteAlertStore implements AlertStore {
  constructor(
    private readonly store: SqliteStore,
    private readonly now: () => Date = () => new Date(),
  ) {}

  #stamp(): string {
    return this.now().toISOString();
  }

  async upsertUser(u: User): Promise<void> {
    this.store
      .stmt(
        `INSERT INTO users (name, email, handles, created_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (name) DO UPDATE SET email = excluded.email, handles = excluded.handles`,
      )
      .run(u.name, u.email, JSON.stringify(u.handles), this.#stamp());
  }

  async listUsers(): Promise<User[]> {
    return (this.store.stmt('SELECT * FROM users ORDER BY name').all() as Row[]).map(toUser);
  }

  async upsertTeam(t: Team): Promise<void> {
    const known = new Set(this.store.stmt('SELECT name FROM users').pluck().all() as string[]);
    const missing = t.members.filter((m) => !known.has(m));
    if (missing.length) throw new VigilError('VIGIL_NOT_FOUND', [`user ${missing.join(', ')} (member of team ${t.name})`]);
    this.store.db.transaction(() => {
      this.store.stmt('INSERT INTO teams (name, created_at) VALUES (?, ?) ON CONFLICT (name) DO NOTHING').run(t.name, this.#stamp());
      this.store.stmt('DELETE FROM team_members WHERE team = ?').run(t.name);
      for (const m of t.members) this.store.stmt('INSERT INTO team_members (team, user_name) VALUES (?, ?)').run(t.name, m);
    })();
  }

  async listTeams(): Promise<Team[]> {
    const teams = this.store.stmt('SELECT name FROM teams ORDER BY name').pluck().all() as string[];
    const members = this.store.stmt('SELECT user_name FROM team_members WHERE team = ? ORDER BY user_name').pluck();
    return teams.map((name) => ({ name, members: members.all(name) as string[] }));
  }

  async upsertWatchlist(w: { name: string; owner: Owner; description: string | null }): Promise<void> {
    const user = 'user' in w.owner ? w.owner.user : null;
    const team = 'team' in w.owner ? w.owner.team : null;
    if (user && !this.store.stmt('SELECT 1 FROM users WHERE name = ?').get(user))
      throw new VigilError('VIGIL_NOT_FOUND', [`user ${user} (owner of watchlist ${w.name})`]);
    if (team && !this.store.stmt('SELECT 1 FROM teams WHERE name = ?').get(team))
      throw new VigilError('VIGIL_NOT_FOUND', [`team ${team} (owner of watchlist ${w.name})`]);
    this.store
      .stmt(
        `INSERT INTO watchlists (name, owner_user, owner_team, description, created_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (name) DO UPDATE SET owner_user = excluded.owner_user, owner_team = excluded.owner_team, description = excluded.description`,
      )
      .run(w.name, user, team, w.description, this.#stamp());
  }

  #watchlist(r: Row): Watchlist {
    const name = r.name as string;
    return {
      name,
      owner: r.owner_user ? { user: r.owner_user as string } : { team: r.owner_team as string },
      description: (r.description as string | null) ?? null,
      entries: (this.store.stmt('SELECT * FROM watch_entries WHERE watchlist = ? ORDER BY id').all(name) as Row[]).map(toEntry),
      subscriptions: (this.store.stmt('SELECT * FROM subscriptions WHERE watchlist = ? ORDER BY id').all(name) as Row[]).map(toSubscription),
    };
  }

  async getWatchlist(name: string): Promise<Watchlist | null> {
    const r = this.store.stmt('SELECT * FROM watchlists WHERE name = ?').get(name) as Row | undefined;
    return r ? this.#watchlist(r) : null;
  }

  async listWatchlists(): Promise<Watchlist[]> {
    return (this.store.stmt('SELECT * FROM watchlists ORDER BY name').all() as Row[]).map((r) => this.#watchlist(r));
  }

  async removeWatchlist(name: string): Promise<boolean> {
    return this.store.stmt('DELETE FROM watchlists WHERE name = ?').run(name).changes > 0;
  }

  async addEntry(e: Omit<WatchEntry, 'id'>): Promise<WatchEntry> {
    if (!this.store.stmt('SELECT 1 FROM watchlists WHERE name = ?').get(e.watchlist)) throw new VigilError('VIGIL_NOT_FOUND', [`watchlist ${e.watchlist}`]);
    const key = [e.watchlist, e.kind, e.value, e.vendor ?? '', e.version ?? '', JSON.stringify(e.thresholds)];
    const find = this.store.stmt(
      'SELECT * FROM watch_entries WHERE watchlist = ? AND kind = ? AND value = ? AND vendor = ? AND version = ? AND thresholds = ?',
    );
    // Looked up first: an ignored INSERT would still use up an AUTOINCREMENT id.
    const existing = find.get(...key) as Row | undefined;
    if (existing) return toEntry(existing);
    this.store
      .stmt('INSERT INTO watch_entries (watchlist, kind, value, vendor, version, thresholds, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(...key, this.#stamp());
    return toEntry(find.get(...key) as Row);
  }

  async removeEntry(id: number): Promise<boolean> {
    return this.store.stmt('DELETE FROM watch_entries WHERE id = ?').run(id).changes > 0;
  }

  async upsertSubscription(s: Omit<Subscription, 'id'>): Promise<Subscription> {
    if (!this.store.stmt('SELECT 1 FROM watchlists WHERE name = ?').get(s.watchlist)) throw new VigilError('VIGIL_NOT_FOUND', [`watchlist ${s.watchlist}`]);
    this.store
      .stmt(
        `INSERT INTO subscriptions (watchlist, channel, target, events, mode, quiet_hours, timezone, epss_above, epss_jump, created_at, exposure_above)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (watchlist, channel, target) DO UPDATE SET events = excluded.events, mode = excluded.mode,
           quiet_hours = excluded.quiet_hours, timezone = excluded.timezone, epss_above = excluded.epss_above, epss_jump = excluded.epss_jump,
           exposure_above = excluded.exposure_above`,
      )
      .run(
        s.watchlist,
        s.channel,
        s.target ?? '',
        JSON.stringify(s.events),
        s.mode,
        s.quietHours ? JSON.stringify(s.quietHours) : null,
        s.timezone,
        s.epssAbove,
        s.epssJump,
        this.#stamp(),
        s.exposureAbove ?? null,
      );
    return toSubscription(
      this.store.stmt('SELECT * FROM subscriptions WHERE watchlist = ? AND channel = ? AND target = ?').get(s.watchlist, s.channel, s.target ?? '') as Row,
    );
  }

  async removeSubscription(id: number): Promise<boolean> {
    return this.store.stmt('DELETE FROM subscriptions WHERE id = ?').run(id).changes > 0;
  }

  async readChanges(afterId: number, limit: number): Promise<FeedChange[]> {
    return this.store
      .stmt('SELECT id, cve_id AS cveId, field, old, new, source, at FROM changes WHERE id > ? ORDER BY id LIMIT ?')
      .all(afterId, limit) as FeedChange[];
  }

  async lastChangeId(): Promise<number> {
    return (this.store.stmt('SELECT coalesce(max(id), 0) FROM changes').pluck().get() as number) ?? 0;
  }

  async readAdvisoryChanges(afterId: number, limit: number): Promise<(AdvisoryChange & { id: number })[]> {
    return this.store
      .stmt('SELECT id, advisory_id AS advisoryId, field, old, new, source, at FROM advisory_changes WHERE id > ? ORDER BY id LIMIT ?')
      .all(afterId, limit) as (AdvisoryChange & { id: number })[];
  }

  async lastAdvisoryChangeId(): Promise<number> {
    return (this.store.stmt('SELECT coalesce(max(id), 0) FROM advisory_changes').pluck().get() as number) ?? 0;
  }

  async epssDays(): Promise<EpssDayInfo[]> {
    return this.store.stmt('SELECT date, model_version AS modelVersion FROM epss_days ORDER BY date').all() as EpssDayInfo[];
  }

  async epssMoves(date: string): Promise<EpssMove[]> {
    // History keeps change points only: a row on `date` means the score changed that day, and
    // the newest earlier row is the score in effect before it.
    return this.store
      .stmt(
        `SELECT h.cve_id AS cveId, h.epss AS score, h.percentile,
           p.epss AS previousScore, p.percentile AS previousPercentile
         FROM epss_history h
         LEFT JOIN epss_history p ON p.cve_id = h.cve_id
           AND p.date = (SELECT max(q.date) FROM epss_history q WHERE q.cve_id = h.cve_id AND q.date < h.date)
         WHERE h.date = ?
           AND (EXISTS (SELECT 1 FROM vulns v WHERE v.cve_id = h.cve_id) OR EXISTS (SELECT 1 FROM kev k WHERE k.cve_id = h.cve_id AND k.removed_in IS NULL))`,
      )
      .all(date) as EpssMove[];
  }

  async getState(key: string): Promise<string | null> {
    return (this.store.stmt('SELECT value FROM alert_state WHERE key = ?').pluck().get(key) as string | undefined) ?? null;
  }

  async setState(key: string, value: string): Promise<void> {
    this.#putState(key, value);
  }

  #putState(key: string, value: string): void {
    this.store.stmt('INSERT INTO alert_state (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(key, value);
  }

  /** Saves a cursor, never moving it back (another connection may be further on). */
  #putCursor(key: string, value: string): void {
    this.store.stmt(`INSERT INTO alert_state (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value WHERE ${CURSOR_FORWARD}`).run(key, value);
  }

  async commitEvaluation(c: EvaluationCommit): Promise<number[]> {
    const insert = this.store.stmt(
      `INSERT OR IGNORE INTO alerts (subscription_id, watchlist, channel, recipients, cve_id, event, event_key, mode, created_at,
         explanation, facts, provisional, next_attempt_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const confirm = this.store.stmt('UPDATE alerts SET confirmed_at = ? WHERE subscription_id = ? AND cve_id = ? AND provisional = 1 AND confirmed_at IS NULL');
    const ids: number[] = [];
    this.store.db.transaction(() => {
      for (const a of c.alerts) {
        const info = insert.run(
          a.subscriptionId ?? 0,
          a.watchlist,
          a.channel,
          JSON.stringify(a.recipients),
          a.cveId,
          a.event,
          a.eventKey,
          a.mode,
          a.createdAt,
          JSON.stringify(a.explanation),
          JSON.stringify(a.facts),
          Number(a.provisional),
          a.nextAttemptAt,
        );
        if (info.changes) ids.push(Number(info.lastInsertRowid));
      }
      for (const k of c.confirmations) confirm.run(c.at, k.subscriptionId, k.cveId);
      for (const [key, value] of Object.entries(c.state)) this.#putCursor(key, value);
    })();
    return ids;
  }

  async dueAlerts(now: string): Promise<Alert[]> {
    return (this.store.stmt("SELECT * FROM alerts WHERE status = 'pending' AND next_attempt_at <= ? ORDER BY next_attempt_at, id").all(now) as Row[]).map(
      toAlert,
    );
  }

  async claimAlerts(ids: number[], now: string, until: string): Promise<Alert[]> {
    if (!ids.length) return [];
    const claim = this.store.stmt("UPDATE alerts SET next_attempt_at = ? WHERE id = ? AND status = 'pending' AND next_attempt_at <= ? RETURNING *");
    // IMMEDIATE: the write lock from the start, so two connections' claims run one after the other.
    const rows = this.store.db.transaction(() => ids.flatMap((id) => claim.all(until, id, now) as Row[])).immediate();
    return rows.map(toAlert).sort((a, b) => a.id - b.id);
  }

  async nextDue(): Promise<string | null> {
    return (this.store.stmt("SELECT min(next_attempt_at) FROM alerts WHERE status = 'pending'").pluck().get() as string | null) ?? null;
  }

  async recordAttempts(
    attempts: DeliveryAttempt[],
    o: { status: AlertStatus; nextAttemptAt: string | null; sentAt: string | null; lastError: string | null; deliveredTo: string[] },
  ): Promise<void> {
    const log = this.store.stmt(
      'INSERT INTO deliveries (alert_id, attempt, at, status, retryable, response, error, duration_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    );
    const update = this.store.stmt(
      'UPDATE alerts SET status = ?, attempts = ?, next_attempt_at = ?, sent_at = coalesce(?, sent_at), last_error = ?, delivered_to = ? WHERE id = ?',
    );
    this.store.db.transaction(() => {
      for (const a of attempts) {
        log.run(a.alertId, a.attempt, a.at, a.status, Number(a.retryable), a.response, a.error, a.durationMs);
        update.run(o.status, a.attempt, o.nextAttemptAt, o.sentAt, o.lastError, JSON.stringify(o.deliveredTo), a.alertId);
      }
    })();
  }

  async getAlert(id: number): Promise<Alert | null> {
    const r = this.store.stmt('SELECT * FROM alerts WHERE id = ?').get(id) as Row | undefined;
    return r ? toAlert(r) : null;
  }

  async listAlerts(q: AlertQuery): Promise<Alert[]> {
    const where: string[] = [];
    const args: unknown[] = [];
    if (q.status) where.push('status = ?') && args.push(q.status);
    if (q.cveId) where.push('cve_id = ?') && args.push(q.cveId);
    if (q.watchlist) where.push('watchlist = ?') && args.push(q.watchlist);
    const sql = `SELECT * FROM alerts ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`;
    return (this.store.stmt(sql).all(...args, q.limit ?? 50) as Row[]).map(toAlert);
  }

  async deliveries(alertId: number): Promise<DeliveryAttempt[]> {
    return (this.store.stmt('SELECT * FROM deliveries WHERE alert_id = ? ORDER BY id').all(alertId) as Row[]).map(toAttempt);
  }

  async retryAlerts(ids: number[] | 'failed', now: string): Promise<number> {
    if (ids === 'failed') return this.store.stmt("UPDATE alerts SET status = 'pending', next_attempt_at = ? WHERE status = 'failed'").run(now).changes;
    let n = 0;
    const one = this.store.stmt("UPDATE alerts SET status = 'pending', next_attempt_at = ? WHERE id = ? AND status != 'sent'");
    this.store.db.transaction(() => {
      for (const id of ids) n += one.run(now, id).changes;
    })();
    return n;
  }

  async subscriptionsAlerted(cveId: string): Promise<number[]> {
    return this.store.stmt('SELECT DISTINCT subscription_id FROM alerts WHERE cve_id = ? AND subscription_id != 0 ORDER BY 1').pluck().all(cveId) as number[];
  }

  async getKevEntry(cveId: string): Promise<KevEntry | null> {
    // Not plucked: cached statements are shared, and pluck() would change this one for getVulnerability.
    const row = this.store.stmt('SELECT data FROM kev WHERE cve_id = ? AND removed_in IS NULL').get(cveId) as { data: string } | undefined;
    return row ? (JSON.parse(row.data) as KevEntry) : null;
  }

  async candidateCves(q: CandidateQuery): Promise<string[]> {
    if (q.all) return this.store.stmt('SELECT cve_id FROM vulns ORDER BY cve_id').pluck().all() as string[];
    const out = new Set<string>();
    const add = (ids: unknown[]) => {
      for (const id of ids) out.add(id as string);
    };
    if (q.vendorKey && q.productKey)
      add(this.store.stmt('SELECT cve_id FROM vuln_products WHERE vendor_key = ? AND product_key = ?').pluck().all(q.vendorKey, q.productKey));
    else if (q.vendorKey) add(this.store.stmt('SELECT DISTINCT cve_id FROM vuln_products WHERE vendor_key = ?').pluck().all(q.vendorKey));
    else if (q.productKey) add(this.store.stmt('SELECT DISTINCT cve_id FROM vuln_products WHERE product_key = ?').pluck().all(q.productKey));
    const fts = q.text ? ftsQuery(q.text) : null;
    if (fts) add(this.store.stmt('SELECT v.cve_id FROM vulns_fts f JOIN vulns v ON v.rowid = f.rowid WHERE vulns_fts MATCH ?').pluck().all(fts));
    if (q.cveIds?.length) for (const id of q.cveIds) add(this.store.stmt('SELECT cve_id FROM vulns WHERE cve_id = ?').pluck().all(id));
    if (q.packageName)
      add(
        this.store
          .stmt('SELECT DISTINCT cve_id FROM observations WHERE instr(data, ?) > 0')
          .pluck()
          .all(`"packageName":${JSON.stringify(q.packageName)}`),
      );
    return [...out].sort();
  }

  async alertCounts(): Promise<Record<AlertStatus, number>> {
    const out: Record<AlertStatus, number> = { pending: 0, sent: 0, failed: 0 };
    for (const r of this.store.stmt('SELECT status, count(*) AS n FROM alerts GROUP BY status').all() as { status: AlertStatus; n: number }[])
      out[r.status] = r.n;
    return out;
  }
}
