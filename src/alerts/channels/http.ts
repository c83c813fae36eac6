/**
 * What every HTTP channel (Slack, Teams, Discord, Telegram, signed webhook) shares: the URL
 * rule for webhook settings, one JSON POST with a timeout, and the classification of answers
 * into receipts and {@link DeliveryError}s.
 *
 * Classification: 2xx → receipt `HTTP <status>`; 429 → retryable, honouring `Retry-After`
 * (delay-seconds or HTTP-date, RFC 9110 §10.2.3); 5xx, network errors and timeouts → retryable;
 * any other status → not retryable. Messages carry the status and the first 300 characters of
 * the body, never the URL's path or query (webhook URLs and bot tokens are secrets): the body is
 * redacted too, since error pages echo the request's path ({@link urlSecrets}).
 */
import { fetch } from 'undici';
import { checkUrl, ConfiguredUrl } from '../../net/url-policy.ts';
import { parseRetryAfter } from '../../sources/http.ts';
import { type DeliveryReceipt, DeliveryError } from './types.ts';

/** Longest wait for one request, in milliseconds. */
export const HTTP_TIMEOUT_MS = 10_000;

/** Characters of a response body quoted in error messages. */
const BODY_EXCERPT = 300;

/**
 * Why a webhook URL is refused, or `null` when it is fine: the configured-URL rule of
 * net/url-policy.ts (`https:`, or `http:` on an explicit loopback host for local relays and tests;
 * never link-local or metadata addresses, nor ports of non-HTTP services).
 */
export function webhookUrlProblem(value: string): string | null {
  const r = checkUrl(value);
  return r.ok ? null : r.problem;
}

/** Zod schema of a webhook URL setting (see {@link webhookUrlProblem}); a numeric host comes out normalised. */
export const WebhookUrl = ConfiguredUrl;

/** Who is sending, for error messages (`Slack channel "ops"`). */
export interface ChannelRef {
  id: string;
  type: string;
}

/** A response with its body read as text. */
export interface HttpAnswer {
  status: number;
  headers: { get(name: string): string | null };
  text: string;
}

/** `https://hooks.slack.com` of a URL: the only part of a webhook URL safe to show. */
export function safeOrigin(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return '(invalid URL)';
  }
}

/** Replaces each secret occurring in `text` by `[redacted]` (longest first, so no part of one is left). */
export function redact(text: string, secrets: readonly string[]): string {
  return [...secrets]
    .filter((s) => s.length > 0)
    .sort((a, b) => b.length - a.length)
    .reduce((t, s) => t.split(s).join('[redacted]'), text);
}

/** A path segment or query value that names a place (`services`, `api-version`), not a secret. */
const PLAIN_WORD = /^[a-z][a-z-]{0,14}$/;

function decoded(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
}

/**
 * The parts of a webhook URL that may be secret, as written and percent-decoded: the URL, its
 * path and query, every path segment and query value of 6 or more characters that is not a plain
 * word, and any user info. An error page often echoes the request's path (`Cannot POST
 * /services/T000/B000/…`) rather than the URL, so redacting the URL alone is not enough.
 * @example urlSecrets('https://hooks.slack.com/services/T0/B0/XXXXXXXX') // includes '/services/T0/B0/XXXXXXXX' and 'XXXXXXXX'
 */
export function urlSecrets(url: string): string[] {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return [url];
  }
  const parts = [url, u.href, `${u.pathname}${u.search}`, u.pathname, u.search.slice(1), u.username, u.password];
  for (const segment of u.pathname.split('/')) parts.push(segment);
  for (const pair of u.search.slice(1).split('&')) parts.push(pair.slice(pair.indexOf('=') + 1));
  const secret = (p: string) => p.length >= 6 && !PLAIN_WORD.test(p);
  return [...new Set(parts.filter(secret).flatMap((p) => [p, decoded(p)]).filter(secret))];
}

function describe(channel: ChannelRef): string {
  return `${channel.type} channel "${channel.id}"`;
}

/**
 * POSTs `body` as JSON and reads the answer, whatever its status.
 * @param secrets strings to keep out of error messages (tokens, signing secrets).
 * @throws {DeliveryError} retryable, on network errors and timeouts ({@link HTTP_TIMEOUT_MS}).
 */
export async function postJson(
  channel: ChannelRef,
  url: string,
  body: string,
  options: { headers?: Record<string, string>; secrets?: readonly string[] } = {},
): Promise<HttpAnswer> {
  const where = `${describe(channel)}: POST ${safeOrigin(url)}`;
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8', ...options.headers },
      body,
      signal: AbortSignal.timeout(HTTP_TIMEOUT_MS),
    });
    return { status: res.status, headers: res.headers, text: await res.text() };
  } catch (cause) {
    const err = cause as Error & { cause?: { code?: string; message?: string } };
    const detail =
      err.name === 'TimeoutError'
        ? `no answer within ${HTTP_TIMEOUT_MS / 1000} s`
        : [err.message, err.cause?.code, err.cause?.message].filter(Boolean).join(': ');
    // The cause may quote the URL (undici puts it in some messages): keep it out of logs.
    throw new DeliveryError(redact(`${where}: network error: ${detail}`, [...urlSecrets(url), ...(options.secrets ?? [])]), { retryable: true });
  }
}

/**
 * Turns an answer into a receipt, or throws the matching {@link DeliveryError}.
 * @throws {DeliveryError} for any non-2xx status (see the module comment for which retry).
 */
export function checkAnswer(channel: ChannelRef, url: string, answer: HttpAnswer, secrets: readonly string[] = []): DeliveryReceipt {
  const { status } = answer;
  if (status >= 200 && status < 300) return { response: `HTTP ${status}` };
  // Redacted before it is cut: a secret cut in two would no longer be found.
  const excerpt = redact(answer.text.replace(/\s+/g, ' ').trim(), [...urlSecrets(url), ...secrets]).slice(0, BODY_EXCERPT);
  const message = `${describe(channel)}: POST ${safeOrigin(url)}: HTTP ${status}${excerpt ? `: ${excerpt}` : ''}`;
  if (status === 429) {
    return fail(message, { retryable: true, status, retryAfterSeconds: parseRetryAfter(answer.headers.get('retry-after')) });
  }
  return fail(message, { retryable: status >= 500, status });
}

function fail(message: string, options: { retryable: boolean; status: number; retryAfterSeconds?: number }): never {
  const { retryAfterSeconds, ...rest } = options;
  throw new DeliveryError(message, retryAfterSeconds === undefined ? rest : { ...rest, retryAfterSeconds });
}

/**
 * POSTs JSON and classifies the answer: the whole send of the webhook-style channels.
 * @throws {DeliveryError}
 */
export async function sendJson(
  channel: ChannelRef,
  url: string,
  payload: unknown,
  options: { headers?: Record<string, string>; secrets?: readonly string[]; body?: string } = {},
): Promise<DeliveryReceipt> {
  const answer = await postJson(channel, url, options.body ?? JSON.stringify(payload), options);
  return checkAnswer(channel, url, answer, options.secrets);
}
