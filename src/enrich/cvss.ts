/**
 * CVSS scoring for v2.0, v3.0, v3.1 and v4.0 vectors, with ae-cvss-calculator doing the arithmetic.
 * Every vector is validated first (the library throws a bare TypeError on garbage), and results are
 * memoised by vector string: real feeds repeat the same few thousand vectors endlessly.
 *
 * Specs: v2.0 https://www.first.org/cvss/v2/guide (§3.2 equations);
 * v3.0 https://www.first.org/cvss/v3.0/specification-document; v3.1
 * https://www.first.org/cvss/v3.1/specification-document (§5 ratings, §6 vector, §7 equations);
 * v4.0 https://www.first.org/cvss/v4.0/specification-document (§6 ratings, §7 vector).
 */
import aeCvss from 'ae-cvss-calculator';
import { VigilError } from '../errors.ts';
import type { CvssVersion, Severity } from '../model/vulnerability.ts';
import { cvssSyntaxProblem, cvssVersionOf } from './cvss-syntax.ts';

// The package is CommonJS: named ESM imports fail, the default import is module.exports.
const { Cvss2, Cvss3P0, Cvss3P1, Cvss4P0 } = aeCvss;

/** CVSS v4.0 nomenclature: which metric groups the score took into account (v4.0 spec §1.3). */
export type Cvss4Nomenclature = 'CVSS-B' | 'CVSS-BT' | 'CVSS-BE' | 'CVSS-BTE';

/** The score of one vector. Scores are 0–10 with one decimal. */
export interface CvssScore {
  version: CvssVersion;
  /** The vector exactly as given. */
  vector: string;
  /**
   * v2.0/v3.x: the base score. v4.0: the score of the vector as given, i.e. CVSS-B, -BT, -BE or
   * -BTE depending on which metric groups it carries (see `nomenclature`).
   */
  baseScore: number;
  baseSeverity: Severity;
  /** v2.0/v3.x only, present when the vector sets a temporal metric (E, RL, RC) to a defined value. */
  temporalScore?: number;
  /** v2.0/v3.x only, present when the vector sets an environmental metric to a defined value. */
  environmentalScore?: number;
  /** v4.0 only. */
  nomenclature?: Cvss4Nomenclature;
}

type Calculator = InstanceType<typeof Cvss2 | typeof Cvss3P0 | typeof Cvss3P1 | typeof Cvss4P0>;

const calculators: Record<CvssVersion, new (vector?: string) => Calculator> = {
  '2.0': Cvss2,
  '3.0': Cvss3P0,
  '3.1': Cvss3P1,
  '4.0': Cvss4P0,
};

/** What a version accepts: base metrics in specification order, and every metric's values. */
interface MetricTable {
  base: readonly string[];
  values: ReadonlyMap<string, ReadonlySet<string>>;
}

const tables = new Map<CvssVersion, MetricTable>();

/** The library's own metric registry, minus "Not Defined" for base metrics (which must be set). */
function metricTable(version: CvssVersion): MetricTable {
  let table = tables.get(version);
  if (!table) {
    const base: string[] = [];
    const values = new Map<string, Set<string>>();
    for (const [category, components] of new calculators[version]().getRegisteredComponents()) {
      for (const component of components) {
        const isBase = category.name === 'base';
        if (isBase) base.push(component.shortName);
        const names = component.values.map((v) => v.shortName).filter((v) => !isBase || (v !== 'X' && v !== 'ND'));
        values.set(component.shortName, new Set(names));
      }
    }
    table = { base, values };
    tables.set(version, table);
  }
  return table;
}

function invalid(vector: string, reason: string, cause?: unknown): VigilError {
  return new VigilError('VIGIL_INVALID_CVSS_VECTOR', [vector, reason], cause === undefined ? undefined : { cause });
}

interface ParsedVector {
  version: CvssVersion;
  /** What the library is given: v2.0 without its optional parentheses, others unchanged. */
  input: string;
  metrics: Map<string, string>;
}

