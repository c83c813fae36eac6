import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sampleAlert, sampleDigest } from '../../../testing/alerts.ts';
import { hasCorpus } from '../../../testing/corpus.ts';
import { type Receiver, startReceiver } from '../../../testing/receiver.ts';
import { createChannels } from '../registry.ts';
import { type Channel, DeliveryError } from '../types.ts';
import { signWebhook, verifyWebhookSignature, type WebhookBody } from './index.ts';

const SECRET = 'whsec-0123456789abcdef';

describe('verifyWebhookSignature', () => {
  const body = '{"version":1,"type":"alert","alerts":[]}';
  const now = new Date('2026-08-16T06:00:00.000Z');
  const ts = String(Math.floor(now.getTime() / 1000));
  const signature = signWebhook(SECRET, ts, body);

  it('signs "<timestamp>.<body>" with HMAC-SHA256, hex', () => {
    // Independent computation: node's crypto on the documented base string.
    expect(signature).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(signWebhook(SECRET, Number(ts), body)).toBe(signature);
    expect(signWebhook(SECRET, ts, `${body} `)).not.toBe(signature);
  });

  it('table: accepts the genuine request, rejects tampering, wrong secret, replays and garbage', () => {
    const minutes = (m: number) => String(Number(ts) + m * 60);
    const rows: [string, string, { timestamp?: string; signature?: string }, string, string | null][] = [
      ['genuine', SECRET, { timestamp: ts, signature }, body, null],
      ['4 minutes old, re-signed', SECRET, { timestamp: minutes(-4), signature: signWebhook(SECRET, minutes(-4), body) }, body, null],
      ['tampered body', SECRET, { timestamp: ts, signature }, body.replace('alert', 'digest'), 'signature does not match the body'],
      ['wrong secret', 'another-secret-0123456789', { timestamp: ts, signature }, body, 'signature does not match the body'],
      ['timestamp changed', SECRET, { timestamp: minutes(-1), signature }, body, 'signature does not match the body'],
      [
        '10 minutes old',
        SECRET,
        { timestamp: minutes(-10), signature: signWebhook(SECRET, minutes(-10), body) },
        body,
        'timestamp is 600 s old (window ±300 s)',
      ],
      [
        '10 minutes ahead',
        SECRET,
        { timestamp: minutes(10), signature: signWebhook(SECRET, minutes(10), body) },
        body,
        'timestamp is 600 s in the future (window ±300 s)',
      ],
      ['no timestamp', SECRET, { signature }, body, 'missing or malformed X-Vigil-Timestamp'],
      ['no signature', SECRET, { timestamp: ts }, body, 'missing or malformed X-Vigil-Signature'],
      ['sha1 signature', SECRET, { timestamp: ts, signature: 'sha1=abc' }, body, 'missing or malformed X-Vigil-Signature'],
    ];
    for (const [name, secret, headers, raw, reason] of rows) {
      const result = verifyWebhookSignature(secret, headers, raw, { now });
      expect(result, name).toEqual(reason === null ? { ok: true } : { ok: false, reason });
    }
    expect(
      verifyWebhookSignature(SECRET, { timestamp: minutes(-10), signature: signWebhook(SECRET, minutes(-10), body) }, body, { now, toleranceSeconds: 900 }),
    ).toEqual({ ok: true });
  });
});

