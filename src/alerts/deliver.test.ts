/**
 * Delivery against a real SMTP server and an HTTP receiver on loopback: digests, quiet hours,
 * backoff and Retry-After, giving up, manual retry, and the delivery log. Time is frozen: each
 * pass is given its `now`.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AlertsConfigFile, type AlertsConfig } from '../config.ts';
import { createLogger } from '../log.ts';
import type { Alert, DeliveryMode } from '../model/alert.ts';
import type { AlertStore, NewAlert } from '../store/alerts.ts';
import { sampleAlert } from '../testing/alerts.ts';
import { hasCorpus } from '../testing/corpus.ts';
import { type Receiver, startReceiver } from '../testing/receiver.ts';
import { startSmtpServer, type TestSmtpServer } from '../testing/smtp.ts';
import { openTestStores, type TestStores } from '../testing/store.ts';
import { createChannels } from './channels/registry.ts';
import type { Channel } from './channels/types.ts';
import { deliverDue } from './deliver.ts';
import { firstAttemptAt } from './schedule.ts';

const SECRET = 'deliver-test-secret-0123456789';
const log = createLogger();

describe.skipIf(!hasCorpus())('delivery', () => {
  let smtp: TestSmtpServer;
  let receiver: Receiver;
  let channels: Map<string, Channel>;
  let stores: TestStores;
  let alerts: AlertStore;
  let config: AlertsConfig;
  let next = 1;

  beforeAll(async () => {
    smtp = await startSmtpServer();
    receiver = await startReceiver({ webhookSecret: SECRET });
    const settings = {
      mail: { type: 'email', host: '127.0.0.1', port: smtp.port, from: 'vigil@example.org', tls: { rejectUnauthorized: false } },
      hook: { type: 'webhook', url: `${receiver.baseUrl}/webhook/x`, secret: SECRET },
      tg: { type: 'telegram', botToken: '123456:ABCDEFGHIJKLMNOPQRSTUVWXYZ', apiBase: `${receiver.baseUrl}/telegram` },
    };
    channels = createChannels(settings);
    config = { ...AlertsConfigFile.parse({ retry: { baseSeconds: 60, maxSeconds: 600, maxAttempts: 3 } }), channels: settings as never };
  });
  afterAll(async () => {
    for (const c of channels.values()) await c.close();
    await Promise.all([smtp.close(), receiver.close()]);
  });
  beforeEach(async () => {
    stores = await openTestStores();
    alerts = stores.alerts;
  });
  afterEach(async () => stores.close());

  /** Stores alerts made at `at` for subscription 1 (or `sub`) on `channel`. */
  async function make(n: number, at: string, channel: string, mode: DeliveryMode = 'immediate', quiet: { start: string; end: string } | null = null): Promise<number[]> {
    const made: NewAlert[] = [];
    for (let i = 0; i < n; i++) {
      const { id: _id, status: _s, attempts: _a, sentAt: _t, lastError: _e, confirmedAt: _c, ...a } = sampleAlert();
      made.push({ ...a, channel, mode, recipients: channel === 'mail' ? ['soc@example.org'] : channel === 'tg' ? ['1001', '1002', '1003'] : [], eventKey: `test:${next++}`, createdAt: at, nextAttemptAt: firstAttemptAt(new Date(at), mode, 'UTC', quiet, config.digest).toISOString() });
    }
    return alerts.commitEvaluation({ alerts: made, confirmations: [], state: {}, at });
  }
  const pass = (now: string) => deliverDue({ alerts, channels, config, log, now: () => new Date(now) });
  const get = async (id: number) => (await alerts.getAlert(id)) as Alert;

  it('sends an immediate alert once, and logs the attempt', async () => {
    const before = smtp.messages.length;
    const [id] = await make(1, '2026-11-23T10:00:00.000Z', 'mail');
    expect(await pass('2026-11-23T10:00:01.000Z')).toMatchObject({ messages: 1, sent: 1 });
    expect(await pass('2026-11-23T10:00:02.000Z')).toMatchObject({ messages: 0 });
    expect(smtp.messages.length - before).toBe(1);
    expect(smtp.messages.at(-1)?.headers['x-vigil-alert-ids']).toBe(String(id));
    const log = await alerts.deliveries(id as number);
    expect(log.map((d) => d.status)).toEqual(['sent']);
    expect(log[0]?.response).toMatch(/250/);
  });

  it('gathers digest alerts into one message at the digest time, not before', async () => {
    const before = smtp.messages.length;
    const ids = await make(3, '2026-11-23T10:00:00.000Z', 'mail', 'daily');
    expect((await get(ids[0] as number)).nextAttemptAt).toBe('2026-11-24T08:00:00.000Z');
    expect(await pass('2026-11-23T20:00:00.000Z')).toMatchObject({ messages: 0 });
    expect(await pass('2026-11-24T08:00:00.000Z')).toMatchObject({ messages: 1, sent: 3 });
    expect(smtp.messages.length - before).toBe(1);
    expect(smtp.messages.at(-1)?.headers['x-vigil-alert-ids']?.split(',').sort()).toEqual(ids.map(String).sort());
  });

  it('holds an immediate alert during quiet hours', async () => {
    const [id] = await make(1, '2026-11-23T23:30:00.000Z', 'mail', 'immediate', { start: '22:00', end: '07:00' });
    expect(await pass('2026-11-24T03:00:00.000Z')).toMatchObject({ messages: 0 });
    expect(await pass('2026-11-24T07:00:00.000Z')).toMatchObject({ sent: 1 });
    expect((await get(id as number)).sentAt).toBe('2026-11-24T07:00:00.000Z');
  });

  it('retries with exponential backoff, gives up after maxAttempts, and can be retried by hand', async () => {
    const [id] = await make(1, '2026-11-23T10:00:00.000Z', 'hook');
    receiver.fail('webhook', { status: 500, count: 3 });
    expect(await pass('2026-11-23T10:00:00.000Z')).toMatchObject({ retrying: 1 });
    expect((await get(id as number)).nextAttemptAt).toBe('2026-11-23T10:01:00.000Z');
    expect(await pass('2026-11-23T10:00:59.000Z')).toMatchObject({ messages: 0 });
    expect(await pass('2026-11-23T10:01:00.000Z')).toMatchObject({ retrying: 1 });
    expect((await get(id as number)).nextAttemptAt).toBe('2026-11-23T10:03:00.000Z');
    expect(await pass('2026-11-23T10:03:00.000Z')).toMatchObject({ failed: 1 });
    expect(await get(id as number)).toMatchObject({ status: 'failed', attempts: 3, nextAttemptAt: null });
    const log = await alerts.deliveries(id as number);
    expect(log.map((d) => [d.attempt, d.status, d.retryable])).toEqual([
      [1, 'failed', true],
      [2, 'failed', true],
      [3, 'failed', false],
    ]);
    expect(log[0]?.error).toMatch(/500/);

    expect(await alerts.retryAlerts([id as number], '2026-11-23T11:00:00.000Z')).toBe(1);
    expect(await pass('2026-11-23T11:00:00.000Z')).toMatchObject({ sent: 1 });
    expect((await alerts.deliveries(id as number)).at(-1)).toMatchObject({ attempt: 4, status: 'sent' });
  });

  it('Telegram: after a partial failure, the retry sends only to the chats that did not get it', async () => {
    const [id] = await make(1, '2026-11-23T10:00:00.000Z', 'tg');
    const chats = () => receiver.received.filter((r) => r.service === 'telegram' && r.path.endsWith('/sendMessage')).map((r) => (r.body as { chat_id: string }).chat_id);
    const before = chats().length;
    receiver.fail('telegram', { status: 502, after: 1 });
    const first = await pass('2026-11-23T10:00:00.000Z');
    expect(first, (await get(id as number)).lastError ?? '').toMatchObject({ retrying: 1 });
    expect(await get(id as number)).toMatchObject({ deliveredTo: ['1001'], status: 'pending' });
    expect(await pass('2026-11-23T10:01:00.000Z')).toMatchObject({ sent: 1 });
    expect(await get(id as number)).toMatchObject({ deliveredTo: ['1001', '1002', '1003'], status: 'sent' });
    expect(chats().slice(before)).toEqual(['1001', '1002', '1003']);
  });

  it("waits at least as long as the service's Retry-After", async () => {
    const [id] = await make(1, '2026-11-23T10:00:00.000Z', 'hook');
    receiver.fail('webhook', { status: 429, retryAfter: 300 });
    await pass('2026-11-23T10:00:00.000Z');
    expect((await get(id as number)).nextAttemptAt).toBe('2026-11-23T10:05:00.000Z');
  });

  it('does not retry what cannot succeed: a rejected recipient (SMTP 550), an unknown channel', async () => {
    const [rejected] = await make(1, '2026-11-23T10:00:00.000Z', 'mail');
    const [orphan] = await make(1, '2026-11-23T10:00:00.000Z', 'gone');
    smtp.setBehaviour('reject', 1);
    expect(await pass('2026-11-23T10:00:00.000Z')).toMatchObject({ failed: 2 });
    expect((await get(rejected as number)).lastError).toMatch(/550/);
    expect((await get(orphan as number)).lastError).toMatch(/"gone" is not configured/);
  });

  it('a claim lasts its lease: alerts of a process that died mid-send go out after it, once', async () => {
    const [id] = await make(1, '2026-11-23T10:00:00.000Z', 'hook');
    const before = receiver.received.length;
    // Another process claimed it and died before recording an attempt.
    expect((await alerts.claimAlerts([id as number], '2026-11-23T10:00:00.000Z', '2026-11-23T10:05:00.000Z')).map((a) => a.id)).toEqual([id]);
    expect(await alerts.claimAlerts([id as number], '2026-11-23T10:00:01.000Z', '2026-11-23T10:05:01.000Z')).toEqual([]);
    expect(await alerts.nextDue()).toBe('2026-11-23T10:05:00.000Z');
    expect(await pass('2026-11-23T10:04:59.000Z')).toMatchObject({ messages: 0 });
    expect(await pass('2026-11-23T10:05:00.000Z')).toMatchObject({ messages: 1, sent: 1 });
    expect(await pass('2026-11-23T10:10:00.000Z')).toMatchObject({ messages: 0 });
    expect(receiver.received.length - before).toBe(1);
    expect(await get(id as number)).toMatchObject({ status: 'sent', attempts: 1, nextAttemptAt: null });
  });

  it('never makes the same alert twice: same subscription, CVE and event key', async () => {
    const [a] = await make(1, '2026-11-23T10:00:00.000Z', 'mail');
    const again = await get(a as number);
    const { id: _id, status: _s, attempts: _n, sentAt: _t, lastError: _e, confirmedAt: _c, ...copy } = again;
    expect(await alerts.commitEvaluation({ alerts: [copy], confirmations: [], state: {}, at: again.createdAt })).toEqual([]);
  });
});
