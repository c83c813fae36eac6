/**
 * `vigil watch add|subscribe|list|remove|test|import`: watchlists, their entries and
 * subscriptions. `test` shows which stored CVEs an entry (or a whole watchlist) matches and why.
 */
import { type Command, InvalidArgumentError, Option } from 'commander';
import { checkEntryCount, entryLabel } from '../alerts/entry.ts';
import { previewMatches } from '../alerts/preview.ts';
import { entryFromInput, importWatchlistFile, subscriptionFromInput } from '../alerts/watchlist-file.ts';
import { formatPriority } from '../analysis/priority-format.ts';
import { VigilError } from '../errors.ts';
import { ALERT_EVENTS, type AlertEventType, type Owner, type WatchEntry, type Watchlist } from '../model/alert.ts';
import { numberIn, withAlerts } from './context.ts';
import { table } from './format.ts';
import { progressBar } from './progress.ts';


function owner(value: string): Owner {
  return value.startsWith('team:') ? { team: value.slice(5) } : { user: value.replace(/^user:/, '') };
}

function events(value: string): AlertEventType[] {
  const list = value.split(',').map((s) => s.trim());
  for (const e of list) if (!(ALERT_EVENTS as readonly string[]).includes(e)) throw new InvalidArgumentError(`unknown event "${e}" (known: ${ALERT_EVENTS.join(', ')})`);
  return list as AlertEventType[];
}

/** One line per entry / subscription, for `watch list`. */
export function describeWatchlist(w: Watchlist): string {
  const who = 'user' in w.owner ? `user ${w.owner.user}` : `team ${w.owner.team}`;
  const lines = [`${w.name} (owner: ${who})${w.description ? `: ${w.description}` : ''}`];
  for (const e of w.entries) {
    const t = Object.entries(e.thresholds).map(([k, v]) => `${k}=${v}`);
    lines.push(`  entry #${e.id}  ${entryLabel(e)}${t.length ? `  [${t.join(' ')}]` : ''}`);
  }
  for (const s of w.subscriptions) {
    const quiet = s.quietHours ? ` quiet ${s.quietHours.start}-${s.quietHours.end}` : '';
    lines.push(`  subscription #${s.id}  → ${s.channel}${s.target ? ` (${s.target})` : ''}  ${s.mode}${quiet} ${s.timezone}  events: ${s.events.join(', ')}`);
  }
  if (!w.entries.length) lines.push('  (no entries)');
  if (!w.subscriptions.length) lines.push('  (no subscriptions: matches are not delivered)');
  return lines.join('\n');
}

interface AddOptions {
  owner?: string;
  description?: string;
  vendor?: string;
  product?: string;
  cpe?: string;
  purl?: string;
  keyword?: string;
  regex?: string;
  cve?: string;
  ioc?: string;
  productVersion?: string;
  minSeverity?: string;
  minCvss?: number;
  minEpss?: number;
  minPercentile?: number;
  kevOnly?: boolean;
  ransomwareOnly?: boolean;
}

