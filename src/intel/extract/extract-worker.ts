/** The intel extraction thread (extractor.ts `createExtractor`): one request at a time, in order. */
import { parentPort } from 'node:worker_threads';
import { type ExtractRequest, extractInline } from './extractor.ts';

const port = parentPort;
if (!port) throw new Error('intel extraction worker started outside a worker thread');
port.on('message', ({ id, request }: { id: number; request: ExtractRequest }) => {
  try {
    port.postMessage({ id, result: extractInline(request) });
  } catch (err) {
    const e = err as Error & { code?: string };
    port.postMessage({ id, error: { message: e.message, name: e.name, code: e.code } });
  }
});
