/**
 * Watchlists (`/api/v1/watchlists`): list and read (viewers), create, replace, delete, the
 * live preview of unsaved entries, and subscriptions one at a time (routes/subscriptions.ts)
 * (analysts). Only the owner (a user, or a member of the owning
 * team) or an admin may change a watchlist. Entries are validated like `vigil watch add`
 * (alerts/entry.ts) and a bad one is named (`entries[2]`); nothing is stored then.
 */
import type { FastifyPluginAsync } from 'fastify';
import { checkEntryCount, MAX_WATCHLIST_ENTRIES, validateEntry } from '../../alerts/entry.ts';
import { previewMatches } from '../../alerts/preview.ts';
import { subscriptionFromInput } from '../../alerts/watchlist-file.ts';
import { VigilError } from '../../errors.ts';
import type { Owner, Subscription, WatchEntry, Watchlist } from '../../model/alert.ts';
import type { Principal } from '../context.ts';
import { errors } from '../schemas.ts';
import { type SubscriptionBody, subscriptionRoutes, subscriptionSchema } from './subscriptions.ts';

/** Largest number of candidate CVEs a preview examines (a regex entry makes every CVE one). */
export const PREVIEW_MAX_CANDIDATES = 5000;
/** Time a preview may take, in milliseconds; matching runs in a worker thread and is stopped past it (VIGIL_MATCH_TIMEOUT). */
export const PREVIEW_BUDGET_MS = 10_000;

interface EntryBody {
  kind: string;
  value: string;
  vendor?: string;
  version?: string;
  thresholds?: Record<string, unknown>;
}
interface WatchlistBody {
  name: string;
  description?: string;
  owner?: Owner;
  entries: EntryBody[];
  subscriptions?: SubscriptionBody[];
}

const nameSchema = { type: 'string', minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$' } as const;
// One more than the limit, so the limit's own message (checkEntryCount) names it rather than the schema's.
const entriesSchema = { type: 'array', maxItems: MAX_WATCHLIST_ENTRIES + 1, items: { $ref: 'WatchEntryInput#' } } as const;
const nameParams = { type: 'object', required: ['name'], properties: { name: nameSchema } } as const;
const previewResponse = {
  type: 'object',
  required: ['total', 'candidates', 'skipped', 'items'],
  properties: {
    total: { type: 'integer', description: 'matches found' },
    candidates: { type: 'integer' },
    skipped: { type: 'integer', description: 'candidates not examined (over the preview limit)' },
    items: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          cveId: { type: 'string' },
          title: { type: 'string' },
          severity: { type: ['string', 'null'] },
          priority: { type: 'number' },
          entryIndex: { type: 'integer' },
          passes: { type: 'boolean' },
          reasons: { type: 'array', items: { type: 'object', additionalProperties: true } },
        },
      },
    },
    advisories: {
      type: 'object',
      description: 'stored advisories the entries match, newest first (alerts/advisory-preview.ts)',
      properties: {
        total: { type: 'integer' },
        candidates: { type: 'integer', description: 'advisories examined' },
        items: {
          type: 'array',
          items: {
            type: 'object',
            properties: {
              advisoryId: { type: 'string' },
              source: { type: 'string' },
              kind: { type: 'string' },
              title: { type: 'string' },
              published: { type: ['string', 'null'] },
              modified: { type: 'string' },
              entryIndex: { type: 'integer' },
              reasons: { type: 'array', items: { type: 'object', additionalProperties: true } },
            },
          },
        },
      },
    },
  },
} as const;

