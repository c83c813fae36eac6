/**
 * Secrets never reach an error message (the delivery log and the server log show them to viewers):
 * each HTTP channel is given canary secrets (webhook path, query token, signing secret, header,
 * bot token) and sent to a loopback server that echoes the request back in its error answers, the
 * way a proxy's or a framework's error page does (issue 10 item 20: Slack's 400 showed the path).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleAlert } from '../../testing/alerts.ts';
import { createChannels } from './registry.ts';
import { type Channel, DeliveryError } from './types.ts';

const CANARY = /CANARY\w*/g;

/** Answers `status` with the request echoed (raw path, decoded path, headers). */
function echoServer(): Promise<{ server: Server; base: string; setStatus: (s: number) => void }> {
  let status = 400;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const path = req.url ?? '/';
      const body = { error: 'invalid_payload', path, decoded: decodeURIComponent(path), headers: req.headers };
      res.writeHead(status, { 'content-type': 'application/json' }).end(`Cannot POST ${path} ${JSON.stringify(body)}`);
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve({ server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, setStatus: (s) => (status = s) })),
  );
}

/** Channel settings with canaries in every secret place, on `base`. */
function settings(base: string): Record<string, Record<string, unknown>> {
  return {
    slack: { type: 'slack', url: `${base}/services/T000/B000/CANARYslackSecret0123456789` },
    teams: { type: 'teams', url: `${base}/workflows/1a2b/triggers/manual/paths/invoke?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual&sig=CANARYteamsSig012%2B345` },
    discord: { type: 'discord', url: `${base}/api/webhooks/123456789/CANARYdiscordToken0123456789` },
    webhook: { type: 'webhook', url: `${base}/hooks/CANARYwebhookPath0123?token=CANARYwebhookQuery0123`, secret: 'CANARYwebhookSigningSecret', headers: { authorization: 'Bearer CANARYwebhookApiKey012' } },
    telegram: { type: 'telegram', botToken: '123456:CANARYtelegramToken0123456789', apiBase: base },
  };
}

async function failure(channel: Channel): Promise<DeliveryError> {
  const err = await channel.send({ alerts: [sampleAlert()] }, ['42']).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(DeliveryError);
  return err as DeliveryError;
}

describe('channel errors keep secrets out', () => {
  let rx: Awaited<ReturnType<typeof echoServer>>;
  let channels: Map<string, Channel>;
  beforeAll(async () => {
    rx = await echoServer();
    channels = createChannels(settings(rx.base));
  });
  afterAll(() => new Promise<void>((resolve) => rx.server.close(() => resolve())));

  it.each(['slack', 'teams', 'discord', 'webhook', 'telegram'])('%s: an error answer echoing the request shows no secret', async (id) => {
    for (const status of [400, 404, 500, 429]) {
      rx.setStatus(status);
      const err = await failure(channels.get(id) as Channel);
      expect(err.status).toBe(status);
      expect(err.message).toContain('invalid_payload'); // the answer is still quoted…
      expect(err.message.match(CANARY), `${id} ${status}: ${err.message}`).toBeNull(); // …without its secrets
      expect(`${err.stack}`.match(CANARY)).toBeNull();
    }
  });

  it.each(['slack', 'teams', 'discord', 'webhook', 'telegram'])('%s: a network error shows no secret', async (id) => {
    const closed = await echoServer();
    await new Promise<void>((resolve) => closed.server.close(() => resolve()));
    const channel = createChannels({ [id]: settings(closed.base)[id] }).get(id) as Channel;
    const err = await failure(channel);
    expect(err.retryable).toBe(true);
    expect(err.message.match(CANARY), err.message).toBeNull();
  });
});
