/**
 * The monitoring daemon (`vigil run`): each source syncs on its own schedule (croner), and after
 * each sync the alert engine evaluates what changed and delivery sends what is due. A failing
 * source is retried with backoff and reported in `vigil status`; the others carry on. Syncs run
 * one at a time (they share the store's writer); alert passes run one at a time beside them.
 *
 * Stopping (SIGTERM) stops the schedules, aborts the sync in flight (its cursor only moves past
 * stored records, so the next run resumes), and lets the alert pass in flight finish its
 * current message: no alert is lost (alerts and the feed cursor commit together) or repeated
 * (an alert is marked sent with the attempt that sent it).
 *
 * On PostgreSQL several daemons may share a store: only the one holding the schedules lock
 * (cluster/leader.ts) fires schedules and delivery ticks, so none fires twice; the others run
 * only what is asked of them (`sync(id)`, collection jobs). After alerts or changes commit, the
 * daemon NOTIFYs the store's events channel so every API replica's event stream wakes at once.
 * For a cluster of workers sharing the work, see `vigil run --worker` (cluster/worker.ts).
 */
import { Cron } from 'croner';
import PQueue from 'p-queue';
import type { Logger } from 'pino';
import type { Channel } from './alerts/channels/types.ts';
import { type DeliverySummary, deliverDue } from './alerts/deliver.ts';
import { type EvaluationSummary, evaluate } from './alerts/engine.ts';
import type { Leadership } from './cluster/leader.ts';
import type { VigilConfig } from './config.ts';
import { evaluateExposureAlerts } from './exposure/alert.ts';
import type { ExposureStore } from './exposure/types.ts';
import { collectSources, dueSources } from './intel/service.ts';
import type { IntelStore } from './intel/types.ts';
import { documentAnalyser } from './iocs/analyse.ts';
import type { IocStore } from './iocs/types.ts';
import type { VendorProductsProvider } from './nlp/context.ts';
import { type RunSummary, syncSource } from './pipeline.ts';
import { queueDueReports, type ReportDueDeps } from './reports/due.ts';
import { type HttpClient, messageWithCauses } from './sources/http.ts';
import { enabledSources, findSource } from './sources/registry.ts';
import type { AlertStore } from './store/alerts.ts';
import { isPostgresUrl } from './store/postgres/pool.ts';
import type { Store } from './store/types.ts';

/** What the daemon needs. */
export interface DaemonDeps {
  config: VigilConfig;
  log: Logger;
  /** Store used by syncs (the threaded writer). */
  writer: Store;
  /** Store the alert engine reads records through. */
  reader: Store;
  alerts: AlertStore;
  channels: Map<string, Channel>;
  http: HttpClient;
  now?: () => Date;
  /**
   * Called when a scheduled sync, or the alert pass after it, throws. A sync records its own
   * failures, so this means the store cannot be written (SQLITE_FULL on a full disk) or an alert
   * pass failed: the schedules are stopped and `vigil serve` stops with exit code 1 (before, the
   * rejection went unhandled). Without it the failure is only logged.
   */
  onFatal?: (err: Error) => void;
  /**
   * Threat-intel collection (issue 13): when given, every enabled intel source whose interval has
   * passed since its last attempt is collected (checked every {@link INTEL_CHECK_SECONDS} seconds
   * and at start), one source at a time in its own queue so it never delays a CVE sync.
   */
  intel?: IntelStore;
  /**
   * Where the documents collected are analysed into (issue 14, iocs/analyse.ts), and whose
   * sightings make `ioc` alerts in each alert pass; absent: stored without analysis, no `ioc` alerts.
   */
  iocs?: IocStore;
  /** The stores subscribers' reports are built from (reports/due.ts); absent: no reports are made. */
  reports?: ReportDueDeps['stores'];
  /** The exposure index (issue 15): `exposure` alerts in each alert pass (exposure/alert.ts); absent: none. */
  exposure?: ExposureStore;
  /** The store's vendors and products for the entity gazetteer of collected documents' analyses; absent: ATT&CK names only. */
  vendorProducts?: VendorProductsProvider;
}

/** Seconds between two looks for intel sources due for collection. */
export const INTEL_CHECK_SECONDS = 60;

