/**
 * The pipeline in one readable place: collect (a source yields validated events) → merge and
 * score (analysis) → store → report. Events are consumed one at a time and each is stored before
 * the next is asked for, so a source's `cursor` event is saved only once everything before it is
 * stored: a failed window is never skipped, and a re-run picks up where the last one stopped.
 */
import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import { diffVulnerabilities } from './analysis/diff.ts';
import { type MergeIssue, type MergeOptions, type MergeResult, mergeVulnerability } from './analysis/merge.ts';
import type { Advisory } from './model/advisory.ts';
import type { VulnObservation } from './model/vulnerability.ts';
import { type HttpClient, messageWithCauses } from './sources/http.ts';
import type { ImportOptions, RecordLocation, Source, SourceEvent } from './sources/types.ts';
import type { AdvisorySaveResult, EpssImportResult, KevImportResult, MergeState, Store, VulnWrite } from './store/types.ts';

/** What the pipeline needs. */
export interface PipelineDeps {
  store: Store;
  log: Logger;
  merge?: MergeOptions;
}

/** Progress callbacks (the CLI draws bars with them). */
export interface PipelineHooks {
  onProgress?: (event: Extract<SourceEvent, { type: 'progress' }>) => void;
  onRecords?: (summary: RunSummary) => void;
}

/** What one import or sync did. */
export interface RunSummary {
  source: string;
  /** Records read from the source (CVE observations, EPSS rows, KEV entries, advisories). */
  read: number;
  /** Records written (new or changed). */
  stored: number;
  /** CVEs seen for the first time. */
  created: number;
  /** Existing CVEs whose merged record changed. */
  changed: number;
  /** Records identical to what is stored (nothing written). */
  unchanged: number;
  /** Records older than what is stored (lastModified, see {@link supersedes}), skipped. */
  stale: number;
  rejected: { where: RecordLocation; reason: string }[];
  /** CVSS score mismatches and invalid vectors/CPEs found while merging. */
  issues: MergeIssue[];
  epss: EpssImportResult[];
  kev: KevImportResult[];
  /**
   * Advisories, bulletins and exploits (`advisories` events): their own counts (also added to
   * `read`, `stored`, `created`, `changed`, `unchanged` and `stale` above). Absent when none came.
   */
  advisories?: { created: number; changed: number; unchanged: number; stale: number };
  /** Last cursor saved. */
  cursor: string | null;
  /** Error that stopped the run, if any (with its causes: "fetch failed: getaddrinfo ENOTFOUND …"). */
  error: string | null;
  /** The run was stopped (SIGTERM, `signal` aborted) before it ended: not a failure; the next run resumes from `cursor`. */
  stopped?: boolean;
}

/** A summary with nothing counted yet. */
export function emptySummary(source: string): RunSummary {
  return { source, read: 0, stored: 0, created: 0, changed: 0, unchanged: 0, stale: 0, rejected: [], issues: [], epss: [], kev: [], cursor: null, error: null };
}

/** Hash of an observation's canonical JSON: equal hashes mean nothing to write. */
export function observationHash(json: string): string {
  return createHash('sha1').update(json).digest('base64url');
}

/**
 * Whether `incoming` should replace the stored observation of the same feed: it is newer by
 * lastModified, or equally new and preferred by a content-only tie-break (the one carrying NVD's
 * vulnStatus, i.e. API 2.0 over the legacy 1.1 feed; then the greater hash), so that the result
 * never depends on the order files are imported in.
 */
export function supersedes(incoming: { observation: VulnObservation; hash: string }, stored: { observation: VulnObservation; hash: string }): boolean {
  const a = incoming.observation;
  const b = stored.observation;
  if (a.lastModified !== b.lastModified) return a.lastModified > b.lastModified;
  const richer = Number(a.vulnStatus !== undefined) - Number(b.vulnStatus !== undefined);
  return richer !== 0 ? richer > 0 : incoming.hash > stored.hash;
}

