/**
 * JSON Schemas of the text analysis (issue 14, src/nlp/types.ts `AnalysisResult`), registered once
 * with the shared schemas so that every route answering an analysis (`POST /api/v1/analysis/text`,
 * an intel document's `analysis`) refers to `$ref: 'AnalysisResult#'` and the OpenAPI document
 * lists it as a component. Offsets are UTF-16 code-unit indexes, `end` exclusive; probabilities
 * and scores are 0–1.
 */
import { ENTITY_TYPES, IOC_TYPES } from '../../nlp/types.ts';

/** `name@version` of a model file, and when it was trained. */
export const ModelStamp = {
  $id: 'ModelStamp',
  type: 'object',
  required: ['name', 'version', 'trainedAt'],
  properties: {
    name: { type: 'string', description: 'model name (`techniques`, `severity`, `ner-aptner`, …)' },
    version: { type: 'integer', minimum: 1 },
    trainedAt: { type: 'string', description: 'ISO 8601 UTC' },
  },
} as const;

/** One indicator found in a text. */
export const AnalysedIoc = {
  $id: 'AnalysedIoc',
  type: 'object',
  required: ['type', 'value', 'original', 'start', 'end'],
  properties: {
    type: { type: 'string', enum: [...IOC_TYPES] },
    value: { type: 'string', description: 'refanged, normalised form (`hxxp[:]//evil[.]com` → `http://evil.com`)' },
    original: { type: 'string', description: 'exactly what the text says' },
    start: { type: 'integer', minimum: 0 },
    end: { type: 'integer', minimum: 0 },
    warning: {
      type: 'object',
      description:
        'the MISP warninglist the indicator is on (kept, flagged: a possible false positive; MISP warninglists also list dynamic DNS, VPN and cloud ranges, where malicious hosts live too)',
      required: ['list', 'name'],
      properties: { list: { type: 'string' }, name: { type: 'string' } },
    },
  },
} as const;

export const AnalysisResult = {
  $id: 'AnalysisResult',
  type: 'object',
  description: 'What Vigil pulls out of a text (src/nlp/types.ts AnalysisResult). A part whose model is not trained is empty and named in models.missing.',
  required: ['iocs', 'cves', 'entities', 'techniques', 'classification', 'severity', 'models'],
  properties: {
    iocs: { type: 'array', items: { $ref: 'AnalysedIoc#' } },
    cves: { type: 'array', description: 'CVE ids named in the text, uppercase, each once, in order of appearance', items: { type: 'string' } },
    entities: {
      type: 'array',
      items: {
        type: 'object',
        required: ['type', 'text', 'start', 'end', 'source'],
        properties: {
          type: { type: 'string', enum: [...ENTITY_TYPES] },
          text: { type: 'string' },
          start: { type: 'integer', minimum: 0 },
          end: { type: 'integer', minimum: 0 },
          source: { type: 'string', enum: ['gazetteer', 'model'], description: 'an exact gazetteer match or the trained tagger' },
          id: { type: 'string', description: 'ATT&CK id or CPE vendor/product of a gazetteer match' },
        },
      },
    },
    techniques: {
      type: 'array',
      description: 'ATT&CK techniques, the best-scored sentence of each, best first',
      items: {
        type: 'object',
        required: ['id', 'name', 'score', 'sentence'],
        properties: {
          id: { type: 'string', description: 'T1059.001' },
          name: { type: 'string' },
          score: { type: 'number', minimum: 0, maximum: 1, description: "the classifier's probability, 0–1" },
          sentence: { type: 'string' },
        },
      },
    },
    classification: {
      type: 'object',
      required: ['labels'],
      properties: {
        labels: {
          type: 'array',
          items: {
            type: 'object',
            required: ['label', 'probability', 'scheme'],
            properties: {
              label: { type: 'string' },
              probability: { type: 'number', minimum: 0, maximum: 1 },
              scheme: { type: 'string', enum: ['impact', 'event'], description: 'impact (CERT-FR risks) or news event type (CASIE)' },
            },
          },
        },
      },
    },
    severity: {
      type: ['object', 'null'],
      description: "severity PREDICTED from the text (never NVD's); label null when the model abstains; null when not predicted",
      required: ['label', 'probability', 'model'],
      properties: {
        label: { type: ['string', 'null'], enum: ['LOW', 'MEDIUM', 'HIGH', 'CRITICAL', null] },
        probability: { type: 'number', minimum: 0, maximum: 1 },
        model: { type: 'string', description: 'name@version of the model' },
      },
    },
    models: {
      type: 'object',
      required: ['used', 'missing'],
      properties: {
        used: { type: 'array', items: { $ref: 'ModelStamp#' } },
        missing: { type: 'array', description: 'parts not trained yet (`vigil nlp train`)', items: { type: 'string' } },
      },
    },
  },
} as const;

/** The analysis schemas, in registration order. */
export const analysisSchemas = [ModelStamp, AnalysedIoc, AnalysisResult];