export function registerWatch(program: Command): void {
  const watch = program.command('watch').description('watchlists: what to watch (vendors, products, CPEs, purls, keywords, regexes, CVE ids) and where alerts go');

  watch
    .command('add')
    .description('add an entry to a watchlist (created if needed, with --owner)')
    .argument('<watchlist>', 'watchlist name')
    .option('--owner <name>', 'owner: a user name, or team:NAME (needed to create the watchlist)')
    .option('--description <text>', 'watchlist description')
    .option('--vendor <name>', 'vendor (alone: a vendor entry; with --product: that product\'s vendor)')
    .option('--product <name>', 'product name (VENDOR:PRODUCT also accepted)')
    .option('--product-version <spec>', 'with --product: a version or range: 10.2.5, ">=10.2.0 <10.2.9", 10.2.*')
    .option('--cpe <cpe23>', 'CPE 2.3 string, e.g. cpe:2.3:o:paloaltonetworks:pan-os:10.2.5:*:*:*:*:*:*:*')
    .option('--purl <purl>', 'package URL, e.g. pkg:npm/lodash@4.17.20')
    .option('--keyword <text>', 'word or phrase in title/description')
    .option('--regex <re2>', 'RE2 regular expression over title/description (case-insensitive)')
    .option('--cve <id>', 'a CVE id (also a reserved, unpublished one)')
    .option('--ioc <indicator>', 'an indicator sighted in intel documents (ioc event): evil.example.com, hxxps://evil[.]example/a, 203.0.113.0/24, a hash')
    .addOption(new Option('--min-severity <s>', 'minimum severity').choices(['NONE', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL']))
    .option('--min-cvss <x>', 'minimum CVSS base score, 0–10', numberIn(0, 10))
    .option('--min-epss <x>', 'minimum EPSS probability, 0–1', numberIn(0, 1))
    .option('--min-percentile <x>', 'minimum EPSS percentile, 0–1', numberIn(0, 1))
    .option('--kev-only', 'only CVEs in CISA KEV')
    .option('--ransomware-only', 'only KEV CVEs with known ransomware use')
    .action(async (name: string, o: AddOptions, cmd: Command) => {
      await withAlerts(cmd, async ({ alerts }) => {
        let { vendor, product } = o;
        if (product?.includes(':') && !vendor) [vendor, product] = [product.slice(0, product.indexOf(':')), product.slice(product.indexOf(':') + 1)];
        const entry = entryFromInput(name, {
          ...(product ? { product, ...(vendor ? { vendor } : {}) } : vendor ? { vendor } : {}),
          ...(o.cpe ? { cpe: o.cpe } : {}),
          ...(o.purl ? { purl: o.purl } : {}),
          ...(o.keyword ? { keyword: o.keyword } : {}),
          ...(o.regex ? { regex: o.regex } : {}),
          ...(o.cve ? { cve: o.cve } : {}),
          ...(o.ioc ? { ioc: o.ioc } : {}),
          ...(o.productVersion ? { version: o.productVersion } : {}),
          ...(o.minSeverity ? { minSeverity: o.minSeverity as 'HIGH' } : {}),
          ...(o.minCvss !== undefined ? { minCvss: o.minCvss } : {}),
          ...(o.minEpss !== undefined ? { minEpss: o.minEpss } : {}),
          ...(o.minPercentile !== undefined ? { minPercentile: o.minPercentile } : {}),
          ...(o.kevOnly ? { kevOnly: true } : {}),
          ...(o.ransomwareOnly ? { ransomwareOnly: true } : {}),
        } as never);
        const existing = await alerts.getWatchlist(name);
        if (!existing && !o.owner) throw new VigilError('VIGIL_WATCHLIST_INVALID', [name, 'does not exist yet: give --owner USER or --owner team:NAME to create it']);
        if (!existing || o.owner || o.description) await alerts.upsertWatchlist({ name, owner: o.owner ? owner(o.owner) : (existing as Watchlist).owner, description: o.description ?? existing?.description ?? null });
        checkEntryCount(name, existing?.entries ?? [], [entry]);
        const stored = await alerts.addEntry(entry);
        console.log(`watchlist ${name}: entry #${stored.id} ${entryLabel(stored)}`);
      });
    });

  watch
    .command('subscribe')
    .description('send a watchlist\'s alerts to a channel (alerts.channels in the config)')
    .argument('<watchlist>')
    .requiredOption('--channel <id>', 'channel id from alerts.channels')
    .option('--to <recipient>', 'email address or chat id (default: the owner\'s)')
    .option('--events <list>', `comma-separated events (default: all but changed, report and exposure): ${ALERT_EVENTS.join(', ')}`, events)
    .addOption(new Option('--mode <mode>', 'immediate, or a digest').choices(['immediate', 'hourly', 'daily', 'weekly']).default('immediate'))
    .option('--quiet-hours <HH:MM-HH:MM>', 'hold immediate alerts during these hours (local time)')
    .option('--timezone <tz>', 'IANA time zone for quiet hours and digests')
    .option('--epss-above <x>', 'epss_threshold event: EPSS to rise above, 0–1', numberIn(0, 1))
    .option('--epss-jump <x>', 'epss_jump event: minimum daily rise, 0–1', numberIn(0, 1))
    .option('--exposure-above <N>', 'exposure event: alert when the watchlist\'s exposure index rises past N (docs/exposure.md)', numberIn(0.000001, 1e9))
    .action(async (name: string, o: { channel: string; to?: string; events?: AlertEventType[]; mode: 'immediate'; quietHours?: string; timezone?: string; epssAbove?: number; epssJump?: number; exposureAbove?: number }, cmd: Command) => {
      await withAlerts(cmd, async ({ alerts, config }) => {
        const [start, end] = o.quietHours?.split('-') ?? [];
        const sub = subscriptionFromInput(
          name,
          {
            channel: o.channel,
            mode: o.mode,
            ...(o.to ? { to: o.to } : {}),
            ...(o.events ? { events: o.events } : {}),
            ...(o.quietHours ? { quietHours: { start: start ?? '', end: end ?? '' } } : {}),
            ...(o.timezone ? { timezone: o.timezone } : {}),
            ...(o.epssAbove !== undefined ? { epssAbove: o.epssAbove } : {}),
            ...(o.epssJump !== undefined ? { epssJump: o.epssJump } : {}),
            ...(o.exposureAbove !== undefined ? { exposureAbove: o.exposureAbove } : {}),
          },
          config.alerts,
        );
        const stored = await alerts.upsertSubscription(sub);
        console.log(`watchlist ${name}: subscription #${stored.id} → ${stored.channel} (${stored.mode}; events ${stored.events.join(', ')})`);
      });
    });

  watch
    .command('list')
    .description('list watchlists with their entries and subscriptions')
    .option('--json', 'print JSON')
    .action(async (o: { json?: boolean }, cmd: Command) => {
      await withAlerts(cmd, async ({ alerts }) => {
        const lists = await alerts.listWatchlists();
        if (o.json) console.log(JSON.stringify(lists, null, 2));
        else console.log(lists.length ? lists.map(describeWatchlist).join('\n\n') : 'no watchlist (vigil watch add --help, vigil watch import FILE)');
      });
    });

  watch
    .command('remove')
    .description('remove a watchlist, or one of its entries (--entry) or subscriptions (--subscription); alerts already made stay')
    .argument('<watchlist>')
    .option('--entry <id>', 'entry id', numberIn(1, Number.MAX_SAFE_INTEGER))
    .option('--subscription <id>', 'subscription id', numberIn(1, Number.MAX_SAFE_INTEGER))
    .action(async (name: string, o: { entry?: number; subscription?: number }, cmd: Command) => {
      await withAlerts(cmd, async ({ alerts }) => {
        const w = await alerts.getWatchlist(name);
        if (!w) throw new VigilError('VIGIL_NOT_FOUND', [`watchlist ${name}`]);
        if (o.entry !== undefined) {
          if (!w.entries.some((e) => e.id === o.entry)) throw new VigilError('VIGIL_NOT_FOUND', [`entry #${o.entry} in watchlist ${name}`]);
          await alerts.removeEntry(o.entry);
          console.log(`removed entry #${o.entry} from ${name}`);
        } else if (o.subscription !== undefined) {
          if (!w.subscriptions.some((s) => s.id === o.subscription)) throw new VigilError('VIGIL_NOT_FOUND', [`subscription #${o.subscription} of watchlist ${name}`]);
          await alerts.removeSubscription(o.subscription);
          console.log(`removed subscription #${o.subscription} from ${name}`);
        } else {
          await alerts.removeWatchlist(name);
          console.log(`removed watchlist ${name} (${w.entries.length} entries, ${w.subscriptions.length} subscriptions)`);
        }
      });
    });

  watch
    .command('test')
    .description('show which stored CVEs a watchlist (or one entry) matches, and why')
    .argument('<watchlist>')
    .option('--entry <id>', 'only this entry', numberIn(1, Number.MAX_SAFE_INTEGER))
    .option('--limit <n>', 'show at most N CVEs (highest priority first)', numberIn(1, 100000), 50)
    .option('--json', 'print JSON')
    .action(async (name: string, o: { entry?: number; limit: number; json?: boolean }, cmd: Command) => {
      await withAlerts(cmd, async ({ alerts, store, config }) => {
        const w = await alerts.getWatchlist(name);
        if (!w) throw new VigilError('VIGIL_NOT_FOUND', [`watchlist ${name}`]);
        const entries: WatchEntry[] = o.entry === undefined ? w.entries : w.entries.filter((e) => e.id === o.entry);
        if (!entries.length) throw new VigilError('VIGIL_NOT_FOUND', [o.entry === undefined ? `entries in watchlist ${name}` : `entry #${o.entry} in watchlist ${name}`]);
        let bar: ReturnType<typeof progressBar> | null = null;
        const preview = await previewMatches(store, alerts, entries, config.ssvc, {
          onProgress: (done, total) => {
            if (total <= 5000) return;
            bar ??= progressBar('watch test');
            bar.onProgress?.({ type: 'progress', done, total, unit: 'records' });
          },
        });
        (bar as ReturnType<typeof progressBar> | null)?.stop();
        const results = preview.matches;
        const ids = { size: preview.candidates };
        const shown = results.slice(0, o.limit);
        if (o.json) {
          const adv = preview.advisories;
          console.log(JSON.stringify({ candidates: ids.size, matches: results.length, results: shown, advisories: { candidates: adv.candidates, matches: adv.matches.length, results: adv.matches.slice(0, o.limit) } }, null, 2));
          return;
        }
        console.log(`${results.length} match(es) among ${ids.size} candidate CVE(s)${results.length > shown.length ? `, showing ${shown.length}` : ''}; ALERTS = thresholds pass\n`);
        console.log(
          table(
            ['CVE', 'PRIO', 'SEVERITY', 'ENTRY', 'ALERTS', 'WHY'],
            shown.map((r) => [
              r.cveId,
              formatPriority(r.priority),
              r.severity ?? '',
              `#${r.entry}`,
              r.passes ? 'yes' : `no (${r.thresholds.filter((t) => !t.passed).map((t) => `${t.name} ${t.actual ?? 'none'}`).join(', ')})`,
              r.reasons.map((x) => `${x.field}=${x.matched}${x.version ? ` (${x.version})` : ''} [${x.via}]`).join('; ').slice(0, 140),
            ]),
          ),
        );
        // Advisories (OSV/GHSA, CERT bulletins, CSAF, exploits) the entries match: `advisory` and `exploit` events.
        const adv = preview.advisories;
        const advShown = adv.matches.slice(0, o.limit);
        console.log(`\n${adv.matches.length} advisory match(es) among ${adv.candidates} candidate advisor${adv.candidates === 1 ? 'y' : 'ies'}${adv.matches.length > advShown.length ? `, showing ${advShown.length}` : ''}\n`);
        if (advShown.length)
          console.log(
            table(
              ['ADVISORY', 'SOURCE', 'KIND', 'ENTRY', 'WHY'],
              advShown.map((m) => [
                m.advisoryId,
                m.source,
                m.kind,
                `#${m.entry}`,
                m.reasons.map((x) => `${x.field}=${x.matched}${x.version ? ` (${x.version})` : ''} [${x.via}]`).join('; ').slice(0, 140),
              ]),
            ),
          );
      });
    });

  watch
    .command('import')
    .description('import users, teams and watchlists from a YAML or JSON file (idempotent)')
    .argument('<file>')
    .action(async (file: string, _o: unknown, cmd: Command) => {
      await withAlerts(cmd, async ({ alerts, config }) => {
        const s = await importWatchlistFile(file, alerts, config.alerts);
        console.log(`imported ${s.users} user(s), ${s.teams} team(s), ${s.watchlists} watchlist(s), ${s.entries} entr${s.entries === 1 ? 'y' : 'ies'}, ${s.subscriptions} subscription(s)`);
      });
    });
}
