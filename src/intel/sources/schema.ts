/**
 * What an analyst gives to define an intel source (issue 13, "Sources an analyst defines"):
 * `vigil intel sources add`, `POST/PUT/PATCH /api/v1/scraping/sources`, an OPML import, the shipped
 * defaults. {@link IntelSourceInput} fills the defaults and refuses bad values naming the field;
 * {@link validateSource} adds the SSRF guard's check of the URL and the dates.
 */
import { load } from 'cheerio/slim';
import { RE2JS } from 're2js';
import { z } from 'zod';
import { VigilError } from '../../errors.ts';
import { checkUrl, type GuardPolicy } from '../net/guard.ts';
import type { IntelSource, PageSelectors } from '../types.ts';

/** `intel.allowHosts` and `intel.torProxy` from the configuration (config.ts `IntelConfig`). */
export interface SourcePolicy {
  allowHosts: readonly string[];
  /** `socks5h://host:port`: what a source's `proxy: 'tor'` means. */
  torProxy: string;
}

/** Seven days, the longest collection interval (seconds). */
export const MAX_INTERVAL_SECONDS = 7 * 24 * 3600;

/**
 * Headers a source may not set: Vigil's own identity and framing (`User-Agent`, `Host`,
 * `Content-Length`), and the hop-by-hop ones undici refuses anyway (RFC 9110 §7.6.1).
 */
const REFUSED_HEADERS: ReadonlySet<string> = new Set([
  'user-agent',
  'host',
  'content-length',
  'transfer-encoding',
  'connection',
  'keep-alive',
  'upgrade',
  'expect',
]);

/** RFC 9110 §5.1 field-name (a token). */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** `socks5h://host:port` or `socks5://host:port` (host a name, IPv4, or bracketed IPv6; port 1-65535). */
const SOCKS_PROXY = /^socks5h?:\/\/(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\]):(\d{1,5})\/?$/;

const empty = load('');

/** Why cheerio's selector engine (css-select) refuses `selector`, or null when it parses. */
function selectorError(selector: string): string | null {
  try {
    empty(selector);
    return null;
  } catch (err) {
    return (err as Error).message;
  }
}

function cssSelector(field: keyof PageSelectors) {
  return z
    .string()
    .trim()
    .min(1, `${field}: an empty selector`)
    .max(1000)
    .superRefine((s, ctx) => {
      const why = selectorError(s);
      if (why !== null) ctx.addIssue({ code: 'custom', message: `not a CSS selector cheerio can use ("${s}"): ${why}` });
    })
    .optional();
}

/** The schema of an analyst's source definition: defaults filled, unknown fields refused. */
export const IntelSourceInput = z.strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, 'expected 1-64 lowercase letters, digits, ".", "_" or "-", starting with a letter or digit'),
  kind: z.enum(['feed', 'page']),
  /** Scheme, credentials and address are the SSRF guard's to judge (validateSource). */
  url: z.string().trim().min(1).max(2048, 'longer than 2048 characters'),
  enabled: z.boolean().default(true),
  intervalSeconds: z
    .number()
    .int()
    .min(300, 'at least 300 seconds')
    .max(MAX_INTERVAL_SECONDS, `at most ${MAX_INTERVAL_SECONDS} seconds (7 days)`)
    .default(3600),
  proxy: z
    .string()
    .trim()
    .refine((p) => {
      if (p === 'none' || p === 'tor') return true;
      const m = SOCKS_PROXY.exec(p);
      return m !== null && Number(m[1]) >= 1 && Number(m[1]) <= 65535;
    }, 'expected "none", "tor", socks5h://host:port or socks5://host:port')
    .default('none'),
  headers: z
    .record(z.string(), z.string().max(8192))
    .superRefine((headers, ctx) => {
      for (const [name, value] of Object.entries(headers)) {
        if (!HEADER_NAME.test(name)) ctx.addIssue({ code: 'custom', path: [name], message: `"${name}" is not a valid header name` });
        else if (REFUSED_HEADERS.has(name.toLowerCase()))
          ctx.addIssue({ code: 'custom', path: [name], message: `${name} cannot be set by a source (Vigil sets it)` });
        if (/[\r\n\0]/.test(value)) ctx.addIssue({ code: 'custom', path: [name], message: 'a header value cannot hold CR, LF or NUL' });
      }
    })
    .default({}),
  minDelaySeconds: z.number().min(0).max(3600, 'at most 3600 seconds').nullable().default(null),
  robots: z.enum(['obey', 'ignore']).default('obey'),
  fetchArticles: z.enum(['auto', 'always', 'never']).default('auto'),
  selectors: z
    .strictObject({ title: cssSelector('title'), content: cssSelector('content'), date: cssSelector('date'), links: cssSelector('links') })
    .default({}),
  follow: z
    .string()
    .min(1)
    .max(1000)
    .superRefine((re, ctx) => {
      try {
        RE2JS.compile(re);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: `not an RE2 regular expression: ${(err as Error).message}` });
      }
    })
    .nullable()
    .default(null),
  maxPages: z.number().int().min(1).max(500).default(20),
  maxDepth: z.number().int().min(0).max(5).default(1),
  minContentLength: z.number().int().min(0).max(1_000_000).default(200),
  tags: z
    .array(z.string().trim().min(1).max(64))
    .max(20, 'at most 20 tags')
    .transform((tags) => [...new Set(tags)])
    .default([]),
});

