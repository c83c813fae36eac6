/**
 * {@link TriageStore} on PostgreSQL: the alerts inbox (alerts with their triage fields), comments
 * and the delivery log, with the same semantics as ../sqlite/triage.ts (tables: migrations 2 and 3).
 * Rows have the SQLite columns and types (int8 parsed to number by pool.ts), so the row mappers
 * of ../sqlite/alert-rows.ts (pure functions) serve both back ends.
 */
import type { AlertComment, Triage, TriageState } from '../../model/account.ts';
import type { DeliveryLogRow, InboxAlert, InboxQuery, TriageStore } from '../server.ts';
import { type Row, toAlert, toAttempt } from '../sqlite/alert-rows.ts';
import type { PgDb } from './pool.ts';

function toInbox(r: Row): InboxAlert {
  return {
    ...toAlert(r),
    triage: r.triage as TriageState,
    assignee: (r.assignee as string | null) ?? null,
    acknowledgedAt: (r.acknowledged_at as string | null) ?? null,
    acknowledgedBy: (r.acknowledged_by as string | null) ?? null,
  };
}

const TRIAGE_COLUMNS = {
  triage: 'triage',
  assignee: 'assignee',
  acknowledgedAt: 'acknowledged_at',
  acknowledgedBy: 'acknowledged_by',
} as const satisfies Record<keyof Triage, string>;

const INBOX_FILTERS = { triage: 'triage', status: 'status', cveId: 'cve_id', watchlist: 'watchlist', assignee: 'assignee' } as const satisfies Partial<
  Record<keyof InboxQuery, string>
>;

/** The alerts inbox on `db`. */
export class PgTriageStore implements TriageStore {
  constructor(private readonly db: PgDb) {}

  async listInbox(q: InboxQuery): Promise<InboxAlert[]> {
    const where: string[] = [];
    const args: unknown[] = [];
    for (const [key, column] of Object.entries(INBOX_FILTERS) as [keyof typeof INBOX_FILTERS, string][]) {
      if (q[key] === undefined) continue;
      args.push(q[key]);
      where.push(`${column} = $${args.length}`);
    }
    if (q.before !== undefined) {
      args.push(q.before);
      where.push(`id < $${args.length}`);
    }
    args.push(q.limit);
    const sql = `SELECT * FROM alerts ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT $${args.length}`;
    return (await this.db.query(sql, args)).map(toInbox);
  }

  async getInboxAlert(id: number): Promise<InboxAlert | null> {
    const r = await this.db.one('SELECT * FROM alerts WHERE id = $1', [id]);
    return r ? toInbox(r) : null;
  }

  async updateTriage(id: number, change: Partial<Triage>): Promise<boolean> {
    const sets: string[] = [];
    const args: unknown[] = [id];
    for (const [key, column] of Object.entries(TRIAGE_COLUMNS) as [keyof Triage, string][]) {
      if (change[key] === undefined) continue;
      args.push(change[key]);
      sets.push(`${column} = $${args.length}`);
    }
    if (!sets.length) return (await this.db.one('SELECT 1 FROM alerts WHERE id = $1', [id])) !== null;
    return (await this.db.query(`UPDATE alerts SET ${sets.join(', ')} WHERE id = $1 RETURNING id`, args)).length === 1;
  }

  async addComment(c: Omit<AlertComment, 'id'>): Promise<AlertComment> {
    const r = await this.db.one<{ id: number }>('INSERT INTO alert_comments (alert_id, author, body, at) VALUES ($1, $2, $3, $4) RETURNING id', [
      c.alertId,
      c.author,
      c.body,
      c.at,
    ]);
    return { id: (r as { id: number }).id, ...c };
  }

  async listComments(alertId: number): Promise<AlertComment[]> {
    return (await this.db.query('SELECT id, alert_id, author, body, at FROM alert_comments WHERE alert_id = $1 ORDER BY id', [alertId])).map((r) => ({
      id: r.id as number,
      alertId: r.alert_id as number,
      author: r.author as string,
      body: r.body as string,
      at: r.at as string,
    }));
  }

  async deliveryLog(limit: number, before?: number): Promise<DeliveryLogRow[]> {
    const rows = await this.db.query(
      `SELECT d.*, a.cve_id, a.channel FROM deliveries d JOIN alerts a ON a.id = d.alert_id
       WHERE d.id < $1 ORDER BY d.id DESC LIMIT $2`,
      [before ?? Number.MAX_SAFE_INTEGER, limit],
    );
    return rows.map((r) => ({ id: r.id as number, cveId: r.cve_id as string, channel: r.channel as string, ...toAttempt(r) }));
  }

  async alertsAfter(afterId: number, limit: number): Promise<InboxAlert[]> {
    return (await this.db.query('SELECT * FROM alerts WHERE id > $1 ORDER BY id LIMIT $2', [afterId, limit])).map(toInbox);
  }

  async lastAlertId(): Promise<number> {
    return (await this.db.one<{ id: number }>('SELECT coalesce(max(id), 0) AS id FROM alerts'))?.id ?? 0;
  }
}

/** The {@link TriageStore} of a PostgreSQL store. */
export function createPgTriageStore(db: PgDb): TriageStore {
  return new PgTriageStore(db);
}
