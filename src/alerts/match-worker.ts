/**
 * The match worker thread (started by match-thread.ts): compiles the watch entries once, then
 * answers each batch of stored records with its preview matches, one batch at a time.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { MatchIndex } from './match.ts';
import type { MatchAnswer, MatchRequest, MatchWorkerData } from './match-thread.ts';
import { previewBatch } from './preview.ts';

const { entries, merge } = workerData as MatchWorkerData;
const index = new MatchIndex(entries);
const port = parentPort;
if (!port) throw new Error('match worker started outside a worker thread');
port.postMessage({ id: -1, ready: true } satisfies MatchAnswer);

port.on('message', ({ id, records }: MatchRequest) => {
  let answer: MatchAnswer;
  try {
    answer = { id, matches: previewBatch(index, entries, records, merge) };
  } catch (err) {
    const e = err as Error;
    answer = { id, error: { name: e.name, message: e.message, stack: e.stack } };
  }
  port.postMessage(answer);
});
