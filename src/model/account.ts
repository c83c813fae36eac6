/**
 * Who may use the server and what they did: sign-in accounts with roles, API tokens with scopes,
 * the audit log, alert triage and collection jobs. Times are ISO 8601 UTC strings.
 */

/**
 * Password rules as a JSON Schema (NIST SP 800-63B §5.1.1: length over composition), shared by
 * the API's bodies and `vigil users add`: 12 to 256 characters.
 */
export const passwordSchema = { type: 'string', minLength: 12, maxLength: 256 } as const;
/** Account (user) names as a JSON Schema: 1 to 64 letters, digits, ".", "_", "@" or "-", not starting with a symbol. */
export const userNameSchema = { type: 'string', minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9][A-Za-z0-9._@-]*$' } as const;

/** Roles, weakest first: each may do everything the ones before it may (docs/api.md). */
export const ROLES = ['viewer', 'analyst', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** Scopes an API token can carry (docs/api.md, "Roles and scopes"). */
export const SCOPES = ['read', 'write', 'collect', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

/** Whether `role` is at least `required`. */
export function roleAtLeast(role: Role, required: Role): boolean {
  return ROLES.indexOf(role) >= ROLES.indexOf(required);
}

/** A user who can sign in (the user row itself lives in the alerting tables: name, email, handles). */
export interface Account {
  name: string;
  email: string | null;
  role: Role;
  disabled: boolean;
  createdAt: string;
}

/** An API token as listed (never the secret itself: only its first characters). */
export interface ApiToken {
  id: number;
  user: string;
  name: string;
  /** The token's first 8 characters (`vgl_AbCd`), to recognise it. */
  prefix: string;
  scopes: Scope[];
  createdAt: string;
  /** `null`: never expires. */
  expiresAt: string | null;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

/** How a request was authenticated. */
export type ActorKind = 'session' | 'token' | 'anonymous' | 'cli' | 'setup';

/** One audit-log row: who did what, when, from where, and how it ended. */
export interface AuditEntry {
  id: number;
  at: string;
  /** User name, or `null` when unknown (a failed sign-in names the attempted user in `target`). */
  actor: string | null;
  actorKind: ActorKind;
  tokenId: number | null;
  /** What was done: `auth.login`, `watchlist.create`, `alert.update`, … */
  action: string;
  /** What it was done to (`watchlist:edge`, `alert:12`, `user:alice`). */
  target: string | null;
  outcome: 'success' | 'failure' | 'denied';
  /** HTTP status answered, when from the API. */
  statusCode: number | null;
  /** Client address. */
  ip: string | null;
  userAgent: string | null;
  /** Extra facts (never secrets). */
  detail: Record<string, unknown> | null;
}

/** An audit row to write (the store assigns the id). */
export type NewAuditEntry = Omit<AuditEntry, 'id'>;

/** Where an analyst is with an alert, apart from its delivery. */
export const TRIAGE_STATES = ['new', 'triaged', 'fixed', 'ignored'] as const;
export type TriageState = (typeof TRIAGE_STATES)[number];

/** Triage fields of one alert. */
export interface Triage {
  triage: TriageState;
  assignee: string | null;
  acknowledgedAt: string | null;
  acknowledgedBy: string | null;
}

/** A comment on an alert. */
export interface AlertComment {
  id: number;
  alertId: number;
  author: string;
  body: string;
  at: string;
}

/** A collection job (`POST /api/collect`). */
export interface Job {
  /** Random id (UUID). */
  id: string;
  kind: 'collect';
  status: 'queued' | 'running' | 'succeeded' | 'failed';
  sources: string[];
  /** One entry per source, in order. */
  progress: { source: string; status: 'queued' | 'running' | 'succeeded' | 'failed'; stored: number; error: string | null }[];
  requestedBy: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  error: string | null;
}
