/**
 * A watchlist's subscriptions one at a time (`/api/v1/watchlists/{name}/subscriptions`), as
 * `vigil watch subscribe` does: add (or update the one with the same channel and recipient) and
 * remove. Analysts who may change the watchlist (its owner, a member of its team, an admin) may
 * do both; each is audited. Registered by the watchlist routes (routes/watchlists.ts), which hand
 * over their ownership check and their validation of a subscription, so both paths agree.
 */
import type { FastifyPluginAsync } from 'fastify';
import { VigilError } from '../../errors.ts';
import type { Subscription, Watchlist } from '../../model/alert.ts';
import { ALERT_EVENTS } from '../../model/alert.ts';
import type { Principal } from '../context.ts';
import { errors } from '../schemas.ts';

/** A subscription as a client sends it (`to`: the recipient on that channel, per docs/alerts.md). */
export interface SubscriptionBody {
  channel: string;
  to?: string;
  events?: string[];
  mode?: 'immediate' | 'hourly' | 'daily' | 'weekly';
  timezone?: string;
  /** `exposure` events: the watchlist's exposure E_t to rise past (docs/exposure.md). */
  exposureAbove?: number;
}

/** JSON Schema of {@link SubscriptionBody}. */
export const subscriptionSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['channel'],
  properties: {
    channel: { type: 'string', minLength: 1, maxLength: 64 },
    to: { type: 'string', minLength: 1, maxLength: 254 },
    events: { type: 'array', minItems: 1, items: { type: 'string', enum: [...ALERT_EVENTS] } },
    mode: { type: 'string', enum: ['immediate', 'hourly', 'daily', 'weekly'] },
    timezone: { type: 'string', maxLength: 64 },
    exposureAbove: { type: 'number', exclusiveMinimum: 0, maximum: 1e9, description: '`exposure` events: alert when the watchlist’s exposure index rises past this (docs/exposure.md)' },
  },
} as const;

/** What the watchlist routes hand over. */
export interface SubscriptionRouteOptions {
  /** The watchlist `p` may change. @throws {VigilError} VIGIL_NOT_FOUND, VIGIL_FORBIDDEN. */
  editable: (p: Principal, name: string) => Promise<Watchlist>;
  /** Validated subscriptions of watchlist `name`. @throws {VigilError} VIGIL_WATCHLIST_INVALID naming the bad one. */
  subscriptionsOf: (name: string, subs: SubscriptionBody[]) => Omit<Subscription, 'id'>[];
}

const nameParams = {
  type: 'object',
  required: ['name'],
  properties: { name: { type: 'string', minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$' } },
} as const;

export const subscriptionRoutes: FastifyPluginAsync<SubscriptionRouteOptions> = async (app, { editable, subscriptionsOf }) => {
  const { alerts } = app.deps;

  app.post<{ Params: { name: string }; Body: SubscriptionBody }>(
    '/:name/subscriptions',
    {
      config: { access: { role: 'analyst', scope: 'write', action: 'watchlist.subscribe' } },
      schema: {
        tags: ['watchlists'],
        summary: 'Subscribes a channel (and recipient) to a watchlist, or updates the subscription with the same channel and recipient',
        params: nameParams,
        body: subscriptionSchema,
        response: { 201: { $ref: 'Watchlist#' }, ...errors(400, 401, 403, 404, 413, 415, 429) },
      },
    },
    async (request, reply) => {
      const { name } = request.params;
      request.auditTarget = `watchlist:${name}`;
      await editable(request.principal!, name);
      const [sub] = subscriptionsOf(name, [request.body]);
      const stored = await alerts.upsertSubscription(sub!);
      request.auditDetail = { subscription: stored.id, channel: stored.channel };
      return reply.code(201).send(await alerts.getWatchlist(name));
    },
  );

  app.delete<{ Params: { name: string; id: number } }>(
    '/:name/subscriptions/:id',
    {
      config: { access: { role: 'analyst', scope: 'write', action: 'watchlist.unsubscribe' } },
      schema: {
        tags: ['watchlists'],
        summary: 'Removes one subscription of a watchlist (alerts already made stay, as history)',
        params: { ...nameParams, required: ['name', 'id'], properties: { ...nameParams.properties, id: { type: 'integer', minimum: 1 } } },
        response: { 204: { type: 'null' }, ...errors(400, 401, 403, 404, 429) },
      },
    },
    async (request, reply) => {
      const { name, id } = request.params;
      request.auditTarget = `watchlist:${name}`;
      const w = await editable(request.principal!, name);
      const sub = w.subscriptions.find((s) => s.id === id);
      if (!sub) throw new VigilError('VIGIL_NOT_FOUND', [`subscription ${id} of watchlist ${name}`]);
      await alerts.removeSubscription(id);
      request.auditDetail = { subscription: id, channel: sub.channel };
      return reply.code(204).send();
    },
  );
};
