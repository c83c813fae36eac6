/**
 * The two multi-label text models (issue 14):
 * - `impact-certfr` (scheme `impact`): impact types of French security bulletins, trained on
 *   CERT-FR's `risks` (impact-labels.ts maps them to English labels). The model has only seen
 *   French: a text whose language is known or detected as anything else gets no impact label
 *   (`predict` returns `[]`) rather than a guess from a French vocabulary. No labelled English
 *   impact data is in the corpus (CERT-EU's advisories carry no impact field).
 * - `events-casie` (scheme `event`): news event types of English articles, trained on CASIE's
 *   human annotation; likewise `[]` for text known or detected to be in another language.
 *   NewsDataHub's keyword flags are an agreement check in the benchmark only, never training data.
 */

import { VigilError } from '../../errors.ts';
import { detectLanguage } from '../../intel/extract/language.ts';
import type { LabelProbability, ModelDefinition, ModelStamp, TextClassifier, TrainContext } from '../types.ts';
import { DATA_FILES, EVENT_LABELS, loadCasie, loadCertFr, stripRiskSentence } from './data.ts';
import { IMPACT_LABELS } from './impact-labels.ts';
import { MultiLabelClassifier, MultiLabelPayload, trainMultiLabel } from './multilabel.ts';

/** The impact model's name. */
export const IMPACT_MODEL = 'impact-certfr';
/** The news event model's name. */
export const EVENTS_MODEL = 'events-casie';

/** `impact-certfr`: trains on every CERT-FR bulletin with a stated impact. */
export const impactModel: ModelDefinition<MultiLabelPayload> = {
  name: IMPACT_MODEL,
  describe: 'impact types of French bulletins (CERT-FR risks: remote-code-execution, denial-of-service, …)',
  async train(ctx: TrainContext) {
    ctx.progress('reading', 0, 1);
    const records = loadCertFr(ctx.dataDir);
    ctx.progress('reading', 1, 1);
    return trainMultiLabel(
      {
        labels: IMPACT_LABELS,
        records,
        tfidf: { ngram: [1, 2], minDf: 3, maxDf: 0.9, maxFeatures: 60_000, foldDigits: true },
        l2: 2e-5,
        maxIter: 200,
        quickRecords: 1_500,
        // `other` (69 bulletins: virus propagation, spam relaying…) is too mixed to learn.
        minPositives: 50,
        testVariants: { noRiskSentence: stripRiskSentence },
      },
      ctx,
      [DATA_FILES.certfr],
    );
  },
};

/** `events-casie`: trains on CASIE's human-labelled articles. */
export const eventsModel: ModelDefinition<MultiLabelPayload> = {
  name: EVENTS_MODEL,
  describe: 'news event types (CASIE: data-breach, phishing, ransom, vulnerability-disclosed, patch)',
  async train(ctx: TrainContext) {
    ctx.progress('reading', 0, 1);
    const records = loadCasie(ctx.dataDir);
    ctx.progress('reading', 1, 1);
    return trainMultiLabel(
      {
        labels: EVENT_LABELS,
        records,
        tfidf: { ngram: [1, 2], minDf: 2, maxDf: 0.9, maxFeatures: 50_000, foldDigits: true },
        l2: 1e-4,
        maxIter: 200,
        quickRecords: 400,
      },
      ctx,
      [DATA_FILES.casie],
    );
  },
};

/**
 * A {@link TextClassifier} over a stored multi-label model. `onlyLang`: the language it was trained
 * on; a text in another language (given, or detected when not given) gets `[]`; a text too short
 * to tell is classified.
 * @throws VigilError VIGIL_MODEL_INVALID when the payload fails its schema.
 */
export function textClassifier(scheme: 'impact' | 'event', stamp: ModelStamp, payload: unknown, file: string, onlyLang: string | null): TextClassifier {
  const parsed = MultiLabelPayload.safeParse(payload);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new VigilError('VIGIL_MODEL_INVALID', [file, `payload.${issue?.path.join('.')}: ${issue?.message}`]);
  }
  const classifier = new MultiLabelClassifier(parsed.data);
  return {
    scheme,
    model: stamp,
    predict(text: string, lang?: string): LabelProbability[] {
      if (onlyLang !== null) {
        const language = lang ?? detectLanguage(text);
        if (language !== null && language !== onlyLang) return [];
      }
      return classifier.predict(text);
    },
  };
}
