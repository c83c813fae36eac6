/**
 * Vigil's priority score: what to fix first. Documented in docs/priority.md.
 *
 * score (0–100) = 55 × KEV listed
 *               +  5 × KEV says ransomware campaigns use it
 *               + 25 × EPSS probability (0–1)
 *               + 15 × CVSS base score / 10
 * and 0 for a REJECTED CVE.
 *
 * The weights put the factors in the order CISA and FIRST advise: known exploitation (KEV)
 * first: any KEV entry (≥ 55) outranks every CVE outside KEV (≤ 40); then the likelihood of
 * exploitation (EPSS, up to 25 points), then technical severity (CVSS, up to 15). Ties are broken
 * by EPSS, then CVSS, then the newest publication.
 *
 * The same formula is compiled to SQL ({@link prioritySql}) so that the store can keep the score
 * as a generated column, always consistent with its inputs; the unit tests check both agree.
 */
import type { Priority, PriorityFactor } from '../model/record.ts';

/** The weights, in points. */
export const PRIORITY_WEIGHTS = { kev: 55, ransomware: 5, epss: 25, cvss: 15 } as const;

/** Inputs of the priority score. */
export interface PriorityInputs {
  rejected: boolean;
  kev: boolean;
  ransomware: boolean;
  /** EPSS probability 0–1, or null when EPSS has no score. */
  epss: number | null;
  /** CVSS base score 0–10 of the primary assessment, or null. */
  cvssScore: number | null;
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
  const factors: PriorityFactor[] = [
    {
      name: 'kev',
      value: inputs.kev ? 1 : 0,
      contribution: inputs.kev ? w.kev : 0,
      explanation: inputs.kev
        ? `In CISA KEV: exploited in the wild (+${w.kev}).`
        : 'Not in CISA KEV: no known exploitation in the wild (+0).',
    },
    {
      name: 'ransomware',
      value: inputs.ransomware ? 1 : 0,
      contribution: inputs.ransomware ? w.ransomware : 0,
      explanation: inputs.ransomware
        ? `KEV: known to be used in ransomware campaigns (+${w.ransomware}).`
        : 'No known ransomware campaign use (+0).',
    },
    {
      name: 'epss',
      value: inputs.epss,
      contribution: round2(w.epss * (inputs.epss ?? 0)),
      explanation:
        inputs.epss === null
          ? 'No EPSS score (+0).'
          : `EPSS ${(inputs.epss * 100).toFixed(2)}% probability of exploitation in 30 days × ${w.epss} (+${round2(w.epss * inputs.epss)}).`,
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
  const score = w.kev * Number(inputs.kev) + w.ransomware * Number(inputs.ransomware) + w.epss * (inputs.epss ?? 0) + (w.cvss * (inputs.cvssScore ?? 0)) / 10;
  return { score: round2(score), factors };
}

/**
 * The same formula as an SQL expression over the columns `state`, `kev`, `ransomware`, `epss`
 * and `cvss_score` (SQLite and PostgreSQL), rounded to 2 decimals.
 */
export function prioritySql(): string {
  const w = PRIORITY_WEIGHTS;
  return `(CASE WHEN state = 'REJECTED' THEN 0 ELSE round(${w.kev} * kev + ${w.ransomware} * ransomware + ${w.epss} * coalesce(epss, 0) + ${w.cvss} * coalesce(cvss_score, 0) / 10.0, 2) END)`;
}
