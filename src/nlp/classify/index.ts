/** Impact (CERT-FR risks) and news event (CASIE) classifiers, relevance (issue 14). STUB: owned by the classify helper. */
import type { AnalyzerContext } from '../context.ts';
import type { ModelDefinition, TextClassifier } from '../types.ts';

export const classifyModels: ModelDefinition[] = [];

/** The classifiers whose models are trained (others listed in `missing` by name). */
export async function loadTextClassifiers(_ctx: AnalyzerContext): Promise<{ classifiers: TextClassifier[]; missing: string[] }> {
  return { classifiers: [], missing: [] };
}
