/**
 * {@link AuthStore} and {@link JobStore} on PostgreSQL: the same semantics as ../sqlite/server.ts
 * (tables: migration 3 in migrations.ts). Everything an API replica knows about accounts, sessions,
 * tokens and settings lives here, so any number of replicas on one database agree (docs/api.md,
 * "Several replicas"): the single-use check of a refresh token and the first writer of a setting
 * are decided by one statement each, atomic across connections.
 */
import { VigilError } from '../../errors.ts';
import type { Account, ApiToken, AuditEntry, Job, NewAuditEntry, Role, Scope } from '../../model/account.ts';
import { type AccountSecret, type AuditQuery, type AuthStore, JOB_ABANDONED, type JobLease, type JobStore, type SessionRow } from '../server.ts';
import { publicAccount, toAccount, toAudit, toJob, toToken } from '../sqlite/server.ts';
import type { PgDb } from './pool.ts';

type Row = Record<string, unknown>;

/** First key of the per-family advisory locks of refresh sessions (any constant: "sess"). */
const SESSION_LOCK = 0x73657373;

const ACCOUNT_SELECT = 'SELECT a.*, u.email FROM accounts a JOIN users u ON u.name = a.user_name';

/** Accounts, sessions, tokens, audit log, settings and jobs on `db`. */
export class PgServerStore implements AuthStore, JobStore {
  constructor(
    private readonly db: PgDb,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async upsertAccount(a: { name: string; role: Role; passwordHash: string; disabled?: boolean }): Promise<void> {
    const at = this.now().toISOString();
    // One statement: the account is written only when its user exists (no window for a concurrent delete).
    const rows = await this.db.query(
      `INSERT INTO accounts (user_name, role, password_hash, disabled, created_at, password_changed_at)
       SELECT name, $2, $3, $4, $5, $5 FROM users WHERE name = $1
       ON CONFLICT (user_name) DO UPDATE SET role = excluded.role, password_hash = excluded.password_hash,
         disabled = excluded.disabled, password_changed_at = excluded.password_changed_at
       RETURNING user_name`,
      [a.name, a.role, a.passwordHash, Number(a.disabled ?? false), at],
    );
    if (!rows.length) throw new VigilError('VIGIL_NOT_FOUND', [`user ${a.name}`]);
  }

  async updateAccount(name: string, change: { role?: Role; disabled?: boolean; passwordHash?: string }): Promise<boolean> {
    // Absent fields keep their value; a new password hash moves password_changed_at.
    const rows = await this.db.query(
      `UPDATE accounts SET role = coalesce($2, role), disabled = coalesce($3, disabled), password_hash = coalesce($4, password_hash),
         password_changed_at = CASE WHEN coalesce($4::text, '') = '' THEN password_changed_at ELSE $5 END
       WHERE user_name = $1 RETURNING user_name`,
      [name, change.role ?? null, change.disabled === undefined ? null : Number(change.disabled), change.passwordHash ?? null, this.now().toISOString()],
    );
    return rows.length === 1;
  }

  async getAccount(name: string): Promise<AccountSecret | null> {
    const r = await this.db.one(`${ACCOUNT_SELECT} WHERE a.user_name = $1`, [name]);
    return r ? toAccount(r) : null;
  }

  async listAccounts(): Promise<Account[]> {
    return (await this.db.query(`${ACCOUNT_SELECT} ORDER BY a.user_name COLLATE "C"`)).map((r) => publicAccount(toAccount(r)));
  }

  async countAdmins(): Promise<number> {
    return (await this.db.one<{ n: number }>("SELECT count(*) AS n FROM accounts WHERE role = 'admin' AND disabled = 0"))?.n ?? 0;
  }

  async createSession(s: { tokenHash: string; family: string; user: string; expiresAt: string }): Promise<void> {
    // A chain ends as a whole (reuse, sign-out): a session rotated into an ended chain is born
    // revoked. The family's lock orders this against a concurrent revokeFamily (two replicas
    // refreshing one token at once: the loser's revocation must reach the winner's new session).
    await this.db.tx(async (c) => {
      await c.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [SESSION_LOCK, s.family]);
      await c.query(
        `INSERT INTO sessions (token_hash, family, user_name, created_at, expires_at, revoked_at)
         VALUES ($1, $2, $3, $4, $5, (SELECT max(revoked_at) FROM sessions WHERE family = $2))`,
        [s.tokenHash, s.family, s.user, this.now().toISOString(), s.expiresAt],
      );
    });
  }

