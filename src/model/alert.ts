/**
 * The alerting model: users and teams, watchlists with their entries and subscriptions, the
 * alerts they produce (with why each fired) and the delivery attempts of each alert.
 *
 * Times are ISO 8601 UTC strings; EPSS values are probabilities 0–1, percentiles 0–1, CVSS scores
 * 0–10.
 */
import type { IocType } from '../nlp/types.ts';
import type { Severity } from './vulnerability.ts';

/** A person who receives alerts. */
export interface User {
  /** Unique name (`alice`). */
  name: string;
  email: string | null;
  /** Chat handles: Slack member id, Telegram chat id, Discord user id, Teams UPN. */
  handles: Partial<Record<'slack' | 'telegram' | 'discord' | 'teams', string>>;
}

/** A named group of users that can own a watchlist together. */
export interface Team {
  name: string;
  /** User names. */
  members: string[];
}

/**
 * What an alert is about. A subscription chooses which it wants.
 * - `new`: a CVE Vigil had not seen (or a reserved id now published), or one that starts to
 *   match the watchlist because its product data changed;
 * - `changed`: any tracked field changed (the alert carries the diff);
 * - `severity_raised` / `cvss_raised`: the primary assessment's severity or base score went up;
 * - `kev_added`: CISA added the CVE to KEV (the first catalog Vigil reads is a baseline, not news);
 * - `ransomware`: KEV `knownRansomwareCampaignUse` became `Known`;
 * - `epss_threshold`: EPSS rose from below the threshold to at or above it;
 * - `epss_jump`: EPSS rose by at least the configured amount between two consecutive days;
 * - `exploit`: the first public exploit (an advisory of kind `exploit`, Exploit-DB) for a CVE
 *   that matches the watchlist;
 * - `rejected`: the CVE was rejected;
 * - `advisory`: a new or revised advisory (package advisory, CERT bulletin, vendor advisory)
 *   names a watched product or package, a watched CVE or a CVE that matches the watchlist;
 * - `intel`: a new (or edited) threat-intel document (news article, vendor blog, CERT post:
 *   intel/types.ts) whose title or text has a watched keyword, pattern, vendor or product, names
 *   a watched CVE, or names a CVE whose record matches a vendor/product/CPE/purl entry;
 * - `ioc`: an indicator an `ioc` entry watches is sighted in a newly stored (or edited) intel
 *   document (the IOC store's sightings: iocs/types.ts; matching rules in alerts/ioc-match.ts).
 */
export const ALERT_EVENTS = [
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
] as const;
export type AlertEventType = (typeof ALERT_EVENTS)[number];

/** Conditions a CVE must meet, on top of matching an entry, to alert. All optional. */
export interface Thresholds {
  /** Qualitative severity of the primary CVSS assessment, at least this. */
  minSeverity?: Severity;
  /** Primary CVSS base score, 0–10, at least this. */
  minCvss?: number;
  /** EPSS probability, 0–1, at least this. */
  minEpss?: number;
  /** EPSS percentile, 0–1, at least this. */
  minPercentile?: number;
  /** Only CVEs in CISA KEV. */
  kevOnly?: boolean;
  /** Only KEV CVEs with known ransomware campaign use. */
  ransomwareOnly?: boolean;
}

/** How a watchlist entry selects CVEs. */
export const WATCH_KINDS = ['vendor', 'product', 'cpe', 'purl', 'keyword', 'regex', 'cve', 'ioc'] as const;
export type WatchKind = (typeof WATCH_KINDS)[number];

