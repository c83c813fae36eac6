/**
 * Vigil's priority score: what to fix first. Documented in docs/priority.md.
 *
 * score (0–100) = 55 × KEV listed
 *               +  5 × KEV says ransomware campaigns use it
 *               + 10 × a public exploit exists, when not in KEV
 *               + 25 × EPSS probability (0–1)
 *               + 15 × CVSS base score / 10
 * and 0 for a REJECTED CVE.
 *
 * The weights put the factors in the order CISA and FIRST advise: known exploitation (KEV)
 * first: any KEV entry (≥ 55) outranks every CVE outside KEV (≤ 50); then a public exploit
 * (Exploit-DB: weaponised, not yet known exploited; 10 points, counted only outside KEV, which
 * already says more), then the likelihood of exploitation (EPSS, up to 25 points), then technical
 * severity (CVSS, up to 15). Ties are broken by EPSS, then CVSS, then the newest publication.
 *
 * A CVE too new for EPSS ({@link PriorityInputs.awaitingEpss}) is scored with a prior instead of
 * a missing score read as 0: EPSS {@link AWAITING_EPSS.prior} (10 %), and, when it is critical
 * (CVSS ≥ {@link AWAITING_EPSS.criticalCvss}), the KEV weight: presumed exploited until FIRST
 * scores it (usually the next day). A new CVSS 10.0 CVE thus scores 72.5: above every KEV entry
 * with little exploitation activity today (EPSS < 10 %, no ransomware use), below every KEV entry
 * with EPSS ≥ 70 %; in between, CVSS and ransomware use decide.
 *
 * The same formula is compiled to SQL ({@link prioritySql}) so that the store can keep the score
 * as a generated column, always consistent with its inputs; the unit tests check both agree.
 */
import type { Priority, PriorityFactor } from '../model/record.ts';

/** The weights, in points. */
export const PRIORITY_WEIGHTS = { kev: 55, ransomware: 5, exploit: 10, epss: 25, cvss: 15 } as const;

/**
 * The prior of a CVE awaiting its first EPSS score (docs/priority.md, "New CVEs"): the EPSS
 * probability (0–1) assumed meanwhile, the CVSS base score (0–10) from which it is also presumed
 * exploited, and how many days before the newest stored EPSS day a CVE may be published and still
 * count as awaiting (EPSS scores a new CVE within a day or two; older unscored CVEs get no prior).
 */
export const AWAITING_EPSS = { prior: 0.1, criticalCvss: 9, days: 7 } as const;

/** Inputs of the priority score. */
export interface PriorityInputs {
  rejected: boolean;
  kev: boolean;
  ransomware: boolean;
  /** EPSS probability 0–1, or null when EPSS has no score. */
  epss: number | null;
  /** CVSS base score 0–10 of the primary assessment, or null. */
  cvssScore: number | null;
  /**
   * No EPSS score yet because the CVE is new: published at most {@link AWAITING_EPSS.days} days
   * before the newest stored EPSS day, or after it (the store decides; see epss.ts). Default false.
   */
  awaitingEpss?: boolean;
  /**
   * Public exploits naming the CVE (stored `kind: 'exploit'` advisories that list it, not
   * withdrawn: Exploit-DB). Any number ≥ 1 counts the same. Default 0.
   */
  exploits?: number;
}

/** Whether `inputs` are scored with the prior (awaiting EPSS, no score yet). */
function usesPrior(inputs: PriorityInputs): boolean {
  return inputs.awaitingEpss === true && inputs.epss === null;
}

/** Whether a CVE outside KEV is presumed exploited: critical and awaiting its first EPSS score. */
function presumedExploited(inputs: PriorityInputs): boolean {
  return !inputs.kev && usesPrior(inputs) && (inputs.cvssScore ?? 0) >= AWAITING_EPSS.criticalCvss;
}

/**
 * Whether the public-exploit factor counts: a public exploit exists and the CVE is neither in KEV
 * nor presumed exploited (exploitation in the wild, confirmed or presumed, already implies an
 * attack exists: the exploit would count twice).
 */
function exploitCounts(inputs: PriorityInputs): boolean {
  return (inputs.exploits ?? 0) > 0 && !inputs.kev && !presumedExploited(inputs);
}

const round2 = (x: number): number => Math.round(x * 100) / 100;

/**
 * Computes the priority score and explains each factor's contribution.
 * @example computePriority({ rejected: false, kev: true, ransomware: false, epss: 0.94, cvssScore: 10 })
 *   // { score: 93.5, factors: [...] }
 */
