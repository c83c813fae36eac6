/**
 * Answers kept while the store has not changed: serialized CVE views (`GET /api/v1/cves/{id}`)
 * and list/search pages (`GET /api/v1/cves`, `GET /api/v1/search`). Both are pure functions of
 * what the store holds (observations, EPSS, KEV, history, the advisories naming a CVE) and of the
 * process's settings (SSVC), so an answer is valid until the store moves: a new change-history row
 * (every record write makes one), EPSS day, KEV catalog or advisory-history row (every stored
 * advisory change makes one) ({@link StatsStore.generation}). The generation is read on each lookup
 * (four indexed reads), so a write by any process (the daemon, `vigil sync`, another replica) is
 * seen at once. Least recently used entries go first past `capacity`.
 */
import type { StatsStore } from '../store/server.ts';

/**
 * A least-recently-used map of answers, emptied when the store's generation moves. Concurrent
 * misses of one key share one computation (50 clients asking the same search after a sync run it
 * once).
 * @typeParam V the cached answer (a JSON string, a page object; never `null`, which means "not
 *   found, not cached").
 */
export class GenerationCache<V> {
  readonly #entries = new Map<string, V>();
  readonly #inflight = new Map<string, Promise<V | null>>();
  #generation = '';

  /** @param capacity entries kept. */
  constructor(
    private readonly store: Pick<StatsStore, 'generation'>,
    readonly capacity = 5000,
  ) {}

  /** Drops everything when the store changed since the last call. */
  async #check(): Promise<string> {
    const generation = await this.store.generation();
    if (generation !== this.#generation) {
      this.#entries.clear();
      this.#generation = generation;
    }
    return generation;
  }

  /**
   * The cached answer for `key`, or what `make` returns (then cached unless `null`).
   * @throws what `make` throws (nothing is cached then).
   */
  async get(key: string, make: () => Promise<V | null>): Promise<V | null> {
    const generation = await this.#check();
    const hit = this.#entries.get(key);
    if (hit !== undefined) {
      // Re-insert: Map order is insertion order, so the first key is the least recently used.
      this.#entries.delete(key);
      this.#entries.set(key, hit);
      return hit;
    }
    // Shared only within one generation: a computation started before a write is not handed to
    // a caller that has already seen the write's generation.
    const flightKey = `${generation}\u0000${key}`;
    const running = this.#inflight.get(flightKey);
    if (running) return running;
    const computing = make().finally(() => this.#inflight.delete(flightKey));
    this.#inflight.set(flightKey, computing);
    const value = await computing;
    // Kept only if the store has not moved meanwhile (the answer may predate a write).
    if (value === null || generation !== this.#generation) return value;
    this.#entries.set(key, value);
    if (this.#entries.size > this.capacity) this.#entries.delete(this.#entries.keys().next().value as string);
    return value;
  }

  /** Entries held. */
  get size(): number {
    return this.#entries.size;
  }
}

/** Serialized CVE views by CVE id (a few KB of JSON each). */
export class ViewCache extends GenerationCache<string> {}
