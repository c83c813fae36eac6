/** Entity recognition: gazetteers + trained sequence tagger (issue 14). STUB: owned by the NER helper. */
import type { AnalyzerContext } from '../context.ts';
import type { EntityRecognizer, ModelDefinition } from '../types.ts';

/** Trainable NER models (one per CTI NER set). */
export const nerModels: ModelDefinition[] = [];

/** The recognizer: ATT&CK and store gazetteers always; the tagger when a model is trained. */
export async function loadEntityRecognizer(
  _ctx: AnalyzerContext,
): Promise<{ recognizer: EntityRecognizer; models: import('../types.ts').ModelStamp[]; missing: string[] }> {
  return { recognizer: { recognize: () => [] }, models: [], missing: [] };
}
