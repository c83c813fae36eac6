/** `vigil alerts list|show|retry|baseline`: the alerts made, why each fired, and the delivery log. */
import { type Command, InvalidArgumentError, Option } from 'commander';
import { baseline } from '../alerts/engine.ts';
import { headline, whyLines } from '../alerts/render.ts';
import { formatPriority } from '../analysis/priority-format.ts';
import { VigilError } from '../errors.ts';
import type { Alert, AlertStatus, DeliveryAttempt } from '../model/alert.ts';
import { withAlerts } from './context.ts';
import { table } from './format.ts';

function id(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected an alert id');
  return n;
}

/**
 * An alert subject as stored: CVE ids upper case; advisory and intel document ids as written
 * (`GHSA-36p3-wjmg-h94x`, `intel-…` have lower-case parts).
 */
function subjectId(value: string): string {
  return /^cve-/i.test(value) ? value.toUpperCase() : value;
}

/** The full text of `vigil alerts show`. */
export function describeAlert(a: Alert, log: DeliveryAttempt[]): string {
  const f = a.facts;
  const out = [
    `Alert #${a.id}: ${headline(a)}`,
    `  event       ${a.event} (key ${a.eventKey}), made ${a.createdAt}`,
    `  watchlist   ${a.watchlist ?? '(administrator fallback)'}${a.subscriptionId ? `, subscription #${a.subscriptionId}` : ''}`,
    `  channel     ${a.channel}${a.recipients.length ? ` → ${a.recipients.join(', ')}` : ''} (${a.mode})`,
    `  status      ${a.status}${a.sentAt ? ` at ${a.sentAt}` : ''}; ${a.attempts} attempt(s)${a.nextAttemptAt && a.status === 'pending' ? `; next ${a.nextAttemptAt}` : ''}${a.lastError ? `; last error: ${a.lastError}` : ''}`,
    `  provisional ${a.provisional ? `yes${a.confirmedAt ? `, confirmed by NVD CPE data at ${a.confirmedAt}` : ', not yet confirmed by NVD'}` : 'no'}`,
    '',
    `${f.cveId}  ${f.severity ?? 'no severity'}  CVSS ${f.cvss ? `${f.cvss.score} (v${f.cvss.version})` : '-'}  EPSS ${f.epss ? `${(f.epss.score * 100).toFixed(2)}%` : '-'}  KEV ${f.kev ? `since ${f.kev.dateAdded}` : 'no'}  priority ${formatPriority(f.priority)}`,
    `  ${f.link}`,
    '',
    'Why:',
    ...whyLines(a).map((l) => `  ${l}`),
  ];
  if (a.explanation.event.changes?.length) {
    out.push('', 'Changes:');
    for (const c of a.explanation.event.changes) out.push(`  ${c.field}: ${c.old ?? '∅'} → ${c.new ?? '∅'} (${c.source}, ${c.at})`);
  }
  out.push('', 'Delivery log:');
  out.push(log.length ? table(['#', 'AT', 'STATUS', 'RETRY', 'MS', 'RESPONSE / ERROR'], log.map((d) => [String(d.attempt), d.at, d.status, d.retryable ? 'yes' : '', String(d.durationMs), (d.error ?? d.response ?? '').slice(0, 120)])) : '  (no attempt yet)');
  return out.join('\n');
}

export function registerAlerts(program: Command): void {
  const alerts = program.command('alerts').description('alerts: list, explain, retry');

  alerts
    .command('list')
    .description('list alerts, newest first')
    .addOption(new Option('--status <s>', 'only this status').choices(['pending', 'sent', 'failed']))
    .option('--cve <id>', 'only this subject: a CVE id, or an advisory or intel document id (intel-…)')
    .option('--watchlist <name>', 'only this watchlist')
    .option('--limit <n>', 'at most N', (v) => id(v), 50)
    .option('--json', 'print JSON')
    .action(async (o: { status?: AlertStatus; cve?: string; watchlist?: string; limit: number; json?: boolean }, cmd: Command) => {
      await withAlerts(cmd, async ({ alerts: store }) => {
        const list = await store.listAlerts({ limit: o.limit, ...(o.status ? { status: o.status } : {}), ...(o.cve ? { cveId: subjectId(o.cve) } : {}), ...(o.watchlist ? { watchlist: o.watchlist } : {}) });
        if (o.json) {
          console.log(JSON.stringify(list, null, 2));
          return;
        }
        if (!list.length) {
          console.log('no alert');
          return;
        }
        console.log(
          table(
            ['ID', 'CREATED', 'CVE', 'EVENT', 'WATCHLIST', 'CHANNEL', 'STATUS', 'TRIES', 'PROV', 'SEVERITY'],
            list.map((a) => [String(a.id), a.createdAt.slice(0, 19), a.cveId, a.event, a.watchlist ?? '(fallback)', a.channel, a.status, String(a.attempts), a.provisional ? (a.confirmedAt ? 'confirmed' : 'yes') : '', a.facts.severity ?? '']),
          ),
        );
      });
    });

  alerts
    .command('show')
    .description('show one alert: what happened, why it matched, and its delivery log')
    .argument('<id>', 'alert id', id)
    .option('--json', 'print JSON')
    .action(async (alertId: number, o: { json?: boolean }, cmd: Command) => {
      await withAlerts(cmd, async ({ alerts: store }) => {
        const a = await store.getAlert(alertId);
        if (!a) throw new VigilError('VIGIL_NOT_FOUND', [`alert #${alertId}`]);
        const log = await store.deliveries(alertId);
        console.log(o.json ? JSON.stringify({ ...a, deliveries: log }, null, 2) : describeAlert(a, log));
      });
    });

  alerts
    .command('retry')
    .description('queue alerts again for delivery (by id, or every failed one); `vigil run` sends them')
    .argument('[ids...]', 'alert ids')
    .option('--failed', 'every failed alert')
    .action(async (ids: string[], o: { failed?: boolean }, cmd: Command) => {
      if (!ids.length && !o.failed) throw new InvalidArgumentError('give alert ids or --failed');
      await withAlerts(cmd, async ({ alerts: store }) => {
        const n = await store.retryAlerts(o.failed ? 'failed' : ids.map(id), new Date().toISOString());
        console.log(`${n} alert(s) queued for delivery`);
      });
    });

  alerts
    .command('baseline')
    .description('mark everything stored so far as seen, without alerting (after importing history into a new store)')
    .action(async (_o: unknown, cmd: Command) => {
      await withAlerts(cmd, async ({ alerts: store, stores }) => {
        const b = await baseline(store, stores.intel, stores.iocs);
        const intel = `${b.intelChanges !== null ? `, intel change #${b.intelChanges}` : ''}${b.iocSightings !== null ? `, IOC sighting #${b.iocSightings}` : ''}`;
        console.log(`alert cursor at change #${b.changes}, advisory change #${b.advisoryChanges}${intel}${b.epssDay ? `, EPSS day ${b.epssDay}` : ''}: only what changes from now on alerts`);
      });
    });
}
