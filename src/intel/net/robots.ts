/**
 * robots.txt for intel sources whose policy is `obey` (RFC 9309), parsed by robots-parser, one
 * fetch per origin and route, kept for {@link ROBOTS_TTL_SECONDS}. What an answer means (§2.3.1):
 * 2xx → the rules; 4xx (404, 403…) → no rules, everything allowed; 5xx, 429 or unreachable →
 * everything disallowed until the entry expires (§2.3.1.4).
 */
import { messageWithCauses } from '../../sources/http.ts';
import robotsParserModule from 'robots-parser';

/**
 * robots-parser is CommonJS (`module.exports = function`) but its types declare an ES default
 * export: under NodeNext the default import is the function at run time, typed as the module.
 */
const robotsParser = robotsParserModule as unknown as typeof robotsParserModule.default;

/** Seconds a robots.txt answer (rules or failure) is kept: RFC 9309 §2.4 asks at most 24 h. */
export const ROBOTS_TTL_SECONDS = 3600;
/** Bytes of robots.txt read: RFC 9309 §2.5 asks parsers to read at least 500 KiB. */
export const ROBOTS_MAX_BYTES = 512 * 1024;

/** What fetching `/robots.txt` gave: a status and text, or a failure (unreachable, refused, timeout). */
export type RobotsFetchResult = { status: number; text: string } | { error: unknown };

/** Fetches `https://host/robots.txt` (given the absolute URL). Must go through the same guard and proxy as the source. */
export type RobotsFetch = (robotsUrl: string) => Promise<RobotsFetchResult>;

interface Entry {
  expires: number;
  /** null: everything allowed; 'deny': everything disallowed; else the parsed rules. */
  rules: ReturnType<typeof robotsParser> | null | 'deny';
  /** Why everything is disallowed (`deny`). */
  reason?: string;
}

/** {@link RobotsCache.verdict}: allowed, or why not (for the collection report). */
export interface RobotsVerdict {
  allowed: boolean;
  reason?: string;
}

/** robots.txt answers per origin (and route key), for one fetcher. */
export class RobotsCache {
  readonly #entries = new Map<string, Promise<Entry>>();
  readonly #agent: string;
  readonly #now: () => number;

  /**
   * @param agent the product token matched against `User-agent:` lines (`Vigil`).
   * @param now clock, ms.
   */
  constructor(agent: string, now: () => number = Date.now) {
    this.#agent = agent;
    this.#now = now;
  }

  /**
   * Whether `url` may be fetched. `routeKey` separates answers seen through different proxies.
   * Concurrent asks for one origin share one fetch.
   * @throws the reason of `signal` when it aborted (the answer is then not cached).
   */
  async isAllowed(url: string, routeKey: string, fetchRobots: RobotsFetch, signal?: AbortSignal): Promise<boolean> {
    return (await this.verdict(url, routeKey, fetchRobots, signal)).allowed;
  }

  /** {@link isAllowed} with the reason of a refusal (`robots.txt unreachable (…)`, `robots.txt disallows /path`). */
  async verdict(url: string, routeKey: string, fetchRobots: RobotsFetch, signal?: AbortSignal): Promise<RobotsVerdict> {
    const origin = new URL(url).origin;
    const key = `${routeKey} ${origin}`;
    let entry = this.#entries.get(key);
    if (entry) {
      const e = await entry;
      if (e.expires <= this.#now()) entry = undefined;
    }
    if (!entry) {
      entry = this.#load(`${origin}/robots.txt`, fetchRobots);
      this.#entries.set(key, entry);
    }
    const { rules, reason } = await entry;
    if (signal?.aborted) {
      // An answer cut short by the caller says nothing about the site: not kept.
      this.#entries.delete(key);
      signal.throwIfAborted();
    }
    if (rules === null) return { allowed: true };
    if (rules === 'deny') return { allowed: false, reason };
    if (rules.isAllowed(url, this.#agent) !== false) return { allowed: true };
    return { allowed: false, reason: `robots.txt of ${origin} disallows ${new URL(url).pathname} for ${this.#agent}` };
  }

  async #load(robotsUrl: string, fetchRobots: RobotsFetch): Promise<Entry> {
    const expires = this.#now() + ROBOTS_TTL_SECONDS * 1000;
    const r = await fetchRobots(robotsUrl).catch((error: unknown) => ({ error }));
    const deny = (why: string): Entry => ({
      expires,
      rules: 'deny',
      reason: `${robotsUrl} ${why}: the site is taken as disallowing everything for ${ROBOTS_TTL_SECONDS / 60} min (RFC 9309 §2.3.1.4)`,
    });
    if ('error' in r) return deny(`is unreachable (${messageWithCauses(r.error)})`);
    if (r.status === 429 || r.status >= 500) return deny(`answered HTTP ${r.status}`);
    if (r.status >= 400) return { expires, rules: null };
    if (r.status >= 300) return deny(`answered HTTP ${r.status} (a redirect not followed)`);
    return { expires, rules: robotsParser(robotsUrl, r.text) };
  }
}
