/**
 * ATT&CK technique classifier trained on TRAM (issue 14): sentence → the techniques it describes
 * (TRAM's 50 Enterprise techniques), each with a 0–1 probability; none when no technique reaches
 * the threshold chosen on held-out reports. Training: train.ts; data: data.ts.
 *
 * @example
 * const classifier = await loadTechniqueClassifier(ctx); // null until `vigil nlp train techniques`
 * classifier?.classify(['It dumped credentials from LSASS memory with Mimikatz.']); // [[{ id: 'T1003.001', score: 0.97 }]]
 */
import { VigilError } from '../../errors.ts';
import type { AnalyzerContext } from '../context.ts';
import { LogisticModel, TfidfVectorizer } from '../ml/index.ts';
import { stampOf } from '../models.ts';
import type { ModelDefinition, ModelStamp, TechniqueClassifier } from '../types.ts';
import { techniqueNames } from './data.ts';
import { pickLabels, TechniquePayload, trainTechniques } from './train.ts';

/** Model name in the repository. */
export const TECHNIQUE_MODEL = 'techniques';

/** The technique model: `vigil nlp train techniques`. */
export const techniqueDefinition: ModelDefinition<TechniquePayload> = {
  name: TECHNIQUE_MODEL,
  describe: 'ATT&CK techniques of a sentence (TRAM: 50 techniques; TF-IDF + one-vs-rest logistic regression, reports held out)',
  train: (ctx) => trainTechniques(ctx),
};

export const techniqueModels: ModelDefinition[] = [techniqueDefinition as ModelDefinition];

/**
 * A classifier over a validated payload.
 * @param names technique names by id (the ATT&CK TSV's), used before the payload's own.
 */
export function techniqueClassifier(payload: TechniquePayload, model: ModelStamp, names: ReadonlyMap<string, string> = new Map()): TechniqueClassifier {
  const vectorizer = TfidfVectorizer.fromState(payload.vectorizer);
  const lr = new LogisticModel(payload.model);
  return {
    model,
    classify(sentences: readonly string[]) {
      return sentences.map((s) => pickLabels(lr.probabilities(vectorizer.transform(s)), payload.classes, payload.threshold, payload.maxLabels));
    },
    name(id: string) {
      return names.get(id) ?? payload.names[id] ?? id;
    },
  };
}

/**
 * The classifier of the current `techniques` model, or null when it is not trained.
 * @throws VigilError VIGIL_MODEL_INVALID when the file's payload fails its schema.
 */
export async function loadTechniqueClassifier(ctx: AnalyzerContext): Promise<TechniqueClassifier | null> {
  const file = ctx.models.load(TECHNIQUE_MODEL);
  if (!file) return null;
  const parsed = TechniquePayload.safeParse(file.payload);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new VigilError('VIGIL_MODEL_INVALID', [`${TECHNIQUE_MODEL}@${file.version}`, `payload.${issue?.path.join('.')}: ${issue?.message}`]);
  }
  return techniqueClassifier(parsed.data, stampOf(file), techniqueNames(ctx.config.dataDir));
}
