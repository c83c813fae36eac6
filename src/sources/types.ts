/**
 * The contract between sources and the pipeline. A source never writes to the store: it yields
 * {@link SourceEvent}s, which the pipeline consumes one at a time, storing each before it asks
 * for the next. A `cursor` event therefore means "everything I yielded before this is stored":
 * the pipeline saves the cursor only then, so a failed window is never skipped.
 */
import type { Logger } from 'pino';
import type { Advisory } from '../model/advisory.ts';
import type { EpssDay, KevCatalog, VulnObservation } from '../model/vulnerability.ts';
import type { HttpClient } from './http.ts';

/** Where a rejected record came from, for a message a user can act on. */
export interface RecordLocation {
  /** File path or URL. */
  origin: string;
  /** Record id (CVE id) or 1-based line/row number, when known. */
  record?: string;
  /** Dotted field path inside the record, when known (`metrics.cvssMetricV31[0].cvssData`). */
  field?: string;
}

/** What a source yields. */
export type SourceEvent =
  /** A batch of validated CVE observations (NVD, CVE 5), typically up to 1,000. */
  | { type: 'vulns'; records: VulnObservation[] }
  /** One EPSS day, complete. */
  | { type: 'epss'; day: EpssDay }
  /** One KEV catalog version, complete. */
  | { type: 'kev'; catalog: KevCatalog }
  /** A batch of validated advisories, bulletins or exploits (model/advisory.ts), typically up to 1,000. */
  | { type: 'advisories'; records: Advisory[] }
  /** A record (or a whole file) that failed validation; the good records beside it go on. */
  | { type: 'rejected'; where: RecordLocation; reason: string }
  /** Progress of the current unit of work, for progress bars: `done` of `total` (bytes or records). */
  | { type: 'progress'; done: number; total?: number; unit: 'bytes' | 'records'; label?: string }
  /** Everything yielded so far is complete: persist this cursor (opaque to the pipeline). */
  | { type: 'cursor'; cursor: string };

/** Shared services a source may use. */
export interface SourceContext {
  log: Logger;
  signal?: AbortSignal;
}

/** Context of a live sync. */
export interface SyncContext extends SourceContext {
  /** Cursor saved after the last complete sync, or `null` on the first sync. */
  cursor: string | null;
  /**
   * With no cursor: ISO 8601 of the newest `lastModified` this source's records already stored
   * carry (an offline or corpus import), so a first sync can start there instead of at a default.
   */
  storedUntil?: string | null;
  http: HttpClient;
  /** Current time (injectable so tests can freeze it). */
  now: () => Date;
}

/** Import options a user can pass on the CLI (`--date` for EMBA EPSS files). */
export interface ImportOptions {
  /** EPSS score date for files that carry none, `YYYY-MM-DD`. */
  date?: string;
}

/** One upstream source. Adding a source is its folder plus one line in `registry.ts`. */
export interface Source<Config = unknown> {
  id: string;
  /** One line for `vigil --help` and `vigil status`. */
  title: string;
  /** Offline import of files in the upstream's own format (air-gapped sites). */
  importFiles(paths: string[], ctx: SourceContext, options?: ImportOptions): AsyncIterable<SourceEvent>;
  /** Live incremental sync from the upstream (or a mirror at `config.baseUrl`). */
  sync(config: Config, ctx: SyncContext): AsyncIterable<SourceEvent>;
}
