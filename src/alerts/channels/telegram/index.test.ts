import { createServer } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sampleAlert, sampleDigest } from '../../../testing/alerts.ts';
import { hasCorpus } from '../../../testing/corpus.ts';
import { type Receiver, startReceiver } from '../../../testing/receiver.ts';
import { headline } from '../../render.ts';
import { createChannels } from '../registry.ts';
import { type Channel, DeliveryError } from '../types.ts';
import { TELEGRAM_MAX_TEXT, type TelegramPayload } from './index.ts';

const TOKEN = '123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw';

function telegram(apiBase: string): Channel {
  return createChannels({ 'ops-telegram': { type: 'telegram', botToken: TOKEN, apiBase } }).get('ops-telegram') as Channel;
}

describe.skipIf(!hasCorpus())('telegram channel against the loopback receiver', () => {
  let rx: Receiver;
  let channel: Channel;

  beforeAll(async () => {
    rx = await startReceiver();
    channel = telegram(`${rx.baseUrl}/telegram`);
  });
  afterAll(() => rx.close());
  beforeEach(() => {
    rx.received.length = 0;
    rx.rejected.length = 0;
  });

  it('check() calls getMe with the token', async () => {
    await expect(channel.check()).resolves.toBeUndefined();
  });

  it('sends one alert to each chat as HTML sendMessage', async () => {
    const alert = sampleAlert();
    const receipt = await channel.send({ alerts: [alert] }, ['123456789', '-1001234567890']);
    expect(rx.rejected).toEqual([]);
    expect(receipt.response).toMatch(/^chat 123456789: message \d+; chat -1001234567890: message \d+$/);
    expect(rx.received.map((r) => r.path)).toEqual([`/telegram/bot${TOKEN}/sendMessage`, `/telegram/bot${TOKEN}/sendMessage`]);
    const [first, second] = rx.received.map((r) => r.body as TelegramPayload);
    expect(first?.chat_id).toBe('123456789');
    expect(second?.chat_id).toBe('-1001234567890');
    expect(first?.parse_mode).toBe('HTML');
    expect(first?.link_preview_options).toEqual({ is_disabled: true });
    const text = first?.text ?? '';
    expect(text.length).toBeLessThanOrEqual(TELEGRAM_MAX_TEXT);
    expect(text.startsWith(`<b>${headline(alert, 300)}</b>`)).toBe(true);
    for (const expected of [
      '<b>CVSS:</b> 10.0 (CVSS 3.1) CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H',
      '<b>EPSS:</b> 99.99% (percentile 100%, 2026-08-16)',
      '<b>CISA KEV:</b> added 2024-04-12, due 2024-04-19, ransomware use: known',
      '<b>SSVC:</b> Act',
      '• Matched product entry &quot;paloaltonetworks:pan-os 10.2.5&quot;',
      '• PROVISIONAL: matched on the CNA&#39;s data before NVD analysis',
      '<a href="https://nvd.nist.gov/vuln/detail/CVE-2024-3400">CVE-2024-3400 details</a>',
    ]) {
      expect(text).toContain(expected);
    }
  });

  it('a long description is cut so the text fits 4096 characters', async () => {
    const long = sampleAlert({ facts: { description: `${'A <long> & "quoted" description. '.repeat(200)}` } });
    await channel.send({ alerts: [long] }, ['42424242']);
    expect(rx.rejected).toEqual([]);
    const text = (rx.received[0]!.body as TelegramPayload).text;
    expect(text.length).toBeLessThanOrEqual(TELEGRAM_MAX_TEXT);
    expect(text).toContain('A &lt;long&gt; &amp; &quot;quoted&quot;');
    expect(text).toContain('PROVISIONAL');
  });

  it('a digest of 40 lists as many as fit 4096 characters, then "…and N more"', async () => {
    const digest = sampleDigest(40);
    await channel.send(digest, ['42424242']);
    expect(rx.rejected).toEqual([]);
    const text = (rx.received[0]!.body as TelegramPayload).text;
    expect(text.length).toBeLessThanOrEqual(TELEGRAM_MAX_TEXT);
    const shown = digest.alerts.filter((a) => text.includes(`${a.cveId} added to KEV`)).length;
    expect(shown).toBeGreaterThan(5);
    expect(shown).toBeLessThan(40);
    expect(text.endsWith(`…and ${40 - shown} more`)).toBe(true);
    expect(text.startsWith('<b>Vigil daily digest: 40 alerts (2026-08-15 → 2026-08-16)</b>')).toBe(true);
  });

  it('429 with retry_after → retryable with retryAfterSeconds; the token never appears', async () => {
    rx.fail('telegram', { status: 429, retryAfter: 17 });
    const err = (await channel.send({ alerts: [sampleAlert()] }, ['42424242']).catch((e: unknown) => e)) as DeliveryError;
    expect(err).toBeInstanceOf(DeliveryError);
    expect(err).toMatchObject({ retryable: true, retryAfterSeconds: 17, status: 429 });
    expect(err.message).toBe('telegram channel "ops-telegram": HTTP 429: Too Many Requests: retry after 17');
  });

  it('table: other failures are classified and redacted', async () => {
    const rows: [Parameters<Receiver['fail']>[1], boolean][] = [
      [{ status: 500 }, true],
      [{ status: 400 }, false],
      [{ status: 403 }, false],
      [{ drop: true }, true],
    ];
    for (const [failure, retryable] of rows) {
      rx.fail('telegram', failure);
      const err = (await channel.send({ alerts: [sampleAlert()] }, ['42424242']).catch((e: unknown) => e)) as DeliveryError;
      expect(err, JSON.stringify(failure)).toBeInstanceOf(DeliveryError);
      expect(err.retryable, JSON.stringify(failure)).toBe(retryable);
      expect(err.message).not.toContain(TOKEN);
      expect(err.message).not.toContain('AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw');
    }
  });

  it('a failure after some chats got it says which (a retry sends to them again)', async () => {
    rx.fail('telegram', { status: 500, after: 1 });
    const err = (await channel.send({ alerts: [sampleAlert()] }, ['111', '222']).catch((e: unknown) => e)) as DeliveryError;
    expect(err).toBeInstanceOf(DeliveryError);
    expect(err.retryable).toBe(true);
    expect(err.message).toMatch(/HTTP 500.*\(already sent: chat 111: message \d+\)$/);
    expect(rx.received.map((r) => (r.body as TelegramPayload).chat_id)).toEqual(['111']);
  });

  it('no chat id → not retryable', async () => {
    const err = (await channel.send({ alerts: [sampleAlert()] }, []).catch((e: unknown) => e)) as DeliveryError;
    expect(err).toMatchObject({ retryable: false });
  });

  it('check() fails naming the channel against a closed port, without the token', async () => {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as { port: number };
    await new Promise<void>((r) => server.close(() => r()));
    const err = (await telegram(`http://127.0.0.1:${port}`)
      .check()
      .catch((e: unknown) => e)) as Error;
    expect(err.message).toMatch(/^Alert channel "ops-telegram" \(telegram\): .*ECONNREFUSED/);
    expect(err.message).not.toContain(TOKEN);
  });

  it('table: config errors name the channel and the key', () => {
    const rows: [Record<string, unknown>, string][] = [
      [{ type: 'telegram' }, 'Alert channel "ops-telegram" is misconfigured: botToken: '],
      [{ type: 'telegram', botToken: 'nope' }, 'botToken: expected a bot token'],
      [{ type: 'telegram', botToken: TOKEN, apiBase: 'http://api.telegram.org' }, 'apiBase: plain http: is only allowed for loopback hosts'],
      [{ type: 'telegram', botToken: TOKEN, chatId: '1' }, 'chatId: unknown key'],
    ];
    for (const [settings, message] of rows) expect(() => createChannels({ 'ops-telegram': settings }), JSON.stringify(settings)).toThrow(message);
  });
});
