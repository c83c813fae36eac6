/**
 * `GET /api/v1/events`: a Server-Sent Events stream (https://html.spec.whatwg.org/multipage/server-sent-events.html)
 * of new alerts (`event: alert`) and changed CVEs (`event: cve`), each with an id to resume from
 * (`Last-Event-ID`: `<alertId>.<changeId>`, the position in both feeds), and a `: ping` comment every 15 s to keep proxies from closing it.
 * A user holds at most {@link STREAMS_PER_USER} streams at once (tabs, devices): one more is 429
 * until one closes. The stream is exempt from the per-minute request limit (it is one long request).
 */
import type { FastifyPluginAsync } from 'fastify';
import { VigilError } from '../../errors.ts';
import type { HubEvent } from '../events-hub.ts';
import { errors } from '../schemas.ts';

/** Seconds between keep-alive comments. */
const PING_SECONDS = 15;

/** Open streams allowed per user (each holds a socket and a subscriber). */
export const STREAMS_PER_USER = 10;

function frame(e: HubEvent): string {
  return `id: ${e.id}\nevent: ${e.event}\ndata: ${JSON.stringify(e.data)}\n\n`;
}

export const eventRoutes: FastifyPluginAsync = async (app) => {
  /** User name → streams open now. */
  const open = new Map<string, number>();
  app.get(
    '/events',
    {
      config: { access: { role: 'viewer', scope: 'read' }, rateLimit: false },
      schema: {
        tags: ['events'],
        summary: 'Server-Sent Events: `alert` (an AlertItem) and `cve` (a change) events; resume with Last-Event-ID',
        headers: {
          type: 'object',
          properties: { 'last-event-id': { type: 'string', maxLength: 40, description: '`<alertId>.<changeId>` of the last event received' } },
        },
        // The content type per answer (not `produces`, which would document the errors as a stream too).
        response: { 200: { description: 'the event stream', content: { 'text/event-stream': { schema: { type: 'string' } } } }, ...errors(400, 401, 403, 429) },
      },
    },
    async (request, reply) => {
      const hub = app.deps.hub;
      const user = request.principal!.user;
      const count = open.get(user) ?? 0;
      if (count >= STREAMS_PER_USER) throw new VigilError('VIGIL_RATE_LIMITED', [`a moment: ${user} has ${count} event streams open already (at most ${STREAMS_PER_USER}); close one first`]);
      open.set(user, count + 1);
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
        'x-content-type-options': 'nosniff',
      });
      res.write(`retry: 3000\n: connected\n\n`);
      // Subscribe before replaying: what the hub publishes meanwhile is held, then sent after the
      // replay unless the replay had it, so a resuming client misses nothing and gets nothing twice.
      let held: HubEvent[] | null = [];
      const unsubscribe = hub.subscribe((e) => (held ? held.push(e) : res.write(frame(e))));
      const ping = setInterval(() => res.write(': ping\n\n'), PING_SECONDS * 1000);
      request.raw.on('close', () => {
        clearInterval(ping);
        unsubscribe();
        const left = (open.get(user) ?? 1) - 1;
        if (left > 0) open.set(user, left);
        else open.delete(user);
      });
      const last = request.headers['last-event-id'];
      const replayed = typeof last === 'string' ? await hub.replay(last) : [];
      const sent = new Set(replayed.map((e) => e.id));
      for (const e of [...replayed, ...held.filter((e) => !sent.has(e.id))]) res.write(frame(e));
      held = null;
    },
  );
};
