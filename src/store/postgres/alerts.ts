/**
 * {@link AlertStore} on PostgreSQL: the same semantics as ../sqlite/alerts.ts, table for table
 * (migration 2 in migrations.ts), rows mapped by ../sqlite/alert-rows.ts (pg returns the same
 * shapes: TEXT dates and JSON, int8 parsed to number by the pool).
 *
 * What several processes sharing the database need, and SQLite gets from its single writer:
 * - the change feeds are read under `LOCK TABLE … IN SHARE MODE` (see {@link readFeed}), so a
 *   cursor never passes an id whose transaction has not committed yet;
 * - cursors only move forward ({@link CURSOR_FORWARD}), alerts are unique per (subscription, CVE,
 *   event key) (`ON CONFLICT DO NOTHING`), and both are written in one transaction;
 * - due alerts are claimed row by row (`FOR UPDATE`, {@link PgAlertStore.claimAlerts}) before a send.
 */
import { VigilError } from '../../errors.ts';
import type { AdvisoryChange } from '../../model/advisory.ts';
import type { Alert, AlertStatus, DeliveryAttempt, Owner, Subscription, Team, User, WatchEntry, Watchlist } from '../../model/alert.ts';
import type { KevEntry } from '../../model/vulnerability.ts';
import type { AlertQuery, AlertStore, CandidateQuery, EpssDayInfo, EpssMove, EvaluationCommit, FeedChange } from '../alerts.ts';
import { type Row, toAlert, toAttempt, toEntry, toSubscription, toUser } from '../sqlite/alert-rows.ts';
import type { PgClient, PgDb } from './pool.ts';
import { ftsTsquery } from './query-pg.ts';

/** The {@link AlertStore} of a PostgreSQL store. */
export function createPgAlertStore(db: PgDb): AlertStore {
  return new PgAlertStore(db);
}

/**
 * The `WHERE` of a cursor upsert in `alert_state`: the new value replaces the old one only when it
 * is further on. Both integers (`changes`, `advisoryChanges`): numerically; otherwise as bytes
 * (ISO dates, `epssDay`), as SQLite compares text.
 */
const CURSOR_FORWARD = `CASE WHEN alert_state.value ~ '^[0-9]{1,18}$' AND excluded.value ~ '^[0-9]{1,18}$'
  THEN excluded.value::bigint > alert_state.value::bigint
  ELSE excluded.value COLLATE "C" > alert_state.value COLLATE "C" END`;

/**
 * A feed table (`changes`, `advisory_changes`) after `afterId`, safe against ids committed out of
 * order. Identity values are taken when a row is inserted, not when its transaction commits: with
 * two writers, id 12 can be visible while 11 is not yet, and a reader that moved its cursor to 12
 * would never see 11. `SHARE` mode waits for every transaction that has inserted into the table
 * (they hold `ROW EXCLUSIVE`) and holds new ones off until this read commits, so every id below the
 * newest one read is committed or rolled back. Writers pause for the length of one indexed read.
 * https://www.postgresql.org/docs/15/explicit-locking.html §13.3.1
 */
async function readFeed<R>(db: PgDb, table: 'changes' | 'advisory_changes', columns: string, afterId: number, limit: number): Promise<R[]> {
  return db.tx(async (c) => {
    await c.query(`LOCK TABLE ${table} IN SHARE MODE`);
    return (await c.query(`SELECT ${columns} FROM ${table} WHERE id > $1 ORDER BY id LIMIT $2`, [afterId, limit])).rows as R[];
  });
}

/** Alerting tables of one PostgreSQL schema. */
export class PgAlertStore implements AlertStore {
  constructor(
    private readonly db: PgDb,
    private readonly now: () => Date = () => new Date(),
  ) {}