/**
 * One watchlist entry.
 * - `vendor`: `value` is a vendor name (`Palo Alto Networks`, `paloaltonetworks`: compared on
 *   their normalised key, see enrich/product-key.ts);
 * - `product`: `value` is a product name, `vendor` optionally narrows it, `version` optionally a
 *   version (`10.2.5`) or range (`>=10.2.0 <10.2.9`) evaluated against CPE ranges and CNA
 *   `affected` versions;
 * - `cpe`: `value` is a CPE 2.3 formatted string; its version (when not `*`) is evaluated like
 *   `version` above;
 * - `purl`: `value` is a package URL (https://github.com/package-url/purl-spec), with an optional
 *   `@version`;
 * - `keyword`: words or a phrase, case-insensitive, on word boundaries, over title and description;
 * - `regex`: an RE2 regular expression (linear time: no catastrophic backtracking on untrusted
 *   text) over title and description, case-insensitive;
 * - `cve`: a CVE id, also one reserved and not yet published;
 * - `ioc`: an indicator of compromise (`evil.example.com`, `203.0.113.7`, `10.0.0.0/8`, a URL, an
 *   e-mail address, an MD5/SHA-1/SHA-256/SHA-512 hash…), defanged forms accepted, optionally
 *   typed (`filename:invoice.zip`); stored refanged and normalised. Matches indicators sighted in
 *   intel documents only (`ioc` events), never CVEs: see alerts/ioc-match.ts.
 */
export interface WatchEntry {
  id: number;
  watchlist: string;
  kind: WatchKind;
  value: string;
  /** `product` entries only: the vendor. */
  vendor?: string;
  /** `product` entries only: a version or range. */
  version?: string;
  thresholds: Thresholds;
}

/** Who owns a watchlist: one user or a team. */
export type Owner = { user: string } | { team: string };

/** Delivery cadence: each alert on its own, or gathered into one message per period. */
export type DeliveryMode = 'immediate' | 'hourly' | 'daily' | 'weekly';

/** Hours during which immediate alerts are held (local time in `timezone`). */
export interface QuietHours {
  /** `HH:MM`, 24-hour clock. */
  start: string;
  /** `HH:MM`; may be earlier than `start` (quiet over midnight). */
  end: string;
}

/** Where and how a watchlist's alerts go. */
export interface Subscription {
  id: number;
  watchlist: string;
  /** A channel id from the config's `alerts.channels`. */
  channel: string;
  /**
   * Recipient where the channel needs one (email address, Telegram chat id); absent: the
   * owner's own address or handle (every member's, for a team).
   */
  target: string | null;
  events: AlertEventType[];
  mode: DeliveryMode;
  quietHours: QuietHours | null;
  /** IANA time zone for quiet hours and digest times (`Europe/Paris`). */
  timezone: string;
  /** `epss_threshold`: EPSS (0–1) to rise above when the entry sets no `minEpss`. */
  epssAbove: number;
  /** `epss_jump`: minimum rise of EPSS (0–1, absolute) between two consecutive days. */
  epssJump: number;
  /**
   * `exposure`: alert when the watchlist's exposure index (exposure/types.ts) rises past this
   * value (same units as E_t); null or absent: no exposure alerts.
   */
  exposureAbove?: number | null;
}

/** A watchlist with its entries and subscriptions. */
export interface Watchlist {
  name: string;
  owner: Owner;
  description: string | null;
  entries: WatchEntry[];
  subscriptions: Subscription[];
}

/**
 * Which data an entry matched on. `nvd-cpe` is NVD's analysis; the others come before it.
 * `advisory`: an advisory's affected products or packages (`affected[2].packageName`), for
 * `advisory` and `exploit` alerts; `advisory-cve`: a CVE the advisory names matched the entry
 * through that CVE's own record. `intel`: an intel document's title or text, for `intel` alerts;
 * `intel-cve`: a CVE the document names matched the entry through that CVE's own record.
 * `ioc`: an indicator found in an intel document (the IOC store's sighting), for `ioc` alerts.
 */
export type MatchVia =
  | 'nvd-cpe'
  | 'cna-affected'
  | 'adp-affected'
  | 'cna-cpe'
  | 'text'
  | 'cve-id'
  | 'kev'
  | 'advisory'
  | 'advisory-cve'
  | 'intel'
  | 'intel-cve'
  | 'ioc';

