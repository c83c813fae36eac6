/**
 * The alerting half of the store: users, teams, watchlists, subscriptions, the change feed the
 * alert engine reads, alerts and their delivery log. Like {@link Store}, back-end neutral and
 * async; the SQLite implementation is `sqlite/alerts.ts`.
 *
 * Exactly-once rests on three things here, and holds with several processes (daemons, workers)
 * sharing one database: alerts are unique per (subscription, CVE, event key)
 * ({@link AlertStore.commitEvaluation} ignores one already made); the change-feed cursors move in
 * the same transaction as the alerts they produced, and only forward (a process that evaluated an
 * older page cannot move a cursor back); and an alert is claimed ({@link AlertStore.claimAlerts})
 * by one process before it is sent.
 */
import type { AdvisoryChange } from '../model/advisory.ts';
import type { Alert, AlertStatus, DeliveryAttempt, Owner, Subscription, Team, User, WatchEntry, Watchlist } from '../model/alert.ts';
import type { Change } from '../model/record.ts';
import type { KevEntry } from '../model/vulnerability.ts';

/** A change-history row with its position in the feed. */
export interface FeedChange extends Change {
  /** Monotonic id (the feed cursor). */
  id: number;
}

/** One CVE whose EPSS score changed on a day, with the score in effect the day before. */
export interface EpssMove {
  cveId: string;
  /** EPSS probability 0–1 on the day. */
  score: number;
  percentile: number;
  /** Score in effect on the previous stored day; `null` when the CVE was not scored then. */
  previousScore: number | null;
  previousPercentile: number | null;
}

/** A stored EPSS day as the engine sees it. */
export interface EpssDayInfo {
  date: string;
  modelVersion: string | null;
}

/** An alert to create (the store assigns id and bookkeeping). */
export type NewAlert = Omit<Alert, 'id' | 'status' | 'attempts' | 'sentAt' | 'lastError' | 'confirmedAt' | 'deliveredTo'>;

/** What one evaluation commits at once. */
export interface EvaluationCommit {
  alerts: NewAlert[];
  /** Provisional alerts NVD's CPE data now confirms: (subscription, CVE). */
  confirmations: { subscriptionId: number; cveId: string }[];
  /**
   * Cursor values to save with them (`changes`, `advisoryChanges`: ids; `epssDay`: a date). A
   * cursor only moves forward: a value behind the stored one (integers compared as numbers, other
   * values as text) is ignored. {@link AlertStore.setState} sets a value unconditionally.
   */
  state: Record<string, string>;
  /** When (ISO 8601), for confirmations. */
  at: string;
}

/** Filters of `vigil alerts list` / `GET /alerts`. */
export interface AlertQuery {
  status?: AlertStatus;
  cveId?: string;
  watchlist?: string;
  limit?: number;
}

/**
 * Which stored CVEs could match a watchlist entry (`vigil watch test`): a superset, checked by the
 * matcher afterwards. Set fields are ORed.
 */
export interface CandidateQuery {
  /** Normalised vendor key (enrich/product-key.ts), optionally with a product key. */
  vendorKey?: string;
  productKey?: string;
  /** Words that must all appear (full-text index). */
  text?: string;
  cveIds?: string[];
  /** A CVE 5 `affected[].packageName`. */
  packageName?: string;
  /** Every stored CVE (regular expressions cannot use an index). */
  all?: boolean;
}

/** The alerting store. Methods throw `VigilError` (VIGIL_NOT_FOUND, VIGIL_CONFLICT) where named. */
export interface AlertStore {
  /** Creates or updates a user (by name). */
  upsertUser(user: User): Promise<void>;
  listUsers(): Promise<User[]>;
  /** Creates or replaces a team and its members. @throws VIGIL_NOT_FOUND for an unknown member. */
  upsertTeam(team: Team): Promise<void>;
  listTeams(): Promise<Team[]>;

