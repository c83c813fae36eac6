/**
 * The analysis thread (analysis-thread.ts `startAnalysisThread`): builds the analyzer of the
 * configuration it is given (again when a model is retrained), then answers one text at a time, in order.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { VigilConfig } from '../config.ts';
import { reloadingAnalyzer } from '../nlp/analyze.ts';
import { ModelRepository } from '../nlp/models.ts';
import type { AnalyzeOptions } from '../nlp/types.ts';

const port = parentPort;
if (!port) throw new Error('analysis worker started outside a worker thread');
const { config } = workerData as { config: VigilConfig };
// Rebuilt when a model is retrained while the server runs (checked every 30 s).
const analyzers = reloadingAnalyzer({ config, models: new ModelRepository(config.nlp.modelDir) });

port.on('message', async ({ id, text, options }: { id: number; text: string; options?: AnalyzeOptions }) => {
  try {
    port.postMessage({ id, result: (await analyzers.get()).analyze(text, options) });
  } catch (err) {
    const e = err as Error & { code?: string };
    port.postMessage({ id, error: { message: e.message, name: e.name, code: e.code } });
  }
});
