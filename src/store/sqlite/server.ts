/**
 * {@link AuthStore} and {@link JobStore} on SQLite, sharing the connection of a
 * {@link SqliteStore}. Tables: migration 3 in migrations.ts.
 */
import { VigilError } from '../../errors.ts';
import type { Account, ApiToken, AuditEntry, Job, NewAuditEntry, Role, Scope } from '../../model/account.ts';
import { type AccountSecret, type AuditQuery, type AuthStore, JOB_ABANDONED, type JobLease, type JobStore, type SessionRow } from '../server.ts';
import type { Row } from './alert-rows.ts';
import type { SqliteStore } from './index.ts';

// Row mappers of the server tables, shared with ../postgres/server.ts (same tables and columns on both back ends).
export function toAccount(r: Row): AccountSecret {
  return {
    name: r.user_name as string,
    email: (r.email as string | null) ?? null,
    role: r.role as Role,
    disabled: r.disabled === 1,
    createdAt: r.created_at as string,
    passwordHash: r.password_hash as string,
    passwordChangedAt: r.password_changed_at as string,
  };
}

export function publicAccount(a: AccountSecret): Account {
  const { passwordHash: _secret, passwordChangedAt: _changed, ...rest } = a;
  return rest;
}

export function toToken(r: Row): ApiToken {
  return {
    id: r.id as number,
    user: r.user_name as string,
    name: r.name as string,
    prefix: r.prefix as string,
    scopes: JSON.parse(r.scopes as string) as Scope[],
    createdAt: r.created_at as string,
    expiresAt: (r.expires_at as string | null) ?? null,
    lastUsedAt: (r.last_used_at as string | null) ?? null,
    revokedAt: (r.revoked_at as string | null) ?? null,
  };
}

export function toAudit(r: Row): AuditEntry {
  return {
    id: r.id as number,
    at: r.at as string,
    actor: (r.actor as string | null) ?? null,
    actorKind: r.actor_kind as AuditEntry['actorKind'],
    tokenId: (r.token_id as number | null) ?? null,
    action: r.action as string,
    target: (r.target as string | null) ?? null,
    outcome: r.outcome as AuditEntry['outcome'],
    statusCode: (r.status_code as number | null) ?? null,
    ip: (r.ip as string | null) ?? null,
    userAgent: (r.user_agent as string | null) ?? null,
    detail: r.detail ? (JSON.parse(r.detail as string) as Record<string, unknown>) : null,
  };
}

export function toJob(r: Row): Job {
  return {
    id: r.id as string,
    kind: r.kind as Job['kind'],
    status: r.status as Job['status'],
    sources: JSON.parse(r.request as string).sources as string[],
    progress: JSON.parse(r.progress as string) as Job['progress'],
    requestedBy: (r.requested_by as string | null) ?? null,
    createdAt: r.created_at as string,
    startedAt: (r.started_at as string | null) ?? null,
    finishedAt: (r.finished_at as string | null) ?? null,
    error: (r.error as string | null) ?? null,
  };
}

const ACCOUNT_SELECT = 'SELECT a.*, u.email FROM accounts a JOIN users u ON u.name = a.user_name';

