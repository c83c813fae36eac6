/**
 * The server's half of the store: sign-in accounts, refresh sessions, API tokens, the audit log,
 * server settings, alert triage and comments, collection jobs and the dashboard's statistics.
 * Back-end neutral and async like {@link Store}; the SQLite implementation is `sqlite/server.ts`
 * (tables: migration 3). Secrets are never stored: refresh and API tokens by SHA-256, passwords
 * as argon2id hashes computed by the caller (api/auth/passwords.ts).
 */
import type { Account, AlertComment, ApiToken, AuditEntry, Job, NewAuditEntry, Role, Scope, Triage, TriageState } from '../model/account.ts';
import type { Alert, DeliveryAttempt } from '../model/alert.ts';
import type { RankedVulnerability } from '../model/record.ts';

/** An account with its password hash, for sign-in only. */
export interface AccountSecret extends Account {
  /** PHC string (`$argon2id$v=19$…`). */
  passwordHash: string;
  /** When the password was last set (ISO 8601): access tokens issued before it are refused. */
  passwordChangedAt: string;
}

/** A refresh session as stored. */
export interface SessionRow {
  tokenHash: string;
  family: string;
  user: string;
  createdAt: string;
  expiresAt: string;
  usedAt: string | null;
  revokedAt: string | null;
}

/** Filters of the audit log, newest first; `before` is an id cursor. */
export interface AuditQuery {
  actor?: string;
  action?: string;
  before?: number;
  limit: number;
}

/** Filters of the alerts inbox, newest first; `before` is an id cursor. */
export interface InboxQuery {
  triage?: TriageState;
  status?: string;
  cveId?: string;
  watchlist?: string;
  assignee?: string;
  before?: number;
  limit: number;
}

/** An alert with its triage fields. */
export type InboxAlert = Alert & Triage;

/** One delivery attempt in the log (its row id), with the CVE and channel of the alert it was for. */
export interface DeliveryLogRow extends DeliveryAttempt {
  id: number;
  cveId: string;
  channel: string;
}

/** Figures for the dashboard's overview (`GET /stats`). Days are `YYYY-MM-DD` (UTC). */
export interface Stats {
  generatedAt: string;
  /**
   * `cves`: every CVE known from any source (KEV and EPSS name CVEs before their record arrives);
   * `withRecord`: those with a CVE 5 or NVD record; `kev`: in the KEV catalog (or marked by a feed).
   */
  totals: { cves: number; kev: number; rejected: number; withEpss: number; withRecord: number };
  /** CVEs published on `today` / in the 7 days ending on it. */
  newToday: number;
  newThisWeek: number;
  /** KEV entries whose `dateAdded` is in the 7 days ending today. */
  kevAddedThisWeek: number;
  today: string;
  kevRecent: { cveId: string; dateAdded: string; vendorProject: string; product: string; vulnerabilityName: string }[];
  /** Non-rejected CVEs with a record per qualitative severity of the primary CVSS (`NONE`…`CRITICAL`, `UNKNOWN`: no CVSS). */
  severity: Record<string, number>;
  topVendors: { vendor: string; count: number }[];
  cwes: { cwe: string; name: string | null; count: number; owasp: { id: string; title: string }[] }[];
  /** CVEs published per day over the 90 days ending on the newest published date. */
  perDay: { date: string; count: number }[];
  /** Largest EPSS rises on the newest stored day against the score before it. */
  epssMovers: { cveId: string; date: string; score: number; previousScore: number | null; delta: number }[];
  topPriority: RankedVulnerability[];
}

/** Accounts, sessions, tokens, audit log and settings. */
export interface AuthStore {
  /** Creates or updates the account of an existing user. @throws VigilError VIGIL_NOT_FOUND for an unknown user. */
  upsertAccount(a: { name: string; role: Role; passwordHash: string; disabled?: boolean }): Promise<void>;
  /** Changes an account's role, disabled flag or password hash. @returns whether it exists. */
  updateAccount(name: string, change: { role?: Role; disabled?: boolean; passwordHash?: string }): Promise<boolean>;
  getAccount(name: string): Promise<AccountSecret | null>;
  listAccounts(): Promise<Account[]>;
  /** Number of enabled admin accounts. */
  countAdmins(): Promise<number>;

