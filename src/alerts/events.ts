/**
 * Alert events from the change history: what happened to one CVE since the engine last looked,
 * derived from the `changes` rows the store wrote (field, old, new, source, time). Pure.
 *
 * Each event has a key that makes it unique per subscription and CVE: the event type, plus for
 * events that can happen again what tells this occurrence apart (`cvss_raised:9.8`). The store
 * keeps one alert per (subscription, CVE, key), ever.
 */
import { createHash } from 'node:crypto';
import type { AlertEventDetail, AlertEventType } from '../model/alert.ts';
import type { Change } from '../model/record.ts';
import type { Severity } from '../model/vulnerability.ts';
import { severityRank } from './thresholds.ts';

/** An event one CVE's changes produced. */
export interface DerivedEvent {
  type: AlertEventType;
  key: string;
  detail: AlertEventDetail;
}

/** What {@link eventsFromChanges} found. */
export interface ChangeEvents {
  events: DerivedEvent[];
  /** Product, CPE or text data changed: the CVE may match watchlists it did not match before. */
  matchDataChanged: boolean;
  /** NVD's CPE data arrived or changed (provisional matches may now be confirmed). */
  nvdCpeChanged: boolean;
}

/** Fields whose change can make a CVE match an entry it did not match. */
const MATCH_FIELDS = new Set(['products', 'cpeCount', 'title', 'description']);

/** Base score from a `primaryCvss` history value (`9.8 CVSS:3.1/AV:N/…`). */
function scoreOf(value: string | null): number | null {
  if (value === null) return null;
  const n = Number.parseFloat(value);
  return Number.isFinite(n) ? n : null;
}

function plain(c: Change): NonNullable<AlertEventDetail['changes']>[number] {
  return { field: c.field, old: c.old, new: c.new, source: c.source, at: c.at };
}

function event(type: AlertEventType, key: string, summary: string, changes: Change[]): DerivedEvent {
  return { type, key, detail: { type, summary, changes: changes.map(plain) } };
}

/**
 * Derives the events of one CVE from its change rows (oldest first).
 * - `created` with state PUBLISHED, or a state change to PUBLISHED → `new`;
 * - state → REJECTED → `rejected` (a CVE created already rejected is not news);
 * - `severity` up (none counts as lowest) → `severity_raised`; `primaryCvss` score up → `cvss_raised`;
 * - `kev` → `added …` → `kev_added` (the first catalog's `listed …` is a baseline);
 * - `kev.knownRansomwareCampaignUse` → `Known` → `ransomware`;
 * - `exploit` → `exploit` (key `exploit`: the first only; exploits stored as advisories make
 *   theirs in advisory-engine.ts, with the same key);
 * - any change at all (on a CVE not created in the same run) → `changed`, with the diff.
 * Raised/changed events are not derived for a CVE created in the same run: it is `new`.
 * @param changes rows of one CVE.
 */
export function eventsFromChanges(changes: Change[]): ChangeEvents {
  const events: DerivedEvent[] = [];
  const created = changes.find((c) => c.field === 'created');
  if (created?.new === 'PUBLISHED') events.push(event('new', 'new', `new CVE (${created.source})`, [created]));
  const published = changes.find((c) => c.field === 'state' && c.new === 'PUBLISHED');
  if (!created && published) events.push(event('new', 'new', `published (was ${published.old ?? 'unknown'})`, [published]));
  const rejected = changes.find((c) => c.field === 'state' && c.new === 'REJECTED');
  if (rejected) events.push(event('rejected', 'rejected', `rejected (was ${rejected.old ?? 'unknown'})`, [rejected]));
  const kev = changes.find((c) => c.field === 'kev' && c.new?.startsWith('added'));
  if (kev) events.push(event('kev_added', 'kev_added', `added to CISA KEV on ${kev.new?.slice('added '.length)}`, [kev]));
  const ransomware = changes.find((c) => c.field === 'kev.knownRansomwareCampaignUse' && c.new === 'Known');
  if (ransomware) events.push(event('ransomware', 'ransomware', 'known ransomware campaign use (CISA KEV)', [ransomware]));
  const exploit = changes.find((c) => c.field === 'exploit' && c.new);
  // Key `exploit`, as advisory-engine.ts makes it: one alert per subscription and CVE, for its first public exploit.
  if (exploit) events.push(event('exploit', 'exploit', `exploit published: ${exploit.new}`, [exploit]));

  const history = changes.filter((c) => c.field !== 'created');
  if (!created && history.length) {
    const severity = history.filter((c) => c.field === 'severity');
    if (severity.length) {
      const first = severity[0] as Change;
      const last = severity.at(-1) as Change;
      const was = severityRank(first.old as Severity | null);
      const now = severityRank(last.new as Severity | null);
      if (now > was) events.push(event('severity_raised', `severity_raised:${last.new}`, `severity ${first.old ?? 'none'} → ${last.new}`, severity));
    }
    const cvss = history.filter((c) => c.field === 'primaryCvss');
    if (cvss.length) {
      const was = scoreOf((cvss[0] as Change).old);
      const now = scoreOf((cvss.at(-1) as Change).new);
      if (now !== null && (was === null || now > was)) events.push(event('cvss_raised', `cvss_raised:${now}`, `CVSS ${was ?? 'none'} → ${now}`, cvss));
    }
    const digest = createHash('sha1')
      .update(JSON.stringify(history.map((c) => [c.field, c.old, c.new, c.at])))
      .digest('base64url')
      .slice(0, 12);
    const fields = [...new Set(history.map((c) => c.field))];
    events.push(event('changed', `changed:${digest}`, `changed: ${fields.join(', ')}`, history));
  }
  return {
    events,
    matchDataChanged: changes.some((c) => MATCH_FIELDS.has(c.field)),
    nvdCpeChanged: changes.some((c) => c.source === 'nvd' && (c.field === 'cpeCount' || c.field === 'products' || c.field === 'created')),
  };
}
