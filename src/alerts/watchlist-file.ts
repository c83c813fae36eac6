/**
 * Users, teams and watchlists from a YAML (or JSON) file (`vigil watch import FILE`), and the
 * checks shared with the CLI. Importing is idempotent: entries identical to stored ones and
 * subscriptions with the same (watchlist, channel, recipient) are kept, not duplicated.
 *
 * @example
 * users:
 *   - { name: alice, email: alice@example.org, handles: { telegram: "123456789" } }
 * teams:
 *   - { name: secops, members: [alice] }
 * watchlists:
 *   - name: edge
 *     owner: { team: secops }
 *     entries:
 *       - { product: pan-os, vendor: paloaltonetworks, version: ">=10.2.0 <10.2.9", minSeverity: HIGH }
 *       - { keyword: GlobalProtect }
 *       - { ioc: "hxxps://evil[.]example[.]com/gate.php" }
 *     subscriptions:
 *       - { channel: ops-mail, events: [new, kev_added], mode: daily, quietHours: { start: "22:00", end: "07:00" }, timezone: Europe/Paris }
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import type { AlertsConfig } from '../config.ts';
import { VigilError } from '../errors.ts';
import { ALERT_EVENTS, type AlertEventType, type Subscription, type Thresholds, WATCH_KINDS, type WatchEntry, type WatchKind } from '../model/alert.ts';
import type { AlertStore } from '../store/alerts.ts';
import { channelDefinitions } from './channels/registry.ts';
import { checkEntryCount, validateEntry } from './entry.ts';
import { recipientProblem } from './recipient.ts';
import { checkQuietHours, checkTimezone } from './schedule.ts';

/**
 * Events a subscription gets when it names none: all but `changed` (every edit of a record),
 * `report` (a daily or weekly report, docs/reports.md) and `exposure` (needs a threshold,
 * docs/exposure.md), which are asked for by name.
 */
export const DEFAULT_EVENTS: AlertEventType[] = ALERT_EVENTS.filter((e) => e !== 'changed' && e !== 'report' && e !== 'exposure');

