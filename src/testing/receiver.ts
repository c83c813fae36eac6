/**
 * A loopback HTTP server that stands in for Slack, Teams, Discord, the Telegram Bot API and a
 * webhook receiver in tests. Each route checks the payload against the shape and limits the
 * service documents (schemas in `receiver-schemas` below) and answers as the service does; a
 * payload that breaks them gets 400 with the zod issues, so a test that sends one fails.
 * Failures can be injected per service: an HTTP status (with `Retry-After`) or a dropped connection.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { z } from 'zod';
import { verifyWebhookSignature } from '../alerts/channels/webhook/index.ts';
import { DiscordMessage, SlackMessage, TeamsMessage, TelegramSendMessage, WebhookPayload } from './receiver-schemas.ts';

/** The services the receiver imitates (first path segment). */
export type ReceiverService = 'slack' | 'teams' | 'discord' | 'telegram' | 'webhook';

/** One request the receiver accepted. */
export interface ReceivedRequest {
  service: ReceiverService;
  /** Path and query (`/discord/123/abc?wait=true`). */
  path: string;
  headers: Record<string, string | string[] | undefined>;
  /** The JSON body, parsed. */
  body: unknown;
  /** The body as received. */
  raw: string;
}

/** One request refused for its shape, signature or route. */
export interface RejectedRequest {
  service: string;
  path: string;
  status: number;
  reason: string;
}

/** A failure to inject on the next `count` (default 1) requests to a service. */
export interface InjectedFailure {
  status?: number;
  /** `Retry-After`: seconds, or an HTTP date (Telegram: `parameters.retry_after`, seconds). */
  retryAfter?: number | string;
  count?: number;
  /** Requests to let through before failing (default 0). */
  after?: number;
  /** Destroy the socket without answering. */
  drop?: boolean;
}

/** A running receiver. */
export interface Receiver {
  /** `http://127.0.0.1:<port>`. */
  baseUrl: string;
  received: ReceivedRequest[];
  rejected: RejectedRequest[];
  fail(service: ReceiverService, failure: InjectedFailure): void;
  close(): Promise<void>;
}

const SCHEMAS: Record<Exclude<ReceiverService, 'webhook'>, z.ZodType> = {
  slack: SlackMessage,
  teams: TeamsMessage,
  discord: DiscordMessage,
  telegram: TelegramSendMessage,
};

function answer(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'content-type': typeof body === 'string' ? 'text/plain' : 'application/json', ...headers });
  res.end(text);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** How each service answers a good request: status and body (`null`: no body). */
function success(service: ReceiverService, path: string, messageId: number): { status: number; body: unknown } {
  switch (service) {
    case 'slack':
      return { status: 200, body: 'ok' };
    case 'teams':
      return { status: 202, body: '' };
    case 'discord':
      return path.includes('wait=true') ? { status: 200, body: { id: String(messageId), type: 0, channel_id: '1', content: '' } } : { status: 204, body: null };
    case 'telegram':
      return { status: 200, body: { ok: true, result: { message_id: messageId, date: Math.floor(Date.now() / 1000), chat: { id: 1 } } } };
    default:
      return { status: 200, body: { ok: true } };
  }
}

/**
 * Starts the receiver on 127.0.0.1 (ephemeral port).
 * @param options `webhookSecret` verifies `/webhook/*` signatures (required for that route).
 * @example const rx = await startReceiver({ webhookSecret }); … await rx.close();
 */
export async function startReceiver(options: { webhookSecret?: string } = {}): Promise<Receiver> {
  const received: ReceivedRequest[] = [];
  const rejected: RejectedRequest[] = [];
  const failures = new Map<ReceiverService, Required<Pick<InjectedFailure, 'count'>> & InjectedFailure>();
  let messageId = 1000;

  const server = createServer(async (req, res) => {
    const path = req.url ?? '/';
    const raw = await readBody(req);
    const service = path.split('/')[1] as ReceiverService;
    const refuse = (status: number, reason: string, body: unknown = { error: reason }): void => {
      rejected.push({ service, path, status, reason });
      answer(res, status, body);
    };
    if (req.method !== 'POST' || !['slack', 'teams', 'discord', 'telegram', 'webhook'].includes(service)) return refuse(404, `no route ${req.method} ${path}`);

    const failure = failures.get(service);
    if (failure && failure.count > 0 && (failure.after ?? 0) > 0) failure.after = (failure.after ?? 0) - 1;
    else if (failure && failure.count > 0) {
      failure.count--;
      if (failure.drop) return void req.socket.destroy();
      const status = failure.status ?? 500;
      const retry: Record<string, string> = failure.retryAfter === undefined ? {} : { 'retry-after': String(failure.retryAfter) };
      if (service === 'telegram') {
        const parameters = failure.retryAfter === undefined ? {} : { parameters: { retry_after: Number(failure.retryAfter) } };
        return answer(res, status, {
          ok: false,
          error_code: status,
          description: status === 429 ? `Too Many Requests: retry after ${failure.retryAfter}` : 'Injected failure',
          ...parameters,
        });
      }
      return answer(
        res,
        status,
        status === 429 ? { message: 'You are being rate limited.', retry_after: failure.retryAfter } : `injected failure ${status}`,
        retry,
      );
    }

    let body: unknown;
    try {
      body = JSON.parse(raw);
    } catch {
      return refuse(400, 'body is not JSON');
    }
    if (!String(req.headers['content-type']).startsWith('application/json')) return refuse(400, `content-type ${req.headers['content-type']}`);

    if (service === 'telegram') {
      const method = /^\/telegram\/bot\d+:[\w-]+\/(\w+)$/.exec(path)?.[1];
      if (method === 'getMe') return answer(res, 200, { ok: true, result: { id: 1, is_bot: true, first_name: 'Vigil test bot', username: 'vigil_test_bot' } });
      if (method !== 'sendMessage') return refuse(404, `no Bot API method at ${path}`, { ok: false, error_code: 404, description: 'Not Found' });
    }
    if (service === 'webhook') {
      if (!options.webhookSecret) return refuse(500, 'startReceiver() was given no webhookSecret');
      const header = (name: string): string | undefined => (typeof req.headers[name] === 'string' ? (req.headers[name] as string) : undefined);
      const check = verifyWebhookSignature(options.webhookSecret, { timestamp: header('x-vigil-timestamp'), signature: header('x-vigil-signature') }, raw);
      if (!check.ok) return refuse(401, check.reason);
    }
    const schema = service === 'webhook' ? WebhookPayload : SCHEMAS[service];
    const parsed = schema.safeParse(body);
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
      const reason = issues.map((i) => `${i.path}: ${i.message}`).join('; ');
      return refuse(
        400,
        reason,
        service === 'telegram' ? { ok: false, error_code: 400, description: `Bad Request: ${reason}`, issues } : { error: 'invalid payload', issues },
      );
    }
    received.push({ service, path, headers: req.headers, body, raw });
    const ok = success(service, path, messageId++);
    if (ok.body === null) res.writeHead(ok.status).end();
    else answer(res, ok.status, ok.body);
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    received,
    rejected,
    fail(service, failure) {
      failures.set(service, { ...failure, count: failure.count ?? 1 });
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
