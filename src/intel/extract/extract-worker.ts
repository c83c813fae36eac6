/** The intel extraction thread (extractor.ts `createExtractor`): one request at a time, in order. */
import { parentPort } from 'node:worker_threads';
import { parseFeed } from '../feeds/parse.ts';
import { type ExtractRequest, extractInline } from './extractor.ts';

const port = parentPort;
if (!port) throw new Error('intel extraction worker started outside a worker thread');
port.on('message', ({ id, request, feed }: { id: number; request?: ExtractRequest; feed?: { body: Uint8Array; origin: string } }) => {
  try {
    const result = feed
      ? parseFeed(Buffer.from(feed.body.buffer, feed.body.byteOffset, feed.body.byteLength), feed.origin)
      : extractInline(request as ExtractRequest);
    port.postMessage({ id, result });
  } catch (err) {
    const e = err as Error & { code?: string };
    port.postMessage({ id, error: { message: e.message, name: e.name, code: e.code } });
  }
});