/** Why one entry matched one CVE: which field matched which value. */
export interface MatchReason {
  entryId: number;
  kind: WatchKind;
  /** The entry as written (`paloaltonetworks:pan-os 10.2.5`). */
  entry: string;
  via: MatchVia;
  /** Field of the CVE that matched (`cpes[3].criteria`, `affected[0].product`, `description`). */
  field: string;
  /** The value of that field (the CPE, the product name, the matched text). */
  matched: string;
  /** For versioned entries: how the version was evaluated (`10.2.5 in [10.2.0, 10.2.9)`). */
  version?: string;
  /**
   * Why this reason alone does not confirm the match, when it does not: the version matched only
   * a wildcard CPE (`*`) and no source states which versions are affected (alerts/match.ts).
   */
  provisional?: string;
}

/** One threshold checked, with the CVE's value. */
export interface ThresholdCheck {
  name: keyof Thresholds;
  required: number | string | boolean;
  actual: number | string | boolean | null;
  passed: boolean;
}

/**
 * The advisory an `advisory` or `exploit` alert is about, as it stood when the alert was made
 * (model/advisory.ts names the fields).
 */
export interface AlertAdvisory {
  /** `GHSA-36p3-wjmg-h94x`, `CERTFR-2026-AVI-0049`, `EDB-40839`. */
  id: string;
  source: string;
  kind: string;
  title: string;
  /** The page for people (for CERT-FR, the ANSSI bulletin page). */
  url: string | null;
  /** ISO 8601 UTC. */
  published: string | null;
  /** ISO 8601 UTC: the revision alerted (the advisory's `modified`). */
  modified: string;
  /** Severity as the source words it (`HIGH`, `MODERATE`), not normalised. */
  severity: string | null;
  /** CVE ids it names (at most 50). */
  cves: string[];
  /** How many CVEs it names in all. */
  cveCount: number;
  /** What changed: `created`, `modified`, `withdrawn`, `cves`. */
  changes: string[];
  /** Exploits: Exploit-DB's facts. */
  exploit?: { verified: boolean; type: string; platform: string };
}

/**
 * The threat-intel document an `intel` alert is about, as it stood when the alert was made
 * (intel/types.ts names the fields).
 */
export interface AlertIntel {
  /** `intel-` + 20 hex digits. */
  id: string;
  /** The intel source name that first stored it (`bleepingcomputer`). */
  source: string;
  title: string;
  /** The document's page (its fetched URL). */
  url: string;
  /** ISO 8601 UTC, when the source says. */
  published: string | null;
  /** CVE ids it names (at most 50). */
  cves: string[];
  /** How many CVEs it names in all. */
  cveCount: number;
  /** Id of its story cluster's first document. */
  cluster: string;
  /** Documents telling the same story (1: no near-duplicate known). */
  clusterSize: number;
  /** `created`: first stored; `changed`: its title or text was edited. */
  change: 'created' | 'changed';
}

/**
 * The indicator an `ioc` alert is about: the watched one, what the document contained that
 * matched it, and the store's summary of the first indicator sighted, as of the alert.
 */
export interface AlertIoc {
  /** The entry's indicator (`domain` `evil.example.com`). */
  watched: { type: IocType; value: string };
  /** Indicators of the document that matched it (at most 8): normalised value and as written. */
  sighted: { type: IocType; value: string; original: string }[];
  /** ISO 8601: first and last sighting of the first indicator sighted, in any document. */
  firstSeen: string;
  lastSeen: string;
  /** Documents it has been sighted in, this one included. */
  sightings: number;
  /** Intel sources it was sighted in, sorted. */
  sources: string[];
  /** The MISP warninglist it is on (watched anyway: an analyst chose it), or null. */
  warning: { list: string; name: string } | null;
  /** TLP of this sighting (FIRST TLP 2.0, lowercase; public sources `clear`). */
  tlp: string;
}

/** What happened to the CVE. */
export interface AlertEventDetail {
  type: AlertEventType;
  /** One line for people (`CVSS 7.5 → 9.8`, `added to KEV on 2024-04-12`). */
  summary: string;
  /** `changed`: the diff; others: the changes that caused the event. */
  changes?: { field: string; old: string | null; new: string | null; source: string; at: string }[];
  /** EPSS events: the two days compared. */
  epss?: { date: string; score: number; percentile: number; previousDate: string | null; previousScore: number | null };
  /** `advisory` and `exploit` events: the advisory. */
  advisory?: AlertAdvisory;
  /** `intel` events: the document; `ioc` events: the document the indicator was sighted in. */
  intel?: AlertIntel;
  /** `ioc` events: the indicator. */
  ioc?: AlertIoc;
}

