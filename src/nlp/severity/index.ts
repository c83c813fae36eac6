/**
 * Severity from text (issue 14): a CVE-style description → CVSS v3 qualitative severity
 * (LOW/MEDIUM/HIGH/CRITICAL) with a calibrated 0–1 probability, or no label when the model is not
 * confident enough (threshold chosen on validation for 90 % accuracy). Trained on NVD's v3
 * severities (train.ts), vetoed by a base-score regression when validation chose that (score.ts); always shown as predicted, never as NVD's.
 *
 * @example
 * const model = await loadSeverityModel(ctx); // null until `vigil nlp train severity`
 * model?.predict('SQL injection in the login form allows remote attackers to execute arbitrary SQL commands.');
 * // { label: 'CRITICAL', probability: 0.71, model: 'severity@1' }
 */
import { VigilError } from '../../errors.ts';
import type { AnalyzerContext } from '../context.ts';
import { LogisticModel, TfidfVectorizer } from '../ml/index.ts';
import { stampLabel, stampOf } from '../models.ts';
import type { ModelDefinition, ModelStamp, SeverityModel, SeverityPrediction } from '../types.ts';
import { combineViews, predictScore } from './score.ts';
import { SeverityPayload, trainSeverity } from './train.ts';

/** Model name in the repository. */
export const SEVERITY_MODEL = 'severity';

/** The severity model: `vigil nlp train severity`. */
export const severityDefinition: ModelDefinition<SeverityPayload> = {
  name: SEVERITY_MODEL,
  describe:
    'CVSS v3 severity (LOW/MEDIUM/HIGH/CRITICAL) of a description, calibrated, abstains when unsure (NVD 2018 + 2025 + recent, CNA/ADP severities of 2024 CVE 5 records)',
  async train(ctx) {
    const { testBins: _bins, ...trained } = await trainSeverity(ctx);
    return trained;
  },
};

export const severityModels: ModelDefinition[] = [severityDefinition as ModelDefinition];

/** A severity model over a validated payload. */
export function severityModel(payload: SeverityPayload, model: ModelStamp): SeverityModel {
  const vectorizer = TfidfVectorizer.fromState(payload.vectorizer);
  const lr = new LogisticModel(payload.model);
  const label = stampLabel(model);
  return {
    model,
    predict(text: string): SeverityPrediction {
      const x = vectorizer.transform(text);
      const p = lr.probabilities(x);
      const v = combineViews(p, payload.score ? predictScore(payload.score, x) : null, payload.sigma, payload.rule, payload.product);
      const probability = Math.round(v.p * 1e4) / 1e4;
      return { label: !v.veto && v.p >= payload.threshold ? (payload.classes[v.k] ?? null) : null, probability, model: label };
    },
  };
}

/**
 * The current `severity` model, or null when it is not trained.
 * @throws VigilError VIGIL_MODEL_INVALID when the file's payload fails its schema.
 */
export async function loadSeverityModel(ctx: AnalyzerContext): Promise<SeverityModel | null> {
  const file = ctx.models.load(SEVERITY_MODEL);
  if (!file) return null;
  const parsed = SeverityPayload.safeParse(file.payload);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new VigilError('VIGIL_MODEL_INVALID', [`${SEVERITY_MODEL}@${file.version}`, `payload.${issue?.path.join('.')}: ${issue?.message}`]);
  }
  return severityModel(parsed.data, stampOf(file));
}
