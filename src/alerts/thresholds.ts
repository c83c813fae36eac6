/**
 * Thresholds of watch entries: their validation, and their checks against a CVE's facts. Each threshold the entry sets gives one
 * {@link ThresholdCheck} with the CVE's value, so an alert can say which conditions it met.
 */
import type { ThresholdCheck, Thresholds } from '../model/alert.ts';
import type { VulnerabilityView } from '../model/record.ts';
import type { Severity } from '../model/vulnerability.ts';

/** Severities from lowest to highest. */
export const SEVERITY_ORDER: readonly Severity[] = ['NONE', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL'];

/** Rank of a severity in {@link SEVERITY_ORDER} (NONE = 0 … CRITICAL = 4); no severity is −1, below all. */
export function severityRank(severity: Severity | null): number {
  return severity === null ? -1 : SEVERITY_ORDER.indexOf(severity);
}
/** Threshold names with their accepted range (numbers) or type. */
const THRESHOLD_RULES: Readonly<Record<keyof Thresholds, readonly [number, number] | 'severity' | 'boolean'>> = {
  minSeverity: 'severity',
  minCvss: [0, 10],
  minEpss: [0, 1],
  minPercentile: [0, 1],
  kevOnly: 'boolean',
  ransomwareOnly: 'boolean',
};

/** What thresholds are checked against. Scores: CVSS 0–10; EPSS probability and percentile 0–1. */
export interface ThresholdFacts {
  /** Qualitative severity of the primary CVSS assessment. */
  severity: Severity | null;
  /** Primary CVSS base score, 0–10. */
  cvssScore: number | null;
  epss: number | null;
  percentile: number | null;
  kev: boolean;
  /** KEV `knownRansomwareCampaignUse` is `Known`. */
  ransomware: boolean;
}

/**
 * The threshold inputs of a CVE's view; `epss` replaces the view's EPSS with one day's values
 * (EPSS events are judged on the day that moved).
 */
export function thresholdFactsOf(view: VulnerabilityView, epss?: { score: number; percentile: number }): ThresholdFacts {
  return {
    severity: view.severity,
    cvssScore: view.primaryCvss?.baseScore ?? null,
    epss: epss?.score ?? view.epss?.score ?? null,
    percentile: epss?.percentile ?? view.epss?.percentile ?? null,
    kev: view.kev !== null,
    ransomware: view.kev?.knownRansomwareCampaignUse === 'Known',
  };
}

/**
 * Checks thresholds: `minCvss` 0–10, `minEpss` and `minPercentile` 0–1, `minSeverity` one of
 * NONE…CRITICAL, `kevOnly`/`ransomwareOnly` booleans; unknown names are refused.
 * @returns a reason, or `null` when valid.
 */
export function thresholdProblem(t: Readonly<Record<string, unknown>>): string | null {
  for (const [name, value] of Object.entries(t)) {
    if (value === undefined) continue;
    const rule = THRESHOLD_RULES[name as keyof Thresholds];
    if (rule === undefined) return `unknown threshold "${name}" (known: ${Object.keys(THRESHOLD_RULES).join(', ')})`;
    if (rule === 'severity') {
      if (!SEVERITY_ORDER.includes(value as Severity)) return `${name} must be one of ${SEVERITY_ORDER.join(', ')} (got ${JSON.stringify(value)})`;
    } else if (rule === 'boolean') {
      if (typeof value !== 'boolean') return `${name} must be true or false (got ${JSON.stringify(value)})`;
    } else if (typeof value !== 'number' || !Number.isFinite(value) || value < rule[0] || value > rule[1]) {
      return `${name} must be a number from ${rule[0]} to ${rule[1]} (got ${JSON.stringify(value)})`;
    }
  }
  return null;
}

function atLeast(name: 'minCvss' | 'minEpss' | 'minPercentile', required: number, actual: number | null): ThresholdCheck {
  return { name, required, actual, passed: actual !== null && actual >= required };
}

/**
 * Checks every threshold `t` sets, in a fixed order (minSeverity, minCvss, minEpss, minPercentile,
 * kevOnly, ransomwareOnly). A value the CVE lacks (no CVSS yet, no EPSS score) fails a threshold
 * that needs it; `kevOnly: false` / `ransomwareOnly: false` set nothing.
 * @example checkThresholds({ minCvss: 9 }, { severity: 'CRITICAL', cvssScore: 10, epss: null, percentile: null, kev: true, ransomware: false })
 * // [{ name: 'minCvss', required: 9, actual: 10, passed: true }]
 */
export function checkThresholds(t: Thresholds, facts: ThresholdFacts): ThresholdCheck[] {
  const checks: ThresholdCheck[] = [];
  if (t.minSeverity !== undefined) {
    const actual = facts.severity;
    const passed = actual !== null && severityRank(actual) >= severityRank(t.minSeverity);
    checks.push({ name: 'minSeverity', required: t.minSeverity, actual, passed });
  }
  if (t.minCvss !== undefined) checks.push(atLeast('minCvss', t.minCvss, facts.cvssScore));
  if (t.minEpss !== undefined) checks.push(atLeast('minEpss', t.minEpss, facts.epss));
  if (t.minPercentile !== undefined) checks.push(atLeast('minPercentile', t.minPercentile, facts.percentile));
  if (t.kevOnly) checks.push({ name: 'kevOnly', required: true, actual: facts.kev, passed: facts.kev });
  if (t.ransomwareOnly) checks.push({ name: 'ransomwareOnly', required: true, actual: facts.ransomware, passed: facts.ransomware });
  return checks;
}

/** Whether every check passed (true for no checks: an entry without thresholds always alerts). */
export function passesAll(checks: readonly ThresholdCheck[]): boolean {
  return checks.every((c) => c.passed);
}
