/**
 * `vigil status`: per source, last success, cursor, counts, what the corpus import stored (and
 * when), last error and retry; the corpus import job (interrupted or done); alerting; store sizes.
 */
import type { Command } from 'commander';
import { registry } from '../sources/registry.ts';
import type { SourceHealth } from '../daemon.ts';
import { databaseLabel, withAlerts } from './context.ts';
import { describeCorpusJob, loadCorpusJob } from '../corpus-job.ts';
import { table } from './format.ts';
import { intelStateName } from '../intel/service.ts';

export function registerStatus(program: Command): void {
  program
    .command('status')
    .description('per source: last success, cursor, records stored by the last run, last error; and store counts')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      await withAlerts(cmd, async ({ store, config, alerts, stores }) => {
        const states = new Map((await store.listSourceStates()).map((s) => [s.source, s]));
        const sources = registry.map(({ source }) => ({
          source: source.id,
          title: source.title,
          enabled: config.sources[source.id]?.enabled ?? false,
          ...(states.get(source.id) ?? { cursor: null, lastSuccess: null, lastAttempt: null, lastError: null, lastCount: null }),
        }));
        const health = new Map<string, SourceHealth>();
        for (const s of sources) {
          const h = await alerts.getState(`source.${s.source}`);
          if (h) health.set(s.source, JSON.parse(h) as SourceHealth);
        }
        const startup = await alerts.getState('startup');
        const alerting = {
          alerts: await alerts.alertCounts(),
          watchlists: (await alerts.listWatchlists()).length,
          changesCursor: Number((await alerts.getState('changes')) ?? 0),
          lastChange: await alerts.lastChangeId(),
          epssDay: await alerts.getState('epssDay'),
          nextDue: await alerts.nextDue(),
          startupProblems: startup ? (JSON.parse(startup) as { problems: string[] }).problems : [],
        };
        const stats = await store.stats();
        const corpusImport = await loadCorpusJob(alerts);
        const intelSources = await stores.intel.listSources();
        const intelCounts = await stores.intel.sourceCounts();
        const intelFailing = intelSources.filter((s) => s.enabled && states.get(intelStateName(s.name))?.lastError).map((s) => s.name);
        const intel = {
          sources: intelSources.length,
          enabled: intelSources.filter((s) => s.enabled).length,
          documents: intelCounts.reduce((n, c) => n + c.documents, 0),
          lastFetched: intelCounts.reduce<string | null>((m, c) => (c.lastFetched && (!m || c.lastFetched > m) ? c.lastFetched : m), null),
          failing: intelFailing,
        };
        const imported = (id: string) => corpusImport?.steps.find((s) => s.source === id) ?? null;
        if (opts.json) {
          const rows = sources.map((s) => ({ ...s, health: health.get(s.source) ?? null, imported: imported(s.source) }));
          console.log(JSON.stringify({ database: databaseLabel(config.database), sources: rows, corpusImport, alerting, intel, store: stats }, null, 2));
          return;
        }
        console.log(
          table(
            ['SOURCE', 'ENABLED', 'LAST SUCCESS', 'CURSOR', 'LAST COUNT', 'CORPUS IMPORT', 'FAILURES', 'RETRY AT', 'LAST ERROR'],
            sources.map((s) => {
              const h = health.get(s.source);
              const i = imported(s.source);
              return [
                s.source,
                s.enabled ? 'yes' : 'no',
                s.lastSuccess ?? 'never',
                s.cursor ?? '',
                s.lastCount === null ? '' : String(s.lastCount),
                i ? `${i.stored} stored ${i.finishedAt}` : '',
                h?.failures ? String(h.failures) : '',
                h?.retryAt ?? '',
                s.lastError ?? '',
              ];
            }),
          ),
        );
        console.log(
          `\n${databaseLabel(config.database)}: ${stats.vulnerabilities} CVEs, ${stats.observations} observations, ${stats.epssScores} EPSS scores (days: ${stats.epssDays.join(', ') || 'none'}), ` +
            `${stats.kevEntries} KEV entries (catalog ${stats.kevCatalogVersion ?? 'none'}), ${stats.changes} changes, ${stats.bytes === null ? '?' : `${(stats.bytes / 1e6).toFixed(1)} MB`}`,
        );
        const job = describeCorpusJob(corpusImport);
        if (job) console.log(job);
        const a = alerting.alerts;
        console.log(
          `alerting: ${alerting.watchlists} watchlist(s); alerts ${a.sent} sent, ${a.pending} pending${alerting.nextDue ? ` (next due ${alerting.nextDue})` : ''}, ${a.failed} failed; ` +
            `change feed evaluated to #${alerting.changesCursor} of #${alerting.lastChange}; EPSS day ${alerting.epssDay ?? 'none'}`,
        );
        console.log(
          `intel: ${intel.sources} source(s), ${intel.enabled} enabled; ${intel.documents} document(s)${intel.lastFetched ? `, last fetched ${intel.lastFetched}` : ''}` +
            `${intel.failing.length ? `; last collection failed for ${intel.failing.join(', ')} (vigil intel sources list)` : ''}`,
        );
        for (const p of alerting.startupProblems) console.log(`start-up problem: ${p}`);
      });
    });
}
