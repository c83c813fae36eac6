/**
 * VirusTotal's quota, on Vigil's side: at most `perMinute` requests in any 60 s and `perDay` in
 * any 24 h (sliding windows; the public API allows 4 and 500), plus a block until a given time
 * after VirusTotal itself answered 429 QuotaExceededError. Counters live in the process (the
 * server keeps them; each CLI run starts fresh and may be refused by VirusTotal, which the 429
 * path then handles).
 */
import { VigilError } from '../errors.ts';

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

/** Clock and sleep, injected so tests freeze time. */
export interface QuotaClock {
  now(): Date;
  /** Waits `ms` milliseconds (tests advance their clock instead). */
  sleep(ms: number): Promise<void>;
}

/** Options of {@link VtQuota}. */
export interface VtQuotaOptions {
  perMinute: number;
  perDay: number;
  /** Longest wait for a free slot of the minute window, seconds (default 60; 0: refuse at once, as the API does). */
  maxWaitSeconds?: number;
  clock?: QuotaClock;
}

const realClock: QuotaClock = { now: () => new Date(), sleep: (ms) => new Promise((r) => setTimeout(r, ms)) };

/** Request slots of the two windows. */
export class VtQuota {
  readonly #opts: Required<VtQuotaOptions>;
  /** Start times (ms) of requests in the last 24 h, oldest first. */
  readonly #sent: number[] = [];
  #blockedUntil = 0;

  constructor(options: VtQuotaOptions) {
    this.#opts = { maxWaitSeconds: 60, clock: realClock, ...options };
  }

  /** When the next request may go (ms), at `now`. */
  #nextAllowed(now: number): number {
    while (this.#sent.length > 0 && (this.#sent[0] ?? now) <= now - DAY_MS) this.#sent.shift();
    let next = Math.max(now, this.#blockedUntil);
    if (this.#sent.length >= this.#opts.perDay) next = Math.max(next, (this.#sent[this.#sent.length - this.#opts.perDay] ?? now) + DAY_MS);
    const inMinute = this.#sent.filter((t) => t > now - MINUTE_MS);
    if (inMinute.length >= this.#opts.perMinute) next = Math.max(next, (inMinute[inMinute.length - this.#opts.perMinute] ?? now) + MINUTE_MS);
    return next;
  }

  /**
   * Takes a slot, waiting for the minute window when that is at most `maxWaitSeconds` away.
   * @throws {VigilError} VIGIL_QUOTA_EXHAUSTED with the next allowed time (ISO 8601) otherwise.
   */
  async acquire(): Promise<void> {
    const now = this.#opts.clock.now().getTime();
    const next = this.#nextAllowed(now);
    if (next > now) {
      if (next - now > this.#opts.maxWaitSeconds * 1000) throw new VigilError('VIGIL_QUOTA_EXHAUSTED', ['VirusTotal', new Date(next).toISOString()]);
      await this.#opts.clock.sleep(next - now);
      return this.acquire();
    }
    this.#sent.push(now);
  }

  /** VirusTotal answered 429: no request before `until`. @returns the time as ISO 8601. */
  blockUntil(until: Date): string {
    this.#blockedUntil = Math.max(this.#blockedUntil, until.getTime());
    return new Date(this.#blockedUntil).toISOString();
  }

  /** Requests counted in the last minute and day, and the next allowed time (ISO 8601). */
  status(): { lastMinute: number; lastDay: number; nextAllowed: string } {
    const now = this.#opts.clock.now().getTime();
    const next = this.#nextAllowed(now);
    return { lastMinute: this.#sent.filter((t) => t > now - MINUTE_MS).length, lastDay: this.#sent.length, nextAllowed: new Date(next).toISOString() };
  }
}
