/**
 * Relevance (issue 14): keyword rules per user/team (their watchlists' keyword, regex, vendor and
 * product entries, relevance-data.ts) enhanced by a logistic-regression model trained on the
 * analysts' triage decisions (triaged/fixed = relevant, ignored = not).
 *
 * Features: TF-IDF of the subject's text (CVE title, description, affected vendors/products; word
 * uni- and bigrams, digits folded). Model: binary logistic regression, Platt-free (the decision
 * sets are small; k-fold accuracy is the figure). Figures: k-fold cross-validated accuracy (k = 5,
 * folds by subject, seeded) beside the majority-class baseline.
 *
 * Combination ({@link combineRelevance}): a rule hit makes a subject relevant unless the model is
 * confident it is not (P < 0.2); without a hit the model decides at P ≥ 0.5. Rules keep the
 * analyst's explicit intent; the model adds what they did not write down and vetoes only strong
 * "ignored" patterns.
 */
import { z } from 'zod';
import { VigilError } from '../../errors.ts';
import { LogisticModel, LogisticStateSchema, round, shuffled, type TfidfOptions, TfidfStateSchema, TfidfVectorizer, trainOneVsRest } from '../ml/index.ts';
import type { ModelDefinition, TrainContext, TrainedModel } from '../types.ts';
import { type KeywordRule, loadDecisions, type RelevanceDecision } from './relevance-data.ts';

/** The model's name. */
export const RELEVANCE_MODEL = 'relevance';

/** Decisions of each class below which `--report` says the figure means little. */
export const FEW_DECISIONS = 20;

/** Decisions of each class `train` needs at all. */
export const MIN_DECISIONS = 5;

/** Below this P(relevant) a rule hit is overruled. */
export const VETO_BELOW = 0.2;

const TFIDF: Partial<TfidfOptions> = { ngram: [1, 2], minDf: 1, maxDf: 0.95, maxFeatures: 30_000, foldDigits: true };
const L2 = 1e-3;
const MAX_ITER = 100;
const FOLDS = 5;

/** The stored payload. */
export const RelevancePayload = z.object({ vectorizer: TfidfStateSchema, model: LogisticStateSchema });
export type RelevancePayload = z.infer<typeof RelevancePayload>;

/** Cross-validation figures and decision counts. */
export interface RelevanceReport {
  relevant: number;
  notRelevant: number;
  /** Mean accuracy (0–1) over the folds; null when there are too few decisions to fold. */
  cvAccuracy: number | null;
  /** Accuracy (0–1) of always answering the majority class. */
  baseline: number;
  folds: number;
  /** Fewer than {@link FEW_DECISIONS} decisions in a class: the figure means little. */
  tooFew: boolean;
}

function fitRelevance(train: readonly RelevanceDecision[], maxIter: number): { vectorizer: TfidfVectorizer; model: LogisticModel } {
  const vectorizer = TfidfVectorizer.fit(
    train.map((d) => d.text),
    TFIDF,
  );
  const X = vectorizer.transformAll(train.map((d) => d.text));
  const model = trainOneVsRest(
    X,
    train.map((d) => (d.relevant ? [0] : [])),
    ['relevant'],
    vectorizer.dim,
    { l2: L2, maxIter },
  );
  return { vectorizer, model };
}

/**
 * k-fold cross-validated accuracy of the model on `decisions` (folds by subject, seeded; each fold
 * trains its own vectorizer and model on the other folds).
 */
export function crossValidate(
  decisions: readonly RelevanceDecision[],
  seed = 42,
  maxIter = MAX_ITER,
  onFold: (done: number, total: number) => void = () => {},
): RelevanceReport {
  const relevant = decisions.filter((d) => d.relevant).length;
  const notRelevant = decisions.length - relevant;
  const baseline = decisions.length ? Math.max(relevant, notRelevant) / decisions.length : 0;
  const tooFew = relevant < FEW_DECISIONS || notRelevant < FEW_DECISIONS;
  const k = Math.min(FOLDS, relevant, notRelevant);
  if (k < 2) return { relevant, notRelevant, cvAccuracy: null, baseline: round(baseline, 4), folds: 0, tooFew };
  // Stratified: each class is dealt round-robin over the folds after a seeded shuffle.
  const fold = new Map<string, number>();
  for (const cls of [true, false]) {
    shuffled(
      decisions.filter((d) => d.relevant === cls),
      seed,
    ).forEach((d, i) => {
      fold.set(d.subject, i % k);
    });
  }
  let correct = 0;
  for (let f = 0; f < k; f++) {
    const train = decisions.filter((d) => fold.get(d.subject) !== f);
    const test = decisions.filter((d) => fold.get(d.subject) === f);
    const { vectorizer, model } = fitRelevance(train, maxIter);
    for (const d of test) if ((model.probabilities(vectorizer.transform(d.text))[0] as number) >= 0.5 === d.relevant) correct++;
    onFold(f + 1, k);
  }
  return { relevant, notRelevant, cvAccuracy: round(correct / decisions.length, 4), baseline: round(baseline, 4), folds: k, tooFew };
}