  createSession(s: { tokenHash: string; family: string; user: string; expiresAt: string }): Promise<void>;
  getSession(tokenHash: string): Promise<SessionRow | null>;
  /** Marks a session used (rotation) if it was not already: @returns false when it was (reuse). */
  useSession(tokenHash: string): Promise<boolean>;
  revokeFamily(family: string): Promise<void>;
  /** Revokes every session of a user (password change, disabling). */
  revokeUserSessions(user: string): Promise<void>;

  createToken(t: { user: string; name: string; tokenHash: string; prefix: string; scopes: Scope[]; expiresAt: string | null }): Promise<ApiToken>;
  /** A token by hash, with its owner's account (null when unknown). */
  findToken(tokenHash: string): Promise<{ token: ApiToken; account: Account } | null>;
  listTokens(user?: string): Promise<ApiToken[]>;
  getToken(id: number): Promise<ApiToken | null>;
  revokeToken(id: number): Promise<void>;
  touchToken(id: number, at: string): Promise<void>;

  /** Appends an audit row. @returns its id. */
  audit(entry: NewAuditEntry): Promise<number>;
  /** Replaces the `detail` of audit row `id` (a repeated failure's count, see api/auth/audit.ts). */
  updateAuditDetail(id: number, detail: Record<string, unknown>): Promise<void>;
  listAudit(q: AuditQuery): Promise<AuditEntry[]>;

  getSetting(key: string): Promise<string | null>;
  setSetting(key: string, value: string): Promise<void>;
  /** Sets `key` only if unset. @returns the value in effect afterwards. */
  initSetting(key: string, value: string): Promise<string>;
  deleteSetting(key: string): Promise<void>;
}

/** Alert triage, comments and the delivery log. */
export interface TriageStore {
  listInbox(q: InboxQuery): Promise<InboxAlert[]>;
  getInboxAlert(id: number): Promise<InboxAlert | null>;
  /** @returns whether the alert exists. */
  updateTriage(id: number, change: Partial<Triage>): Promise<boolean>;
  addComment(c: Omit<AlertComment, 'id'>): Promise<AlertComment>;
  listComments(alertId: number): Promise<AlertComment[]>;
  deliveryLog(limit: number, before?: number): Promise<DeliveryLogRow[]>;
  /** Alerts with id > `afterId`, oldest first (the event stream). */
  alertsAfter(afterId: number, limit: number): Promise<InboxAlert[]>;
  lastAlertId(): Promise<number>;
}

/** Collection jobs. */
/** The error of a job marked failed because the process running it stopped (stored text). */
export const JOB_ABANDONED = 'the server stopped before the job finished';

/** Who runs a job, and when it last said so (see {@link JobStore.saveJob}). */
export interface JobLease {
  owner: string;
  /** ISO 8601. */
  at: string;
}

export interface JobStore {
  /**
   * Stores a job (insert or update by id). With `lease`, the job is marked as run by `lease.owner`
   * (a server process's random id) with a heartbeat at `lease.at` (ISO 8601).
   */
  saveJob(job: Job, lease?: JobLease): Promise<void>;
  getJob(id: string): Promise<Job | null>;
  /** Moves the heartbeat of `owner`'s unfinished jobs to `at` (ISO 8601); returns how many. */
  heartbeatJobs(owner: string, at: string): Promise<number>;
  /**
   * Marks failed (finished at `at`) the jobs left `queued` or `running` by a process that stopped:
   * with `staleBefore` (ISO 8601), only those without an owner or whose heartbeat is older (a job
   * another live replica runs keeps beating and is left alone); without it, every unfinished job.
   * @returns how many were marked.
   */
  failUnfinishedJobs(at: string, staleBefore?: string): Promise<number>;
}

/** The overview's statistics. */
export interface StatsStore {
  /** @param today `YYYY-MM-DD` the "new today/this week" figures count from. */
  stats(today: string): Promise<Stats>;
  /**
   * A value that changes whenever anything a CVE view shows may have changed: the newest
   * change-history row, EPSS day, KEV catalog and advisory-history row. For caches of views (api/view-cache.ts).
   */
  generation(): Promise<string>;
  /** Replaces the stored OWASP Top 10 mapping of an edition. */
  saveOwaspMapping(edition: string, rows: { category: string; title: string; cwe: string }[]): Promise<void>;
}
