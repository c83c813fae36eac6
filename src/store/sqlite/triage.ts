/**
 * {@link TriageStore} on SQLite: the alerts inbox (alerts with their triage fields), comments and
 * the delivery log. Tables: migrations 2 and 3.
 */
import type { AlertComment, Triage, TriageState } from '../../model/account.ts';
import type { DeliveryLogRow, InboxAlert, InboxQuery, TriageStore } from '../server.ts';
import { type Row, toAlert, toAttempt } from './alert-rows.ts';
import type { SqliteStore } from './index.ts';

function toInbox(r: Row): InboxAlert {
  return {
    ...toAlert(r),
    triage: r.triage as TriageState,
    assignee: (r.assignee as string | null) ?? null,
    acknowledgedAt: (r.acknowledged_at as string | null) ?? null,
    acknowledgedBy: (r.acknowledged_by as string | null) ?? null,
  };
}

const TRIAGE_COLUMNS = { triage: 'triage', assignee: 'assignee', acknowledgedAt: 'acknowledged_at', acknowledgedBy: 'acknowledged_by' } as const satisfies Record<
  keyof Triage,
  string
>;

/** The alerts inbox on the connection of `store`. */
export class SqliteTriageStore implements TriageStore {
  constructor(private readonly store: SqliteStore) {}

  async listInbox(q: InboxQuery): Promise<InboxAlert[]> {
    const where: string[] = [];
    const args: unknown[] = [];
    const filters: [keyof InboxQuery, string][] = [
      ['triage', 'triage = ?'],
      ['status', 'status = ?'],
      ['cveId', 'cve_id = ?'],
      ['watchlist', 'watchlist = ?'],
      ['assignee', 'assignee = ?'],
      ['before', 'id < ?'],
    ];
    for (const [key, clause] of filters) {
      if (q[key] === undefined) continue;
      where.push(clause);
      args.push(q[key]);
    }
    const sql = `SELECT * FROM alerts ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`;
    return (this.store.stmt(sql).all(...args, q.limit) as Row[]).map(toInbox);
  }

  async getInboxAlert(id: number): Promise<InboxAlert | null> {
    const r = this.store.stmt('SELECT * FROM alerts WHERE id = ?').get(id) as Row | undefined;
    return r ? toInbox(r) : null;
  }

  async updateTriage(id: number, change: Partial<Triage>): Promise<boolean> {
    const sets: string[] = [];
    const args: unknown[] = [];
    for (const [key, column] of Object.entries(TRIAGE_COLUMNS) as [keyof Triage, string][]) {
      if (change[key] === undefined) continue;
      sets.push(`${column} = ?`);
      args.push(change[key]);
    }
    if (!sets.length) return Boolean(this.store.stmt('SELECT 1 FROM alerts WHERE id = ?').get(id));
    return this.store.stmt(`UPDATE alerts SET ${sets.join(', ')} WHERE id = ?`).run(...args, id).changes === 1;
  }

  async addComment(c: Omit<AlertComment, 'id'>): Promise<AlertComment> {
    const info = this.store.stmt('INSERT INTO alert_comments (alert_id, author, body, at) VALUES (?, ?, ?, ?)').run(c.alertId, c.author, c.body, c.at);
    return { id: Number(info.lastInsertRowid), ...c };
  }

  async listComments(alertId: number): Promise<AlertComment[]> {
    return (this.store.stmt('SELECT id, alert_id, author, body, at FROM alert_comments WHERE alert_id = ? ORDER BY id').all(alertId) as Row[]).map((r) => ({
      id: r.id as number,
      alertId: r.alert_id as number,
      author: r.author as string,
      body: r.body as string,
      at: r.at as string,
    }));
  }

  async deliveryLog(limit: number, before?: number): Promise<DeliveryLogRow[]> {
    const rows = this.store
      .stmt(
        `SELECT d.*, a.cve_id, a.channel FROM deliveries d JOIN alerts a ON a.id = d.alert_id
         WHERE d.id < ? ORDER BY d.id DESC LIMIT ?`,
      )
      .all(before ?? Number.MAX_SAFE_INTEGER, limit) as Row[];
    return rows.map((r) => ({ id: r.id as number, cveId: r.cve_id as string, channel: r.channel as string, ...toAttempt(r) }));
  }

  async alertsAfter(afterId: number, limit: number): Promise<InboxAlert[]> {
    return (this.store.stmt('SELECT * FROM alerts WHERE id > ? ORDER BY id LIMIT ?').all(afterId, limit) as Row[]).map(toInbox);
  }

  async lastAlertId(): Promise<number> {
    return (this.store.stmt('SELECT coalesce(max(id), 0) FROM alerts').pluck().get() as number) ?? 0;
  }
}