/** `relevance`: trained on the store's triage decisions (`ctx.stores`). */
export const relevanceModel: ModelDefinition<RelevancePayload> = {
  name: RELEVANCE_MODEL,
  describe: 'relevance of a CVE to the analysts (their triage decisions: triaged/fixed vs ignored), with watchlist keyword rules',
  async train(ctx: TrainContext): Promise<TrainedModel<RelevancePayload>> {
    if (!ctx.stores) throw new VigilError('VIGIL_DATA_MISSING', ["analysts' triage decisions (no store open)"]);
    const decisions = await loadDecisions(ctx.stores, (done) => ctx.progress('decisions', done, done));
    const report = crossValidate(decisions, ctx.seed ?? 42, ctx.quick ? 40 : MAX_ITER, (d, t) => ctx.progress('cross-validation', d, t));
    if (report.relevant < MIN_DECISIONS || report.notRelevant < MIN_DECISIONS) {
      throw new VigilError('VIGIL_DATA_MISSING', [
        `analysts' triage decisions in the store: ${report.relevant} relevant (triaged/fixed), ${report.notRelevant} not (ignored); at least ${MIN_DECISIONS} of each are needed`,
      ]);
    }
    const { vectorizer, model } = fitRelevance(decisions, ctx.quick ? 40 : MAX_ITER);
    const metrics: Record<string, number> = {
      'cv.accuracy': report.cvAccuracy ?? 0,
      'cv.baseline': report.baseline,
      'cv.folds': report.folds,
      relevant: report.relevant,
      notRelevant: report.notRelevant,
    };
    return {
      payload: { vectorizer: vectorizer.toJSON(), model: model.toJSON() },
      metrics,
      data: { files: ['store: alerts triage'], train: decisions.length, valid: 0 },
      notes: [
        `${report.folds}-fold cross-validated accuracy ${report.cvAccuracy} (majority baseline ${report.baseline}); the stored model is trained on all ${decisions.length} decisions`,
        ...(report.tooFew ? [`fewer than ${FEW_DECISIONS} decisions in a class: the accuracy means little`] : []),
      ],
    };
  },
};

/** A loaded relevance model. */
export class RelevanceModel {
  private readonly vectorizer: TfidfVectorizer;
  private readonly model: LogisticModel;

  constructor(payload: RelevancePayload) {
    this.vectorizer = TfidfVectorizer.fromState(payload.vectorizer);
    this.model = new LogisticModel(payload.model);
  }

  /**
   * Parses a stored payload.
   * @throws VigilError VIGIL_MODEL_INVALID naming `file` and the field.
   */
  static fromPayload(payload: unknown, file: string): RelevanceModel {
    const parsed = RelevancePayload.safeParse(payload);
    if (!parsed.success)
      throw new VigilError('VIGIL_MODEL_INVALID', [file, `payload.${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message}`]);
    return new RelevanceModel(parsed.data);
  }

  /** P(relevant), 0–1. */
  probability(text: string): number {
    return this.model.probabilities(this.vectorizer.transform(text))[0] as number;
  }
}

/** A relevance verdict. */
export interface RelevanceScore {
  /** The model's P(relevant) (0–1), or null without a trained model. */
  probability: number | null;
  /** Rules that hit (`watchlist: keyword:log4j`). */
  rules: string[];
  relevant: boolean;
}

/** Rules and model together (see the module's doc): a hit is relevant unless P < {@link VETO_BELOW}; otherwise P ≥ 0.5. */
export function combineRelevance(text: string, rules: readonly KeywordRule[], model: RelevanceModel | null): RelevanceScore {
  const hits = rules.filter((r) => r.test(text)).map((r) => `${r.watchlist}: ${r.rule}`);
  const probability = model ? round(model.probability(text), 4) : null;
  const relevant = hits.length > 0 ? probability === null || probability >= VETO_BELOW : probability !== null && probability >= 0.5;
  return { probability, rules: hits, relevant };
}
