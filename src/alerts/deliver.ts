/**
 * Delivery: sends the alerts that are due (immediate ones one by one, digests gathered per
 * subscription), logs every attempt, and schedules retries with exponential backoff. An alert
 * is marked sent in the same step that logs the successful attempt, and nothing is sent twice
 * by Vigil once marked; a process killed between a service's answer and that step (a window
 * of milliseconds) can repeat one message, which is why webhooks carry an idempotency key
 * (`X-Vigil-Delivery`).
 *
 * Several processes (daemons, workers) may deliver from one store at once: each message's alerts
 * are claimed in one transaction just before the send ({@link AlertStore.claimAlerts}), so an
 * alert goes out from one process only; one that dies mid-send leaves its alerts to be retried by
 * any process when the claim's lease ({@link DeliveryDeps.leaseSeconds}) ends.
 */
import type { Logger } from 'pino';
import type { AlertsConfig } from '../config.ts';
import type { Alert, DeliveryAttempt } from '../model/alert.ts';
import type { AlertStore } from '../store/alerts.ts';
import { type AlertMessage, type Channel, DeliveryError } from './channels/types.ts';
import { retryAt } from './schedule.ts';

/** What delivery needs. */
export interface DeliveryDeps {
  alerts: AlertStore;
  channels: Map<string, Channel>;
  config: AlertsConfig;
  log: Logger;
  now?: () => Date;
  /** Checked between messages: true stops the pass (SIGTERM) after the message in flight. */
  shouldStop?: () => boolean;
  /**
   * How long a claim on a message's alerts lasts, seconds (default {@link CLAIM_LEASE_SECONDS}):
   * longer than any send takes, or another process may send the same message again.
   */
  leaseSeconds?: number;
}

/**
 * Default lease of a claim, seconds: far above the longest send (HTTP channels give up after 10 s,
 * email after 30 s of silence; Telegram sends once per chat), short enough that the alerts of a
 * killed process go out a few minutes late rather than never.
 */
export const CLAIM_LEASE_SECONDS = 300;

/** What one delivery pass did. */
export interface DeliverySummary {
  /** Messages attempted (a digest is one message). */
  messages: number;
  /** Alerts sent. */
  sent: number;
  /** Alerts that failed for good this pass. */
  failed: number;
  /** Alerts that failed and will be retried. */
  retrying: number;
  /** Due alerts another process claimed first (it sends them). */
  claimedElsewhere: number;
}

/** Channel types that send to each recipient in its own request. */
const SEPARATE_SENDS = new Set(['telegram']);

/** Most alerts one digest message carries; more go in further messages. */
const DIGEST_MAX = 100;

/** Groups due alerts into messages: one per immediate alert, one per digest group. */
export function planMessages(due: Alert[], now: Date): { alerts: Alert[]; message: AlertMessage }[] {
  const out: { alerts: Alert[]; message: AlertMessage }[] = [];
  const digests = new Map<string, Alert[]>();
  for (const a of due) {
    if (a.mode === 'immediate') out.push({ alerts: [a], message: { alerts: [a] } });
    else {
      const key = JSON.stringify([a.subscriptionId, a.channel, a.recipients, a.mode]);
      digests.set(key, [...(digests.get(key) ?? []), a]);
    }
  }
  for (const group of digests.values()) {
    for (let i = 0; i < group.length; i += DIGEST_MAX) {
      const part = group.slice(i, i + DIGEST_MAX);
      const first = part[0] as Alert;
      const from = part.reduce((m, a) => (a.createdAt < m ? a.createdAt : m), first.createdAt);
      out.push({ alerts: part, message: { alerts: part, digest: { period: first.mode as 'hourly' | 'daily' | 'weekly', from, to: now.toISOString() } } });
    }
  }
  return out;
}