describe.skipIf(!hasCorpus())('webhook channel against the loopback receiver', () => {
  let rx: Receiver;
  let channel: Channel;
  const path = '/webhook/vigil-in';

  beforeAll(async () => {
    rx = await startReceiver({ webhookSecret: SECRET });
    channel = createChannels({
      'siem-hook': { type: 'webhook', url: `${rx.baseUrl}${path}`, secret: SECRET, headers: { Authorization: 'Bearer api-key-for-siem-0001' } },
    }).get('siem-hook') as Channel;
  });
  afterAll(() => rx.close());
  beforeEach(() => {
    rx.received.length = 0;
    rx.rejected.length = 0;
  });

  it('sends one alert, signed: the receiver verifies it and gets every field', async () => {
    const alert = sampleAlert();
    const before = Math.floor(Date.now() / 1000);
    expect(await channel.send({ alerts: [alert] }, [])).toEqual({ response: 'HTTP 200' });
    expect(rx.rejected).toEqual([]);
    const got = rx.received[0];
    expect(got?.headers['x-vigil-event']).toBe('kev_added');
    expect(got?.headers['x-vigil-delivery']).toBe('1');
    expect(got?.headers['user-agent']).toBe('Vigil/0.1');
    expect(got?.headers.authorization).toBe('Bearer api-key-for-siem-0001');
    expect(got?.headers['content-type']).toBe('application/json; charset=utf-8');
    const ts = Number(got?.headers['x-vigil-timestamp']);
    expect(ts).toBeGreaterThanOrEqual(before);
    expect(got?.headers['x-vigil-signature']).toBe(signWebhook(SECRET, ts, got?.raw ?? ''));
    const body = got?.body as WebhookBody;
    expect(body).toMatchObject({ version: 1, type: 'alert' });
    expect(body.digest).toBeUndefined();
    expect(body.alerts).toEqual([
      {
        id: 1,
        event: 'kev_added',
        eventKey: 'kev_added',
        cveId: 'CVE-2024-3400',
        createdAt: alert.createdAt,
        provisional: true,
        confirmedAt: null,
        facts: alert.facts,
        explanation: alert.explanation,
      },
    ]);
    expect(body.alerts[0]?.facts.kev).toEqual({ dateAdded: '2024-04-12', dueDate: '2024-04-19', ransomware: true });
  });

  it('sends a digest with every alert and the ids as the delivery key', async () => {
    const digest = sampleDigest(30);
    await channel.send(digest, []);
    expect(rx.rejected).toEqual([]);
    const got = rx.received[0];
    const body = got?.body as WebhookBody;
    expect(got?.headers['x-vigil-event']).toBe('digest');
    expect(got?.headers['x-vigil-delivery']).toBe(digest.alerts.map((a) => a.id).join(','));
    expect(body.type).toBe('digest');
    expect(body.digest).toEqual(digest.digest);
    expect(body.alerts.map((a) => a.cveId)).toEqual(digest.alerts.map((a) => a.cveId));
  });

  it('a receiver with another secret refuses it (401): not retryable, secret not in the error', async () => {
    const wrong = createChannels({ h: { type: 'webhook', url: `${rx.baseUrl}${path}`, secret: 'not-the-receivers-secret' } }).get('h') as Channel;
    const err = (await wrong.send({ alerts: [sampleAlert()] }, []).catch((e: unknown) => e)) as DeliveryError;
    expect(err).toBeInstanceOf(DeliveryError);
    expect(err).toMatchObject({ retryable: false, status: 401 });
    expect(err.message).toContain('signature does not match the body');
    expect(err.message).not.toContain('not-the-receivers-secret');
    expect(rx.received).toHaveLength(0);
  });

  it('table: injected failures are classified', async () => {
    const rows: [Parameters<Receiver['fail']>[1], boolean, number | undefined][] = [
      [{ status: 429, retryAfter: 5 }, true, 5],
      [{ status: 503 }, true, undefined],
      [{ status: 422 }, false, undefined],
      [{ drop: true }, true, undefined],
    ];
    for (const [failure, retryable, retryAfter] of rows) {
      rx.fail('webhook', failure);
      const err = (await channel.send({ alerts: [sampleAlert()] }, []).catch((e: unknown) => e)) as DeliveryError;
      expect(err, JSON.stringify(failure)).toBeInstanceOf(DeliveryError);
      expect(err.retryable, JSON.stringify(failure)).toBe(retryable);
      expect(err.retryAfterSeconds).toBe(retryAfter);
      expect(err.message).not.toContain('api-key-for-siem-0001');
    }
  });

  it('a Retry-After given as an HTTP date becomes seconds', async () => {
    const at = new Date(Date.now() + 120_000).toUTCString();
    rx.fail('webhook', { status: 429, retryAfter: at });
    const err = (await channel.send({ alerts: [sampleAlert()] }, []).catch((e: unknown) => e)) as DeliveryError;
    expect(err.retryAfterSeconds).toBeGreaterThan(100);
    expect(err.retryAfterSeconds).toBeLessThanOrEqual(120);
  });

  it('table: config errors name the channel and the key', () => {
    const url = 'https://siem.example.org/hook';
    const rows: [Record<string, unknown>, string][] = [
      [{ type: 'webhook', url }, 'Alert channel "siem-hook" is misconfigured: secret: '],
      [{ type: 'webhook', url, secret: 'short' }, 'secret: the signing secret must be at least 16 characters'],
      [{ type: 'webhook', url: 'http://siem.example.org/hook', secret: SECRET }, 'url: plain http: is only allowed for loopback hosts'],
      [{ type: 'webhook', url, secret: SECRET, headers: { 'X-Vigil-Signature': 'x' } }, 'headers: must not set'],
      [{ type: 'webhook', url, secret: SECRET, headers: { 'bad header': 'x' } }, 'headers.bad header: not a valid HTTP header name'],
      [{ type: 'webhook', url, secret: SECRET, signing: 'sha1' }, 'signing: unknown key'],
    ];
    for (const [settings, message] of rows) expect(() => createChannels({ 'siem-hook': settings }), JSON.stringify(settings)).toThrow(message);
  });
});