/** Validates entries, naming the first bad one by position. */
function validEntries(watchlist: string, entries: EntryBody[]): WatchEntry[] {
  const valid = entries.map((e, i) => {
    try {
      return validateEntry({ ...e, watchlist });
    } catch (err) {
      // validateEntry's message already reads "Invalid watchlist entry #0 <entry>: <reason>": keep the rest.
      throw new VigilError('VIGIL_WATCH_ENTRY_INVALID', [`entries[${i}]`, (err as Error).message.replace(/^Invalid watchlist entry (?:#\d+ )?/, '')], { cause: err });
    }
  });
  checkEntryCount(watchlist, [], valid);
  return valid;
}

/** What a subscription's recipient reads as for those who may not change the watchlist. */
export const HIDDEN_TARGET = '(hidden)';

export const watchlistRoutes: FastifyPluginAsync = async (app) => {
  const { alerts, store, config } = app.deps;
  const read = { role: 'viewer', scope: 'read' } as const;

  /** Whether `p` may change `w`: its owner, a member of its team, or an admin. */
  async function mayEdit(p: Principal, w: Watchlist): Promise<boolean> {
    if (p.role === 'admin') return true;
    if ('user' in w.owner) return w.owner.user === p.user;
    const team = w.owner.team;
    return (await alerts.listTeams()).some((t) => t.name === team && t.members.includes(p.user));
  }

  /** `w` as `p` may read it: subscription recipients only for those who may change it, else {@link HIDDEN_TARGET}. */
  async function readable(p: Principal, w: Watchlist): Promise<Watchlist> {
    if (await mayEdit(p, w)) return w;
    return { ...w, subscriptions: w.subscriptions.map((s) => (s.target ? { ...s, target: HIDDEN_TARGET } : s)) };
  }

  async function editable(p: Principal, name: string): Promise<Watchlist> {
    const w = await alerts.getWatchlist(name);
    if (!w) throw new VigilError('VIGIL_NOT_FOUND', [`watchlist ${name}`]);
    if (!(await mayEdit(p, w))) throw new VigilError('VIGIL_FORBIDDEN', [`watchlist ${name} belongs to ${'user' in w.owner ? w.owner.user : `team ${w.owner.team}`}`]);
    return w;
  }

  function subscriptionsOf(name: string, subs: SubscriptionBody[]): Omit<Subscription, 'id'>[] {
    return subs.map((s, i) => {
      try {
        return subscriptionFromInput(name, s as Parameters<typeof subscriptionFromInput>[1], config.alerts);
      } catch (err) {
        // subscriptionFromInput's message already reads "Invalid watchlist <name> (subscription to <channel>): <reason>".
        throw new VigilError('VIGIL_WATCHLIST_INVALID', [`${name} subscriptions[${i}]`, (err as Error).message.replace(/^Invalid watchlist [^:]*: /, '')], { cause: err });
      }
    });
  }

  /**
   * Makes the stored entries and subscriptions equal to the given ones (idempotent). The wanted
   * ones are written first; the store says which stored row each one is (its own notion of "the
   * same entry"), and every other stored row goes.
   */
  async function replace(w: Watchlist | null, name: string, entries: WatchEntry[], subs: Omit<Subscription, 'id'>[] | undefined): Promise<void> {
    const keptEntries = new Set<number>();
    for (const { id: _id, ...rest } of entries) keptEntries.add((await alerts.addEntry({ ...rest, watchlist: name })).id);
    for (const e of w?.entries ?? []) if (!keptEntries.has(e.id)) await alerts.removeEntry(e.id);
    if (subs === undefined) return;
    const keptSubs = new Set<number>();
    for (const s of subs) keptSubs.add((await alerts.upsertSubscription(s)).id);
    for (const s of w?.subscriptions ?? []) if (!keptSubs.has(s.id)) await alerts.removeSubscription(s.id);
  }

  await app.register(subscriptionRoutes, { editable, subscriptionsOf });

  app.get(
    '/',
    {
      config: { access: read },
      schema: { tags: ['watchlists'], summary: 'Every watchlist with its entries and subscriptions', response: { 200: { type: 'object', required: ['items'], properties: { items: { type: 'array', items: { $ref: 'Watchlist#' } } } }, ...errors(401, 403, 429) } },
    },
    async (request) => ({ items: await Promise.all((await alerts.listWatchlists()).map((w) => readable(request.principal!, w))) }),
  );

  app.get<{ Params: { name: string } }>(
    '/:name',
    { config: { access: read }, schema: { tags: ['watchlists'], summary: 'One watchlist', params: nameParams, response: { 200: { $ref: 'Watchlist#' }, ...errors(400, 401, 403, 404, 429) } } },
    async (request) => {
      const w = await alerts.getWatchlist(request.params.name);
      if (!w) throw new VigilError('VIGIL_NOT_FOUND', [`watchlist ${request.params.name}`]);
      return readable(request.principal!, w);
    },
  );

  app.post<{ Body: WatchlistBody }>(
    '/',
    {
      config: { access: { role: 'analyst', scope: 'write', action: 'watchlist.create' } },
      schema: {
        tags: ['watchlists'],
        summary: 'Creates a watchlist (owner: the caller unless given; only admins may give another owner)',
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['name', 'entries'],
          properties: {
            name: nameSchema,
            description: { type: 'string', maxLength: 1000 },
            owner: { oneOf: [{ type: 'object', additionalProperties: false, required: ['user'], properties: { user: { type: 'string', maxLength: 64 } } }, { type: 'object', additionalProperties: false, required: ['team'], properties: { team: { type: 'string', maxLength: 64 } } }] },
            entries: entriesSchema,
            subscriptions: { type: 'array', maxItems: 20, items: subscriptionSchema },
          },
        },
        response: { 201: { $ref: 'Watchlist#' }, ...errors(400, 401, 403, 404, 409, 413, 415, 429) },
      },
    },
    async (request, reply) => {
      const p = request.principal!;
      const { name, description, entries, subscriptions } = request.body;
      request.auditTarget = `watchlist:${name}`;
      if (await alerts.getWatchlist(name)) throw new VigilError('VIGIL_CONFLICT', [`watchlist ${name}`]);
      const owner = request.body.owner ?? { user: p.user };
      if (p.role !== 'admin' && !('user' in owner && owner.user === p.user) && !(await mayEdit(p, { name, owner, description: null, entries: [], subscriptions: [] }))) {
        throw new VigilError('VIGIL_FORBIDDEN', ['only admins may create a watchlist for someone else']);
      }
      const valid = validEntries(name, entries);
      const subs = subscriptionsOf(name, subscriptions ?? []);
      await alerts.upsertWatchlist({ name, owner, description: description ?? null });
      await replace(null, name, valid, subs);
      return reply.code(201).send(await alerts.getWatchlist(name));
    },
  );

  app.put<{ Params: { name: string }; Body: Omit<WatchlistBody, 'name' | 'owner'> }>(
    '/:name',
    {
      config: { access: { role: 'analyst', scope: 'write', action: 'watchlist.update' } },
      schema: {
        tags: ['watchlists'],
        summary: 'Replaces a watchlist’s description, entries and (when given) subscriptions',
        params: nameParams,
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['entries'],
          properties: { description: { type: 'string', maxLength: 1000 }, entries: entriesSchema, subscriptions: { type: 'array', maxItems: 20, items: subscriptionSchema } },
        },
        response: { 200: { $ref: 'Watchlist#' }, ...errors(400, 401, 403, 404, 413, 415, 429) },
      },
    },
    async (request) => {
      const { name } = request.params;
      request.auditTarget = `watchlist:${name}`;
      const w = await editable(request.principal!, name);
      const valid = validEntries(name, request.body.entries);
      const subs = request.body.subscriptions ? subscriptionsOf(name, request.body.subscriptions) : undefined;
      await alerts.upsertWatchlist({ name, owner: w.owner, description: request.body.description ?? w.description });
      await replace(w, name, valid, subs);
      return alerts.getWatchlist(name);
    },
  );

  app.delete<{ Params: { name: string } }>(
    '/:name',
    {
      config: { access: { role: 'analyst', scope: 'write', action: 'watchlist.delete' } },
      schema: { tags: ['watchlists'], summary: 'Deletes a watchlist (its alerts stay, as history)', params: nameParams, response: { 204: { type: 'null' }, ...errors(400, 401, 403, 404, 429) } },
    },
    async (request, reply) => {
      request.auditTarget = `watchlist:${request.params.name}`;
      await editable(request.principal!, request.params.name);
      await alerts.removeWatchlist(request.params.name);
      return reply.code(204).send();
    },
  );

  const previewLimit = { type: 'integer', minimum: 1, maximum: 500, default: 50 } as const;
  async function preview(entries: WatchEntry[], limit: number) {
    const p = await previewMatches(store, alerts, entries, config.ssvc, { maxCandidates: PREVIEW_MAX_CANDIDATES, budgetMs: PREVIEW_BUDGET_MS });
    return {
      total: p.matches.length,
      candidates: p.candidates,
      skipped: p.skipped,
      items: p.matches.slice(0, limit).map((m) => ({ cveId: m.cveId, title: m.title, severity: m.severity, priority: m.priority, entryIndex: m.entryIndex, passes: m.passes, reasons: m.reasons })),
      advisories: { total: p.advisories.matches.length, candidates: p.advisories.candidates, items: p.advisories.matches.slice(0, limit) },
    };
  }

  app.post<{ Body: { entries: EntryBody[]; limit: number } }>(
    '/preview',
    {
      config: { access: { role: 'analyst', scope: 'write', action: 'watchlist.preview', audit: false } },
      schema: {
        tags: ['watchlists'],
        summary: 'Live preview: which stored CVEs unsaved entries match, and why (nothing is stored)',
        body: { type: 'object', additionalProperties: false, required: ['entries'], properties: { entries: { ...entriesSchema, maxItems: 50 }, limit: previewLimit } },
        response: { 200: previewResponse, ...errors(400, 401, 403, 413, 415, 429, 503) },
      },
    },
    async (request) => preview(validEntries('preview', request.body.entries), request.body.limit),
  );

  app.get<{ Params: { name: string }; Querystring: { limit: number } }>(
    '/:name/matches',
    {
      config: { access: read },
      schema: {
        tags: ['watchlists'],
        summary: 'Which stored CVEs a watchlist matches, and why',
        params: nameParams,
        querystring: { type: 'object', additionalProperties: false, properties: { limit: previewLimit } },
        response: { 200: previewResponse, ...errors(400, 401, 403, 404, 429, 503) },
      },
    },
    async (request) => {
      const w = await alerts.getWatchlist(request.params.name);
      if (!w) throw new VigilError('VIGIL_NOT_FOUND', [`watchlist ${request.params.name}`]);
      return preview(w.entries, request.query.limit);
    },
  );
};