/** A source definition as given (defaults optional). */
export type IntelSourceInputType = z.input<typeof IntelSourceInput>;

/** The guard policy a source is fetched under: its proxy (`tor` → `torProxy`) and the allow-list. */
export function guardPolicy(policy: SourcePolicy, proxy: string): GuardPolicy {
  return { allowHosts: policy.allowHosts, proxy: proxy === 'tor' ? policy.torProxy : proxy };
}

/** `name: message; headers.User-Agent: message` from a zod error. */
function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const where = issue.path.map(String).join('.');
      const message = issue.code === 'unrecognized_keys' ? `unknown field(s) ${issue.keys.join(', ')}` : issue.message;
      return where === '' ? message : `${where}: ${message}`;
    })
    .join('; ');
}

function badRequest(what: string, detail: string, cause?: unknown): VigilError {
  return new VigilError('VIGIL_BAD_REQUEST', [`${what}: ${detail}`], cause === undefined ? undefined : { cause });
}

/** `source "name"` when the input carries a string name, else `source`. */
function label(input: unknown): string {
  const name = input !== null && typeof input === 'object' ? (input as { name?: unknown }).name : undefined;
  return typeof name === 'string' ? `source "${name}"` : 'source';
}

/**
 * Validates an analyst's source definition into an {@link IntelSource}: defaults filled,
 * `createdAt` kept from `existing` (else `now`), `updatedAt` = `now`.
 * @param existing the stored source this input replaces (PUT): its name must not change.
 * @throws {VigilError} VIGIL_BAD_REQUEST naming each bad field (`source "x": intervalSeconds: at least 300 seconds`).
 * @throws {UrlRefusedError} VIGIL_URL_REFUSED when the SSRF guard refuses the URL (scheme,
 *   credentials, a refused address such as 169.254.169.254 or a `localhost` name not in
 *   `intel.allowHosts`, a `.onion`
 *   host without a `socks5h://` proxy or `tor`).
 * @example validateSource({ name: 'krebs', kind: 'feed', url: 'https://krebsonsecurity.com/feed/' }, { allowHosts: [], torProxy: 'socks5h://127.0.0.1:9050' }, new Date())
 */
export function validateSource(input: unknown, policy: SourcePolicy, now: Date, existing?: IntelSource): IntelSource {
  const parsed = IntelSourceInput.safeParse(input);
  if (!parsed.success) throw badRequest(label(input), describeIssues(parsed.error), parsed.error);
  const s = parsed.data;
  if (existing !== undefined && existing.name !== s.name)
    throw badRequest(`source "${existing.name}"`, `name: cannot change (to "${s.name}"); add a new source instead`);
  const guard = guardPolicy(policy, s.proxy);
  checkUrl(s.url, guard);
  const at = now.toISOString();
  return { ...s, selectors: s.selectors satisfies PageSelectors, createdAt: existing?.createdAt ?? at, updatedAt: at };
}

/** A stored source as input again (no dates). */
export function sourceInput(source: IntelSource): IntelSourceInputType {
  const { createdAt: _c, updatedAt: _u, ...input } = source;
  return input;
}

/**
 * Applies a PATCH to a stored source: each field given replaces the stored one (`headers`,
 * `selectors` and `tags` as a whole; `null` clears `minDelaySeconds` and `follow`), the result is
 * validated like a new definition. `name` may be given only unchanged.
 * @throws {VigilError} VIGIL_BAD_REQUEST when the patch is not an object, changes the name, or
 *   leaves a bad field; {@link UrlRefusedError} when the new URL or proxy makes the guard refuse.
 */
export function patchSource(existing: IntelSource, patch: unknown, policy: SourcePolicy, now: Date): IntelSource {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) throw badRequest(`source "${existing.name}"`, 'a patch must be a JSON object');
  const fields = patch as Record<string, unknown>;
  if ('name' in fields && fields.name !== existing.name)
    throw badRequest(`source "${existing.name}"`, `name: cannot change (to ${JSON.stringify(fields.name)}); add a new source instead`);
  return validateSource({ ...sourceInput(existing), ...fields }, policy, now, existing);
}
