/**
 * Impact (CERT-FR risks) and news event (CASIE) classifiers, and analysts' relevance model
 * (issue 14). See models.ts for the two text models, relevance.ts for relevance.
 */

import type { AnalyzerContext } from '../context.ts';
import { stampOf } from '../models.ts';
import type { ModelDefinition, TextClassifier } from '../types.ts';
import { EVENTS_MODEL, eventsModel, IMPACT_MODEL, impactModel, textClassifier } from './models.ts';
import { relevanceModel } from './relevance.ts';

/** The models of this folder, in `vigil nlp train` order. */
export const classifyModels: ModelDefinition[] = [impactModel as ModelDefinition, eventsModel as ModelDefinition, relevanceModel as ModelDefinition];

/** The text classifiers: model name, scheme, the one language it reads (null: any). */
const TEXT_MODELS = [
  { name: IMPACT_MODEL, scheme: 'impact', lang: 'fr' },
  { name: EVENTS_MODEL, scheme: 'event', lang: 'en' },
] as const;

/**
 * The classifiers whose models are trained (`classifiers`); the names of the others (`missing`).
 * @throws VigilError VIGIL_MODEL_INVALID when a stored model file is damaged.
 * @example
 * const { classifiers } = await loadTextClassifiers(ctx);
 * classifiers[0]?.predict('De multiples vulnérabilités … exécution de code arbitraire à distance.', 'fr');
 */
export async function loadTextClassifiers(ctx: AnalyzerContext): Promise<{ classifiers: TextClassifier[]; missing: string[] }> {
  const classifiers: TextClassifier[] = [];
  const missing: string[] = [];
  for (const m of TEXT_MODELS) {
    const file = ctx.models.load(m.name);
    if (!file) {
      missing.push(m.name);
      continue;
    }
    classifiers.push(textClassifier(m.scheme, stampOf(file), file.payload, `${ctx.models.dir}/${m.name}/${file.version}.json`, m.lang));
  }
  return { classifiers, missing };
}
