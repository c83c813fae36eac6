/**
 * The alerts inbox: list (`GET /api/v1/alerts`, alias `GET /alerts`), one alert with its
 * comments and delivery attempts, acknowledge, triage status and assignee, comments, and the
 * delivery log. Triage (new, triaged, fixed, ignored) is apart from delivery status.
 */
import type { FastifyPluginAsync } from 'fastify';
import { VigilError } from '../../errors.ts';
import { TRIAGE_STATES, type Triage, type TriageState } from '../../model/account.ts';
import { errors, pageOf } from '../schemas.ts';

interface InboxQuerystring {
  triage?: TriageState;
  status?: 'pending' | 'sent' | 'failed';
  cveId?: string;
  watchlist?: string;
  assignee?: string;
  limit: number;
  cursor?: string;
}

const idParams = { type: 'object', required: ['id'], properties: { id: { type: 'integer', minimum: 1, maximum: Number.MAX_SAFE_INTEGER } } } as const;

export const alertRoutes: FastifyPluginAsync = async (app) => {
  const { triage, alerts, now } = app.deps;
  const read = { role: 'viewer', scope: 'read' } as const;

  const listOptions = {
    config: { access: read },
    schema: {
      tags: ['alerts'],
      summary: 'The alerts inbox, newest first, with filters and id-cursor pages',
      querystring: {
        type: 'object',
        additionalProperties: false,
        properties: {
          triage: { type: 'string', enum: [...TRIAGE_STATES] },
          status: { type: 'string', enum: ['pending', 'sent', 'failed'] },
          cveId: { type: 'string', maxLength: 30 },
          watchlist: { type: 'string', maxLength: 64 },
          assignee: { type: 'string', maxLength: 64 },
          limit: { type: 'integer', minimum: 1, maximum: 200, default: 50 },
          cursor: { type: 'string', pattern: '^[0-9]{1,15}$' },
        },
      },
      response: { 200: pageOf('AlertItem#'), ...errors(400, 401, 403, 429) },
    },
  };
  const list = async (request: { query: InboxQuerystring }) => {
    const { limit, cursor, ...filters } = request.query;
    const rows = await triage.listInbox({ ...filters, limit: limit + 1, ...(cursor ? { before: Number(cursor) } : {}) });
    const items = rows.slice(0, limit);
    return { items, nextCursor: rows.length > limit ? String(items[items.length - 1]?.id) : null };
  };
  app.get<{ Querystring: InboxQuerystring }>('/api/v1/alerts', listOptions, list);
  app.get<{ Querystring: InboxQuerystring }>('/alerts', listOptions, list);

  async function withDetails(id: number) {
    const a = await triage.getInboxAlert(id);
    if (!a) throw new VigilError('VIGIL_NOT_FOUND', [`alert ${id}`]);
    return { ...a, comments: await triage.listComments(id), deliveries: await alerts.deliveries(id) };
  }

  const detail = {
    type: 'object',
    allOf: [{ $ref: 'AlertItem#' }],
    properties: { comments: { type: 'array', items: { $ref: 'Comment#' } }, deliveries: { type: 'array', items: { $ref: 'Delivery#' } } },
  } as const;

  app.get<{ Params: { id: number } }>(
    '/api/v1/alerts/:id',
    { config: { access: read }, schema: { tags: ['alerts'], summary: 'One alert with why it fired, its comments and delivery attempts', params: idParams, response: { 200: detail, ...errors(400, 401, 403, 404, 429) } } },
    async (request) => withDetails(request.params.id),
  );

  const write = (action: string) => ({ role: 'analyst', scope: 'write', action }) as const;

  app.post<{ Params: { id: number } }>(
    '/api/v1/alerts/:id/ack',
    { config: { access: write('alert.ack') }, schema: { tags: ['alerts'], summary: 'Acknowledges an alert (triage becomes `triaged` if it was `new`)', params: idParams, response: { 200: detail, ...errors(400, 401, 403, 404, 429) } } },
    async (request) => {
      const { id } = request.params;
      request.auditTarget = `alert:${id}`;
      const a = await triage.getInboxAlert(id);
      if (!a) throw new VigilError('VIGIL_NOT_FOUND', [`alert ${id}`]);
      const change: Partial<Triage> = { acknowledgedAt: a.acknowledgedAt ?? now().toISOString(), acknowledgedBy: a.acknowledgedBy ?? request.principal!.user };
      if (a.triage === 'new') change.triage = 'triaged';
      await triage.updateTriage(id, change);
      return withDetails(id);
    },
  );

  app.patch<{ Params: { id: number }; Body: { triage?: TriageState; assignee?: string | null } }>(
    '/api/v1/alerts/:id',
    {
      config: { access: write('alert.update') },
      schema: {
        tags: ['alerts'],
        summary: 'Sets an alert’s triage status and/or assignee (a user name, or null)',
        params: idParams,
        body: {
          type: 'object',
          additionalProperties: false,
          minProperties: 1,
          properties: { triage: { type: 'string', enum: [...TRIAGE_STATES] }, assignee: { type: ['string', 'null'], minLength: 1, maxLength: 64 } },
        },
        response: { 200: detail, ...errors(400, 401, 403, 404, 413, 415, 429) },
      },
    },
    async (request) => {
      const { id } = request.params;
      request.auditTarget = `alert:${id}`;
      request.auditDetail = { ...request.body };
      const { assignee, triage: state } = request.body;
      if (assignee && !(await app.deps.auth.getAccount(assignee))) throw new VigilError('VIGIL_NOT_FOUND', [`user ${assignee}`]);
      const change: Partial<Triage> = {};
      if (state !== undefined) change.triage = state;
      if (assignee !== undefined) change.assignee = assignee;
      if (!(await triage.updateTriage(id, change))) throw new VigilError('VIGIL_NOT_FOUND', [`alert ${id}`]);
      return withDetails(id);
    },
  );

  app.post<{ Params: { id: number }; Body: { body: string } }>(
    '/api/v1/alerts/:id/comments',
    {
      config: { access: write('alert.comment') },
      schema: {
        tags: ['alerts'],
        summary: 'Adds a comment to an alert',
        params: idParams,
        body: { type: 'object', additionalProperties: false, required: ['body'], properties: { body: { type: 'string', minLength: 1, maxLength: 10_000 } } },
        response: { 201: { $ref: 'Comment#' }, ...errors(400, 401, 403, 404, 413, 415, 429) },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      request.auditTarget = `alert:${id}`;
      if (!(await triage.getInboxAlert(id))) throw new VigilError('VIGIL_NOT_FOUND', [`alert ${id}`]);
      return reply.code(201).send(await triage.addComment({ alertId: id, author: request.principal!.user, body: request.body.body, at: now().toISOString() }));
    },
  );

  app.get<{ Querystring: { limit: number; cursor?: string } }>(
    '/api/v1/deliveries',
    {
      config: { access: read },
      schema: {
        tags: ['alerts'],
        summary: 'The delivery log: every attempt to send an alert, newest first',
        querystring: { type: 'object', additionalProperties: false, properties: { limit: { type: 'integer', minimum: 1, maximum: 500, default: 100 }, cursor: { type: 'string', pattern: '^[0-9]{1,15}$' } } },
        response: { 200: pageOf('Delivery#'), ...errors(400, 401, 403, 429) },
      },
    },
    async (request) => {
      const rows = await triage.deliveryLog(request.query.limit + 1, request.query.cursor ? Number(request.query.cursor) : undefined);
      const items = rows.slice(0, request.query.limit);
      return { items, nextCursor: rows.length > request.query.limit ? String(items[items.length - 1]?.id) : null };
    },
  );
};
