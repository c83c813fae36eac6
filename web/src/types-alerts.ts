/**
 * Watchlist, alert, job, status and administration shapes of the REST API (docs/api.md), as the
 * dashboard reads them. Model objects are re-exported from `src/model/` and `src/store/` (type-only,
 * erased from the bundle); what is defined here is what the wire trims or adds (the routes' response
 * schemas in src/api/schemas.ts drop the fields they do not list) and the web's own shapes.
 */
import type { AlertComment, Scope, ApiToken as StoredApiToken, TriageState } from '../../src/model/account.ts';
import type { AlertEventType, DeliveryAttempt, MatchReason, Watchlist as StoredWatchlist, Subscription, WatchEntry, WatchKind } from '../../src/model/alert.ts';
import type { InboxAlert } from '../../src/store/server.ts';
import type { SourceState, StoreStats } from '../../src/store/types.ts';
import type { Severity } from './types.ts';

export type { Account as UserAccount, AlertComment as Comment, AuditEntry, Job, TriageState as Triage } from '../../src/model/account.ts';
export type { AlertFacts, DeliveryAttempt, MatchReason, Owner, Thresholds, WatchKind } from '../../src/model/alert.ts';
export type { Stats as StatsResponse } from '../../src/store/server.ts';

/**
 * `List` if it names every member of `All`, else `never`: the lists below are copies of the server's
 * (the bundle imports no runtime value from src/), and a copy that falls behind fails to compile.
 */
type Complete<List extends readonly unknown[], All> = [Exclude<All, List[number]>] extends [never] ? List : never;

const watchKinds = ['vendor', 'product', 'cpe', 'purl', 'keyword', 'regex', 'cve', 'ioc'] as const satisfies readonly WatchKind[];
/** The server's `WATCH_KINDS`. */
export const WATCH_KINDS: Complete<typeof watchKinds, WatchKind> = watchKinds;

const alertEvents = [
  'new',
  'changed',
  'severity_raised',
  'cvss_raised',
  'kev_added',
  'ransomware',
  'epss_threshold',
  'epss_jump',
  'exploit',
  'rejected',
  'advisory',
  'intel',
  'ioc',
  'exposure',
  'report',
] as const satisfies readonly AlertEventType[];
/** The server's `ALERT_EVENTS`: what a subscription can be alerted about (docs/alerts.md). */
export const ALERT_EVENTS: Complete<typeof alertEvents, AlertEventType> = alertEvents;

/** A subscription as sent (`POST /api/v1/watchlists/{name}/subscriptions`); omitted fields take the server's defaults. */
export interface SubscriptionInput {
  channel: string;
  to?: string;
  events?: AlertEventType[];
  mode?: 'immediate' | 'hourly' | 'daily' | 'weekly';
}

/** A watchlist entry as sent (`id` is set on stored entries only; thresholds default to none). */
export type Entry = Omit<WatchEntry, 'id' | 'watchlist' | 'thresholds'> & Partial<Pick<WatchEntry, 'id' | 'thresholds'>>;

/** A watchlist as the API answers it: entries without their watchlist's name, subscriptions without their delivery settings. */
export interface Watchlist extends Omit<StoredWatchlist, 'entries' | 'subscriptions'> {
  entries: Omit<WatchEntry, 'watchlist'>[];
  subscriptions: Pick<Subscription, 'id' | 'channel' | 'target' | 'events' | 'mode' | 'timezone'>[];
}

/** `POST /api/v1/watchlists/preview` and `GET /api/v1/watchlists/{name}/matches`. */
export interface PreviewResponse {
  /** Matches found. */
  total: number;
  /** Stored CVEs examined. */
  candidates?: number;
  /** Candidates not examined (over the server's preview limit). */
  skipped?: number;
  items: {
    cveId: string;
    title: string | null;
    severity: Severity | null;
    priority: number;
    /** Index of the first entry that matched. */
    entryIndex?: number;
    /** Whether the CVE also passes that entry's thresholds (would alert). */
    passes?: boolean;
    reasons: MatchReason[];
  }[];
}

const triageStates = ['new', 'triaged', 'fixed', 'ignored'] as const satisfies readonly TriageState[];
/** The server's `TRIAGE_STATES`. */
export const TRIAGE_STATES: Complete<typeof triageStates, TriageState> = triageStates;

/**
 * `GET /api/v1/alerts` items (an alert with its triage fields, less `deliveredTo`, which the
 * response schema leaves out); the single-alert routes add `comments` and `deliveries`.
 */
export interface AlertItem extends Omit<InboxAlert, 'deliveredTo'> {
  comments?: AlertComment[];
  deliveries?: DeliveryAttempt[];
}

/** One source in `GET /api/status`: its stored state and the daemon's view of its health. */
export interface SourceStatus extends SourceState {
  /** Not sent by `GET /api/status` (src/api/routes/service.ts); shown when present. */
  title?: string;
  enabled: boolean;
  /** Consecutive failed runs (daemon). */
  failures: number;
  /** When the daemon retries a failed source. */
  retryAt: string | null;
  /** What the corpus import stored from this source, and when (ISO 8601). */
  imported?: { read: number; stored: number; rejected: number; issues: number; finishedAt: string } | null;
}

export interface StatusResponse {
  sources: SourceStatus[];
  alerting: { counts: Record<string, number>; cursors?: { changes: string | null; epssDay: string | null } };
  store: StoreStats;
  daemon: boolean;
  /** The corpus import job; `running` means interrupted: the next `vigil serve` finishes it. */
  corpusImport?: { status: 'running' | 'done'; dataDir: string; startedAt: string; finishedAt: string | null } | null;
}

const scopes = ['read', 'write', 'collect', 'admin'] as const satisfies readonly Scope[];
/** The server's `SCOPES`. */
export const TOKEN_SCOPES: Complete<typeof scopes, Scope> = scopes;

/** A token as listed; `token`, the secret, only in the answer that created it (`{token, apiToken}`, merged by the web). */
export interface ApiToken extends StoredApiToken {
  token?: string;
}