/**
 * Why an unprefixed vector that is not CVSS v2.0 fails, for the user who left out `CVSS:3.1/`:
 * the prefixed vector when adding `CVSS:3.1/` or `CVSS:4.0/` makes it valid, else a reminder of
 * the prefixes when it uses v3.x/v4.0 metric names; '' for a vector with a `CVSS:` prefix.
 */
function prefixHint(vector: string): string {
  if (/^\(?CVSS:/i.test(vector)) return '';
  const lead = ' (a vector without a "CVSS:x.y/" prefix is read as CVSS 2.0)';
  for (const version of ['3.1', '4.0'] as const) {
    const candidate = `CVSS:${version}/${vector}`;
    try {
      parseVector(candidate);
      return `${lead}: did you mean "${candidate}"?`;
    } catch (err) {
      if (!(err instanceof VigilError)) throw err; // not valid with this prefix either: try the next
    }
  }
  const names = vector.split('/').map((pair) => pair.slice(0, pair.indexOf(':')));
  const v3v4 = names.some((n) => !metricTable('2.0').values.has(n) && (metricTable('3.1').values.has(n) || metricTable('4.0').values.has(n)));
  return v3v4 ? `${lead}: v3.x and v4.0 vectors start with "CVSS:3.1/" or "CVSS:4.0/"` : '';
}

/**
 * Validates a vector: known prefix (and the stated version, if any), well-formed `Metric:Value`
 * pairs, every metric known for its version and set at most once, every value known, all base
 * metrics present, then the syntax check of `cvss-syntax.ts`. v3.x base metrics may come in any
 * order (the FIRST v3 calculators accept it; the corpus has `CVSS:3.0/S:U/AV:N/…`), so for v3.x the
 * syntax check runs on the vector with its base metrics put in specification order.
 * @throws VigilError `VIGIL_INVALID_CVSS_VECTOR` with the reason.
 */
function parseVector(vector: string, stated?: CvssVersion): ParsedVector {
  if (vector === '') throw invalid(vector, 'empty vector');
  if (/^CVSS:2\.0\//i.test(vector)) throw invalid(vector, 'CVSS v2.0 vectors carry no "CVSS:2.0/" prefix');
  const version = cvssVersionOf(vector);
  if (!version || (stated && stated !== version)) {
    throw invalid(vector, `${cvssSyntaxProblem(vector, stated) ?? 'unknown CVSS version prefix'}${version ? '' : prefixHint(vector)}`);
  }
  let input = vector;
  if (version === '2.0' && vector.startsWith('(') && vector.endsWith(')')) input = vector.slice(1, -1);
  const body = version === '2.0' ? input : input.slice('CVSS:3.1/'.length);
  if (body.endsWith('/')) throw invalid(vector, 'trailing "/"');
  const table = metricTable(version);
  const metrics = new Map<string, string>();
  for (const pair of body.split('/')) {
    const m = /^([A-Za-z]+):([A-Za-z]+)$/.exec(pair);
    if (!m) throw invalid(vector, `"${pair}" is not a Metric:Value pair`);
    const [, metric = '', value = ''] = m;
    const known = table.values.get(metric);
    if (!known) throw invalid(vector, `unknown metric "${metric}" for CVSS ${version}${version === '2.0' ? prefixHint(vector) : ''}`);
    if (metrics.has(metric)) throw invalid(vector, `metric "${metric}" appears more than once`);
    if (!known.has(value)) throw invalid(vector, `unknown value "${value}" for metric ${metric} (CVSS ${version}; allowed: ${[...known].join(', ')})`);
    metrics.set(metric, value);
  }
  const missing = table.base.filter((metric) => !metrics.has(metric));
  if (missing.length > 0) throw invalid(vector, `missing base metric${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`);
  const problem = cvssSyntaxProblem(vector, version);
  if (problem) throw invalid(vector, problem);
  return { version, input, metrics };
}

/**
 * CVSS v2.0 weights (v2 guide §3.2.1–3.2.3). Temporal and environmental scores are computed here:
 * ae-cvss-calculator 1.0.13 rounds 9.0 × 0.95 = 8.549999… down to 8.5 (the NVD calculator says 8.6),
 * and it does not round AdjustedBase/AdjustedTemporal as the guide's equations do.
 */
const V2_WEIGHTS: Record<string, Record<string, number>> = {
  AV: { L: 0.395, A: 0.646, N: 1 },
  AC: { H: 0.35, M: 0.61, L: 0.71 },
  Au: { M: 0.45, S: 0.56, N: 0.704 },
  C: { N: 0, P: 0.275, C: 0.66 },
  I: { N: 0, P: 0.275, C: 0.66 },
  A: { N: 0, P: 0.275, C: 0.66 },
  E: { U: 0.85, POC: 0.9, F: 0.95, H: 1, ND: 1 },
  RL: { OF: 0.87, TF: 0.9, W: 0.95, U: 1, ND: 1 },
  RC: { UC: 0.9, UR: 0.95, C: 1, ND: 1 },
  CDP: { N: 0, L: 0.1, LM: 0.3, MH: 0.4, H: 0.5, ND: 0 },
  TD: { N: 0, L: 0.25, M: 0.75, H: 1, ND: 1 },
  CR: { L: 0.5, M: 1, H: 1.51, ND: 1 },
  IR: { L: 0.5, M: 1, H: 1.51, ND: 1 },
  AR: { L: 0.5, M: 1, H: 1.51, ND: 1 },
};

/** round_to_1_decimal, half up; the epsilon absorbs binary error (8.549999… is 8.55). */
function round1(x: number): number {
  return Math.round(x * 10 + 1e-9) / 10 + 0;
}

function v2TemporalEnvironmental(metrics: ReadonlyMap<string, string>, baseScore: number): Pick<CvssScore, 'temporalScore' | 'environmentalScore'> {
  const w = (metric: string): number => V2_WEIGHTS[metric]?.[metrics.get(metric) ?? 'ND'] ?? Number.NaN;
  const defined = (group: readonly string[]): boolean => group.some((metric) => (metrics.get(metric) ?? 'ND') !== 'ND');
  const temporalFactor = w('E') * w('RL') * w('RC');
  const out: Pick<CvssScore, 'temporalScore' | 'environmentalScore'> = {};
  if (defined(['E', 'RL', 'RC'])) out.temporalScore = round1(baseScore * temporalFactor);
  if (defined(['CDP', 'TD', 'CR', 'IR', 'AR'])) {
    const adjustedImpact = Math.min(10, 10.41 * (1 - (1 - w('C') * w('CR')) * (1 - w('I') * w('IR')) * (1 - w('A') * w('AR'))));
    const exploitability = 20 * w('AV') * w('AC') * w('Au');
    const adjustedBase = round1((0.6 * adjustedImpact + 0.4 * exploitability - 1.5) * (adjustedImpact === 0 ? 0 : 1.176));
    const adjustedTemporal = round1(adjustedBase * temporalFactor);
    out.environmentalScore = round1((adjustedTemporal + (10 - adjustedTemporal) * w('CDP')) * w('TD'));
  }
  return out;
}

function checkedScore(vector: string, what: string, value: number | undefined): number {
  if (value === undefined || !Number.isFinite(value) || value < 0 || value > 10) {
    throw invalid(vector, `the calculator returned no valid ${what} score (${value})`);
  }
  return value + 0; // turns the v2.0 "-0.0" of zero-impact vectors into 0
}

function compute(vector: string, parsed: ParsedVector): CvssScore {
  const { version } = parsed;
  let calculator: Calculator;
  let result: ReturnType<Calculator['calculateScores']>;
  try {
    calculator = new calculators[version](parsed.input);
    result = calculator.calculateScores();
  } catch (err) {
    throw invalid(vector, `the calculator rejected it: ${err instanceof Error ? err.message : String(err)}`, err);
  }
  if (calculator instanceof Cvss4P0) {
    const baseScore = checkedScore(vector, 'base', result.overall);
    const nomenclature = calculator.getNomenclature();
    return {
      version,
      vector,
      baseScore,
      baseSeverity: severityOf(version, baseScore),
      ...(isNomenclature(nomenclature) ? { nomenclature } : {}),
    };
  }
  const multi = result as ReturnType<InstanceType<typeof Cvss3P1>['calculateScores']>;
  const baseScore = checkedScore(vector, 'base', multi.base);
  const score: CvssScore = { version, vector, baseScore, baseSeverity: severityOf(version, baseScore) };
  if (version === '2.0') return Object.assign(score, v2TemporalEnvironmental(parsed.metrics, baseScore));
  if (multi.temporal !== undefined) score.temporalScore = checkedScore(vector, 'temporal', multi.temporal);
  if (multi.environmental !== undefined) score.environmentalScore = checkedScore(vector, 'environmental', multi.environmental);
  return score;
}

function isNomenclature(s: string): s is Cvss4Nomenclature {
  return s === 'CVSS-B' || s === 'CVSS-BT' || s === 'CVSS-BE' || s === 'CVSS-BTE';
}

/** How many distinct vectors {@link scoreCvss} remembers; the oldest is forgotten first. */
export const CVSS_MEMO_SIZE = 50_000;
const memo = new Map<string, Readonly<CvssScore>>();

/**
 * Validates and scores a CVSS vector. Results are memoised by vector string (up to
 * {@link CVSS_MEMO_SIZE} vectors) and returned frozen: callers must not mutate them.
 * @param vector v2.0 without prefix (optionally in parentheses, as some feeds write it), v3.x/v4.0
 *   with their `CVSS:x.y/` prefix.
 * @param version the version the source states; a vector of another version is rejected.
 * @returns version, vector, base score 0–10 (one decimal) and its severity, plus the extras
 *   described on {@link CvssScore}.
 * @throws VigilError `VIGIL_INVALID_CVSS_VECTOR` (`[vector, reason]`) for any invalid vector.
 * @example scoreCvss('CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H').baseScore // 9.8
 */
export function scoreCvss(vector: string, version?: CvssVersion): CvssScore {
  const hit = memo.get(vector);
  if (hit) {
    if (version && hit.version !== version) throw invalid(vector, `vector is CVSS ${hit.version}, stated version is ${version}`);
    return hit;
  }
  const score = Object.freeze(compute(vector, parseVector(vector, version)));
  if (memo.size >= CVSS_MEMO_SIZE) {
    const oldest = memo.keys().next();
    if (!oldest.done) memo.delete(oldest.value);
  }
  memo.set(vector, score);
  return score;
}

/**
 * Qualitative severity of a score. v3.x/v4.0: NONE 0.0, LOW 0.1–3.9, MEDIUM 4.0–6.9, HIGH 7.0–8.9,
 * CRITICAL 9.0–10.0 (v3.1 spec §5, v4.0 spec §6). v2.0 has no official scale; NVD's is used:
 * LOW 0.0–3.9, MEDIUM 4.0–6.9, HIGH 7.0–10.0.
 * @param baseScore 0–10.
 * @throws RangeError when the score is not a number in 0–10.
 * @example severityOf('3.1', 9.8) // 'CRITICAL'
 */
export function severityOf(version: CvssVersion, baseScore: number): Severity {
  if (!Number.isFinite(baseScore) || baseScore < 0 || baseScore > 10) {
    throw new RangeError(`CVSS score must be a number in 0–10, got ${baseScore}`);
  }
  if (version === '2.0') return baseScore < 4 ? 'LOW' : baseScore < 7 ? 'MEDIUM' : 'HIGH';
  if (baseScore === 0) return 'NONE';
  if (baseScore < 4) return 'LOW';
  if (baseScore < 7) return 'MEDIUM';
  return baseScore < 9 ? 'HIGH' : 'CRITICAL';
}