async function attempt(deps: DeliveryDeps, alerts: Alert[], message: AlertMessage, summary: DeliverySummary): Promise<void> {
  const now = deps.now ?? (() => new Date());
  const first = alerts[0] as Alert;
  const channel = deps.channels.get(first.channel);
  const started = Date.now();
  const at = now();
  let response: string | null = null;
  let error: DeliveryError | null = null;
  const deliveredTo = [...first.deliveredTo];
  try {
    if (!channel) throw new DeliveryError(`channel "${first.channel}" is not configured (alerts.channels)`, { retryable: false });
    if (SEPARATE_SENDS.has(channel.type) && first.recipients.length > 1) {
      // One request per chat: remember who has it, so a retry sends only to the others.
      const answers: string[] = [];
      for (const r of first.recipients) {
        if (deliveredTo.includes(r)) continue;
        answers.push((await channel.send(message, [r])).response);
        deliveredTo.push(r);
      }
      response = answers.join('; ') || 'already sent to every recipient';
    } else response = (await channel.send(message, first.recipients)).response;
  } catch (err) {
    error = err instanceof DeliveryError ? err : new DeliveryError((err as Error).message, { retryable: true, cause: err });
    if (!(err instanceof DeliveryError)) deps.log.error({ err, channel: first.channel }, 'unexpected delivery error');
  }
  const attemptNo = Math.max(...alerts.map((a) => a.attempts)) + 1;
  const next = error?.retryable ? retryAt(at, attemptNo, deps.config.retry, error.retryAfterSeconds) : null;
  const status = error ? (next ? 'pending' : 'failed') : 'sent';
  const rows: DeliveryAttempt[] = alerts.map((a) => ({
    alertId: a.id,
    attempt: a.attempts + 1,
    at: at.toISOString(),
    status: error ? 'failed' : 'sent',
    retryable: error !== null && next !== null,
    response,
    error: error ? `${error.message}${error.status ? ` (status ${error.status})` : ''}` : null,
    durationMs: Date.now() - started,
  }));
  await deps.alerts.recordAttempts(rows, {
    status,
    nextAttemptAt: next?.toISOString() ?? null,
    sentAt: error ? null : at.toISOString(),
    lastError: error?.message ?? null,
    deliveredTo,
  });
  summary.messages++;
  if (status === 'sent') summary.sent += alerts.length;
  else if (status === 'failed') summary.failed += alerts.length;
  else summary.retrying += alerts.length;
  const log = { channel: first.channel, alerts: alerts.map((a) => a.id), cve: alerts.length === 1 ? first.cveId : undefined };
  if (error) deps.log.warn({ ...log, err: error.message, retryAt: next?.toISOString() }, 'alert delivery failed');
  else deps.log.info(log, 'alert sent');
}

/**
 * Sends every alert due now, each message's alerts claimed first (another process delivering from
 * the same store skips them). Never throws for a failed send: failures are logged and retried.
 */
export async function deliverDue(deps: DeliveryDeps): Promise<DeliverySummary> {
  const clock = deps.now ?? (() => new Date());
  const now = clock();
  const lease = (deps.leaseSeconds ?? CLAIM_LEASE_SECONDS) * 1000;
  const summary: DeliverySummary = { messages: 0, sent: 0, failed: 0, retrying: 0, claimedElsewhere: 0 };
  for (const planned of planMessages(await deps.alerts.dueAlerts(now.toISOString()), now)) {
    if (deps.shouldStop?.()) break;
    // Claimed message by message, not the whole pass at once: the lease need only outlast one send.
    const ids = planned.alerts.map((a) => a.id);
    const claimed = await deps.alerts.claimAlerts(ids, now.toISOString(), new Date(clock().getTime() + lease).toISOString());
    summary.claimedElsewhere += ids.length - claimed.length;
    // The claimed rows as they are now (attempts, recipients already served); normally the same one message.
    for (const { alerts, message } of planMessages(claimed, now)) await attempt(deps, alerts, message, summary);
  }
  return summary;
}
