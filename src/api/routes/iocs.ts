/**
 * IOC routes (issue 14): the indicators found in collected documents (`/api/v1/iocs`: filters and
 * keyset pages, last seen newest first), one indicator with its sightings and the documents they
 * are in, and the whole list as CSV. Read-only: viewers and up, `read` scope. The work is the
 * store's (`Stores.iocs`); these routes validate and answer.
 */
import type { FastifyPluginAsync } from 'fastify';
import { VigilError } from '../../errors.ts';
import { iocCsvStream } from '../../iocs/export.ts';
import type { IocQuery } from '../../iocs/types.ts';
import { IOC_TYPES, type IocType } from '../../nlp/types.ts';
import { sinceIso } from '../../store/advisory-rows.ts';
import { MAX_IOC_LIMIT } from '../../store/ioc-rows.ts';
import { errors, nullable } from '../schemas.ts';
import { INTEL_SOURCE_NAME_PATTERN } from './intel-schemas.ts';

const DATE = '^[0-9]{4}-[0-9]{2}-[0-9]{2}([T ][0-9:.]+Z?)?$';
const read = { role: 'viewer', scope: 'read' } as const;

const filterProperties = {
  type: { type: 'string', enum: [...IOC_TYPES], description: 'indicator kind' },
  q: { type: 'string', minLength: 1, maxLength: 500, description: 'substring of the value (case-insensitive)' },
  since: { type: 'string', pattern: DATE, description: 'last seen on or after (YYYY-MM-DD or ISO 8601)' },
  source: { type: 'string', pattern: INTEL_SOURCE_NAME_PATTERN, maxLength: 64, description: 'seen in a document of this intel source' },
  warning: { type: 'boolean', description: 'true: only warninglisted indicators; false: only those on no warninglist' },
} as const;

const warningSchema = {
  type: ['object', 'null'],
  description: 'the MISP warninglist it is on (as of its last sighting): folder name and title',
  required: ['list', 'name'],
  properties: { list: { type: 'string' }, name: { type: 'string' } },
} as const;

const tlp = { type: 'string', enum: ['clear', 'green', 'amber', 'amber+strict', 'red'], description: 'FIRST TLP 2.0 label' } as const;

/** A stored indicator (src/iocs/types.ts StoredIoc). */
const iocSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['type', 'value', 'firstSeen', 'lastSeen', 'sightings', 'sources', 'cves', 'warning', 'tlp'],
  properties: {
    type: { type: 'string', enum: [...IOC_TYPES] },
    value: { type: 'string', description: 'refanged, normalised form' },
    firstSeen: { type: 'string', description: 'first sighting: its document published (else fetched) date' },
    lastSeen: { type: 'string' },
    sightings: { type: 'integer', description: 'documents it was seen in' },
    sources: { type: 'array', items: { type: 'string' }, description: 'intel sources it was seen in, sorted' },
    cves: { type: 'array', items: { type: 'string' }, description: 'CVE ids named in those documents (at most 50)' },
    warning: warningSchema,
    tlp: { ...tlp, description: 'the most restrictive TLP of its sightings' },
  },
} as const;

const sightingSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['documentId', 'source', 'title', 'url', 'seen', 'original', 'tlp'],
  properties: {
    documentId: { type: 'string' },
    source: { type: 'string' },
    title: { ...nullable('string'), description: "the document's title (null when the document is gone)" },
    url: nullable('string'),
    seen: { type: 'string' },
    original: { type: 'string', description: 'how the document wrote it (defanged forms kept)' },
    tlp,
  },
} as const;

interface ListQuery extends Omit<IocQuery, 'limit'> {
  limit: number;
}

/**
 * The store's query of a query string, `since` checked as the store reads it.
 * @throws {VigilError} VIGIL_BAD_REQUEST for a `since` that is not a date (`2024-02-30`, `T99:99`).
 */
function toQuery(q: Omit<IocQuery, 'limit' | 'cursor'>): Omit<IocQuery, 'limit' | 'cursor'> {
  if (q.since !== undefined) {
    try {
      sinceIso(q.since);
    } catch (err) {
      throw new VigilError('VIGIL_BAD_REQUEST', [`querystring/since: ${q.since} is not a date`], { cause: err });
    }
  }
  return q;
}

export const iocsRoutes: FastifyPluginAsync = async (app) => {
  const { iocs } = app.deps;

  app.get<{ Querystring: ListQuery }>(
    '/iocs',
    {
      config: { access: read },
      schema: {
        tags: ['iocs'],
        summary: 'Indicators found in collected documents, with filters; last seen newest first (then type, value), keyset pages',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            ...filterProperties,
            limit: { type: 'integer', minimum: 1, maximum: MAX_IOC_LIMIT, default: 100 },
            cursor: { type: 'string', maxLength: 6000, description: 'nextCursor of the previous page' },
          },
        },
        response: {
          200: {
            type: 'object',
            required: ['items', 'nextCursor', 'total'],
            properties: {
              items: { type: 'array', items: iocSchema },
              nextCursor: nullable('string'),
              total: { type: 'integer', description: 'indicators matching the filters, over every page' },
            },
          },
          ...errors(400, 401, 403, 429),
        },
      },
    },
    async (request) => {
      const { limit, cursor, ...filters } = request.query;
      const query = toQuery(filters);
      const [page, total] = await Promise.all([iocs.listIocs({ ...query, limit, ...(cursor ? { cursor } : {}) }), iocs.countIocs(query)]);
      return { ...page, total };
    },
  );

  app.get<{ Querystring: Omit<IocQuery, 'limit' | 'cursor'> }>(
    '/iocs/export.csv',
    {
      config: { access: read },
      schema: {
        tags: ['iocs'],
        summary: `Every indicator matching the filters as CSV (RFC 4180, header row; sources and CVE ids space-separated), streamed`,
        querystring: { type: 'object', additionalProperties: false, properties: filterProperties },
        response: { 200: { description: 'text/csv', content: { 'text/csv': { schema: { type: 'string' } } } }, ...errors(400, 401, 403, 429) },
      },
    },
    async (request, reply) => {
      const query = toQuery(request.query);
      return reply.type('text/csv; charset=utf-8').header('content-disposition', 'attachment; filename="iocs.csv"').send(iocCsvStream(iocs, query));
    },
  );

  app.get<{ Params: { type: IocType; value: string }; Querystring: { limit: number } }>(
    '/iocs/:type/:value',
    {
      config: { access: read },
      schema: {
        tags: ['iocs'],
        summary: 'One indicator (value URL-encoded: a URL indicator’s slashes as %2F) with its sightings, newest first, and their documents',
        params: {
          type: 'object',
          required: ['type', 'value'],
          properties: { type: { type: 'string', enum: [...IOC_TYPES] }, value: { type: 'string', minLength: 1, maxLength: 4000 } },
        },
        querystring: { type: 'object', additionalProperties: false, properties: { limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 } } },
        response: {
          200: {
            type: 'object',
            additionalProperties: false,
            required: ['ioc', 'sightings'],
            properties: { ioc: iocSchema, sightings: { type: 'array', items: sightingSchema, description: 'newest first (at most limit)' } },
          },
          ...errors(400, 401, 403, 404, 429),
        },
      },
    },
    async (request) => {
      const { type, value } = request.params;
      const ioc = (await iocs.getIoc(type, value)) ?? (await iocs.getIoc(type, value.toLowerCase()));
      if (!ioc) throw new VigilError('VIGIL_NOT_FOUND', [`indicator ${type} ${value}`]);
      return { ioc, sightings: await iocs.sightings(ioc.type, ioc.value, request.query.limit) };
    },
  );
};
