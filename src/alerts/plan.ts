/**
 * The watchlists as the engine uses them: every entry compiled into one {@link MatchIndex} (and
 * one {@link AdvisoryIndex} for advisories), each
 * subscription with the recipients it resolves to.
 */
import type { AlertsConfig } from '../config.ts';
import type { Subscription, Team, User, Watchlist } from '../model/alert.ts';
import type { AlertStore } from '../store/alerts.ts';
import { AdvisoryIndex } from './advisory-match.ts';
import { channelDefinitions } from './channels/registry.ts';
import { MatchIndex } from './match.ts';
import { recipientProblem } from './recipient.ts';

/** Watchlists compiled for matching, with their subscriptions and recipients. */
export interface AlertPlan {
  watchlists: Map<string, Watchlist>;
  index: MatchIndex;
  /** The same entries indexed for advisories (advisory-match.ts). */
  advisories: AdvisoryIndex;
  subscriptions: Map<number, Subscription>;
  /** Recipients per subscription id. */
  recipients: Map<number, string[]>;
  /**
   * What any EPSS event could need, to skip unmoved CVEs before building views: every EPSS
   * threshold (entries' `minEpss`, subscriptions' `epssAbove`), every `minPercentile`, the smallest `epssJump`.
   */
  epssTriggers: { scores: number[]; percentiles: number[]; minJump: number };
}

/**
 * Who receives a subscription's alerts on its channel: the subscription's own target, else the
 * owner's address or handle (every member's, for a team). Webhook-style channels need none.
 * A target that is not one recipient (a list, a line break: stored before targets were checked)
 * resolves to none, so the delivery fails visibly instead of reaching extra addresses.
 */
export function resolveRecipients(sub: Subscription, w: Watchlist, users: User[], teams: Team[], config: AlertsConfig): string[] {
  const type = config.channels[sub.channel]?.type;
  const kind = type ? channelDefinitions[type].recipient : null;
  if (sub.target) return kind && !recipientProblem(kind, sub.target) ? [sub.target] : [];
  if (!kind) return [];
  const names = 'user' in w.owner ? [w.owner.user] : (teams.find((t) => 'team' in w.owner && t.name === w.owner.team)?.members ?? []);
  const out: string[] = [];
  for (const n of names) {
    const u = users.find((x) => x.name === n);
    const v = kind === 'email' ? u?.email : u?.handles.telegram;
    if (v && !out.includes(v)) out.push(v);
  }
  return out;
}

/** Loads and compiles every watchlist (entries that fail to compile are in `index.invalid`, and skipped). */
export async function loadPlan(alerts: AlertStore, config: AlertsConfig): Promise<AlertPlan> {
  const [list, users, teams] = await Promise.all([alerts.listWatchlists(), alerts.listUsers(), alerts.listTeams()]);
  const recipients = new Map<number, string[]>();
  for (const w of list) for (const s of w.subscriptions) recipients.set(s.id, resolveRecipients(s, w, users, teams, config));
  const subscriptions = new Map(list.flatMap((w) => w.subscriptions.map((s) => [s.id, s] as const)));
  const entries = list.flatMap((w) => w.entries);
  const scores = new Set([...subscriptions.values()].map((s) => s.epssAbove));
  for (const e of entries) if (e.thresholds.minEpss !== undefined) scores.add(e.thresholds.minEpss);
  const epssTriggers = {
    scores: [...scores],
    percentiles: [...new Set(entries.flatMap((e) => (e.thresholds.minPercentile === undefined ? [] : [e.thresholds.minPercentile])))],
    minJump: Math.min(1, ...[...subscriptions.values()].map((s) => s.epssJump)),
  };
  return { watchlists: new Map(list.map((w) => [w.name, w])), index: new MatchIndex(entries), advisories: new AdvisoryIndex(entries), subscriptions, recipients, epssTriggers };
}
