import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sampleAlert, sampleDigest } from '../../../testing/alerts.ts';
import { hasCorpus } from '../../../testing/corpus.ts';
import { type Receiver, startReceiver } from '../../../testing/receiver.ts';
import { headline } from '../../render.ts';
import { sendJson } from '../http.ts';
import { createChannels } from '../registry.ts';
import { type Channel, DeliveryError } from '../types.ts';
import type { SlackPayload } from './index.ts';

/** Every string in a payload, one per line. */
function allText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.map(allText).join('\n');
  if (value && typeof value === 'object') return Object.values(value).map(allText).join('\n');
  return '';
}

describe.skipIf(!hasCorpus())('slack channel against the loopback receiver', () => {
  let rx: Receiver;
  let channel: Channel;
  const path = '/slack/services/T0000/B0000/XXXXXXXXXXXXXXXXXXXXXXXX';

  beforeAll(async () => {
    rx = await startReceiver();
    channel = createChannels({ 'ops-slack': { type: 'slack', url: `${rx.baseUrl}${path}` } }).get('ops-slack') as Channel;
  });
  afterAll(() => rx.close());
  beforeEach(() => {
    rx.received.length = 0;
    rx.rejected.length = 0;
  });

  it('sends one alert as Block Kit: header, facts, why it matched, link', async () => {
    const alert = sampleAlert();
    expect(await channel.send({ alerts: [alert] }, [])).toEqual({ response: 'HTTP 200' });
    expect(rx.rejected).toEqual([]);
    expect(rx.received).toHaveLength(1);
    expect(rx.received[0]?.path).toBe(path);
    const body = rx.received[0]?.body as SlackPayload;
    expect(body.text).toBe(headline(alert));
    expect(body.blocks[0]).toEqual({ type: 'header', text: { type: 'plain_text', text: headline(alert, 150), emoji: false } });
    const text = allText(body.blocks);
    for (const expected of [
      'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H',
      '99.99% (percentile 100%, 2026-08-16)',
      'added 2024-04-12, due 2024-04-19, ransomware use: known',
      '*SSVC*\nAct',
      'Palo Alto Networks PAN-OS',
      'Event: added to KEV on 2024-04-12',
      'affected[0].product = "Palo Alto Networks PAN-OS"; version 10.2.5 in [10.2.0, 10.2.9-h1)',
      'Threshold minCvss: required 9, actual 10 (passed)',
      "PROVISIONAL: matched on the CNA's data before NVD analysis",
      '<https://nvd.nist.gov/vuln/detail/CVE-2024-3400|CVE-2024-3400 details>',
    ]) {
      expect(text).toContain(expected);
    }
  });

  it('a digest of 60 fits 50 blocks: 48 alerts, then "…and 12 more"', async () => {
    const digest = sampleDigest(60);
    await channel.send(digest, []);
    const body = rx.received[0]?.body as SlackPayload;
    expect(body.blocks).toHaveLength(50);
    expect(body.text).toBe('Vigil daily digest: 60 alerts (2026-08-15 → 2026-08-16)');
    const sections = body.blocks.filter((b) => b.type === 'section');
    expect(sections).toHaveLength(48);
    expect(allText(sections)).toContain(digest.alerts[47]?.cveId);
    expect(allText(sections)).not.toContain(digest.alerts[48]?.cveId);
    expect(body.blocks.at(-1)).toEqual({ type: 'context', elements: [{ type: 'mrkdwn', text: '…and 12 more' }] });
  });

  it('a small digest lists every alert with no "more" line', async () => {
    const digest = sampleDigest(5);
    await channel.send(digest, []);
    const text = allText((rx.received[0]!.body as SlackPayload).blocks);
    for (const a of digest.alerts) expect(text).toContain(a.cveId);
    expect(text).not.toContain('more');
  });

  it('table: injected failures are classified', async () => {
    const rows: [Parameters<Receiver['fail']>[1], boolean, number | undefined, number | undefined][] = [
      [{ status: 429, retryAfter: 30 }, true, 429, 30],
      [{ status: 500 }, true, 500, undefined],
      [{ status: 503 }, true, 503, undefined],
      [{ status: 400 }, false, 400, undefined],
      [{ status: 404 }, false, 404, undefined],
      [{ drop: true }, true, undefined, undefined],
    ];
    for (const [failure, retryable, status, retryAfter] of rows) {
      rx.fail('slack', failure);
      const err = await channel.send({ alerts: [sampleAlert()] }, []).catch((e: unknown) => e);
      expect(err, JSON.stringify(failure)).toBeInstanceOf(DeliveryError);
      const e = err as DeliveryError;
      expect(e.retryable, JSON.stringify(failure)).toBe(retryable);
      expect(e.status).toBe(status);
      expect(e.retryAfterSeconds).toBe(retryAfter);
      expect(e.message).toMatch(/^slack channel "ops-slack": /);
      expect(e.message).not.toContain('XXXXXXXX'); // the webhook URL is a secret
    }
    expect(rx.received).toHaveLength(0);
  });

  it('the receiver refuses a payload over the documented limits (header > 150) with 400: not retryable', async () => {
    const payload = { text: 'x', blocks: [{ type: 'header', text: { type: 'plain_text', text: 'x'.repeat(151) } }] };
    const err = (await sendJson({ id: 'ops-slack', type: 'slack' }, `${rx.baseUrl}${path}`, payload).catch((e: unknown) => e)) as DeliveryError;
    expect(err.retryable).toBe(false);
    expect(err.status).toBe(400);
    expect(err.message).toContain('blocks.0.text.text');
    expect(rx.rejected[0]?.reason).toMatch(/blocks\.0\.text\.text/);
  });

  it('table: config errors name the channel and the key', () => {
    const rows: [Record<string, unknown>, string][] = [
      [{ type: 'slack' }, 'Alert channel "ops-slack" is misconfigured: url: '],
      [{ type: 'slack', url: 'http://hooks.slack.com/services/T/B/X' }, 'url: plain http: is only allowed for loopback hosts'],
      [{ type: 'slack', url: 'ftp://example.org/x' }, 'url: unsupported protocol ftp:'],
      [{ type: 'slack', url: 'not a url' }, 'url: Invalid URL'],
      [{ type: 'slack', url: 'https://hooks.slack.com/x', channel: '#ops' }, 'channel: unknown key'],
    ];
    for (const [settings, message] of rows) expect(() => createChannels({ 'ops-slack': settings }), JSON.stringify(settings)).toThrow(message);
    for (const url of ['https://hooks.slack.com/services/T/B/X', 'http://localhost:8080/x', 'http://[::1]:8080/x']) {
      expect(createChannels({ s: { type: 'slack', url } }).get('s')?.type).toBe('slack');
    }
  });
});
