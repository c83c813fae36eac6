import { createServer } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sampleAlert, sampleDigest } from '../../../testing/alerts.ts';
import { hasCorpus } from '../../../testing/corpus.ts';
import { startSmtpServer, type TestSmtpServer } from '../../../testing/smtp.ts';
import { digestTitle, headline } from '../../render.ts';
import { createChannels } from '../registry.ts';
import { type Channel, DeliveryError } from '../types.ts';
import { isRetryableSmtpError } from './index.ts';

/** A port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

function emailChannel(port: number, extra: Record<string, unknown> = {}): Channel {
  const settings = { type: 'email', host: '127.0.0.1', port, from: 'Vigil <vigil@example.org>', tls: { rejectUnauthorized: false }, ...extra };
  const channel = createChannels({ 'ops-mail': settings }).get('ops-mail');
  if (!channel) throw new Error('channel not created');
  return channel;
}

async function sendError(channel: Channel, recipients = ['soc@example.org']): Promise<DeliveryError> {
  const err = await channel.send({ alerts: [sampleAlert()] }, recipients).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(DeliveryError);
  return err as DeliveryError;
}

describe('isRetryableSmtpError', () => {
  it('table: 4xx and dropped connections retry, 5xx and auth/config errors do not', () => {
    const rows: [{ code?: string; responseCode?: number }, boolean][] = [
      [{ code: 'EENVELOPE', responseCode: 451 }, true],
      [{ code: 'EENVELOPE', responseCode: 550 }, false],
      [{ code: 'EMESSAGE', responseCode: 552 }, false],
      [{ code: 'EAUTH', responseCode: 535 }, false],
      [{ code: 'ECONNECTION' }, true],
      [{ code: 'ESOCKET' }, true],
      [{ code: 'ETIMEDOUT' }, true],
      [{ code: 'ECONNREFUSED' }, true],
      [{ code: 'ECONNRESET' }, true],
      [{ code: 'EAUTH' }, false],
      [{ code: 'ETLS' }, false],
      [{}, false],
    ];
    for (const [err, retryable] of rows) expect(isRetryableSmtpError(err), JSON.stringify(err)).toBe(retryable);
  });
});

describe.skipIf(!hasCorpus())('email channel against a loopback SMTP server', () => {
  let smtp: TestSmtpServer;
  let channel: Channel;
  const auth = { user: 'vigil', pass: 'correct horse battery staple' };

  beforeAll(async () => {
    smtp = await startSmtpServer({ auth });
    channel = emailChannel(smtp.port, { auth, requireTLS: true });
  });
  afterAll(async () => {
    await channel.close();
    await smtp.close();
  });
  beforeEach(() => {
    smtp.messages.length = 0;
    smtp.setBehaviour('accept');
  });

  it('check() connects, upgrades with STARTTLS and logs in', async () => {
    await expect(channel.check()).resolves.toBeUndefined();
  });

  it('sends one alert to all recipients over STARTTLS, with text and HTML parts', async () => {
    const alert = sampleAlert();
    const receipt = await channel.send({ alerts: [alert] }, ['soc@example.org', 'alice@example.org']);
    expect(receipt.response).toMatch(/^250 .*Message queued as test-1 \(<.+@example\.org>\)$/);
    expect(smtp.messages).toHaveLength(1);
    const mail = smtp.messages[0]!;
    expect(mail.secure).toBe(true);
    expect(mail.user).toBe('vigil');
    expect(mail.envelope).toEqual({ from: 'vigil@example.org', to: ['soc@example.org', 'alice@example.org'] });
    expect(mail.to).toEqual(['soc@example.org', 'alice@example.org']);
    expect(mail.from).toBe('"Vigil" <vigil@example.org>');
    expect(mail.subject).toBe(headline(alert));
    expect(mail.headers['x-vigil-alert-ids']).toBe('1');
    for (const part of [mail.text, mail.html]) {
      expect(part).toContain('CVE-2024-3400');
      expect(part).toContain('CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H');
      expect(part).toContain('99.99% (percentile 100%, 2026-08-16)');
      expect(part).toContain('added 2024-04-12, due 2024-04-19, ransomware use: known');
      expect(part).toContain('https://nvd.nist.gov/vuln/detail/CVE-2024-3400');
      expect(part).toContain('10.2.5 in [10.2.0, 10.2.9-h1)');
      expect(part).toContain('PROVISIONAL: matched on the CNA');
    }
    expect(mail.text).toContain('Threshold minCvss: required 9, actual 10 (passed)');
    // The HTML part escapes what it quotes.
    expect(mail.html).toContain('matched on the CNA&#39;s data');
    expect(mail.html).toContain('&quot;paloaltonetworks:pan-os 10.2.5&quot;');
  });

  it('sends a digest as one message listing every alert', async () => {
    const digest = sampleDigest(12);
    await channel.send(digest, ['soc@example.org']);
    expect(smtp.messages).toHaveLength(1);
    const mail = smtp.messages[0]!;
    expect(mail.subject).toBe(digestTitle(digest));
    expect(mail.headers['x-vigil-alert-ids']).toBe(digest.alerts.map((a) => a.id).join(','));
    for (const a of digest.alerts) {
      expect(mail.text).toContain(a.cveId);
      expect(mail.html).toContain(a.cveId);
    }
  });

  it('table: rejecting server → not retryable; tempfail and dropped connection → retryable', async () => {
    const rows: ['reject' | 'tempfail' | 'drop', boolean, number | undefined][] = [
      ['reject', false, 550],
      ['tempfail', true, 451],
      ['drop', true, undefined],
    ];
    for (const [behaviour, retryable, status] of rows) {
      smtp.setBehaviour(behaviour, 1);
      const err = await sendError(channel);
      expect(err.retryable, behaviour).toBe(retryable);
      expect(err.status, behaviour).toBe(status);
      expect(err.message).toContain('email channel "ops-mail"');
    }
    expect(smtp.messages).toHaveLength(0);
    // The budget of one transaction is spent: the next one goes through.
    await channel.send({ alerts: [sampleAlert()] }, ['soc@example.org']);
    expect(smtp.messages).toHaveLength(1);
  });

  it('no recipient → not retryable, nothing sent', async () => {
    const err = await sendError(channel, []);
    expect(err.retryable).toBe(false);
    expect(smtp.messages).toHaveLength(0);
  });

  it('check() fails naming the channel: wrong password, closed port, no STARTTLS with requireTLS', async () => {
    await expect(emailChannel(smtp.port, { auth: { user: 'vigil', pass: 'wrong' } }).check()).rejects.toThrow(/Alert channel "ops-mail" \(email\).*535/);
    const port = await closedPort();
    await expect(emailChannel(port).check()).rejects.toThrow(
      new RegExp(`Alert channel "ops-mail" \\(email\\): cannot use SMTP server 127\\.0\\.0\\.1:${port}`),
    );
    const plain = await startSmtpServer({ starttls: false });
    try {
      await expect(emailChannel(plain.port, { requireTLS: true }).check()).rejects.toThrow(/ops-mail.*STARTTLS/);
      // Without requireTLS the channel still sends, in clear text: the session says so.
      await emailChannel(plain.port).send({ alerts: [sampleAlert()] }, ['soc@example.org']);
      expect(plain.messages[0]?.secure).toBe(false);
    } finally {
      await plain.close();
    }
  });

  it('send to a closed port → retryable', async () => {
    const err = await sendError(emailChannel(await closedPort()));
    expect(err.retryable).toBe(true);
  });
});

describe('email settings', () => {
  it('table: config errors name the channel and the key', () => {
    const rows: [Record<string, unknown>, string][] = [
      [{ type: 'email', host: 'smtp.example.org', from: 'not an address' }, 'Alert channel "ops-mail" is misconfigured: from: Invalid email address'],
      [{ type: 'email', from: 'vigil@example.org' }, 'Alert channel "ops-mail" is misconfigured: host: '],
      [{ type: 'email', host: 'h', from: 'vigil@example.org', port: 70000 }, 'Alert channel "ops-mail" is misconfigured: port: '],
      [{ type: 'email', host: 'h', from: 'vigil@example.org', ignoreTLS: true }, 'Alert channel "ops-mail" is misconfigured: ignoreTLS: unknown key'],
      [{ type: 'email', host: 'h', from: 'vigil@example.org', auth: { user: 'u' } }, 'Alert channel "ops-mail" is misconfigured: auth.pass: '],
      [
        { type: 'mail', host: 'h' },
        'Alert channel "ops-mail" is misconfigured: type: expected one of email, slack, teams, discord, telegram, webhook, inbox, got "mail"',
      ],
    ];
    for (const [settings, message] of rows) {
      expect(() => createChannels({ 'ops-mail': settings }), JSON.stringify(settings)).toThrow(message);
    }
  });

  it('accepts a bare address and a display-name address, with defaults', () => {
    for (const from of ['vigil@example.org', 'Vigil Alerts <vigil@example.org>']) {
      const channel = createChannels({ m: { type: 'email', host: 'smtp.example.org', from } }).get('m');
      expect(channel?.type).toBe('email');
    }
  });
});
