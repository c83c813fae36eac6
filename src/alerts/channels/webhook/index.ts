/**
 * Generic signed webhook: the alert (or digest) as JSON, signed with HMAC-SHA256 over
 * `${timestamp}.${rawBody}` so receivers can check origin and integrity and refuse replays.
 * Wire format, headers and a verification example for receivers: readme.md beside this file.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import type { Alert } from '../../../model/alert.ts';
import { sendJson, WebhookUrl } from '../http.ts';
import type { AlertMessage, Channel, ChannelDefinition } from '../types.ts';

/** Settings of a webhook channel. `headers` are added to each request (e.g. an API key). */
export const WebhookSettings = z.strictObject({
  url: WebhookUrl,
  secret: z.string().min(16, { message: 'the signing secret must be at least 16 characters' }),
  headers: z
    .record(z.string().regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, { message: 'not a valid HTTP header name' }), z.string())
    .refine((h) => !Object.keys(h).some((k) => /^(x-vigil-|content-type$|content-length$|host$|user-agent$)/i.test(k)), {
      message: 'must not set Content-Type, Content-Length, Host, User-Agent or X-Vigil-* headers',
    })
    .optional(),
});
export type WebhookSettings = z.output<typeof WebhookSettings>;

/** Version of the body format below. */
export const WEBHOOK_VERSION = 1;

/** Default replay window: a signature older or newer than this many seconds is refused. */
export const WEBHOOK_TOLERANCE_SECONDS = 300;

/** Header names (lower-case, as Node exposes them). */
export const WEBHOOK_HEADERS = {
  timestamp: 'x-vigil-timestamp',
  signature: 'x-vigil-signature',
  event: 'x-vigil-event',
  delivery: 'x-vigil-delivery',
} as const;

/** One alert in the body. */
export interface WebhookAlert {
  id: number;
  event: Alert['event'];
  eventKey: string;
  cveId: string;
  createdAt: string;
  provisional: boolean;
  confirmedAt: string | null;
  facts: Alert['facts'];
  explanation: Alert['explanation'];
}

/** The JSON body. */
export interface WebhookBody {
  version: typeof WEBHOOK_VERSION;
  type: 'alert' | 'digest';
  /** ISO 8601 UTC. */
  sentAt: string;
  digest?: AlertMessage['digest'];
  alerts: WebhookAlert[];
}

/** The body of a message (digests: every alert, no truncation). */
export function webhookBody(message: AlertMessage, sentAt: Date = new Date()): WebhookBody {
  return {
    version: WEBHOOK_VERSION,
    type: message.digest ? 'digest' : 'alert',
    sentAt: sentAt.toISOString(),
    ...(message.digest ? { digest: message.digest } : {}),
    alerts: message.alerts.map((a) => ({
      id: a.id,
      event: a.event,
      eventKey: a.eventKey,
      cveId: a.cveId,
      createdAt: a.createdAt,
      provisional: a.provisional,
      confirmedAt: a.confirmedAt,
      facts: a.facts,
      explanation: a.explanation,
    })),
  };
}

/**
 * The `X-Vigil-Signature` value: `sha256=` + hex HMAC-SHA256(secret, `${timestamp}.${body}`).
 * @param timestamp unix seconds, as sent in `X-Vigil-Timestamp`.
 * @param body the raw request body, byte for byte.
 * @example signWebhook('0123456789abcdef', 1723800000, '{"version":1}') // 'sha256=…'
 */
export function signWebhook(secret: string, timestamp: number | string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/**
 * Checks a received webhook: the timestamp is within the replay window (both ways) and the
 * signature matches the raw body (constant-time comparison).
 * @param headers the `X-Vigil-Timestamp` and `X-Vigil-Signature` values.
 * @param options `toleranceSeconds` (default 300) and `now` (default: the clock).
 * @example
 * const check = verifyWebhookSignature(secret, { timestamp: req.headers['x-vigil-timestamp'], signature: req.headers['x-vigil-signature'] }, raw);
 * if (!check.ok) return res.status(401).send(check.reason);
 */
export function verifyWebhookSignature(
  secret: string,
  headers: { timestamp?: string; signature?: string },
  rawBody: string,
  options: { toleranceSeconds?: number; now?: Date } = {},
): { ok: true } | { ok: false; reason: string } {
  const { timestamp, signature } = headers;
  if (!timestamp || !/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: 'missing or malformed X-Vigil-Timestamp' };
  if (!signature || !/^sha256=[0-9a-f]{64}$/.test(signature)) return { ok: false, reason: 'missing or malformed X-Vigil-Signature' };
  const tolerance = options.toleranceSeconds ?? WEBHOOK_TOLERANCE_SECONDS;
  const now = Math.floor((options.now ?? new Date()).getTime() / 1000);
  const skew = now - Number(timestamp);
  if (Math.abs(skew) > tolerance) {
    return { ok: false, reason: `timestamp is ${Math.abs(skew)} s ${skew > 0 ? 'old' : 'in the future'} (window ±${tolerance} s)` };
  }
  const expected = Buffer.from(signWebhook(secret, timestamp, rawBody));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return { ok: false, reason: 'signature does not match the body' };
  return { ok: true };
}

/** The signed-webhook channel type. */
export const webhookChannel: ChannelDefinition<WebhookSettings> = {
  type: 'webhook',
  configSchema: WebhookSettings,
  recipient: null,
  create(id, config): Channel {
    const ref = { id, type: 'webhook' };
    return {
      id,
      type: 'webhook',
      async check() {},
      send(message) {
        const now = new Date();
        const body = JSON.stringify(webhookBody(message, now));
        const timestamp = Math.floor(now.getTime() / 1000);
        const [only] = message.alerts;
        const headers = {
          ...config.headers,
          'user-agent': 'Vigil/0.1',
          [WEBHOOK_HEADERS.timestamp]: String(timestamp),
          [WEBHOOK_HEADERS.signature]: signWebhook(config.secret, timestamp, body),
          [WEBHOOK_HEADERS.event]: message.digest || !only ? 'digest' : only.event,
          [WEBHOOK_HEADERS.delivery]: message.alerts.map((a) => a.id).join(','),
        };
        return sendJson(ref, config.url, undefined, {
          body,
          headers,
          secrets: [config.secret, ...Object.values(config.headers ?? {}).filter((v) => v.length >= 8)],
        });
      },
      async close() {},
    };
  },
};
