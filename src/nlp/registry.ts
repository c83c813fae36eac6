/**
 * Every trainable model (issue 14): `vigil nlp train` trains them, `vigil nlp models` lists them.
 * A new model is a definition in its folder plus its entry in that folder's array.
 */
import { classifyModels } from './classify/index.ts';
import { nerModels } from './ner/index.ts';
import { severityModels } from './severity/index.ts';
import { techniqueModels } from './techniques/index.ts';
import type { ModelDefinition } from './types.ts';

/** All model definitions, by name order of their folders. */
export function modelDefinitions(): ModelDefinition[] {
  return [...nerModels, ...techniqueModels, ...severityModels, ...classifyModels];
}
