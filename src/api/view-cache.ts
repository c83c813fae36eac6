/**
 * Serialized CVE views (`GET /api/v1/cves/{id}`), kept while the store has not changed. A view is
 * a pure function of what the store holds (observations, EPSS, KEV, history, the advisories naming
 * the CVE) and of the SSVC settings, so it is valid until the store moves: a new change-history row
 * (every record write makes one), EPSS day, KEV catalog or advisory-history row (every stored
 * advisory change makes one) ({@link StatsStore.generation}). The generation is read on each lookup
 * (four indexed reads), so a write by any process (the daemon, `vigil sync`) is seen at once.
 * Least recently used entries go first past `capacity`.
 */
import type { StatsStore } from '../store/server.ts';

/** The cache. */
export class ViewCache {
  readonly #entries = new Map<string, string>();
  #generation = '';

  /** @param capacity views kept (each a few KB of JSON). */
  constructor(
    private readonly store: Pick<StatsStore, 'generation'>,
    readonly capacity = 5000,
  ) {}

  /** Drops everything when the store changed since the last call. */
  async #check(): Promise<void> {
    const generation = await this.store.generation();
    if (generation !== this.#generation) {
      this.#entries.clear();
      this.#generation = generation;
    }
  }

  /** The cached JSON of `cveId`, or what `make` returns (then cached; `null`: not found, not cached). */
  async get(cveId: string, make: () => Promise<string | null>): Promise<string | null> {
    await this.#check();
    const hit = this.#entries.get(cveId);
    if (hit !== undefined) {
      // Re-insert: Map order is insertion order, so the first key is the least recently used.
      this.#entries.delete(cveId);
      this.#entries.set(cveId, hit);
      return hit;
    }
    const json = await make();
    if (json === null) return null;
    this.#entries.set(cveId, json);
    if (this.#entries.size > this.capacity) this.#entries.delete(this.#entries.keys().next().value as string);
    return json;
  }

  /** Entries held. */
  get size(): number {
    return this.#entries.size;
  }
}
