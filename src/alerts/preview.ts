/**
 * Which stored CVEs watchlist entries match, and why (`vigil watch test`, the API's live
 * preview): candidates from the store's indexes (a superset), then the matcher and thresholds on
 * each merged record, highest priority first.
 */
import { buildView } from '../analysis/view.ts';
import type { MergeOptions } from '../analysis/merge.ts';
import { listText } from '../analysis/title.ts';
import type { MatchReason, ThresholdCheck, WatchEntry } from '../model/alert.ts';
import type { Severity } from '../model/vulnerability.ts';
import type { AlertStore } from '../store/alerts.ts';
import type { Store } from '../store/types.ts';
import { candidateQuery } from './candidates.ts';
import { MatchIndex } from './match.ts';
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
}

/**
 * Matches `entries` (validated: see validateEntry) against the stored CVEs.
 * @param options.maxCandidates examine at most this many candidates (a regex entry makes every
 *   stored CVE a candidate); default unlimited.
 * @param options.onProgress called every 1,000 candidates with (done, total).
 */
export async function previewMatches(
  store: Store,
  alerts: AlertStore,
  entries: WatchEntry[],
  merge: MergeOptions,
  options: { maxCandidates?: number; onProgress?: (done: number, total: number) => void } = {},
): Promise<Preview> {
  const index = new MatchIndex(entries);
  const ids = new Set<string>();
  for (const e of entries) for (const id of await alerts.candidateCves(candidateQuery(e))) ids.add(id);
  const all = [...ids].sort();
  const examined = options.maxCandidates !== undefined ? all.slice(0, options.maxCandidates) : all;
  const matches: PreviewMatch[] = [];
  let done = 0;
  for (const id of examined) {
    if (++done % 1000 === 0) options.onProgress?.(done, examined.length);
    const stored = await store.getVulnerability(id);
    if (!stored) continue;
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
  matches.sort((a, b) => b.priority - a.priority || a.cveId.localeCompare(b.cveId));
  return { candidates: examined.length, skipped: all.length - examined.length, matches };
}