/** Accounts, sessions, tokens, audit log, settings and jobs on the connection of `store`. */
export class SqliteServerStore implements AuthStore, JobStore {
  constructor(
    private readonly store: SqliteStore,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async upsertAccount(a: { name: string; role: Role; passwordHash: string; disabled?: boolean }): Promise<void> {
    if (!this.store.stmt('SELECT 1 FROM users WHERE name = ?').get(a.name)) throw new VigilError('VIGIL_NOT_FOUND', [`user ${a.name}`]);
    const at = this.now().toISOString();
    this.store
      .stmt(
        `INSERT INTO accounts (user_name, role, password_hash, disabled, created_at, password_changed_at) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (user_name) DO UPDATE SET role = excluded.role, password_hash = excluded.password_hash,
           disabled = excluded.disabled, password_changed_at = excluded.password_changed_at`,
      )
      .run(a.name, a.role, a.passwordHash, Number(a.disabled ?? false), at, at);
  }

  async updateAccount(name: string, change: { role?: Role; disabled?: boolean; passwordHash?: string }): Promise<boolean> {
    const current = await this.getAccount(name);
    if (!current) return false;
    this.store
      .stmt('UPDATE accounts SET role = ?, disabled = ?, password_hash = ?, password_changed_at = ? WHERE user_name = ?')
      .run(
        change.role ?? current.role,
        Number(change.disabled ?? current.disabled),
        change.passwordHash ?? current.passwordHash,
        change.passwordHash ? this.now().toISOString() : current.passwordChangedAt,
        name,
      );
    return true;
  }

  async getAccount(name: string): Promise<AccountSecret | null> {
    const r = this.store.stmt(`${ACCOUNT_SELECT} WHERE a.user_name = ?`).get(name) as Row | undefined;
    return r ? toAccount(r) : null;
  }

  async listAccounts(): Promise<Account[]> {
    return (this.store.stmt(`${ACCOUNT_SELECT} ORDER BY a.user_name`).all() as Row[]).map((r) => publicAccount(toAccount(r)));
  }

  async countAdmins(): Promise<number> {
    return this.store.stmt("SELECT count(*) FROM accounts WHERE role = 'admin' AND disabled = 0").pluck().get() as number;
  }

  async createSession(s: { tokenHash: string; family: string; user: string; expiresAt: string }): Promise<void> {
    this.store
      .stmt('INSERT INTO sessions (token_hash, family, user_name, created_at, expires_at) VALUES (?, ?, ?, ?, ?)')
      .run(s.tokenHash, s.family, s.user, this.now().toISOString(), s.expiresAt);
  }

  async getSession(tokenHash: string): Promise<SessionRow | null> {
    const r = this.store.stmt('SELECT * FROM sessions WHERE token_hash = ?').get(tokenHash) as Row | undefined;
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
    return this.store.stmt('UPDATE sessions SET used_at = ? WHERE token_hash = ? AND used_at IS NULL').run(this.now().toISOString(), tokenHash).changes === 1;
  }

  async revokeFamily(family: string): Promise<void> {
    this.store.stmt('UPDATE sessions SET revoked_at = ? WHERE family = ? AND revoked_at IS NULL').run(this.now().toISOString(), family);
  }

  async revokeUserSessions(user: string): Promise<void> {
    this.store.stmt('UPDATE sessions SET revoked_at = ? WHERE user_name = ? AND revoked_at IS NULL').run(this.now().toISOString(), user);
  }

  async createToken(t: { user: string; name: string; tokenHash: string; prefix: string; scopes: Scope[]; expiresAt: string | null }): Promise<ApiToken> {
    const info = this.store
      .stmt('INSERT INTO api_tokens (user_name, name, token_hash, prefix, scopes, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(t.user, t.name, t.tokenHash, t.prefix, JSON.stringify(t.scopes), this.now().toISOString(), t.expiresAt);
    return (await this.getToken(Number(info.lastInsertRowid))) as ApiToken;
  }

  async findToken(tokenHash: string): Promise<{ token: ApiToken; account: Account } | null> {
    const r = this.store.stmt('SELECT * FROM api_tokens WHERE token_hash = ?').get(tokenHash) as Row | undefined;
    if (!r) return null;
    const account = await this.getAccount(r.user_name as string);
    return account ? { token: toToken(r), account: publicAccount(account) } : null;
  }

  async listTokens(user?: string): Promise<ApiToken[]> {
    const rows = user
      ? this.store.stmt('SELECT * FROM api_tokens WHERE user_name = ? ORDER BY id').all(user)
      : this.store.stmt('SELECT * FROM api_tokens ORDER BY id').all();
    return (rows as Row[]).map(toToken);
  }

  async getToken(id: number): Promise<ApiToken | null> {
    const r = this.store.stmt('SELECT * FROM api_tokens WHERE id = ?').get(id) as Row | undefined;
    return r ? toToken(r) : null;
  }

  async revokeToken(id: number): Promise<void> {
    this.store.stmt('UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL').run(this.now().toISOString(), id);
  }

  async touchToken(id: number, at: string): Promise<void> {
    this.store.stmt('UPDATE api_tokens SET last_used_at = ? WHERE id = ?').run(at, id);
  }

  async audit(e: NewAuditEntry): Promise<number> {
    const { lastInsertRowid } = this.store
      .stmt(
        `INSERT INTO audit_log (at, actor, actor_kind, token_id, action, target, outcome, status_code, ip, user_agent, detail)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(e.at, e.actor, e.actorKind, e.tokenId, e.action, e.target, e.outcome, e.statusCode, e.ip, e.userAgent, e.detail ? JSON.stringify(e.detail) : null);
    return Number(lastInsertRowid);
  }

  async updateAuditDetail(id: number, detail: Record<string, unknown>): Promise<void> {
    this.store.stmt('UPDATE audit_log SET detail = ? WHERE id = ?').run(JSON.stringify(detail), id);
  }

  async listAudit(q: AuditQuery): Promise<AuditEntry[]> {
    const where: string[] = [];
    const args: unknown[] = [];
    if (q.actor !== undefined) where.push('actor = ?') && args.push(q.actor);
    if (q.action !== undefined) where.push('action = ?') && args.push(q.action);
    if (q.before !== undefined) where.push('id < ?') && args.push(q.before);
    const sql = `SELECT * FROM audit_log ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`;
    return (this.store.stmt(sql).all(...args, q.limit) as Row[]).map(toAudit);
  }

  async getSetting(key: string): Promise<string | null> {
    return (this.store.stmt('SELECT value FROM settings WHERE key = ?').pluck().get(key) as string | undefined) ?? null;
  }

  async setSetting(key: string, value: string): Promise<void> {
    this.store.stmt('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(key, value);
  }

  async initSetting(key: string, value: string): Promise<string> {
    this.store.stmt('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING').run(key, value);
    return (await this.getSetting(key)) as string;
  }

  async deleteSetting(key: string): Promise<void> {
    this.store.stmt('DELETE FROM settings WHERE key = ?').run(key);
  }

  async saveJob(job: Job, lease?: JobLease): Promise<void> {
    this.store
      .stmt(
        `INSERT INTO jobs (id, kind, status, request, progress, requested_by, created_at, started_at, finished_at, error, owner, heartbeat_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET status = excluded.status, progress = excluded.progress, started_at = excluded.started_at,
           finished_at = excluded.finished_at, error = excluded.error,
           owner = coalesce(excluded.owner, jobs.owner), heartbeat_at = coalesce(excluded.heartbeat_at, jobs.heartbeat_at)`,
      )
      .run(
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
      );
  }

  async heartbeatJobs(owner: string, at: string): Promise<number> {
    return this.store.stmt("UPDATE jobs SET heartbeat_at = ? WHERE owner = ? AND status IN ('queued', 'running')").run(at, owner).changes;
  }

  async getJob(id: string): Promise<Job | null> {
    const r = this.store.stmt('SELECT * FROM jobs WHERE id = ?').get(id) as Row | undefined;
    return r ? toJob(r) : null;
  }

  async failUnfinishedJobs(at: string, staleBefore?: string): Promise<number> {
    const stale = staleBefore === undefined ? '' : ' AND (heartbeat_at IS NULL OR heartbeat_at < ?)';
    const params = staleBefore === undefined ? [at] : [at, staleBefore];
    return this.store
      .stmt(`UPDATE jobs SET status = 'failed', finished_at = ?, error = '${JOB_ABANDONED}' WHERE status IN ('queued', 'running')${stale}`)
      .run(...params).changes;
  }
}
