/**
 * Incremental indexing into Elasticsearch/OpenSearch by the daemon (issue 15, docs/elasticsearch.md).
 *
 * Every `search.elasticsearch.intervalSeconds` a pass follows five feeds, each from its cursor
 * (table `search_cursors`, ./cursors.ts), and indexes the documents they name:
 * - `cves`: the CVE change history (`changes` ids, alerts.readChanges): records, KEV;
 * - `cves-epss`: stored EPSS days after the cursor's date: the CVEs whose score moved that day;
 * - `advisories`: the advisory history (`advisory_changes` ids); a changed exploit also re-indexes
 *   the CVEs it names (their exploit count);
 * - `intel`: the intel document history (`intel_history` ids: created or changed);
 * - `iocs`: IOC sightings (`ioc_sightings` ids): first and last seen, sightings.
 * A feed without a cursor for the target (a new cluster or prefix) first indexes every stored
 * document of its kind, then starts from the feed's head read before that load.
 *
 * Crash safety: a cursor moves only after the bulk requests of the documents before it succeeded
 * (documents rejected for good, e.g. a mapping conflict, are logged by id and passed). A crash or
 * an engine outage leaves the cursor where it was: the next pass sends the same documents again,
 * which overwrites them by id (idempotent). Templates are installed (PUT _index_template) once
 * when the indexer starts, before the first pass.
 */
import type { Logger } from 'pino';
import type { VigilConfig } from '../config.ts';
import type { IocType } from '../nlp/types.ts';
import { openStores, type Stores } from '../store/index.ts';
import { type CursorStore, cursorStore, type SearchFeed, targetKey } from './cursors.ts';
import { advisoryDocs, allDocs, cveDocs, intelDocs, iocDocs, type SearchDoc } from './documents.ts';
import { type BackoffOptions, type BulkItem, createEngine, type EngineOptions, type EsSettings, indexDocs, type SearchEngine, withBackoff } from './engine.ts';
import { indexName, indexTemplate, SEARCH_KINDS, type SearchKind } from './mappings.ts';

/** What one pass did per feed. */
export interface FeedSummary {
  /** Documents accepted by the engine. */
  indexed: number;
  /** Documents refused for good, by id (logged; the cursor moved past them). */
  rejected: BulkItem[];
  /** The cursor after the pass (null: none yet). */
  cursor: string | null;
  /** True when the feed had no cursor and this pass loaded every stored document of its kind. */
  fullLoad: boolean;
}

/** What one pass did. */
export type PassSummary = Record<SearchFeed, FeedSummary>;

/** Options of {@link SearchIndexer}. */
export interface IndexerOptions {
  stores: Stores;
  engine: SearchEngine;
  settings: EsSettings;
  log: Logger;
  backoff?: BackoffOptions;
  now?: () => Date;
}

/** History rows read per page of a feed. */
const FEED_PAGE = 2000;

/** Indexes what changed since the cursors. One pass at a time. */
export class SearchIndexer {
  readonly #o: IndexerOptions;
  readonly #cursors: CursorStore;
  readonly target: string;

  constructor(options: IndexerOptions) {
    this.#o = options;
    this.target = targetKey(options.settings.url, options.settings.indexPrefix);
    this.#cursors = cursorStore(options.stores, this.target);
  }

  #now(): string {
    return (this.#o.now?.() ?? new Date()).toISOString();
  }