/** Retry state of a failing source, kept in the alert state table for `vigil status`. */
export interface SourceHealth {
  failures: number;
  lastError: string | null;
  /** ISO 8601 of the scheduled retry, if any. */
  retryAt: string | null;
}

/** What one cycle (`vigil run --once`) did. */
export interface CycleSummary {
  syncs: RunSummary[];
  evaluations: EvaluationSummary[];
  deliveries: DeliverySummary[];
}

/**
 * Records a sync's outcome in the source's health (`source.<id>` in the alert state table, shown
 * by `vigil status`): failures counted, reset by a success. With `retry`, a failure gets a retry
 * time of base · 2^(failures−1) seconds after `now`, at most `maxSeconds`; the caller schedules it
 * (the daemon a timer, a cluster worker a job). A stopped sync changes nothing.
 * @returns the health saved, or null for a stopped sync.
 */
export async function recordSourceHealth(
  alerts: AlertStore,
  id: string,
  summary: RunSummary,
  retry: { baseSeconds: number; maxSeconds: number } | null,
  now: Date,
): Promise<SourceHealth | null> {
  // A stopped sync is not a failure (and no retry is due: the process is stopping).
  if (summary.stopped) return null;
  const key = `source.${id}`;
  const prev = JSON.parse((await alerts.getState(key)) ?? '{"failures":0,"lastError":null,"retryAt":null}') as SourceHealth;
  const health: SourceHealth = summary.error
    ? { failures: prev.failures + 1, lastError: summary.error, retryAt: null }
    : { failures: 0, lastError: null, retryAt: null };
  if (summary.error && retry) {
    const delay = Math.min(retry.baseSeconds * 2 ** (health.failures - 1), retry.maxSeconds) * 1000;
    health.retryAt = new Date(now.getTime() + delay).toISOString();
  }
  await alerts.setState(key, JSON.stringify(health));
  return health;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The daemon. */
export class Daemon {
  readonly #deps: DaemonDeps;
  readonly #syncs = new PQueue({ concurrency: 1 });
  readonly #alertPasses = new PQueue({ concurrency: 1 });
  readonly #intelRuns = new PQueue({ concurrency: 1 });
  readonly #jobs: Cron[] = [];
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #abort = new AbortController();
  #stopping = false;
  readonly #waiting = new Set<string>();
  /** PostgreSQL: the schedules lock, once elected (null: SQLite, or the election is pending). */
  #leadership: Leadership | null = null;
  #electing: Promise<void> | null = null;
  /** Search indexing (issue 15, search/indexer.ts), when `search.elasticsearch` is set. */
  #search: Promise<{ stop(): Promise<void> }> | null = null;

  constructor(deps: DaemonDeps) {
    this.#deps = deps;
  }

  /** Ids of the enabled sources, in registry order. */
  get sources(): string[] {
    return enabledSources(this.#deps.config);
  }

  #now(): Date {
    return (this.#deps.now ?? (() => new Date()))();
  }

  /** Syncs one source, then evaluates and delivers. Never throws. */
  async syncOne(id: string, out?: CycleSummary): Promise<RunSummary> {
    const { config, log, writer, http } = this.#deps;
    const found = findSource(id);
    const summary = await syncSource(found.source, config.sources[id]?.config, {
      store: writer,
      log,
      http,
      merge: config.ssvc,
      signal: this.#abort.signal,
      ...(this.#deps.now ? { now: this.#deps.now } : {}),
    });
    out?.syncs.push(summary);
    if (summary.stored) await this.#leadership?.notify();
    await this.#recordHealth(id, summary);
    if (!this.#stopping) await this.alertPass(out);
    return summary;
  }

  async #recordHealth(id: string, summary: RunSummary): Promise<void> {
    const retry = !this.#stopping && this.#jobs.length ? this.#deps.config.daemon.sourceRetry : null;
    const health = await recordSourceHealth(this.#deps.alerts, id, summary, retry, this.#now());
    if (health?.retryAt) {
      const delay = Date.parse(health.retryAt) - this.#now().getTime();
      const timer = setTimeout(() => {
        this.#timers.delete(timer);
        this.#enqueue(id);
      }, delay);
      this.#timers.add(timer);
      // The failure itself was logged once by syncSource; the retry time is in `vigil status`.
      this.#deps.log.debug({ source: id, failures: health.failures, retryAt: health.retryAt }, 'source failed: retrying with backoff');
    }
  }

  /** Evaluates what changed and delivers what is due, one pass at a time. */
  alertPass(out?: CycleSummary): Promise<void> {
    return this.#alertPasses.add(async () => {
      const { alerts, config, log, channels, reader } = this.#deps;
      const now = this.#deps.now;
      try {
        const { intel, iocs } = this.#deps;
        const ev = await evaluate({
          store: reader,
          alerts,
          config: config.alerts,
          log,
          merge: config.ssvc,
          ...(now ? { now } : {}),
          ...(intel ? { intel } : {}),
          ...(iocs ? { iocs } : {}),
        });
        out?.evaluations.push(ev);
        if (ev.alerts.length) await this.#leadership?.notify();
        if (this.#deps.reports) await queueDueReports({ stores: this.#deps.reports, config: config.alerts, log, merge: config.ssvc, ...(now ? { now } : {}) });
        if (this.#deps.exposure)
          await evaluateExposureAlerts({
            stores: { store: reader, alerts, exposure: this.#deps.exposure },
            config: config.alerts,
            halfLifeDays: config.exposure.halfLifeDays,
            merge: config.ssvc,
            log,
            ...(now ? { now } : {}),
          });
        const d = await deliverDue({ alerts, channels, config: config.alerts, log, shouldStop: () => this.#stopping, ...(now ? { now } : {}) });
        out?.deliveries.push(d);
      } catch (err) {
        log.error({ err }, 'alert pass failed');
        throw err;
      }
    });
  }

  /**
   * One full cycle: every enabled source once (each followed by an alert pass), then delivery
   * passes until nothing is due within `alerts.onceMaxWaitSeconds` (retries falling due).
   */
  async runOnce(ids: string[] = this.sources): Promise<CycleSummary> {
    const out: CycleSummary = { syncs: [], evaluations: [], deliveries: [] };
    for (const id of ids) {
      if (this.#stopping) break;
      await this.syncOne(id, out);
    }
    if (!ids.length) await this.alertPass(out);
    const limit = this.#now().getTime() + this.#deps.config.alerts.onceMaxWaitSeconds * 1000;
    while (!this.#stopping) {
      const next = await this.#deps.alerts.nextDue();
      if (!next || Date.parse(next) > limit) break;
      await sleep(Math.max(0, Date.parse(next) - this.#now().getTime()));
      await this.alertPass(out);
    }
    return out;
  }

  /**
   * Whether this process fires schedules: always on SQLite; on PostgreSQL only while it holds the
   * schedules lock (see cluster/leader.ts).
   */
  get leads(): boolean {
    if (!isPostgresUrl(this.#deps.config.database)) return true;
    return this.#leadership?.isLeader ?? false;
  }

  /** Starts the schedules (and a first sync of every source right away, once this process leads). */
  start(options: { immediate?: boolean } = {}): void {
    const immediate = options.immediate ?? true;
    const syncAll = () => {
      for (const id of this.sources) this.#enqueue(id);
    };
    for (const id of this.sources) {
      const pattern = this.#deps.config.sources[id]?.schedule ?? findSource(id).schedule;
      // Unnamed: croner's names are global to the process, and tests run two daemons in one.
      const job = new Cron(pattern, { protect: true }, () => {
        if (this.leads) this.#enqueue(id);
      });
      this.#jobs.push(job);
    }
    if (isPostgresUrl(this.#deps.config.database)) {
      // Becoming leader (at start, or a follower taking over from a dead leader) syncs everything
      // once, as a fresh start does.
      this.#electing = import('./cluster/leader.ts')
        .then(({ electLeader }) =>
          electLeader(this.#deps.config.database, this.#deps.log, { onChange: (lead) => lead && immediate && !this.#stopping && syncAll() }),
        )
        .then(
          (l) => {
            this.#leadership = l;
            if (this.#stopping) return void l.close();
          },
          (err: Error) => this.#fatal(err),
        );
    } else if (immediate) syncAll();
    const every = this.#deps.config.daemon.deliveryEverySeconds;
    const tick = setInterval(() => {
      if (this.#alertPasses.size === 0 && !this.#stopping && this.leads) this.alertPass().catch(() => {});
    }, every * 1000);
    this.#timers.add(tick);
    if (this.#deps.intel) {
      const look = () => {
        if (this.#intelRuns.size === 0 && this.#intelRuns.pending === 0 && !this.#stopping && this.leads) void this.collectIntel();
      };
      const intelTick = setInterval(look, INTEL_CHECK_SECONDS * 1000);
      this.#timers.add(intelTick);
      if (immediate) look();
    }
    if (this.#deps.config.search.elasticsearch)
      this.#search = import('./search/indexer.ts').then((m) => m.startSearchIndexer(this.#deps.config, this.#deps.log, () => this.leads && !this.#stopping));
    this.#deps.log.info({ sources: this.sources.map((id, i) => ({ id, schedule: this.#jobs[i]?.getPattern() })) }, 'vigil run: started');
  }

  /**
   * Queues a sync of `id` (then an alert pass) behind the syncs in flight, for collection jobs
   * (`POST /api/collect`). Never throws: a failure is in the summary's `error`.
   */
  sync(id: string): Promise<RunSummary> {
    return this.#syncs.add(() => this.syncOne(id)) as Promise<RunSummary>;
  }

  /** Queues a sync of `id` unless one is already waiting (a second would find nothing new). */
  #enqueue(id: string): void {
    if (this.#stopping || this.#waiting.has(id)) return;
    this.#waiting.add(id);
    this.#syncs
      .add(() => {
        this.#waiting.delete(id);
        return this.syncOne(id);
      })
      .catch((err: unknown) => this.#fatal(err as Error));
  }

  /**
   * Collects the intel sources due now (see {@link DaemonDeps.intel}). Never throws: a failing
   * source is recorded in its state `intel:<name>` and logged.
   * @returns how many sources were collected.
   */
  collectIntel(): Promise<number> {
    const intel = this.#deps.intel;
    if (!intel) return Promise.resolve(0);
    const { config, log, writer, iocs, vendorProducts } = this.#deps;
    // In the analysis thread: the daemon runs inside `vigil serve`.
    const analyse = iocs ? { analyse: documentAnalyser(config, iocs, log, { thread: true, ...(vendorProducts ? { vendorProducts } : {}) }) } : {};
    const services = { intel, store: writer, config: config.intel, log, now: () => this.#now(), ...analyse };
    return this.#intelRuns.add(async () => {
      try {
        const due = await dueSources(services, this.#now());
        if (!due.length) return 0;
        const outcomes = await collectSources(
          services,
          due.map((s) => s.name),
          { signal: this.#abort.signal },
        );
        log.info(
          { intel: outcomes.map((o) => ({ source: o.source, created: o.report?.created, changed: o.report?.changed, error: o.error?.message })) },
          'intel collection',
        );
        // New or edited documents make `intel` alerts now, not at the next CVE sync's alert pass.
        const stored = outcomes.some((o) => (o.report?.created ?? 0) + (o.report?.changed ?? 0) > 0);
        if (stored && !this.#stopping && this.leads) this.alertPass().catch(() => {}); // alertPass logs its failure
        return outcomes.length;
      } catch (err) {
        if (!this.#stopping) log.warn({ error: messageWithCauses(err) }, 'intel collection failed');
        return 0;
      }
    }) as Promise<number>;
  }

  /** A scheduled sync or alert pass threw (see {@link DaemonDeps.onFatal}): stop scheduling, tell the owner. */
  #fatal(err: Error): void {
    if (this.#stopping) return;
    this.#deps.log.error({ error: messageWithCauses(err) }, 'the store cannot be written: the daemon stops');
    this.#deps.log.debug({ err }, 'daemon failure: stack');
    for (const j of this.#jobs) j.stop();
    this.#deps.onFatal?.(err);
  }

  /** Stops cleanly: no new work, the sync in flight aborted, the alert pass in flight finished. */
  async stop(): Promise<void> {
    if (this.#stopping) return;
    this.#stopping = true;
    for (const j of this.#jobs) j.stop();
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
    this.#syncs.clear();
    this.#alertPasses.clear();
    this.#intelRuns.clear();
    this.#abort.abort(new Error('stopping'));
    await Promise.all([this.#syncs.onIdle(), this.#alertPasses.onIdle(), this.#intelRuns.onIdle()]);
    await this.#electing;
    await (await this.#search)?.stop();
    await this.#leadership?.close();
    this.#deps.log.info('vigil run: stopped');
  }
}