/** Why an alert fired: the event, the entries that matched and the thresholds that passed. */
export interface AlertExplanation {
  event: AlertEventDetail;
  matches: MatchReason[];
  thresholds: ThresholdCheck[];
  /** Matched before NVD's CPE data (on the CNA's `affected` data or on text), or only on a wildcard CPE. */
  provisional: boolean;
  /** Why it is provisional, for people (alerts/match.ts `provisionalReason`). */
  provisionalReason?: string;
  /** `fallback`: sent to the administrator because a critical CVE matched no watchlist. */
  fallback?: boolean;
}

/** The CVE as it stood when the alert was made: what every message shows. */
export interface AlertFacts {
  cveId: string;
  state: string;
  title: string | null;
  /** First 500 characters of the description. */
  description: string | null;
  published: string | null;
  severity: Severity | null;
  cvss: { score: number; version: string; vector: string } | null;
  epss: { score: number; percentile: number; date: string } | null;
  kev: { dateAdded: string; dueDate: string | null; ransomware: boolean } | null;
  /** CISA SSVC decision (`Act`, `Attend`, `Track*`, `Track`), when CISA ADP assessed it. */
  ssvc: string | null;
  /** Priority score, 0–100 (docs/priority.md). */
  priority: number;
  /** `Vendor Product` pairs, at most 10. */
  products: string[];
  /** Link for people: the dashboard when `alerts.linkBase` is set, else NVD's page (`intel` alerts: the document's page). */
  link: string;
  /**
   * Set when the alert's subject is an intel document (`cveId` is its id): what messages show in
   * place of a CVE's scores. Scores above, when present, are the strongest of the CVEs it names.
   */
  document?: { source: string; cves: string[]; cveCount: number; clusterSize: number };
}

/** Where an alert is in its delivery. */
export type AlertStatus = 'pending' | 'sent' | 'failed';

/**
 * One alert: one (subscription, CVE, event key), ever. An `advisory` alert's subject (`cveId`)
 * is the one CVE through which it matched when there is exactly one, else the advisory's own id
 * (`CERTFR-2026-AVI-0049`): see docs/alerts.md.
 */
export interface Alert {
  id: number;
  /** `null` for the administrator fallback. */
  subscriptionId: number | null;
  watchlist: string | null;
  channel: string;
  /** Resolved recipients (email addresses, chat ids); empty for webhook-style channels. */
  recipients: string[];
  /** The CVE, or for an `advisory` (`intel`) alert not about exactly one CVE, the advisory (document) id. */
  cveId: string;
  event: AlertEventType;
  /**
   * What makes the alert unique with its subscription and CVE: the event type, plus, for events
   * that can recur, what distinguishes this occurrence (`cvss_raised:9.8`, `epss_jump:2026-08-16`).
   */
  eventKey: string;
  mode: DeliveryMode;
  createdAt: string;
  explanation: AlertExplanation;
  facts: AlertFacts;
  provisional: boolean;
  /** When NVD's CPE data confirmed a provisional match. */
  confirmedAt: string | null;
  status: AlertStatus;
  /**
   * Recipients already sent to, for channels that send to each recipient separately (Telegram):
   * a retry after a partial failure sends only to the others.
   */
  deliveredTo: string[];
  attempts: number;
  /** When the next attempt is due (retry backoff, quiet hours, digest time); null once done. */
  nextAttemptAt: string | null;
  sentAt: string | null;
  lastError: string | null;
}

/** One delivery attempt of one alert (a digest attempt is logged for each alert it carries). */
export interface DeliveryAttempt {
  alertId: number;
  attempt: number;
  at: string;
  status: 'sent' | 'failed';
  /** Whether a failure will be retried. */
  retryable: boolean;
  /** Upstream answer: HTTP status, SMTP response, message id. */
  response: string | null;
  error: string | null;
  /** Milliseconds the attempt took. */
  durationMs: number;
}
