/**
 * Lets a long computation on the event loop share it: the daemon evaluates alerts in the API
 * server's process, and matching thousands of changed CVEs against costly entries would otherwise
 * hold every request (issue 10 item 15: `/health` waited 7–22 s during an evaluation).
 */
import { setImmediate } from 'node:timers/promises';

/**
 * A function to await between steps: it yields to the event loop (I/O, timers, other requests)
 * once `sliceMs` milliseconds of work have passed since it last did, and is free otherwise.
 * @example
 * const breathe = breather();
 * for (const id of ids) { await breathe(); work(id); }
 */
export function breather(sliceMs = 50): () => Promise<void> {
  let since = performance.now();
  return async () => {
    if (performance.now() - since < sliceMs) return;
    await setImmediate();
    since = performance.now();
  };
}
