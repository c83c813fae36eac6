/**
 * IOC and analysis shapes as the dashboard reads them (issue 14). The model types are re-exported
 * type-only from src/nlp/types.ts and src/iocs/types.ts (erased from the bundle); the answers that
 * wrap them are defined here. Times are ISO 8601 UTC; probabilities and scores 0–1.
 */

import type { IocSighting, StoredIoc } from '../../../src/iocs/types.ts';
import type { AnalysisResult } from '../../../src/nlp/types.ts';

export type { IocSighting, StoredIoc, Tlp } from '../../../src/iocs/types.ts';
export type {
  AnalysisResult,
  Entity,
  EntityType,
  Ioc,
  IocType,
  LabelProbability,
  ModelStamp,
  SeverityPrediction,
  TechniqueHit,
  WarninglistHit,
} from '../../../src/nlp/types.ts';

/** `GET /api/v1/iocs`: a page of indicators, last seen newest first. `total` when the server counts them. */
export interface IocListPage {
  items: StoredIoc[];
  nextCursor: string | null;
  total?: number;
}

/** `GET /api/v1/iocs/{type}/{value}` as the detail page uses it: the indicator and its sightings, newest first. */
export interface IocDetail {
  ioc: StoredIoc;
  sightings: IocSighting[];
}

/** The `analysis` field of `GET /api/v1/intel/{id}`: the stored analysis of the document, or null before it is analysed. */
export interface DocumentAnalysis {
  analysis: AnalysisResult;
  analysed: string;
}