  #stamp(): string {
    return this.now().toISOString();
  }

  async #exists(table: 'users' | 'teams' | 'watchlists', name: string): Promise<boolean> {
    return (await this.db.one(`SELECT 1 FROM ${table} WHERE name = $1`, [name])) !== null;
  }

  async upsertUser(u: User): Promise<void> {
    await this.db.query(
      `INSERT INTO users (name, email, handles, created_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (name) DO UPDATE SET email = excluded.email, handles = excluded.handles`,
      [u.name, u.email, JSON.stringify(u.handles), this.#stamp()],
    );
  }

  async listUsers(): Promise<User[]> {
    return (await this.db.query('SELECT * FROM users ORDER BY name COLLATE "C"')).map(toUser);
  }

  async upsertTeam(t: Team): Promise<void> {
    const known = new Set((await this.db.query<{ name: string }>('SELECT name FROM users WHERE name = ANY($1)', [t.members])).map((r) => r.name));
    const missing = t.members.filter((m) => !known.has(m));
    if (missing.length) throw new VigilError('VIGIL_NOT_FOUND', [`user ${missing.join(', ')} (member of team ${t.name})`]);
    await this.db.tx(async (c) => {
      await c.query('INSERT INTO teams (name, created_at) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING', [t.name, this.#stamp()]);
      await c.query('DELETE FROM team_members WHERE team = $1', [t.name]);
      for (const m of t.members) await c.query('INSERT INTO team_members (team, user_name) VALUES ($1, $2)', [t.name, m]);
    });
  }

  async listTeams(): Promise<Team[]> {
    const teams = await this.db.query<{ name: string }>('SELECT name FROM teams ORDER BY name COLLATE "C"');
    const members = await this.db.query<{ team: string; user_name: string }>('SELECT team, user_name FROM team_members ORDER BY user_name COLLATE "C"');
    return teams.map(({ name }) => ({ name, members: members.filter((m) => m.team === name).map((m) => m.user_name) }));
  }

  async upsertWatchlist(w: { name: string; owner: Owner; description: string | null }): Promise<void> {
    const user = 'user' in w.owner ? w.owner.user : null;
    const team = 'team' in w.owner ? w.owner.team : null;
    if (user && !(await this.#exists('users', user))) throw new VigilError('VIGIL_NOT_FOUND', [`user ${user} (owner of watchlist ${w.name})`]);
    if (team && !(await this.#exists('teams', team))) throw new VigilError('VIGIL_NOT_FOUND', [`team ${team} (owner of watchlist ${w.name})`]);
    await this.db.query(
      `INSERT INTO watchlists (name, owner_user, owner_team, description, created_at) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (name) DO UPDATE SET owner_user = excluded.owner_user, owner_team = excluded.owner_team, description = excluded.description`,
      [w.name, user, team, w.description, this.#stamp()],
    );
  }

  /** Watchlists with their entries and subscriptions (`names`: those only), by name. */
  async #watchlists(names: string[] | null): Promise<Watchlist[]> {
    const filter = names ? 'WHERE watchlist = ANY($1)' : '';
    const args = names ? [names] : [];
    const lists = await this.db.query(`SELECT * FROM watchlists ${names ? 'WHERE name = ANY($1)' : ''} ORDER BY name COLLATE "C"`, args);
    const entries = (await this.db.query(`SELECT * FROM watch_entries ${filter} ORDER BY id`, args)).map(toEntry);
    const subs = (await this.db.query(`SELECT * FROM subscriptions ${filter} ORDER BY id`, args)).map(toSubscription);
    return lists.map((r) => {
      const name = r.name as string;
      return {
        name,
        owner: r.owner_user ? { user: r.owner_user as string } : { team: r.owner_team as string },
        description: (r.description as string | null) ?? null,
        entries: entries.filter((e) => e.watchlist === name),
        subscriptions: subs.filter((s) => s.watchlist === name),
      };
    });
  }

  async getWatchlist(name: string): Promise<Watchlist | null> {
    return (await this.#watchlists([name]))[0] ?? null;
  }

  async listWatchlists(): Promise<Watchlist[]> {
    return this.#watchlists(null);
  }

  async removeWatchlist(name: string): Promise<boolean> {
    return ((await this.db.pool.query('DELETE FROM watchlists WHERE name = $1', [name])).rowCount ?? 0) > 0;
  }

  async addEntry(e: Omit<WatchEntry, 'id'>): Promise<WatchEntry> {
    if (!(await this.#exists('watchlists', e.watchlist))) throw new VigilError('VIGIL_NOT_FOUND', [`watchlist ${e.watchlist}`]);
    const key = [e.watchlist, e.kind, e.value, e.vendor ?? '', e.version ?? '', JSON.stringify(e.thresholds)];
    const where = 'watchlist = $1 AND kind = $2 AND value = $3 AND vendor = $4 AND version = $5 AND thresholds = $6';
    // Looked up first, as on SQLite: an ignored INSERT would still use up an identity value.
    const existing = await this.db.one(`SELECT * FROM watch_entries WHERE ${where}`, key);
    if (existing) return toEntry(existing);
    await this.db.query(
      'INSERT INTO watch_entries (watchlist, kind, value, vendor, version, thresholds, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING',
      [...key, this.#stamp()],
    );
    return toEntry((await this.db.one(`SELECT * FROM watch_entries WHERE ${where}`, key)) as Row);
  }

  async removeEntry(id: number): Promise<boolean> {
    return ((await this.db.pool.query('DELETE FROM watch_entries WHERE id = $1', [id])).rowCount ?? 0) > 0;
  }

  async upsertSubscription(s: Omit<Subscription, 'id'>): Promise<Subscription> {
    if (!(await this.#exists('watchlists', s.watchlist))) throw new VigilError('VIGIL_NOT_FOUND', [`watchlist ${s.watchlist}`]);
    const row = await this.db.one(
      `INSERT INTO subscriptions (watchlist, channel, target, events, mode, quiet_hours, timezone, epss_above, epss_jump, created_at, exposure_above)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
       ON CONFLICT (watchlist, channel, target) DO UPDATE SET events = excluded.events, mode = excluded.mode,
         quiet_hours = excluded.quiet_hours, timezone = excluded.timezone, epss_above = excluded.epss_above, epss_jump = excluded.epss_jump,
         exposure_above = excluded.exposure_above
       RETURNING *`,
      [
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
      ],
    );
    return toSubscription(row as Row);
  }

  async removeSubscription(id: number): Promise<boolean> {
    return ((await this.db.pool.query('DELETE FROM subscriptions WHERE id = $1', [id])).rowCount ?? 0) > 0;
  }

  async readChanges(afterId: number, limit: number): Promise<FeedChange[]> {
    return readFeed<FeedChange>(this.db, 'changes', 'id, cve_id AS "cveId", field, old, new, source, at', afterId, limit);
  }

  async lastChangeId(): Promise<number> {
    return (await this.db.one<{ n: number }>('SELECT coalesce(max(id), 0) AS n FROM changes'))?.n ?? 0;
  }

  async readAdvisoryChanges(afterId: number, limit: number): Promise<(AdvisoryChange & { id: number })[]> {
    return readFeed(this.db, 'advisory_changes', 'id, advisory_id AS "advisoryId", field, old, new, source, at', afterId, limit);
  }

  async lastAdvisoryChangeId(): Promise<number> {
    return (await this.db.one<{ n: number }>('SELECT coalesce(max(id), 0) AS n FROM advisory_changes'))?.n ?? 0;
  }

  async epssDays(): Promise<EpssDayInfo[]> {
    return this.db.query<EpssDayInfo>('SELECT date, model_version AS "modelVersion" FROM epss_days ORDER BY date COLLATE "C"');
  }

  async epssMoves(date: string): Promise<EpssMove[]> {
    // History keeps change points only: a row on `date` means the score changed that day, and
    // the newest earlier row is the score in effect before it (one probe of the primary key
    // (cve_id, date) per row: no COLLATE here, or the index could not serve it; YYYY-MM-DD
    // orders the same under any collation).
    return this.db.query<EpssMove>(
      `SELECT h.cve_id AS "cveId", h.epss AS score, h.percentile,
         p.epss AS "previousScore", p.percentile AS "previousPercentile"
       FROM epss_history h
       LEFT JOIN LATERAL (
         SELECT q.epss, q.percentile FROM epss_history q
         WHERE q.cve_id = h.cve_id AND q.date < h.date ORDER BY q.date DESC LIMIT 1
       ) p ON true
       WHERE h.date = $1
         AND (EXISTS (SELECT 1 FROM vulns v WHERE v.cve_id = h.cve_id) OR EXISTS (SELECT 1 FROM kev k WHERE k.cve_id = h.cve_id AND k.removed_in IS NULL))`,
      [date],
    );
  }

  async getState(key: string): Promise<string | null> {
    return (await this.db.one<{ value: string }>('SELECT value FROM alert_state WHERE key = $1', [key]))?.value ?? null;
  }

  async setState(key: string, value: string): Promise<void> {
    await this.db.query('INSERT INTO alert_state (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value', [key, value]);
  }

  async commitEvaluation(c: EvaluationCommit): Promise<number[]> {
    return this.db.tx(async (client) => {
      const ids: number[] = [];
      for (const a of c.alerts) {
        const { rows } = await client.query<{ id: number }>(
          `INSERT INTO alerts (subscription_id, watchlist, channel, recipients, cve_id, event, event_key, mode, created_at,
             explanation, facts, provisional, next_attempt_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
           ON CONFLICT (subscription_id, cve_id, event_key) DO NOTHING RETURNING id`,
          [
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
          ],
        );
        if (rows[0]) ids.push(rows[0].id);
      }
      for (const k of c.confirmations)
        await client.query('UPDATE alerts SET confirmed_at = $1 WHERE subscription_id = $2 AND cve_id = $3 AND provisional = 1 AND confirmed_at IS NULL', [
          c.at,
          k.subscriptionId,
          k.cveId,
        ]);
      for (const [key, value] of Object.entries(c.state)) await putCursor(client, key, value);
      return ids;
    });
  }

  async dueAlerts(now: string): Promise<Alert[]> {
    return (
      await this.db.query(`SELECT * FROM alerts WHERE status = 'pending' AND next_attempt_at <= $1 ORDER BY next_attempt_at COLLATE "C", id`, [now])
    ).map(toAlert);
  }

  async claimAlerts(ids: number[], now: string, until: string): Promise<Alert[]> {
    if (!ids.length) return [];
    // Rows locked in id order (two claimers never wait on each other in a cycle); a row another
    // claimer holds is waited for, and then no longer due: a digest is not split between processes.
    const rows = await this.db.tx(async (c) => {
      const { rows } = await c.query(
        `UPDATE alerts SET next_attempt_at = $3
         WHERE id IN (SELECT id FROM alerts WHERE id = ANY($1) ORDER BY id FOR UPDATE)
           AND status = 'pending' AND next_attempt_at <= $2
         RETURNING *`,
        [ids, now, until],
      );
      return rows as Row[];
    });
    return rows.map(toAlert).sort((a, b) => a.id - b.id);
  }

  async nextDue(): Promise<string | null> {
    return (await this.db.one<{ at: string | null }>(`SELECT min(next_attempt_at COLLATE "C") AS at FROM alerts WHERE status = 'pending'`))?.at ?? null;
  }

  async recordAttempts(
    attempts: DeliveryAttempt[],
    o: { status: AlertStatus; nextAttemptAt: string | null; sentAt: string | null; lastError: string | null; deliveredTo: string[] },
  ): Promise<void> {
    await this.db.tx(async (c) => {
      for (const a of attempts) {
        await c.query('INSERT INTO deliveries (alert_id, attempt, at, status, retryable, response, error, duration_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)', [
          a.alertId,
          a.attempt,
          a.at,
          a.status,
          Number(a.retryable),
          a.response,
          a.error,
          Math.round(a.durationMs),
        ]);
        await c.query(
          'UPDATE alerts SET status = $1, attempts = $2, next_attempt_at = $3, sent_at = coalesce($4, sent_at), last_error = $5, delivered_to = $6 WHERE id = $7',
          [o.status, a.attempt, o.nextAttemptAt, o.sentAt, o.lastError, JSON.stringify(o.deliveredTo), a.alertId],
        );
      }
    });
  }

  async getAlert(id: number): Promise<Alert | null> {
    const r = await this.db.one('SELECT * FROM alerts WHERE id = $1', [id]);
    return r ? toAlert(r) : null;
  }

  async listAlerts(q: AlertQuery): Promise<Alert[]> {
    const where: string[] = [];
    const args: unknown[] = [];
    const add = (sql: string, value: unknown) => {
      args.push(value);
      where.push(`${sql} $${args.length}`);
    };
    if (q.status) add('status =', q.status);
    if (q.cveId) add('cve_id =', q.cveId);
    if (q.watchlist) add('watchlist =', q.watchlist);
    args.push(q.limit ?? 50);
    const sql = `SELECT * FROM alerts ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT $${args.length}`;
    return (await this.db.query(sql, args)).map(toAlert);
  }

  async deliveries(alertId: number): Promise<DeliveryAttempt[]> {
    return (await this.db.query('SELECT * FROM deliveries WHERE alert_id = $1 ORDER BY id', [alertId])).map(toAttempt);
  }

  async retryAlerts(ids: number[] | 'failed', now: string): Promise<number> {
    const r =
      ids === 'failed'
        ? await this.db.pool.query("UPDATE alerts SET status = 'pending', next_attempt_at = $1 WHERE status = 'failed'", [now])
        : await this.db.pool.query("UPDATE alerts SET status = 'pending', next_attempt_at = $1 WHERE id = ANY($2) AND status != 'sent'", [now, ids]);
    return r.rowCount ?? 0;
  }

  async subscriptionsAlerted(cveId: string): Promise<number[]> {
    return (
      await this.db.query<{ id: number }>('SELECT DISTINCT subscription_id AS id FROM alerts WHERE cve_id = $1 AND subscription_id != 0 ORDER BY 1', [cveId])
    ).map((r) => r.id);
  }

  async getKevEntry(cveId: string): Promise<KevEntry | null> {
    const row = await this.db.one<{ data: string }>('SELECT data FROM kev WHERE cve_id = $1 AND removed_in IS NULL', [cveId]);
    return row ? (JSON.parse(row.data) as KevEntry) : null;
  }

  async candidateCves(q: CandidateQuery): Promise<string[]> {
    const ids = async (sql: string, args: unknown[] = []) => (await this.db.query<{ cve_id: string }>(sql, args)).map((r) => r.cve_id);
    if (q.all) return (await ids('SELECT cve_id FROM vulns')).sort();
    const out = new Set<string>();
    const add = (list: string[]) => {
      for (const id of list) out.add(id);
    };
    if (q.vendorKey && q.productKey) add(await ids('SELECT cve_id FROM vuln_products WHERE vendor_key = $1 AND product_key = $2', [q.vendorKey, q.productKey]));
    else if (q.vendorKey) add(await ids('SELECT DISTINCT cve_id FROM vuln_products WHERE vendor_key = $1', [q.vendorKey]));
    else if (q.productKey) add(await ids('SELECT DISTINCT cve_id FROM vuln_products WHERE product_key = $1', [q.productKey]));
    // The same words as FTS5 on SQLite (ftsQuery there, its tsquery twin here: every word, as a phrase of its tokens).
    const fts = q.text ? ftsTsquery(q.text) : null;
    if (fts) add(await ids('SELECT cve_id FROM vulns WHERE fts @@ $1::tsquery', [fts]));
    if (q.cveIds?.length) add(await ids('SELECT cve_id FROM vulns WHERE cve_id = ANY($1)', [q.cveIds]));
    if (q.packageName) add(await ids('SELECT DISTINCT cve_id FROM observations WHERE strpos(data, $1) > 0', [`"packageName":${JSON.stringify(q.packageName)}`]));
    return [...out].sort();
  }

  async alertCounts(): Promise<Record<AlertStatus, number>> {
    const out: Record<AlertStatus, number> = { pending: 0, sent: 0, failed: 0 };
    for (const r of await this.db.query<{ status: AlertStatus; n: number }>('SELECT status, count(*) AS n FROM alerts GROUP BY status')) out[r.status] = r.n;
    return out;
  }
}

/** Saves a cursor of `alert_state`, never moving it back (another process may be further on). */
async function putCursor(client: PgClient, key: string, value: string): Promise<void> {
  await client.query(`INSERT INTO alert_state (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value WHERE ${CURSOR_FORWARD}`, [key, value]);
}