function observationsOf(state: MergeState): VulnObservation[] {
  return [...state.observations.values()].map((o) => o.observation);
}

/** A merged batch, ready to be stored, with the per-CVE state it leaves behind. */
export interface MergedBatch {
  writes: VulnWrite[];
  /** State of each CVE of the batch once it is stored (observations per feed). */
  states: Map<string, MergeState>;
}

/**
 * Merges a batch of observations with what is stored (`loaded`, overlaid with `unsaved`: the
 * state left by a batch merged earlier but not stored yet). Pure apart from the summary counts.
 * Idempotent: an observation identical to the stored one is skipped, and one older than the
 * stored one (see {@link supersedes}) never overwrites it.
 */
export function mergeBatch(
  records: VulnObservation[],
  loaded: Map<string, MergeState>,
  unsaved: Map<string, MergeState> | undefined,
  deps: PipelineDeps,
  summary: RunSummary,
): MergedBatch {
  const states = loaded;
  if (unsaved)
    for (const r of records) {
      const s = unsaved.get(r.cveId);
      if (s) states.set(r.cveId, s);
    }
  /** Records merged in this batch (a CVE may come twice in one batch). */
  const merged = new Map<string, MergeResult>();
  const writes: VulnWrite[] = [];
  for (const obs of records) {
    summary.read++;
    const json = JSON.stringify(obs);
    const hash = observationHash(json);
    let state = states.get(obs.cveId);
    const stored = state?.observations.get(obs.source);
    if (stored?.hash === hash) {
      summary.unchanged++;
      continue;
    }
    if (stored && !supersedes({ observation: obs, hash }, stored)) {
      summary.stale++;
      continue;
    }
    if (!state) {
      state = { observations: new Map() } satisfies MergeState;
      states.set(obs.cveId, state);
    }
    const prior = merged.get(obs.cveId) ?? (state.observations.size ? mergeVulnerability(observationsOf(state), deps.merge) : null);
    const before = prior?.vulnerability ?? null;
    const basis: Record<string, string> = {};
    for (const [source, o] of state.observations) if (source !== obs.source) basis[source] = o.hash;
    state.observations.set(obs.source, { observation: obs, hash });
    const result = mergeVulnerability(observationsOf(state), deps.merge);
    const { vulnerability, kevHint, issues } = result;
    const changes = diffVulnerabilities(before, vulnerability, obs.source, obs.lastModified);
    // A feed's own KEV mark (CISA ADP, NVD cisaExploitAdd) appearing on a known CVE is news
    // before the catalog says so (the catalog's own `kev` change follows; alerts dedupe them).
    if (prior && !prior.kevHint && kevHint)
      changes.push({ cveId: obs.cveId, field: 'kev', old: null, new: `added ${kevHint.dateAdded}`, source: obs.source, at: obs.lastModified });
    if (before === null) summary.created++;
    else if (changes.length) summary.changed++;
    for (const issue of issues) {
      summary.issues.push(issue);
      // Counted in the summary (one line); each one only at debug level: a first import has ~150.
      deps.log.debug({ ...issue }, 'merge issue');
    }
    writes.push({ observation: obs, json, hash, isNew: before === null, vulnerability, kevHint, changes, basis });
    merged.set(obs.cveId, result);
  }
  summary.stored += writes.length;
  return { writes, states };
}

/**
 * Stores batches of observations with the store's work overlapped with ours: for batch N+1 the
 * load is sent before the save of batch N, so the store writes N while batch N+1 is merged and
 * N+2 parsed. Correct because the store serves requests in order and the load is overlaid with
 * batch N's state (see {@link mergeBatch}).
 */
class BatchWriter {
  #pending: MergedBatch | null = null;
  #saving: Promise<void> = Promise.resolve();

  constructor(
    private readonly deps: PipelineDeps,
    private readonly summary: RunSummary,
  ) {}

