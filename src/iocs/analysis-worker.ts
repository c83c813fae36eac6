/**
 * The analysis thread (analysis-thread.ts `startAnalysisThread`): builds the analyzer of the
 * configuration it is given (again when a model is retrained), then answers one text at a time, in order.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { VigilConfig } from '../config.ts';
import { reloadingAnalyzer } from '../nlp/analyze.ts';
import { ModelRepository } from '../nlp/models.ts';
import type { AnalyzeOptions } from '../nlp/types.ts';
import type { VendorProductCatalog } from '../trends/types.ts';

const port = parentPort;
if (!port) throw new Error('analysis worker started outside a worker thread');
const { config } = workerData as { config: VigilConfig };

// The store lives in the parent: its vendors and products are asked for there (analysis-thread.ts).
const asked = new Map<number, (catalog: VendorProductCatalog | null) => void>();
let nextAsk = 0;
const vendorProducts = () =>
  new Promise<VendorProductCatalog | null>((resolve) => {
    const req = nextAsk++;
    asked.set(req, resolve);
    port.postMessage({ type: 'vendorProducts', req });
  });

// Rebuilt when a model is retrained while the server runs (checked every 30 s).
const analyzers = reloadingAnalyzer({ config, models: new ModelRepository(config.nlp.modelDir), vendorProducts });

type Message =
  | { type: 'vendorProducts'; req: number; catalog: VendorProductCatalog | null }
  | { type?: undefined; id: number; text: string; options?: AnalyzeOptions };

port.on('message', async (message: Message) => {
  if (message.type === 'vendorProducts') {
    asked.get(message.req)?.(message.catalog);
    asked.delete(message.req);
    return;
  }
  const { id, text, options } = message;
  try {
    port.postMessage({ id, result: (await analyzers.get()).analyze(text, options) });
  } catch (err) {
    const e = err as Error & { code?: string };
    port.postMessage({ id, error: { message: e.message, name: e.name, code: e.code } });
  }
});