const ThresholdFields = {
  minSeverity: z.enum(['NONE', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL']).optional(),
  minCvss: z.number().min(0).max(10).optional(),
  minEpss: z.number().min(0).max(1).optional(),
  minPercentile: z.number().min(0).max(1).optional(),
  kevOnly: z.boolean().optional(),
  ransomwareOnly: z.boolean().optional(),
};

/** One entry as written in the file: exactly one of the kinds as a key, plus options. */
export const WatchEntryInput = z
  .strictObject({
    vendor: z.string().min(1).optional(),
    product: z.string().min(1).optional(),
    cpe: z.string().min(1).optional(),
    purl: z.string().min(1).optional(),
    keyword: z.string().min(1).optional(),
    regex: z.string().min(1).optional(),
    cve: z.string().min(1).optional(),
    /** An indicator (`evil.example.com`, `203.0.113.7`, a hash; defanged forms accepted): `ioc` events. */
    ioc: z.string().min(1).optional(),
    version: z.string().min(1).optional(),
    ...ThresholdFields,
  })
  .superRefine((e, ctx) => {
    const kinds = WATCH_KINDS.filter((k) => (e as Record<string, unknown>)[k] !== undefined);
    // `vendor` is a kind on its own, or the vendor of a `product` entry.
    const own = kinds.filter((k) => !(k === 'vendor' && kinds.includes('product')));
    if (own.length !== 1)
      ctx.addIssue({ code: 'custom', message: `an entry needs exactly one of ${WATCH_KINDS.join(', ')} (found ${own.join(', ') || 'none'})` });
  });

/** One subscription as written in the file. */
export const SubscriptionInput = z.strictObject({
  channel: z.string().min(1),
  /** Recipient (email address, Telegram chat id); default: the owner's. */
  to: z.string().min(1).optional(),
  events: z.array(z.enum(ALERT_EVENTS)).min(1).optional(),
  mode: z.enum(['immediate', 'hourly', 'daily', 'weekly']).default('immediate'),
  quietHours: z.strictObject({ start: z.string(), end: z.string() }).optional(),
  timezone: z.string().optional(),
  epssAbove: z.number().min(0).max(1).optional(),
  epssJump: z.number().min(0).max(1).optional(),
  /** `exposure` events: the watchlist's exposure E_t to rise past (docs/exposure.md). */
  exposureAbove: z.number().positive().max(1e9).optional(),
});

/** The whole file. */
export const WatchlistFile = z.strictObject({
  users: z
    .array(
      z.strictObject({
        name: z.string().min(1),
        email: z.email().optional(),
        handles: z
          .strictObject({ slack: z.string().optional(), telegram: z.string().optional(), discord: z.string().optional(), teams: z.string().optional() })
          .default({}),
      }),
    )
    .default([]),
  teams: z.array(z.strictObject({ name: z.string().min(1), members: z.array(z.string()).min(1) })).default([]),
  watchlists: z
    .array(
      z.strictObject({
        name: z.string().min(1),
        owner: z.union([z.strictObject({ user: z.string() }), z.strictObject({ team: z.string() })]),
        description: z.string().optional(),
        entries: z.array(WatchEntryInput).default([]),
        subscriptions: z.array(SubscriptionInput).default([]),
      }),
    )
    .default([]),
});

/** Turns a file entry into a validated entry (without id). @throws {VigilError} VIGIL_WATCH_ENTRY_INVALID naming it. */
export function entryFromInput(watchlist: string, input: z.infer<typeof WatchEntryInput>): Omit<WatchEntry, 'id'> {
  const record = input as Record<string, unknown>;
  const kind = (WATCH_KINDS.find((k) => k !== 'vendor' && record[k] !== undefined) ?? 'vendor') as WatchKind;
  const thresholds: Thresholds = {};
  for (const k of Object.keys(ThresholdFields) as (keyof Thresholds)[]) if (input[k] !== undefined) (thresholds as Record<string, unknown>)[k] = input[k];
  const { id: _id, ...entry } = validateEntry({
    watchlist,
    kind,
    value: record[kind] as string,
    thresholds,
    ...(kind === 'product' && input.vendor ? { vendor: input.vendor } : {}),
    ...(input.version ? { version: input.version } : {}),
  });
  return entry;
}

/**
 * Turns a file subscription into a validated one (without id).
 * @throws {VigilError} VIGIL_WATCHLIST_INVALID for an unknown channel, time zone or bad quiet hours, or a
 *   `to` that is not one recipient of that channel (alerts/recipient.ts).
 */
export function subscriptionFromInput(watchlist: string, input: z.input<typeof SubscriptionInput>, config: AlertsConfig): Omit<Subscription, 'id'> {
  const s = SubscriptionInput.parse(input);
  const what = `${watchlist} (subscription to ${s.channel})`;
  if (!config.channels[s.channel])
    throw new VigilError('VIGIL_WATCHLIST_INVALID', [
      what,
      `unknown channel "${s.channel}" (configured: ${Object.keys(config.channels).join(', ') || 'none'})`,
    ]);
  if (s.to !== undefined) {
    const problem = recipientProblem(channelDefinitions[config.channels[s.channel]!.type].recipient, s.to);
    if (problem) throw new VigilError('VIGIL_WATCHLIST_INVALID', [what, `to: ${problem}`]);
  }
  const timezone = s.timezone ?? config.defaults.timezone;
  checkTimezone(timezone, what);
  if (s.quietHours) checkQuietHours(s.quietHours, what);
  return {
    watchlist,
    channel: s.channel,
    target: s.to ?? null,
    events: s.events ?? DEFAULT_EVENTS,
    mode: s.mode,
    quietHours: s.quietHours ?? null,
    timezone,
    epssAbove: s.epssAbove ?? config.defaults.epssAbove,
    epssJump: s.epssJump ?? config.defaults.epssJump,
    ...(s.exposureAbove !== undefined ? { exposureAbove: s.exposureAbove } : {}),
  };
}

function issues(error: z.ZodError, file: string): string {
  return `${error.issues.map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`).join('; ')} (in ${file})`;
}

/** What an import stored. */
export interface ImportSummary {
  users: number;
  teams: number;
  watchlists: number;
  entries: number;
  subscriptions: number;
}

/**
 * Imports users, teams and watchlists from `file`. The file's shape, every entry and every
 * subscription are validated before anything is stored, so a bad entry changes nothing.
 * @throws {VigilError} VIGIL_WATCHLIST_INVALID / VIGIL_WATCH_ENTRY_INVALID naming the item
 *   (a watchlist that would hold more than MAX_WATCHLIST_ENTRIES entries, with the stored ones, too).
 */
export async function importWatchlistFile(file: string, alerts: AlertStore, config: AlertsConfig): Promise<ImportSummary> {
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(file, 'utf8'));
  } catch (cause) {
    throw new VigilError('VIGIL_INPUT_UNREADABLE', [file, (cause as Error).message], { cause });
  }
  const parsed = WatchlistFile.safeParse(raw ?? {});
  if (!parsed.success) throw new VigilError('VIGIL_WATCHLIST_INVALID', [file, issues(parsed.error, file)]);
  const doc = parsed.data;
  const lists = doc.watchlists.map((w) => ({
    w,
    entries: w.entries.map((e, i) => {
      try {
        return entryFromInput(w.name, e);
      } catch (err) {
        throw new VigilError('VIGIL_WATCH_ENTRY_INVALID', [`watchlists.${w.name}.entries.${i}`, `${(err as Error).message} (in ${file})`], { cause: err });
      }
    }),
    subs: w.subscriptions.map((s) => subscriptionFromInput(w.name, s, config)),
  }));
  for (const { w, entries } of lists) checkEntryCount(`${w.name} (in ${file})`, (await alerts.getWatchlist(w.name))?.entries ?? [], entries);
  const summary: ImportSummary = { users: 0, teams: 0, watchlists: 0, entries: 0, subscriptions: 0 };
  for (const u of doc.users) {
    await alerts.upsertUser({ name: u.name, email: u.email ?? null, handles: u.handles });
    summary.users++;
  }
  for (const t of doc.teams) {
    await alerts.upsertTeam(t);
    summary.teams++;
  }
  for (const { w, entries, subs } of lists) {
    await alerts.upsertWatchlist({ name: w.name, owner: w.owner, description: w.description ?? null });
    summary.watchlists++;
    for (const e of entries) {
      await alerts.addEntry(e);
      summary.entries++;
    }
    for (const s of subs) {
      await alerts.upsertSubscription(s);
      summary.subscriptions++;
    }
  }
  return summary;
}
