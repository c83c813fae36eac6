/** ATT&CK technique classifier trained on TRAM (issue 14). STUB: owned by the techniques/severity helper. */
import type { AnalyzerContext } from '../context.ts';
import type { ModelDefinition, TechniqueClassifier } from '../types.ts';

export const techniqueModels: ModelDefinition[] = [];

/** The classifier, or null when its model is not trained. */
export async function loadTechniqueClassifier(_ctx: AnalyzerContext): Promise<TechniqueClassifier | null> {
  return null;
}
