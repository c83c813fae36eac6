/**
 * Which stored CVEs watchlist entries match, and why (`vigil watch test`, the API's live
 * preview): candidates from the store's indexes (a superset), then the matcher and thresholds on
 * each merged record, highest priority first. The records are read here and matched in a worker
 * thread (match-thread.ts), batch by batch, so the event loop stays free while costly entries run.
 * The stored advisories the entries match come beside them (advisory-preview.ts).
 */
import { buildView } from '../analysis/view.ts';
import type { MergeOptions } from '../analysis/merge.ts';
import { listText } from '../analysis/title.ts';
import type { MatchReason, ThresholdCheck, WatchEntry } from '../model/alert.ts';
import type { Severity } from '../model/vulnerability.ts';
import type { AlertStore } from '../store/alerts.ts';
import type { Store, StoredVulnerability } from '../store/types.ts';
import { type AdvisoryPreviewMatch, previewAdvisories } from './advisory-preview.ts';
import { candidateQuery } from './candidates.ts';
import type { MatchIndex } from './match.ts';
import { MatchThread } from './match-thread.ts';
import { checkThresholds, passesAll, thresholdFactsOf } from './thresholds.ts';

/** One (CVE, entry) match. */
export interface PreviewMatch {
  cveId: string;
  /** Priority score 0–100. */
  priority: number;
  severity: Severity | null;
  title: string;
  /** Id of the entry that matched (0 for an unsaved entry: see `entryIndex`). */
  entry: number;
  /** Position of the entry in the list given. */
  entryIndex: number;
  /** The entry's thresholds pass too: this CVE would alert. */
  passes: boolean;
  reasons: MatchReason[];
  thresholds: ThresholdCheck[];
}

/** What {@link previewMatches} found. */
export interface Preview {
  /** Candidate CVEs examined. */
  candidates: number;
  /** Candidates not examined because of `maxCandidates` (the preview is partial when > 0). */
  skipped: number;
  matches: PreviewMatch[];
  /** Stored advisories the entries match (newest first), among the `candidates` examined. */
  advisories: { candidates: number; matches: AdvisoryPreviewMatch[] };
}

/** Records read and matched per round trip to the worker. */
const BATCH = 250;

/**
 * The matches of a batch of stored records (what the match worker runs).
 * @param index built from `entries` (its matches point into that array).
 */
export function previewBatch(index: MatchIndex, entries: readonly WatchEntry[], records: readonly StoredVulnerability[], merge: MergeOptions): PreviewMatch[] {
  const matches: PreviewMatch[] = [];
  for (const stored of records) {
    const view = buildView(stored, merge);
    const facts = thresholdFactsOf(view);
    for (const m of index.match(view)) {
      const checks = checkThresholds(m.entry.thresholds, facts);
      matches.push({
        cveId: view.id,
        priority: view.priority.score,
        severity: view.severity,
        title: listText(view.title, view.description).title ?? '',
        entry: m.entry.id,
        entryIndex: entries.indexOf(m.entry),
        passes: passesAll(checks),
        reasons: m.reasons,
        thresholds: checks,
      });
    }
  }
  return matches;
}

/**
 * Matches `entries` (validated: see validateEntry) against the stored CVEs.
 * @param options.maxCandidates examine at most this many candidates (a regex entry makes every
 *   stored CVE a candidate); default unlimited.
 * @param options.budgetMs stop after this many milliseconds (default: no limit).
 * @param options.onProgress called every 1,000 candidates with (done, total).
 * @throws VigilError `VIGIL_MATCH_TIMEOUT` past `budgetMs`.
 */
export async function previewMatches(
  store: Store,
  alerts: AlertStore,
  entries: WatchEntry[],
  merge: MergeOptions,
  options: { maxCandidates?: number; budgetMs?: number; onProgress?: (done: number, total: number) => void } = {},
): Promise<Preview> {
  const thread = await MatchThread.open(entries, merge, options.budgetMs === undefined ? {} : { budgetMs: options.budgetMs });
  let next: Promise<StoredVulnerability[]> | null = null;
  try {
    // One query per distinct candidate query; one "every CVE" query (any regex entry) covers them all.
    const queries = new Map(entries.map((e) => candidateQuery(e)).map((q) => [JSON.stringify(q), q]));
    const all = [...queries.values()].find((q) => q.all);
    const ids = new Set<string>();
    for (const q of all ? [all] : queries.values()) for (const id of await alerts.candidateCves(q)) ids.add(id);
    const sorted = [...ids].sort();
    const examined = options.maxCandidates !== undefined ? sorted.slice(0, options.maxCandidates) : sorted;
    const read = async (from: number): Promise<StoredVulnerability[]> => {
      const records: StoredVulnerability[] = [];
      for (const id of examined.slice(from, from + BATCH)) {
        const stored = await store.getVulnerability(id);
        if (stored) records.push(stored);
      }
      return records;
    };
    const matches: PreviewMatch[] = [];
    // The next batch is read while the worker matches this one.
    next = examined.length > 0 ? read(0) : null;
    for (let from = 0; next; from += BATCH) {
      const answer = thread.run(await next);
      next = from + BATCH < examined.length ? read(from + BATCH) : null;
      matches.push(...(await answer));
      const done = Math.min(from + BATCH, examined.length);
      if (Math.floor(done / 1000) > Math.floor(from / 1000)) options.onProgress?.(done - (done % 1000), examined.length);
    }
    matches.sort((a, b) => b.priority - a.priority || a.cveId.localeCompare(b.cveId));
    return { candidates: examined.length, skipped: sorted.length - examined.length, matches, advisories: await previewAdvisories(store, entries) };
  } finally {
    next?.catch(() => undefined); // a read still running when matching failed: its result is not wanted
    await thread.close();
  }
}
