/**
 * `vigil run [--once]`: the monitoring daemon (see daemon.ts). Start-up checks every channel and
 * watchlist first, so a misconfiguration shows now rather than at the first alert.
 */
import type { Command } from 'commander';
import { channelDefinitions, } from '../alerts/channels/registry.ts';
import type { Channel } from '../alerts/channels/types.ts';
import { loadPlan } from '../alerts/plan.ts';
import type { VigilConfig } from '../config.ts';
import { type CycleSummary, Daemon } from '../daemon.ts';
import { VigilError } from '../errors.ts';
import type { Logger } from '../log.ts';
import { HttpClient } from '../sources/http.ts';
import { findSource } from '../sources/registry.ts';
import type { AlertStore } from '../store/alerts.ts';
import { runWorkerCommand, type WorkerCliOptions } from '../cluster/cli.ts';
import { cliConfig, databaseLabel, openMonitor, untilSignal } from './context.ts';
import { assertStoreIntact } from './doctor.ts';
import { formatSummary } from './summary.ts';

/**
 * Start-up checks: every watchlist entry compiles, every subscription names a configured channel
 * and has a recipient where its channel needs one, and every channel passes its own check.
 * @returns problems that do not stop the daemon (a channel whose server is unreachable now).
 * @throws {VigilError} for a configuration that cannot work.
 */
export async function startupChecks(config: VigilConfig, alerts: AlertStore, channels: Map<string, Channel>, log: Logger): Promise<string[]> {
  const plan = await loadPlan(alerts, config.alerts);
  const bad = plan.index.invalid[0];
  if (bad) throw new VigilError('VIGIL_WATCHLIST_INVALID', [bad.entry.watchlist, `${bad.error.message} (fix or remove it: vigil watch remove ${bad.entry.watchlist} --entry ${bad.entry.id})`]);
  const problems: string[] = [];
  for (const w of plan.watchlists.values())
    for (const s of w.subscriptions) {
      const settings = config.alerts.channels[s.channel];
      if (!settings) throw new VigilError('VIGIL_WATCHLIST_INVALID', [w.name, `subscription #${s.id} uses channel "${s.channel}", which is not in alerts.channels`]);
      const needs = channelDefinitions[settings.type].recipient;
      if (needs && !plan.recipients.get(s.id)?.length)
        throw new VigilError('VIGIL_WATCHLIST_INVALID', [w.name, `subscription #${s.id} (${s.channel}) has no recipient: give it "to", or give its owner ${needs === 'email' ? 'an email' : 'a telegram handle'}`]);
    }
  const fb = config.alerts.fallback;
  const fbType = fb ? config.alerts.channels[fb.channel]?.type : undefined;
  if (fb && fbType && channelDefinitions[fbType].recipient && !fb.to)
    throw new VigilError('VIGIL_CONFIG_INVALID', [`alerts.fallback.to: channel ${fb.channel} needs a recipient`]);
  for (const c of channels.values()) {
    try {
      await c.check();
    } catch (err) {
      problems.push(`channel ${c.id}: ${(err as Error).message}`);
      log.error({ channel: c.id, err: (err as Error).message }, 'alert channel check failed at start-up');
    }
  }
  await alerts.setState('startup', JSON.stringify({ at: new Date().toISOString(), problems }));
  return problems;
}

function printCycle(out: CycleSummary): void {
  for (const s of out.syncs) console.log(formatSummary(s));
  const alerts = out.evaluations.reduce((n, e) => n + e.alerts.length, 0);
  const d = out.deliveries.reduce((a, x) => ({ messages: a.messages + x.messages, sent: a.sent + x.sent, failed: a.failed + x.failed, retrying: a.retrying + x.retrying }), { messages: 0, sent: 0, failed: 0, retrying: 0 });
  console.log(`alerts: ${alerts} new; delivery: ${d.messages} message(s) attempted, ${d.sent} alert(s) sent, ${d.retrying} to retry, ${d.failed} failed`);
}

export function registerRun(program: Command): void {
  program
    .command('run')
    .description('monitor: sync each source on its schedule, evaluate watchlists on what changed, deliver alerts (SIGTERM stops cleanly)')
    .argument('[source...]', 'with --once: only these sources')
    .option('--once', 'one full cycle (every source, then alert delivery), then exit; for cron and tests')
    .option('--worker', 'cluster worker (PostgreSQL only): share syncs, imports and alerting with other workers through the job queue (docs/deploy.md)')
    .option('--concurrency <n>', 'with --worker: jobs run at once (default 2; env VIGIL_WORKER_CONCURRENCY)')
    .option('--lease <seconds>', 'with --worker: a killed worker\'s jobs go to another after this long without its heartbeat (default 90; env VIGIL_WORKER_LEASE_SECONDS)')
    .option('--no-initial-sync', 'with --worker: do not queue a sync of every source at start (the schedules still fire)')
    .action(async (ids: string[], o: { once?: boolean; worker?: boolean } & WorkerCliOptions, cmd: Command) => {
      const { config, log } = cliConfig(cmd);
      if (o.worker) {
        if (o.once || ids.length) throw new VigilError('VIGIL_CONFIG_INVALID', ['--worker runs until stopped and takes no source list (queue work with the schedules, or run `vigil sync`)']);
        return runWorkerCommand(config, log, o, (stores, channels) => startupChecks(config, stores.alerts, channels, log), untilSignal);
      }
      for (const id of ids) findSource(id);
      assertStoreIntact(config.database);
      const { stores, reader, alerts, writer, channels, close } = await openMonitor(config);
      try {
        const problems = await startupChecks(config, alerts, channels, log);
        for (const p of problems) console.error(`warning: ${p}`);
        // A sync that cannot be recorded (full disk) or a failed alert pass stops it, exit code 1.
        const onFatal = (err: Error) => {
          console.error(`vigil: ${err.message}`);
          process.exitCode = 1;
          process.kill(process.pid, 'SIGTERM');
        };
        const daemon = new Daemon({ config, log, writer, reader, alerts, channels, http: new HttpClient(), onFatal, intel: stores.intelWriter, iocs: stores.iocsWriter, exposure: stores.exposure, reports: stores });
        if (o.once) {
          const out = await daemon.runOnce(ids.length ? ids : daemon.sources);
          printCycle(out);
          if (out.syncs.some((s) => s.error)) process.exitCode = 1;
          await close();
          return;
        }
        const stopped = untilSignal(log, () => daemon.stop().then(close));
        daemon.start();
        console.error(`vigil run: monitoring ${daemon.sources.join(', ')} (store ${databaseLabel(config.database)}); SIGTERM or Ctrl-C stops`);
        await stopped;
      } catch (err) {
        await close();
        throw err;
      }
    });
}
