/** What the analysis parts are built from (nlp/analyze.ts passes it to each part's loader). */
import type { Logger } from 'pino';
import type { VigilConfig } from '../config.ts';
import type { Stores } from '../store/index.ts';
import type { ModelRepository } from './models.ts';

export interface AnalyzerContext {
  config: VigilConfig;
  /** The trained model files (`config.nlp.modelDir`). */
  models: ModelRepository;
  /** The open stores when there are any: the entity gazetteer adds the store's CPE vendors and products. */
  stores?: Stores;
  log?: Logger;
}