  /** `PUT _index_template/<prefix>-<kind>` for the four kinds. @throws {EngineError} after the retries. */
  async installTemplates(): Promise<void> {
    const prefix = this.#o.settings.indexPrefix;
    for (const kind of SEARCH_KINDS) await withBackoff(() => this.#o.engine.putTemplate(indexName(prefix, kind), indexTemplate(prefix, kind)), this.#o.backoff);
  }

  /** Indexes batches into one kind's index, adding to `out`. */
  async #send(kind: SearchKind, batches: AsyncIterable<SearchDoc[]>, out: FeedSummary): Promise<void> {
    const index = indexName(this.#o.settings.indexPrefix, kind);
    for await (const docs of batches) {
      if (this.#o.backoff?.signal?.aborted) throw new Error('stopping');
      const r = await indexDocs(this.#o.engine, index, docs, this.#o.settings.batchSize, this.#o.backoff);
      out.indexed += r.indexed;
      if (r.rejected.length) {
        out.rejected.push(...r.rejected);
        this.#o.log.warn({ index, rejected: r.rejected.slice(0, 20) }, `search: ${r.rejected.length} document(s) refused by the engine`);
      }
    }
  }

  /**
   * One pass over the five feeds. @throws {EngineError} when the engine stays unreachable or
   * keeps failing after the retries (the cursors of what was sent before stay moved).
   */
  async pass(): Promise<PassSummary> {
    const { stores, settings } = this.#o;
    const cursors = await this.#cursors.all();
    const summary = {} as PassSummary;
    const feed = (name: SearchFeed): FeedSummary => {
      summary[name] = { indexed: 0, rejected: [], cursor: cursors.get(name) ?? null, fullLoad: false };
      return summary[name];
    };
    const save = async (name: SearchFeed, cursor: string) => {
      await this.#cursors.set(name, cursor, this.#now());
      summary[name].cursor = cursor;
    };
    const batch = Math.max(settings.batchSize, 1);

    // CVEs: the change history; a new target loads every CVE first.
    const cves = feed('cves');
    const epss = feed('cves-epss');
    if (cves.cursor === null) {
      const head = await stores.alerts.lastChangeId();
      const days = await stores.alerts.epssDays();
      cves.fullLoad = true;
      await this.#send('cves', allDocs(stores, 'cves', batch), cves);
      await save('cves', String(head));
      await save('cves-epss', days.at(-1)?.date ?? '');
    } else {
      let after = Number(cves.cursor);
      for (;;) {
        const page = await stores.alerts.readChanges(after, FEED_PAGE);
        if (page.length === 0) break;
        await this.#send('cves', cveDocs(stores, [...new Set(page.map((c) => c.cveId))], batch), cves);
        after = (page.at(-1) as (typeof page)[number]).id;
        await save('cves', String(after));
        if (page.length < FEED_PAGE) break;
      }
      // EPSS: each stored day after the cursor, the CVEs whose score moved.
      const days = (await stores.alerts.epssDays()).map((d) => d.date).filter((d) => d > (epss.cursor ?? ''));
      for (const day of days.sort()) {
        const moved = (await stores.alerts.epssMoves(day)).map((m) => m.cveId);
        await this.#send('cves', cveDocs(stores, moved, batch), epss);
        await save('cves-epss', day);
      }
    }

    // Advisories: the advisory history; an exploit's CVEs get their new exploit count.
    const adv = feed('advisories');
    if (adv.cursor === null) {
      const head = await stores.alerts.lastAdvisoryChangeId();
      adv.fullLoad = true;
      await this.#send('advisories', allDocs(stores, 'advisories', batch), adv);
      await save('advisories', String(head));
    } else {
      let after = Number(adv.cursor);
      for (;;) {
        const page = await stores.alerts.readAdvisoryChanges(after, FEED_PAGE);
        if (page.length === 0) break;
        const ids = [...new Set(page.map((c) => c.advisoryId))];
        const exploitCves = new Set<string>();
        const docs = async function* (): AsyncGenerator<SearchDoc[]> {
          for await (const b of advisoryDocs(stores, ids, batch)) {
            for (const d of b) if (d.source.kind === 'exploit') for (const c of d.source.cves as string[]) exploitCves.add(c);
            yield b;
          }
        };
        await this.#send('advisories', docs(), adv);
        if (exploitCves.size) await this.#send('cves', cveDocs(stores, [...exploitCves], batch), adv);
        after = (page.at(-1) as (typeof page)[number]).id;
        await save('advisories', String(after));
        if (page.length < FEED_PAGE) break;
      }
    }

    // Intel documents: created or changed.
    const intel = feed('intel');
    if (intel.cursor === null) {
      const head = await stores.intel.lastIntelChangeId();
      intel.fullLoad = true;
      await this.#send('intel', allDocs(stores, 'intel', batch), intel);
      await save('intel', String(head));
    } else {
      let after = Number(intel.cursor);
      for (;;) {
        const page = await stores.intel.intelChangesSince(after, FEED_PAGE);
        if (page.length === 0) break;
        await this.#send('intel', intelDocs(stores, [...new Set(page.map((c) => c.documentId))], batch), intel);
        after = (page.at(-1) as (typeof page)[number]).id;
        await save('intel', String(after));
        if (page.length < FEED_PAGE) break;
      }
    }

    // IOCs: each new sighting changes its IOC's last seen and count.
    const iocs = feed('iocs');
    if (iocs.cursor === null) {
      const head = await stores.iocs.lastSightingId();
      iocs.fullLoad = true;
      await this.#send('iocs', allDocs(stores, 'iocs', batch), iocs);
      await save('iocs', String(head));
    } else {
      let after = Number(iocs.cursor);
      for (;;) {
        const page = await stores.iocs.sightingsSince(after, FEED_PAGE);
        if (page.length === 0) break;
        const keys = new Map<string, { type: IocType; value: string }>();
        for (const s of page) keys.set(`${s.type}:${s.value}`, { type: s.type, value: s.value });
        await this.#send('iocs', iocDocs(stores, [...keys.values()], batch), iocs);
        after = (page.at(-1) as (typeof page)[number]).id;
        await save('iocs', String(after));
        if (page.length < FEED_PAGE) break;
      }
    }
    return summary;
  }
}

/** A running indexer of the daemon. */
export interface RunningIndexer {
  /** Stops the timer, waits for the pass in flight, closes the engine client and the stores it opened. */
  stop(): Promise<void>;
}

/**
 * Starts indexing for the daemon (src/daemon.ts) when `search.elasticsearch` is set: opens its own
 * stores on `config.database` (a `:memory:` database is another, empty one: use a file), installs
 * the templates, then runs a pass now and every `intervalSeconds` while `leads()` (PostgreSQL: only
 * the daemon holding the schedules lock indexes). A failed pass is logged and retried at the next tick.
 */
export function startSearchIndexer(config: VigilConfig, log: Logger, leads: () => boolean = () => true, engineOptions: EngineOptions = {}): RunningIndexer {
  const settings = config.search.elasticsearch;
  if (!settings) return { stop: async () => {} };
  const abort = new AbortController();
  let stores: Stores | null = null;
  let engine: SearchEngine | null = null;
  let indexer: SearchIndexer | null = null;
  let templates = false;
  let running: Promise<void> | null = null;
  const tick = () => {
    if (running || abort.signal.aborted || !leads()) return;
    running = (async () => {
      try {
        if (!stores) stores = await openStores(config.database);
        if (!engine) engine = await createEngine(settings, engineOptions);
        if (!indexer) indexer = new SearchIndexer({ stores, engine, settings, log, backoff: { signal: abort.signal } });
        if (!templates) {
          await indexer.installTemplates();
          templates = true;
        }
        const s = await indexer.pass();
        const indexed = Object.values(s).reduce((n, f) => n + f.indexed, 0);
        if (indexed)
          log.info(
            {
              target: indexer.target,
              feeds: Object.fromEntries(Object.entries(s).map(([k, f]) => [k, { indexed: f.indexed, rejected: f.rejected.length, cursor: f.cursor }])),
            },
            'search: indexed',
          );
      } catch (err) {
        if (!abort.signal.aborted) log.warn({ error: (err as Error).message }, 'search: indexing pass failed (retried at the next interval)');
      } finally {
        running = null;
      }
    })();
  };
  const timer = setInterval(tick, settings.intervalSeconds * 1000);
  tick();
  return {
    async stop() {
      clearInterval(timer);
      abort.abort();
      await running;
      await (engine as SearchEngine | null)?.close().catch(() => {});
      await (stores as Stores | null)?.close();
    },
  };
}
