/**
 * `vigil run` end to end, as the issue's "done when" states it: one loopback mirror serves the
 * real corpus at the upstreams' paths, a real SMTP server (STARTTLS, AUTH) and an HTTP receiver
 * that verifies webhook signatures stand in for the recipients. The CLI runs as a child process,
 * on the back end under test (the config's `database:` and `--db` a file or a PostgreSQL URL).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Alert, DeliveryAttempt } from '../model/alert.ts';
import { runCli, startCli } from '../testing/cli.ts';
import { hasCorpus } from '../testing/corpus.ts';
import { testDatabase } from '../testing/store.ts';
import { type Mirror, startMirror } from '../testing/mirror.ts';
import { type Receiver, startReceiver } from '../testing/receiver.ts';
import { startSmtpServer, type TestSmtpServer } from '../testing/smtp.ts';

const SECRET = 'e2e-webhook-secret-0123456789';

describe.skipIf(!hasCorpus())('vigil run against a loopback mirror, a real SMTP server and a webhook receiver', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'vigil-run-'));
  const config = path.join(dir, 'vigil.config.yaml');
  const [main, daemonDb] = [testDatabase(), testDatabase()];
  let mirror: Mirror;
  let smtp: TestSmtpServer;
  let receiver: Receiver;
  const env = { VIGIL_WEBHOOK_SECRET: SECRET, VIGIL_SMTP_PASS: 'smtp-pass' };
  const vigil = (...args: string[]) => runCli(['--config', config, ...args], env);
  const alertsJson = async (...filters: string[]) => JSON.parse((await vigil('alerts', 'list', '--json', '--limit', '1000', ...filters)).stdout) as Alert[];

  beforeAll(async () => {
    mirror = await startMirror();
    smtp = await startSmtpServer({ auth: { user: 'vigil', pass: 'smtp-pass' } });
    receiver = await startReceiver({ webhookSecret: SECRET });
    writeFileSync(
      config,
      `database: "${main.database}"
${mirror.sourcesYaml()}
alerts:
  linkBase: https://vigil.example.org
  channels:
    mail:
      type: email
      host: 127.0.0.1
      port: ${smtp.port}
      from: Vigil <vigil@example.org>
      auth: { user: vigil, pass: "\${VIGIL_SMTP_PASS}" }
      tls: { rejectUnauthorized: false }
    hook:
      type: webhook
      url: ${receiver.baseUrl}/webhook/vigil
      secret: "\${VIGIL_WEBHOOK_SECRET}"
  retry: { baseSeconds: 0.2, maxSeconds: 1, maxAttempts: 4 }
  onceMaxWaitSeconds: 15
`,
    );
    writeFileSync(
      path.join(dir, 'watch.yaml'),
      `users:
  - { name: alice, email: alice@example.org }
watchlists:
  - name: edge
    owner: { user: alice }
    entries:
      - { product: pan-os, vendor: paloaltonetworks }
    subscriptions:
      - { channel: mail }
  - name: kev-vendors
    owner: { user: alice }
    entries:
      - { vendor: Citrix }
      - { vendor: Apple }
    subscriptions:
      - { channel: hook, events: [kev_added] }
`,
    );
    const imported = await vigil('watch', 'import', path.join(dir, 'watch.yaml'));
    expect(imported.status, imported.stderr).toBe(0);
  }, 60_000);

  afterAll(async () => {
    await Promise.all([mirror?.close(), smtp?.close(), receiver?.close()]);
    rmSync(dir, { recursive: true, force: true });
    await Promise.all([main.drop(), daemonDb.drop()]);
  });

  it('run --once sends the expected alerts exactly once, retrying injected failures; a second run sends nothing', async () => {
    // Run 1: the older KEV catalog (a baseline) and the oldest EPSS day. The first SMTP
    // transaction fails temporarily (451): that alert is retried.
    mirror.serve({ kev: 'known_exploited_vulnerabilities-2025.08.18.json', epssDay: '2026-06-14' });
    smtp.setBehaviour('tempfail', 1);
    const first = await vigil('run', '--once');
    expect(first.status, first.stderr + first.stdout).toBe(0);

    const edge = await alertsJson('--watchlist', 'edge');
    const panos = edge.find((a) => a.cveId === 'CVE-2024-3400' && a.event === 'new');
    expect(panos).toBeDefined();
    expect(edge.every((a) => a.status === 'sent')).toBe(true);
    // One email per alert, each CVE once; STARTTLS and AUTH were used.
    expect(smtp.messages).toHaveLength(edge.length);
    expect(new Set(smtp.messages.map((m) => m.headers['x-vigil-alert-ids'])).size).toBe(edge.length);
    const mail = smtp.messages.find((m) => m.subject.includes('CVE-2024-3400'));
    expect(mail).toMatchObject({ secure: true, user: 'vigil', to: ['alice@example.org'] });
    expect(mail?.text).toMatch(/KEV/);
    expect(mail?.text).toMatch(/SSVC/);
    expect(mail?.text).toContain('https://vigil.example.org/cves/CVE-2024-3400');
    expect(mail?.html).toContain('CVE-2024-3400');

    // The retried alert: a failed attempt marked for retry, then a sent one.
    const retried = edge.filter((a) => a.attempts === 2);
    expect(retried).toHaveLength(1);
    const shown = JSON.parse((await vigil('alerts', 'show', String(retried[0]?.id), '--json')).stdout) as Alert & { deliveries: DeliveryAttempt[] };
    expect(shown.deliveries.map((d) => [d.status, d.retryable])).toEqual([
      ['failed', true],
      ['sent', false],
    ]);
    expect(shown.deliveries[0]?.error).toMatch(/451/);
    // Each alert explains itself.
    const text = (await vigil('alerts', 'show', String(panos?.id))).stdout;
    expect(text).toMatch(/Why:/);
    expect(text).toMatch(/pan-?os/i);
    expect(text).toMatch(/PROVISIONAL|provisional/);
    expect(text).toMatch(/Delivery log:/);

    // Run 2: the newer KEV catalog adds CVEs; the webhook answers 500 once, then accepts.
    mirror.serve({ kev: 'known_exploited_vulnerabilities.json', epssDay: '2026-08-09' });
    receiver.fail('webhook', { status: 500 });
    const mailsBefore = smtp.messages.length;
    const second = await vigil('run', '--once');
    expect(second.status, second.stderr + second.stdout).toBe(0);
    const kev = await alertsJson('--watchlist', 'kev-vendors');
    expect(kev.length).toBeGreaterThan(0);
    expect(kev.every((a) => a.event === 'kev_added' && a.status === 'sent')).toBe(true);
    const hooks = receiver.received.filter((r) => r.service === 'webhook');
    // Every alert arrived once, signed (the receiver refuses bad signatures), with its id as the delivery key.
    expect(receiver.rejected).toEqual([]);
    expect(hooks.map((h) => h.headers['x-vigil-delivery']).sort()).toEqual(kev.map((a) => String(a.id)).sort());
    expect(kev.reduce((n, a) => n + a.attempts, 0)).toBe(kev.length + 1);
    expect(smtp.messages.length - mailsBefore).toBe((await alertsJson('--watchlist', 'edge')).length - edge.length);

    // Run 3: nothing changed upstream: nothing is sent.
    const mails = smtp.messages.length;
    const requests = receiver.received.length;
    const third = await vigil('run', '--once');
    expect(third.status, third.stderr).toBe(0);
    expect(third.stdout).toMatch(/alerts: 0 new/);
    expect(smtp.messages.length).toBe(mails);
    expect(receiver.received.length).toBe(requests);
  }, 300_000);

  it('the daemon stops cleanly on SIGTERM; what it had not sent is sent by the next run, nothing twice', async () => {
    const db = daemonDb.database;
    const before = smtp.messages.length;
    // Watchlists live in the database: import them into this one too.
    expect((await runCli(['--config', config, '--db', db, 'watch', 'import', path.join(dir, 'watch.yaml')], env)).status).toBe(0);
    const { child, done } = startCli(['--config', config, '--db', db, 'run'], env);
    const deadline = Date.now() + 120_000;
    while (smtp.messages.length === before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(smtp.messages.length).toBeGreaterThan(before);
    child.kill('SIGTERM');
    const stopped = await done;
    expect(stopped.signal).toBeNull();
    expect(stopped.status, stopped.stderr).toBe(0);

    const again = await runCli(['--config', config, '--db', db, 'run', '--once'], env);
    expect(again.status, again.stderr).toBe(0);
    const sent = JSON.parse((await runCli(['--config', config, '--db', db, 'alerts', 'list', '--json', '--limit', '1000'], env)).stdout) as Alert[];
    const mailed = sent.filter((a) => a.channel === 'mail');
    expect(mailed.every((a) => a.status === 'sent')).toBe(true);
    const ids = smtp.messages.slice(before).map((m) => m.headers['x-vigil-alert-ids']);
    expect(ids.sort()).toEqual(mailed.map((a) => String(a.id)).sort());
  }, 300_000);
});
