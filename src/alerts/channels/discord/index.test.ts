import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sampleAlert, sampleDigest } from '../../../testing/alerts.ts';
import { hasCorpus } from '../../../testing/corpus.ts';
import { type Receiver, startReceiver } from '../../../testing/receiver.ts';
import { headline } from '../../render.ts';
import { sendJson } from '../http.ts';
import { createChannels } from '../registry.ts';
import { type Channel, DeliveryError } from '../types.ts';
import { type DiscordPayload, embedSize } from './index.ts';

describe.skipIf(!hasCorpus())('discord channel against the loopback receiver', () => {
  let rx: Receiver;
  let channel: Channel;
  const path = '/discord/api/webhooks/123456789012345678/SECRETTOKENabcdef';

  beforeAll(async () => {
    rx = await startReceiver();
    channel = createChannels({ 'ops-discord': { type: 'discord', url: `${rx.baseUrl}${path}`, username: 'Vigil' } }).get('ops-discord') as Channel;
  });
  afterAll(() => rx.close());
  beforeEach(() => {
    rx.received.length = 0;
    rx.rejected.length = 0;
  });

  it('sends one alert as an embed with ?wait=true; Discord answers 200 with the message', async () => {
    const alert = sampleAlert();
    expect(await channel.send({ alerts: [alert] }, [])).toEqual({ response: 'HTTP 200' });
    expect(rx.rejected).toEqual([]);
    expect(rx.received[0]?.path).toBe(`${path}?wait=true`);
    const body = rx.received[0]?.body as DiscordPayload;
    expect(body.username).toBe('Vigil');
    expect(body.allowed_mentions).toEqual({ parse: [] });
    const [embed] = body.embeds;
    expect(embed?.title).toBe(headline(alert, 400));
    expect(embed?.url).toBe('https://nvd.nist.gov/vuln/detail/CVE-2024-3400');
    expect(embed?.color).toBe(0x8b0000);
    expect(embed?.timestamp).toBe(alert.createdAt);
    expect(embed?.footer?.text).toBe('Vigil alert #1 · watchlist edge-devices');
    const fields = Object.fromEntries((embed?.fields ?? []).map((f) => [f.name, f.value]));
    expect(fields).toMatchObject({ Severity: 'CRITICAL', SSVC: 'Act', Priority: '100 / 100', EPSS: '99.99% (percentile 100%, 2026-08-16)' });
    expect(fields.CVSS).toContain('CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H');
    expect(embed?.description).toContain('**Why you get this**');
    expect(embed?.description).toContain('affected[0].product = "Palo Alto Networks PAN-OS"; version 10.2.5 in [10.2.0, 10.2.9-h1)');
    expect(embed?.description).toContain("PROVISIONAL: matched on the CNA's data before NVD analysis");
    expect(embed?.description).toContain('A command injection as a result of arbitrary file creation');
  });

  it('a digest of 25: at most 10 embeds within 6000 characters, content says "…and N more"', async () => {
    const digest = sampleDigest(25);
    await channel.send(digest, []);
    expect(rx.rejected).toEqual([]);
    const body = rx.received[0]?.body as DiscordPayload;
    expect(body.embeds.length).toBeGreaterThan(3);
    expect(body.embeds.length).toBeLessThanOrEqual(10);
    expect(body.embeds.reduce((n, e) => n + embedSize(e), 0)).toBeLessThanOrEqual(6000);
    expect(body.embeds.map((e) => e.url)).toEqual(digest.alerts.slice(0, body.embeds.length).map((a) => a.facts.link));
    expect(body.content).toBe(`Vigil daily digest: 25 alerts (2026-08-15 → 2026-08-16)\n…and ${25 - body.embeds.length} more`);
  });

  it('a 204 answer (POST without ?wait=true) is a receipt too', async () => {
    const receipt = await sendJson({ id: 'ops-discord', type: 'discord' }, `${rx.baseUrl}${path}`, { content: 'hello' });
    expect(receipt).toEqual({ response: 'HTTP 204' });
  });

  it('table: injected failures are classified, the token stays out of errors', async () => {
    const rows: [Parameters<Receiver['fail']>[1], boolean, number | undefined][] = [
      [{ status: 429, retryAfter: 2 }, true, 2],
      [{ status: 500 }, true, undefined],
      [{ status: 400 }, false, undefined],
      [{ status: 404 }, false, undefined],
      [{ drop: true }, true, undefined],
    ];
    for (const [failure, retryable, retryAfter] of rows) {
      rx.fail('discord', failure);
      const err = (await channel.send({ alerts: [sampleAlert()] }, []).catch((e: unknown) => e)) as DeliveryError;
      expect(err, JSON.stringify(failure)).toBeInstanceOf(DeliveryError);
      expect(err.retryable, JSON.stringify(failure)).toBe(retryable);
      expect(err.retryAfterSeconds).toBe(retryAfter);
      expect(err.message).not.toContain('SECRETTOKEN');
    }
  });

  it('table: config errors name the channel and the key', () => {
    const rows: [Record<string, unknown>, string][] = [
      [{ type: 'discord', url: 'http://discord.com/api/webhooks/1/x' }, 'Alert channel "ops-discord" is misconfigured: url: plain http:'],
      [{ type: 'discord', url: 'https://discord.com/api/webhooks/1/x', username: 'Discord bot' }, 'username: Discord refuses usernames'],
      [{ type: 'discord', url: 'https://discord.com/api/webhooks/1/x', username: 'x'.repeat(81) }, 'username: '],
      [{ type: 'discord', url: 'https://discord.com/api/webhooks/1/x', avatar: 'x' }, 'avatar: unknown key'],
    ];
    for (const [settings, message] of rows) expect(() => createChannels({ 'ops-discord': settings }), JSON.stringify(settings)).toThrow(message);
  });
});
