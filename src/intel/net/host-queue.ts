/**
 * Politeness per host (issue 13, "Fetching safely"): one request at a time to a host, and at least
 * a minimum delay between the end of one request and the start of the next. Shared by all the
 * requests of one fetcher, whatever source asks.
 */

/** Milliseconds since the epoch. */
export type Clock = () => number;
/** Waits `ms` milliseconds; rejects with the signal's reason when `signal` aborts first. */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

/** `setTimeout` as a promise, abortable. */
export function realSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

interface HostState {
  /** Settles when the last queued task of the host has finished (never rejects). */
  tail: Promise<void>;
  /** When the last task of the host finished (ms), or null before the first. */
  lastEnd: number | null;
}

/**
 * A queue per host name (case-insensitive): tasks of one host run one after the other, each at
 * least `delaySeconds` after the previous one ended; tasks of different hosts run independently.
 */
export class HostQueue {
  readonly #hosts = new Map<string, HostState>();
  readonly #now: Clock;
  readonly #sleep: Sleep;

  constructor(now: Clock = Date.now, sleep: Sleep = realSleep) {
    this.#now = now;
    this.#sleep = sleep;
  }

  /**
   * Runs `task` when `host` is free and its delay has passed.
   * @param delaySeconds minimum seconds since the host's previous task ended (0: none).
   * @param signal aborts the wait (the task is then not run and the returned promise rejects).
   * @returns what `task` returns; its rejection is passed on (the queue goes on).
   */
  run<T>(host: string, delaySeconds: number, task: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    const key = host.toLowerCase();
    let state = this.#hosts.get(key);
    if (!state) {
      state = { tail: Promise.resolve(), lastEnd: null };
      this.#hosts.set(key, state);
    }
    const s = state;
    const result = s.tail.then(async () => {
      if (s.lastEnd !== null) {
        const wait = s.lastEnd + delaySeconds * 1000 - this.#now();
        if (wait > 0) await this.#sleep(wait, signal);
      }
      signal?.throwIfAborted();
      try {
        return await task();
      } finally {
        s.lastEnd = this.#now();
      }
    });
    s.tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }
}