  async add(records: VulnObservation[]): Promise<void> {
    const loading = this.deps.store.loadForMerge(records.map((r) => r.cveId));
    loading.catch(() => {}); // awaited below; only kept from counting as unhandled meanwhile
    const previous = this.#pending;
    const before = this.#send();
    const loaded = await loading;
    await before;
    this.#pending = mergeBatch(records, loaded, previous?.states, this.deps, this.summary);
  }

  /** Sends the pending batch (if any) and waits until everything sent is stored. */
  async flush(): Promise<void> {
    await this.#send();
    await this.#saving;
  }

  /** Sends the pending batch; returns the save sent before it (to await). */
  #send(): Promise<void> {
    const previous = this.#saving;
    if (this.#pending) {
      this.#saving = this.deps.store.saveVulnerabilities(this.#pending.writes);
      this.#saving.catch(() => {});
      this.#pending = null;
    }
    return previous;
  }
}

/**
 * Stores advisory batches with one save in flight: the source reads and maps the next batch while
 * the store (its worker) writes this one. CERT-FR's corpus: ~1.9 s of the caller's CPU and ~1 s of
 * the worker's for 15.7k bulletins, so overlapping them takes the import from the sum to the larger.
 */
class AdvisoryWriter {
  #saving: Promise<void> = Promise.resolve();

  constructor(
    private readonly deps: PipelineDeps,
    private readonly summary: RunSummary,
  ) {}

  /** Waits for the batch before (rethrowing its failure), then sends this one. */
  async add(records: Advisory[]): Promise<void> {
    await this.#saving;
    const saving = this.deps.store.saveAdvisories(records).then((r) => countAdvisories(this.summary, records.length, r));
    saving.catch(() => {}); // awaited by the next add or flush; only kept from counting as unhandled meanwhile
    this.#saving = saving;
  }

  /** Waits until every batch sent is stored (rethrowing a failure). */
  flush(): Promise<void> {
    return this.#saving;
  }
}

/** Adds one stored advisory batch to the summary (its own counts and the run's). */
function countAdvisories(summary: RunSummary, read: number, r: AdvisorySaveResult): void {
  summary.read += read;
  summary.stored += r.created + r.changed;
  summary.created += r.created;
  summary.changed += r.changed;
  summary.unchanged += r.unchanged;
  summary.stale += r.stale;
  const a = summary.advisories ?? { created: 0, changed: 0, unchanged: 0, stale: 0 };
  summary.advisories = a;
  a.created += r.created;
  a.changed += r.changed;
  a.unchanged += r.unchanged;
  a.stale += r.stale;
}

/** Consumes a source's events into the store; saves each cursor through `onCursor`. */
export async function consume(
  events: AsyncIterable<SourceEvent>,
  deps: PipelineDeps,
  summary: RunSummary,
  hooks: PipelineHooks & { onCursor?: (cursor: string) => Promise<void> } = {},
): Promise<RunSummary> {
  const writer = new BatchWriter(deps, summary);
  const advisories = new AdvisoryWriter(deps, summary);
  try {
    for await (const ev of events) {
      // Anything but records needs every record before it stored (a cursor above all); advisories
      // are stored after the CVE records before them (an exploit's count lands on the rows those created).
      if (ev.type !== 'vulns' && ev.type !== 'progress' && ev.type !== 'rejected') await writer.flush();
      if (ev.type !== 'advisories' && ev.type !== 'progress' && ev.type !== 'rejected') await advisories.flush();
      switch (ev.type) {
        case 'vulns':
          await writer.add(ev.records);
          break;
        case 'epss': {
          const r = await deps.store.applyEpssDay(ev.day);
          summary.read += r.rows;
          if (!r.alreadyStored) summary.stored += r.rows;
          summary.changed += r.changed;
          summary.epss.push(r);
          break;
        }
        case 'kev': {
          const r = await deps.store.applyKevCatalog(ev.catalog);
          summary.read += r.entries;
          if (!r.alreadyStored) summary.stored += r.entries;
          summary.changed += r.updated.length;
          summary.created += r.added.length;
          summary.kev.push(r);
          break;
        }
        case 'advisories':
          await advisories.add(ev.records);
          break;
        case 'rejected':
          summary.rejected.push({ where: ev.where, reason: ev.reason });
          deps.log.warn({ ...ev.where, reason: ev.reason }, 'rejected');
          break;
        case 'progress':
          hooks.onProgress?.(ev);
          break;
        case 'cursor':
          summary.cursor = ev.cursor;
          await hooks.onCursor?.(ev.cursor);
          break;
      }
      if (ev.type !== 'progress') hooks.onRecords?.(summary);
    }
  } finally {
    await writer.flush();
    await advisories.flush();
  }
  return summary;
}

