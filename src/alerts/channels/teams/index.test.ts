import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sampleAlert, sampleDigest } from '../../../testing/alerts.ts';
import { hasCorpus } from '../../../testing/corpus.ts';
import { type Receiver, startReceiver } from '../../../testing/receiver.ts';
import { headline } from '../../render.ts';
import { createChannels } from '../registry.ts';
import { type Channel, DeliveryError } from '../types.ts';
import { TEAMS_MAX_BYTES, type TeamsPayload } from './index.ts';

describe.skipIf(!hasCorpus())('teams channel against the loopback receiver', () => {
  let rx: Receiver;
  let channel: Channel;
  const path = '/teams/workflows/abc123/triggers/manual/paths/invoke?api-version=1&sig=SECRETSIGNATURE';

  beforeAll(async () => {
    rx = await startReceiver();
    channel = createChannels({ 'ops-teams': { type: 'teams', url: `${rx.baseUrl}${path}` } }).get('ops-teams') as Channel;
  });
  afterAll(() => rx.close());
  beforeEach(() => {
    rx.received.length = 0;
    rx.rejected.length = 0;
  });

  it('sends one alert as an Adaptive Card attachment; Workflows answer 202', async () => {
    const alert = sampleAlert();
    expect(await channel.send({ alerts: [alert] }, [])).toEqual({ response: 'HTTP 202' });
    expect(rx.rejected).toEqual([]);
    const body = rx.received[0]?.body as TeamsPayload;
    const [attachment] = body.attachments;
    expect(body.type).toBe('message');
    expect(attachment?.contentType).toBe('application/vnd.microsoft.card.adaptive');
    expect(attachment?.contentUrl).toBeNull();
    const card = attachment?.content;
    expect(card?.version).toBe('1.4');
    expect(card?.actions).toEqual([{ type: 'Action.OpenUrl', title: 'View CVE-2024-3400', url: 'https://nvd.nist.gov/vuln/detail/CVE-2024-3400' }]);
    expect(card?.body[0]).toMatchObject({ type: 'TextBlock', text: headline(alert, 200), weight: 'Bolder', color: 'Attention' });
    const facts = card?.body.find((b) => b.type === 'FactSet');
    expect(facts?.type === 'FactSet' && Object.fromEntries(facts.facts.map((f) => [f.title, f.value]))).toMatchObject({
      CVSS: '10.0 (CVSS 3.1) CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H',
      EPSS: '99.99% (percentile 100%, 2026-08-16)',
      'CISA KEV': 'added 2024-04-12, due 2024-04-19, ransomware use: known',
      SSVC: 'Act',
      Priority: '100 / 100',
      Products: 'Palo Alto Networks PAN-OS',
    });
    const why = card?.body.at(-1);
    expect(why?.type === 'TextBlock' && why.text).toContain('- Matched product entry "paloaltonetworks:pan-os 10.2.5"');
    // Card markdown is escaped: `[10.2.0, 10.2.9-h1)` would otherwise start a link.
    expect(why?.type === 'TextBlock' && why.text).toContain('version 10.2.5 in \\[10.2.0, 10.2.9-h1)');
    expect(why?.type === 'TextBlock' && why.text).toContain("- PROVISIONAL: matched on the CNA's data before NVD analysis");
  });

  it('a large digest stays under the size cap and ends with "…and N more"', async () => {
    const digest = sampleDigest(100);
    await channel.send(digest, []);
    expect(rx.rejected).toEqual([]);
    expect(Buffer.byteLength(rx.received[0]?.raw ?? '')).toBeLessThanOrEqual(TEAMS_MAX_BYTES);
    const body = (rx.received[0]!.body as TeamsPayload).attachments[0]?.content.body ?? [];
    const links = body.filter((b) => b.type === 'TextBlock' && b.text.startsWith('['));
    const last = body.at(-1);
    expect(links.length).toBeGreaterThan(10);
    expect(links.length).toBeLessThan(100);
    expect(last?.type === 'TextBlock' && last.text).toBe(`…and ${100 - links.length} more`);
    expect(body[0]?.type === 'TextBlock' && body[0].text).toBe('Vigil daily digest: 100 alerts (2026-08-15 → 2026-08-16)');
  });

  it('table: injected failures are classified, the URL signature stays out of errors', async () => {
    const rows: [Parameters<Receiver['fail']>[1], boolean, number | undefined][] = [
      [{ status: 429, retryAfter: 12 }, true, 12],
      [{ status: 502 }, true, undefined],
      [{ status: 400 }, false, undefined],
      [{ status: 401 }, false, undefined],
      [{ drop: true }, true, undefined],
    ];
    for (const [failure, retryable, retryAfter] of rows) {
      rx.fail('teams', failure);
      const err = (await channel.send({ alerts: [sampleAlert()] }, []).catch((e: unknown) => e)) as DeliveryError;
      expect(err, JSON.stringify(failure)).toBeInstanceOf(DeliveryError);
      expect(err.retryable, JSON.stringify(failure)).toBe(retryable);
      expect(err.retryAfterSeconds).toBe(retryAfter);
      expect(err.message).not.toContain('SECRETSIGNATURE');
    }
  });

  it('table: config errors name the channel and the key', () => {
    const rows: [Record<string, unknown>, string][] = [
      [{ type: 'teams' }, 'Alert channel "ops-teams" is misconfigured: url: '],
      [{ type: 'teams', url: 'http://prod.westeurope.logic.azure.com/workflows/x' }, 'url: plain http: is only allowed for loopback hosts'],
      [{ type: 'teams', url: 'https://example.org/x', card: 'v2' }, 'card: unknown key'],
    ];
    for (const [settings, message] of rows) expect(() => createChannels({ 'ops-teams': settings }), JSON.stringify(settings)).toThrow(message);
  });
});
