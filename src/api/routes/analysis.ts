/**
 * Text analysis (issue 14): `POST /api/v1/analysis/text {text, lang?}` answers the
 * {@link AnalysisResult} of nlp/analyze.ts — IOCs (warninglisted ones flagged), CVE ids, entities,
 * ATT&CK techniques, impact/event labels and a predicted severity, with the model versions used and
 * the parts whose model is not trained yet. Nothing is stored and nothing is audited unless refused.
 *
 * Access: viewers too (`viewer`/`read`). The route reads and writes nothing of the store: it is a
 * computation over the caller's own text. Its cost is bounded by the body limit
 * (`server.bodyLimitBytes`, 1 MiB by default: 4–6 s of one core, bench/RESULTS.md §8) and the
 * per-user rate limit, and it runs in the process's analysis thread (iocs/analysis-thread.ts), one
 * text at a time, so a large paste delays other analyses, never the API's other requests.
 */
import type { FastifyPluginAsync } from 'fastify';
import { sharedAnalysisThread } from '../../iocs/analysis-thread.ts';
import { CATALOG_MIN_CVES } from '../../nlp/context.ts';
import type { AnalysisResult } from '../../nlp/types.ts';
import { errors } from '../schemas.ts';

/** The request body. */
interface AnalyseBody {
  text: string;
  lang?: string;
}

const analyse = { role: 'viewer', scope: 'read', audit: false } as const;

export const analysisRoutes: FastifyPluginAsync = async (app) => {
  const { config, trends } = app.deps;
  const vendorProducts = trends ? () => trends.vendorProducts({ minCves: CATALOG_MIN_CVES }) : undefined;
  app.post<{ Body: AnalyseBody }>(
    '/analysis/text',
    {
      config: { access: analyse },
      schema: {
        tags: ['analysis'],
        summary: 'Analyse a text: IOCs, CVEs, entities, ATT&CK techniques, labels and a predicted severity (nothing is stored)',
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['text'],
          properties: {
            text: {
              type: 'string',
              minLength: 1,
              // Characters, not bytes: the body limit (bytes) is the real bound; this states it in the document.
              maxLength: config.server.bodyLimitBytes,
              description: `the text to analyse (plain text; at most server.bodyLimitBytes, ${config.server.bodyLimitBytes} bytes of body)`,
            },
            lang: { type: 'string', pattern: '^[a-z]{2}$', description: 'ISO 639-1 language of the text when known (else detected)' },
          },
        },
        response: { 200: { $ref: 'AnalysisResult#' }, ...errors(400, 401, 403, 413, 415, 429, 500) },
      },
    },
    async (request): Promise<AnalysisResult> => {
      // In the process's analysis thread: a 1 MB paste is seconds of CPU, which on this thread
      // would hold every other request behind it.
      const analyzer = sharedAnalysisThread(config, vendorProducts);
      const { text, lang } = request.body;
      return await analyzer.analyze(text, lang ? { lang } : {});
    },
  );
};