  /** Creates a watchlist, or updates its owner/description. @throws VIGIL_NOT_FOUND for an unknown owner. */
  upsertWatchlist(w: { name: string; owner: Owner; description: string | null }): Promise<void>;
  getWatchlist(name: string): Promise<Watchlist | null>;
  listWatchlists(): Promise<Watchlist[]>;
  /** Removes a watchlist with its entries and subscriptions (its alerts stay, as history). @returns whether it existed. */
  removeWatchlist(name: string): Promise<boolean>;
  /** Adds an entry; an identical entry already there is returned instead (imports are idempotent). */
  addEntry(entry: Omit<WatchEntry, 'id'>): Promise<WatchEntry>;
  removeEntry(id: number): Promise<boolean>;
  /** Adds a subscription, or updates the one with the same (watchlist, channel, target). */
  upsertSubscription(sub: Omit<Subscription, 'id'>): Promise<Subscription>;
  removeSubscription(id: number): Promise<boolean>;

  /** Change-history rows with id > `afterId`, oldest first. */
  readChanges(afterId: number, limit: number): Promise<FeedChange[]>;
  /** Id of the newest change-history row (0 when none). */
  lastChangeId(): Promise<number>;
  /**
   * Advisory history rows (store `saveAdvisories` changes: created/modified/withdrawn/cves) with
   * id > `afterId`, oldest first, at most `limit`: the feed of `advisory` and `exploit` events.
   */
  readAdvisoryChanges(afterId: number, limit: number): Promise<(AdvisoryChange & { id: number })[]>;
  /** Id of the newest advisory history row (0 when none): where a first evaluation starts. */
  lastAdvisoryChangeId(): Promise<number>;
  /** Stored EPSS days, oldest first. */
  epssDays(): Promise<EpssDayInfo[]>;
  /**
   * CVEs whose score changed on `date` (a stored day), with their previous score: those the store
   * knows (a CVE record, or a current KEV entry), the only ones an alert can be about. EPSS scores
   * every published CVE (~300k a day), a store may hold a few of them.
   */
  epssMoves(date: string): Promise<EpssMove[]>;

  getState(key: string): Promise<string | null>;
  /** Sets a value (a cursor too, backwards as well: `vigil alerts` resets, tests). */
  setState(key: string, value: string): Promise<void>;
  /**
   * Stores alerts (ignoring any already made: same subscription, CVE and event key), confirmations
   * and cursors (forward only, see {@link EvaluationCommit.state}) in one transaction.
   * @returns ids of the alerts created (not those another process had made first).
   */
  commitEvaluation(commit: EvaluationCommit): Promise<number[]>;

  /** Pending alerts whose next attempt is due at `now` (ISO 8601), oldest first. */
  dueAlerts(now: string): Promise<Alert[]>;
  /**
   * Claims alerts for one delivery attempt, in one transaction: those of `ids` still pending and
   * due at `now` (ISO 8601) get their next attempt moved to `until` (the lease, ISO 8601), and are
   * returned as they are now (by id). One claimed by another process is not returned: it is no
   * longer due. A process that dies before {@link recordAttempts} leaves its alerts pending, due
   * again when the lease ends, so another process retries them. Several processes delivering at
   * once thus send each alert once, as long as a send takes less than the lease.
   */
  claimAlerts(ids: number[], now: string, until: string): Promise<Alert[]>;
  /** Earliest next attempt among pending alerts (ISO 8601; a claimed alert's lease end), or null. */
  nextDue(): Promise<string | null>;
  /** Logs attempts and updates the alerts they were for, in one transaction. */
  recordAttempts(attempts: DeliveryAttempt[], outcome: { status: AlertStatus; nextAttemptAt: string | null; sentAt: string | null; lastError: string | null; deliveredTo: string[] }): Promise<void>;
  /** Ids of the subscriptions that were ever alerted about this CVE. */
  subscriptionsAlerted(cveId: string): Promise<number[]>;
  getAlert(id: number): Promise<Alert | null>;
  listAlerts(query: AlertQuery): Promise<Alert[]>;
  deliveries(alertId: number): Promise<DeliveryAttempt[]>;
  /** Puts failed (or pending) alerts back in the queue, due at `now`. @returns how many. */
  retryAlerts(ids: number[] | 'failed', now: string): Promise<number>;
  /** The current KEV catalog entry of a CVE (also one whose CVE record is not stored yet), or null. */
  getKevEntry(cveId: string): Promise<KevEntry | null>;
  /** Ids of stored CVEs that could match (see {@link CandidateQuery}). */
  candidateCves(query: CandidateQuery): Promise<string[]>;
  /** Counts of alerts per status. */
  alertCounts(): Promise<Record<AlertStatus, number>>;
}