/** Offline import of files in the source's upstream format. */
export async function importFiles(
  source: Source,
  paths: string[],
  deps: PipelineDeps,
  options: ImportOptions = {},
  hooks: PipelineHooks = {},
): Promise<RunSummary> {
  const summary = emptySummary(source.id);
  const started = new Date().toISOString();
  try {
    await consume(source.importFiles(paths, { log: deps.log }, options), deps, summary, hooks);
  } catch (err) {
    summary.error = (err as Error).message;
    throw Object.assign(err as Error, { summary });
  } finally {
    const prev = await deps.store.getSourceState(source.id);
    await deps.store.saveSourceState({
      source: source.id,
      cursor: prev?.cursor ?? null,
      lastAttempt: started,
      lastSuccess: summary.error ? (prev?.lastSuccess ?? null) : started,
      lastError: summary.error,
      lastCount: summary.stored,
    });
  }
  return summary;
}

/** Live incremental sync of one source from its saved cursor. Never throws: errors land in the summary and `vigil status`. */
export async function syncSource<C>(
  source: Source<C>,
  config: C,
  deps: PipelineDeps & { http: HttpClient; now?: () => Date; signal?: AbortSignal },
  hooks: PipelineHooks = {},
): Promise<RunSummary> {
  const summary = emptySummary(source.id);
  const prev = await deps.store.getSourceState(source.id);
  const now = deps.now ?? (() => new Date());
  const started = now().toISOString();
  let cursor = prev?.cursor ?? null;
  const save = (extra: { lastSuccess?: string | null; lastError?: string | null }) =>
    deps.store.saveSourceState({
      source: source.id,
      cursor,
      lastAttempt: started,
      lastSuccess: extra.lastSuccess !== undefined ? extra.lastSuccess : (prev?.lastSuccess ?? null),
      lastError: extra.lastError !== undefined ? extra.lastError : (prev?.lastError ?? null),
      lastCount: summary.stored,
    });
  try {
    const storedUntil = cursor === null ? await deps.store.newestLastModified(source.id) : null;
    const events = source.sync(config, { log: deps.log, cursor, storedUntil, http: deps.http, now, ...(deps.signal ? { signal: deps.signal } : {}) });
    await consume(events, deps, summary, {
      ...hooks,
      onCursor: async (c) => {
        cursor = c;
        await save({});
      },
    });
    await save({ lastSuccess: started, lastError: null });
  } catch (err) {
    if (deps.signal?.aborted) {
      // A stop is not a failure: the cursor only moved past stored records, so the next run resumes.
      summary.stopped = true;
      deps.log.info({ source: source.id, cursor }, 'sync stopped: the next run resumes from its cursor');
      await save({});
      return summary;
    }
    summary.error = messageWithCauses(err);
    // One line per failure; the stack only at debug level (a failing source fails on every retry).
    deps.log.error({ source: source.id, error: summary.error }, 'sync failed');
    deps.log.debug({ source: source.id, err }, 'sync failed: stack');
    await save({ lastError: summary.error });
  }
  return summary;
}