  async getSession(tokenHash: string): Promise<SessionRow | null> {
    const r = await this.db.one('SELECT * FROM sessions WHERE token_hash = $1', [tokenHash]);
    if (!r) return null;
    return {
      tokenHash: r.token_hash as string,
      family: r.family as string,
      user: r.user_name as string,
      createdAt: r.created_at as string,
      expiresAt: r.expires_at as string,
      usedAt: (r.used_at as string | null) ?? null,
      revokedAt: (r.revoked_at as string | null) ?? null,
    };
  }

  async useSession(tokenHash: string): Promise<boolean> {
    // The row lock of UPDATE serialises two replicas presenting the same refresh token: the second
    // re-checks `used_at IS NULL` after the first commits (READ COMMITTED) and updates nothing.
    const rows = await this.db.query('UPDATE sessions SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL RETURNING token_hash', [
      this.now().toISOString(),
      tokenHash,
    ]);
    return rows.length === 1;
  }

  async revokeFamily(family: string): Promise<void> {
    await this.db.tx(async (c) => {
      await c.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [SESSION_LOCK, family]);
      await c.query('UPDATE sessions SET revoked_at = $1 WHERE family = $2 AND revoked_at IS NULL', [this.now().toISOString(), family]);
    });
  }

  async revokeUserSessions(user: string): Promise<void> {
    await this.db.query('UPDATE sessions SET revoked_at = $1 WHERE user_name = $2 AND revoked_at IS NULL', [this.now().toISOString(), user]);
  }

  async createToken(t: { user: string; name: string; tokenHash: string; prefix: string; scopes: Scope[]; expiresAt: string | null }): Promise<ApiToken> {
    const r = await this.db.one(
      `INSERT INTO api_tokens (user_name, name, token_hash, prefix, scopes, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *`,
      [t.user, t.name, t.tokenHash, t.prefix, JSON.stringify(t.scopes), this.now().toISOString(), t.expiresAt],
    );
    return toToken(r as Row);
  }

  async findToken(tokenHash: string): Promise<{ token: ApiToken; account: Account } | null> {
    const r = await this.db.one(
      `SELECT t.*, a.role, a.disabled, a.created_at AS account_created_at, a.password_hash, a.password_changed_at, u.email
       FROM api_tokens t JOIN accounts a ON a.user_name = t.user_name JOIN users u ON u.name = t.user_name
       WHERE t.token_hash = $1`,
      [tokenHash],
    );
    if (!r) return null;
    return { token: toToken(r), account: publicAccount(toAccount({ ...r, created_at: r.account_created_at })) };
  }

  async listTokens(user?: string): Promise<ApiToken[]> {
    const rows = user
      ? await this.db.query('SELECT * FROM api_tokens WHERE user_name = $1 ORDER BY id', [user])
      : await this.db.query('SELECT * FROM api_tokens ORDER BY id');
    return rows.map(toToken);
  }

  async getToken(id: number): Promise<ApiToken | null> {
    const r = await this.db.one('SELECT * FROM api_tokens WHERE id = $1', [id]);
    return r ? toToken(r) : null;
  }

  async revokeToken(id: number): Promise<void> {
    await this.db.query('UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL', [this.now().toISOString(), id]);
  }

  async touchToken(id: number, at: string): Promise<void> {
    await this.db.query('UPDATE api_tokens SET last_used_at = $1 WHERE id = $2', [at, id]);
  }

  async audit(e: NewAuditEntry): Promise<number> {
    const r = await this.db.one<{ id: number }>(
      `INSERT INTO audit_log (at, actor, actor_kind, token_id, action, target, outcome, status_code, ip, user_agent, detail)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id`,
      [e.at, e.actor, e.actorKind, e.tokenId, e.action, e.target, e.outcome, e.statusCode, e.ip, e.userAgent, e.detail ? JSON.stringify(e.detail) : null],
    );
    return (r as { id: number }).id;
  }

  async updateAuditDetail(id: number, detail: Record<string, unknown>): Promise<void> {
    await this.db.query('UPDATE audit_log SET detail = $1 WHERE id = $2', [JSON.stringify(detail), id]);
  }

  async listAudit(q: AuditQuery): Promise<AuditEntry[]> {
    const where: string[] = [];
    const args: unknown[] = [];
    const add = (clause: string, value: unknown) => {
      args.push(value);
      where.push(clause.replace('?', `$${args.length}`));
    };
    if (q.actor !== undefined) add('actor = ?', q.actor);
    if (q.action !== undefined) add('action = ?', q.action);
    if (q.before !== undefined) add('id < ?', q.before);
    args.push(q.limit);
    const sql = `SELECT * FROM audit_log ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT $${args.length}`;
    return (await this.db.query(sql, args)).map(toAudit);
  }

  async getSetting(key: string): Promise<string | null> {
    return (await this.db.one<{ value: string }>('SELECT value FROM settings WHERE key = $1', [key]))?.value ?? null;
  }

  async setSetting(key: string, value: string): Promise<void> {
    await this.db.query('INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value', [key, value]);
  }

  async initSetting(key: string, value: string): Promise<string> {
    // Replicas starting at once each offer a value; the unique key lets exactly one insert win
    // (a concurrent INSERT waits for the winner's commit, then does nothing), and all read the winner's.
    await this.db.query('INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING', [key, value]);
    return (await this.getSetting(key)) as string;
  }

  async deleteSetting(key: string): Promise<void> {
    await this.db.query('DELETE FROM settings WHERE key = $1', [key]);
  }

  async saveJob(job: Job, lease?: JobLease): Promise<void> {
    await this.db.query(
      `INSERT INTO jobs (id, kind, status, request, progress, requested_by, created_at, started_at, finished_at, error, owner, heartbeat_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
       ON CONFLICT (id) DO UPDATE SET status = excluded.status, progress = excluded.progress, started_at = excluded.started_at,
         finished_at = excluded.finished_at, error = excluded.error,
         owner = coalesce(excluded.owner, jobs.owner), heartbeat_at = coalesce(excluded.heartbeat_at, jobs.heartbeat_at)`,
      [
        job.id,
        job.kind,
        job.status,
        JSON.stringify({ sources: job.sources }),
        JSON.stringify(job.progress),
        job.requestedBy,
        job.createdAt,
        job.startedAt,
        job.finishedAt,
        job.error,
        lease?.owner ?? null,
        lease?.at ?? null,
      ],
    );
  }

  async heartbeatJobs(owner: string, at: string): Promise<number> {
    const rows = await this.db.query("UPDATE jobs SET heartbeat_at = $1 WHERE owner = $2 AND status IN ('queued', 'running') RETURNING id", [at, owner]);
    return rows.length;
  }

  async getJob(id: string): Promise<Job | null> {
    const r = await this.db.one('SELECT * FROM jobs WHERE id = $1', [id]);
    return r ? toJob(r) : null;
  }

  async failUnfinishedJobs(at: string, staleBefore?: string): Promise<number> {
    const stale = staleBefore === undefined ? '' : ' AND (heartbeat_at IS NULL OR heartbeat_at < $2)';
    const rows = await this.db.query(
      `UPDATE jobs SET status = 'failed', finished_at = $1, error = '${JOB_ABANDONED}' WHERE status IN ('queued', 'running')${stale} RETURNING id`,
      staleBefore === undefined ? [at] : [at, staleBefore],
    );
    return rows.length;
  }
}

/** The {@link AuthStore} and {@link JobStore} of a PostgreSQL store. */
export function createPgServerStore(db: PgDb): AuthStore & JobStore {
  return new PgServerStore(db);
}