export function computePriority(inputs: PriorityInputs): Priority {
  const w = PRIORITY_WEIGHTS;
  if (inputs.rejected) {
    return {
      score: 0,
      factors: [{ name: 'rejected', value: 1, contribution: 0, explanation: 'The CVE is REJECTED: nothing to fix.' }],
    };
  }
  const prior = usesPrior(inputs);
  const presumed = presumedExploited(inputs);
  const epss = prior ? AWAITING_EPSS.prior : inputs.epss;
  const exploits = inputs.exploits ?? 0;
  const exploit = exploitCounts(inputs);
  const factors: PriorityFactor[] = [
    {
      name: 'kev',
      value: inputs.kev ? 1 : 0,
      contribution: inputs.kev || presumed ? w.kev : 0,
      explanation: inputs.kev
        ? `In CISA KEV: exploited in the wild (+${w.kev}).`
        : presumed
          ? `Not in CISA KEV, but critical (CVSS ≥ ${AWAITING_EPSS.criticalCvss.toFixed(1)}) and too new for EPSS: presumed exploited until EPSS scores it (+${w.kev}).`
          : 'Not in CISA KEV: no known exploitation in the wild (+0).',
    },
    {
      name: 'ransomware',
      value: inputs.ransomware ? 1 : 0,
      contribution: inputs.ransomware ? w.ransomware : 0,
      explanation: inputs.ransomware ? `KEV: known to be used in ransomware campaigns (+${w.ransomware}).` : 'No known ransomware campaign use (+0).',
    },
    {
      name: 'exploit',
      value: exploits,
      contribution: exploit ? w.exploit : 0,
      explanation:
        exploits === 0
          ? 'No public exploit known (+0).'
          : `${exploits === 1 ? 'A public exploit is' : `${exploits} public exploits are`} published (Exploit-DB)${
              exploit
                ? `: attack code is available to anyone (+${w.exploit}).`
                : `, counted within ${inputs.kev ? 'KEV' : 'the presumed exploitation'}: exploitation in the wild already implies it (+0).`
            }`,
    },
    {
      name: 'epss',
      value: epss,
      contribution: round2(w.epss * (epss ?? 0)),
      explanation:
        epss === null
          ? 'No EPSS score (+0).'
          : prior
            ? `No EPSS score yet (new CVE): prior ${(AWAITING_EPSS.prior * 100).toFixed(0)}% until EPSS scores it × ${w.epss} (+${round2(w.epss * AWAITING_EPSS.prior)}).`
            : `EPSS ${(epss * 100).toFixed(2)}% probability of exploitation in 30 days × ${w.epss} (+${round2(w.epss * epss)}).`,
    },
    {
      name: 'cvss',
      value: inputs.cvssScore,
      contribution: round2((w.cvss * (inputs.cvssScore ?? 0)) / 10),
      explanation:
        inputs.cvssScore === null
          ? 'No CVSS score (+0).'
          : `CVSS base score ${inputs.cvssScore.toFixed(1)}/10 × ${w.cvss} (+${round2((w.cvss * inputs.cvssScore) / 10)}).`,
    },
  ];
  const score =
    w.kev * Number(inputs.kev || presumed) +
    w.ransomware * Number(inputs.ransomware) +
    w.exploit * Number(exploit) +
    w.epss * (epss ?? 0) +
    (w.cvss * (inputs.cvssScore ?? 0)) / 10;
  return { score: round2(score), factors };
}

/**
 * The same formula as an SQL expression over the columns `state`, `kev`, `ransomware`, `epss`,
 * `cvss_score`, `awaiting_epss` (0/1) and `exploits` (a count; SQLite and PostgreSQL), rounded
 * to 2 decimals.
 */
export function prioritySql(): string {
  const w = PRIORITY_WEIGHTS;
  const a = AWAITING_EPSS;
  const prior = 'awaiting_epss = 1 AND epss IS NULL';
  const exploited = `(kev = 1 OR (${prior} AND coalesce(cvss_score, 0) >= ${a.criticalCvss}))`;
  const epss = `coalesce(epss, CASE WHEN ${prior} THEN ${a.prior} ELSE 0 END)`;
  const exploit = `(CASE WHEN exploits > 0 AND NOT ${exploited} THEN 1 ELSE 0 END)`;
  return `(CASE WHEN state = 'REJECTED' THEN 0 ELSE round(${w.kev} * (CASE WHEN ${exploited} THEN 1 ELSE 0 END) + ${w.ransomware} * ransomware + ${w.exploit} * ${exploit} + ${w.epss} * ${epss} + ${w.cvss} * coalesce(cvss_score, 0) / 10.0, 2) END)`;
}
