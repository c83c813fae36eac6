/**
 * Intel operations shared by the CLI (`vigil intel …`), the API (`/api/v1/scraping/sources`,
 * `/api/v1/intel`) and the daemon: adding, changing, removing, testing and collecting sources.
 * Each source's last collection is kept as a source state named `intel:<name>` (`vigil status`).
 */
import type { Logger } from 'pino';
import type { IntelConfig } from '../config.ts';
import { VigilError } from '../errors.ts';
import type { Store } from '../store/types.ts';
import { type CollectOptions, type CollectReport, collectSource } from './collect.ts';
import { createExtractor } from './extract/extractor.ts';
import { createIntelFetcher } from './net/fetch.ts';
import { patchSource, validateSource } from './sources/schema.ts';
import type { IntelDocument, IntelFetcher, IntelSource, IntelStore } from './types.ts';

/** What the operations need. */
export interface IntelServices {
  intel: IntelStore;
  /** For source states (`intel:<name>`). */
  store: Store;
  config: IntelConfig;
  log: Logger;
  now: () => Date;
  /**
   * The analysis on arrival (iocs/analyse.ts `documentAnalyser`): given the documents each store
   * write created or changed. Never throws. Absent: documents are stored without analysis.
   */
  analyse?: (documents: IntelDocument[]) => Promise<unknown>;
}

/** The source-state name of an intel source. */
export function intelStateName(source: string): string {
  return `intel:${source}`;
}

function policy(config: IntelConfig): { allowHosts: readonly string[]; torProxy: string } {
  return { allowHosts: config.allowHosts, torProxy: config.torProxy };
}

/**
 * Validates and stores a new source.
 * @throws {VigilError} VIGIL_BAD_REQUEST (a field, named), VIGIL_CONFLICT (the name exists).
 * @throws {UrlRefusedError} VIGIL_URL_REFUSED (the SSRF guard refuses the URL).
 */
export async function addSource(s: IntelServices, input: unknown): Promise<IntelSource> {
  const source = validateSource(input, policy(s.config), s.now());
  if (await s.intel.getSource(source.name)) throw new VigilError('VIGIL_CONFLICT', [`intel source "${source.name}"`]);
  await s.intel.saveSource(source);
  return source;
}

/**
 * Changes a stored source (PATCH semantics: absent fields kept; the name cannot change).
 * @throws {VigilError} VIGIL_NOT_FOUND, VIGIL_BAD_REQUEST; {UrlRefusedError} for a refused URL.
 */
export async function updateSource(s: IntelServices, name: string, patch: unknown): Promise<IntelSource> {
  const existing = await s.intel.getSource(name);
  if (!existing) throw new VigilError('VIGIL_NOT_FOUND', [`intel source "${name}"`]);
  const source = patchSource(existing, patch, policy(s.config), s.now());
  await s.intel.saveSource(source);
  return source;
}

/** The stored source. @throws {VigilError} VIGIL_NOT_FOUND. */
export async function requireSource(intel: IntelStore, name: string): Promise<IntelSource> {
  const source = await intel.getSource(name);
  if (!source) throw new VigilError('VIGIL_NOT_FOUND', [`intel source "${name}"`]);
  return source;
}

/** A fetcher over the `intel:` settings (close it when done). */
export function intelFetcher(config: IntelConfig): IntelFetcher {
  return createIntelFetcher(config);
}

/**
 * Fetches once and extracts what would be stored, storing nothing (`vigil intel sources test`,
 * `POST /api/v1/scraping/sources/{name}/test`). Works on a stored or an unsaved source.
 */
export async function testSource(s: IntelServices, source: IntelSource, fetcher?: IntelFetcher): Promise<CollectReport> {
  const own = fetcher ?? intelFetcher(s.config);
  const extractor = createExtractor();
  try {
    return await collectSource(source, { intel: s.intel, fetcher: own, log: s.log, now: s.now, extractor }, { preview: true });
  } finally {
    await extractor.close();
    if (!fetcher) await own.close();
  }
}

/** One source's outcome in {@link collectSources}: its report, or the error that stopped it. */
export type CollectOutcome = { source: string; report: CollectReport; error?: undefined } | { source: string; report?: undefined; error: Error };

/**
 * Collects sources one after the other (each source's hosts are paced by the fetcher) and records
 * each one's state `intel:<name>`. `names` empty: every enabled source. A failing source never
 * stops the others.
 * @throws {VigilError} VIGIL_NOT_FOUND when a named source does not exist (before anything is fetched).
 */
export async function collectSources(
  s: IntelServices,
  names: readonly string[],
  options: CollectOptions & { fetcher?: IntelFetcher; signal?: AbortSignal; onSource?: (source: IntelSource) => void } = {},
): Promise<CollectOutcome[]> {
  const sources = names.length ? await Promise.all(names.map((n) => requireSource(s.intel, n))) : (await s.intel.listSources()).filter((x) => x.enabled);
  const fetcher = options.fetcher ?? intelFetcher(s.config);
  // Pages are read and documents built in a worker thread: the API on this thread stays responsive.
  const extractor = createExtractor();
  const out: CollectOutcome[] = [];
  try {
    for (const source of sources) {
      options.signal?.throwIfAborted();
      options.onSource?.(source);
      const attempt = s.now().toISOString();
      const previous = await s.store.getSourceState(intelStateName(source.name));
      try {
        const report = await collectSource(
          source,
          { intel: s.intel, fetcher, log: s.log, now: s.now, signal: options.signal, extractor, ...(s.analyse ? { onStored: s.analyse } : {}) },
          options,
        );
        await s.store.saveSourceState({
          source: intelStateName(source.name),
          cursor: null,
          lastSuccess: attempt,
          lastAttempt: attempt,
          lastError: report.errors.length ? `${report.errors.length} item(s) failed: ${report.errors[0]?.message ?? ''}` : null,
          lastCount: report.created + report.changed,
        });
        out.push({ source: source.name, report });
      } catch (err) {
        if (options.signal?.aborted) throw err;
        const error = err instanceof Error ? err : new Error(String(err));
        s.log.warn({ source: source.name, err: error }, 'intel: collection failed');
        await s.store.saveSourceState({
          source: intelStateName(source.name),
          cursor: null,
          lastSuccess: previous?.lastSuccess ?? null,
          lastAttempt: attempt,
          lastError: error.message,
          lastCount: 0,
        });
        out.push({ source: source.name, error });
      }
    }
  } finally {
    await extractor.close();
    if (!options.fetcher) await fetcher.close();
  }
  return out;
}

/** Enabled sources whose interval has passed since their last attempt (the daemon's pick). */
export async function dueSources(s: Pick<IntelServices, 'intel' | 'store'>, now: Date): Promise<IntelSource[]> {
  const due: IntelSource[] = [];
  for (const source of await s.intel.listSources()) {
    if (!source.enabled) continue;
    const state = await s.store.getSourceState(intelStateName(source.name));
    const last = state?.lastAttempt ? Date.parse(state.lastAttempt) : Number.NEGATIVE_INFINITY;
    if (now.getTime() - last >= source.intervalSeconds * 1000) due.push(source);
  }
  return due;
}
