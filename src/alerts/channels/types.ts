/**
 * The channel contract. A channel turns one alert (or a digest of several) into the payload its
 * service documents and sends it. Each channel lives in `src/alerts/channels/<id>/` with
 * `index.ts` (definition), `readme.md` (service docs, payload shape, limits) and tests beside it;
 * adding one is that folder plus a line in `channels/registry.ts`.
 */
import type { z } from 'zod';
import type { Alert } from '../../model/alert.ts';

/** Channel types Vigil can send to. */
export type ChannelType = 'email' | 'slack' | 'teams' | 'discord' | 'telegram' | 'webhook' | 'inbox';

/** What one send carries: a single alert (`immediate`) or several gathered into a digest. */
export interface AlertMessage {
  alerts: Alert[];
  /** Set for digests: the period and its bounds (ISO 8601). */
  digest?: { period: 'hourly' | 'daily' | 'weekly'; from: string; to: string };
}

/** What the service answered to a successful send. */
export interface DeliveryReceipt {
  /** HTTP status, SMTP response line or message id, for the delivery log. */
  response: string;
}

/**
 * A failed send. `retryable` failures (HTTP 429/5xx, network errors, SMTP 4xx, dropped
 * connections) are retried with backoff; others (HTTP 4xx, SMTP 5xx) are not.
 */
export class DeliveryError extends Error {
  readonly retryable: boolean;
  /** Seconds the service asked us to wait (HTTP `Retry-After`, Telegram `retry_after`). */
  readonly retryAfterSeconds: number | undefined;
  /** HTTP status or SMTP reply code, when there was one. */
  readonly status: number | undefined;

  constructor(message: string, options: { retryable: boolean; retryAfterSeconds?: number; status?: number; cause?: unknown }) {
    super(message, { cause: options.cause });
    this.name = 'DeliveryError';
    this.retryable = options.retryable;
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.status = options.status;
  }
}

/** A configured, ready channel. */
export interface Channel {
  /** The id it has in the config (`alerts.channels.<id>`). */
  readonly id: string;
  readonly type: ChannelType;
  /**
   * Checks the settings can work, at start-up (SMTP: connects and, when offered, STARTTLS and
   * authenticates; webhooks: nothing beyond the schema).
   * @throws {Error} naming the channel and what is wrong.
   */
  check(): Promise<void>;
  /**
   * Sends one message.
   * @param recipients email addresses or chat ids (empty for webhook-style channels).
   * @throws {DeliveryError}
   */
  send(message: AlertMessage, recipients: string[]): Promise<DeliveryReceipt>;
  close(): Promise<void>;
}

/** A channel type: its settings schema and how to build it. */
export interface ChannelDefinition<C = unknown> {
  type: ChannelType;
  /** Settings under `alerts.channels.<id>` (besides `type`), validated at start-up. */
  configSchema: z.ZodType<C>;
  /** What a subscription's recipient is for this channel (`null`: the channel's URL is the recipient). */
  recipient: 'email' | 'telegram' | null;
  create(id: string, config: C): Channel;
}
