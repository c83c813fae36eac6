/**
 * Export and enrichment routes (issue 14), for analysts and admins: the IOC store as a STIX 2.1
 * bundle (`GET /api/v1/export/stix`) or a MISP event (`GET /api/v1/export/misp`), and VirusTotal
 * look-ups of one indicator (`GET /api/v1/iocs/{type}/{value}/virustotal`, cached in the store;
 * 429 VIGIL_QUOTA_EXHAUSTED at once when the quota is used up, 503 without an API key).
 */
import type { FastifyPluginAsync } from 'fastify';
import { readExportData } from '../../export/data.ts';
import { buildMispEvent } from '../../export/misp.ts';
import { parseSince, SINCE_PATTERN } from '../../export/since.ts';
import { buildStixBundle } from '../../export/stix.ts';
import { VirusTotalClient, VT_TYPES, type VtType } from '../../virustotal/client.ts';
import { errors, nullable } from '../schemas.ts';

const analystRead = { role: 'analyst', scope: 'read' } as const;
const sinceQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    since: { type: 'string', pattern: SINCE_PATTERN, description: 'indicators last seen and documents published on or after (YYYY-MM-DD or ISO 8601)' },
  },
} as const;

const VtSummarySchema = {
  type: 'object',
  required: ['type', 'value', 'found', 'fetched', 'cached', 'stats', 'reputation', 'lastAnalysisDate', 'categories', 'tags', 'link'],
  properties: {
    type: { type: 'string', enum: [...VT_TYPES] },
    value: { type: 'string' },
    found: { type: 'boolean', description: 'false: VirusTotal does not know it (404 NotFoundError, cached too)' },
    fetched: { type: 'string', description: 'when VirusTotal was asked (ISO 8601)' },
    cached: { type: 'boolean', description: 'served from the store (younger than virustotal.cacheTtlSeconds)' },
    stats: {
      type: ['object', 'null'],
      description: 'engines per verdict of the last analysis',
      properties: {
        malicious: { type: 'integer' },
        suspicious: { type: 'integer' },
        harmless: { type: 'integer' },
        undetected: { type: 'integer' },
        timeout: { type: 'integer' },
      },
    },
    reputation: nullable('integer'),
    lastAnalysisDate: nullable('string'),
    categories: { type: 'array', items: { type: 'string' } },
    tags: { type: 'array', items: { type: 'string' } },
    link: { type: 'string' },
  },
} as const;

export const exportsRoutes: FastifyPluginAsync = async (app) => {
  const { iocs, intel, store, config, now } = app.deps;
  // One client per server: its quota counters are the process's. It never waits: the caller gets 429 and the time.
  const virustotal = new VirusTotalClient({
    config: config.virustotal,
    iocs,
    maxWaitSeconds: 0,
    clock: { now, sleep: (ms) => new Promise((r) => setTimeout(r, ms)) },
  });

  app.get<{ Querystring: { since?: string } }>(
    '/export/stix',
    {
      config: { access: analystRead },
      schema: {
        tags: ['iocs'],
        summary: 'STIX 2.1 bundle of the stored indicators, CVEs and intel reports (validates against the OASIS STIX 2.1 schemas)',
        querystring: sinceQuery,
        response: { 200: { type: 'object', additionalProperties: true, description: 'a STIX 2.1 bundle' }, ...errors(400, 401, 403, 429) },
      },
    },
    async (request) => {
      const since = parseSince(request.query.since);
      return buildStixBundle(await readExportData({ iocs, intel, store }, since ? { since } : {}));
    },
  );

  app.get<{ Querystring: { since?: string } }>(
    '/export/misp',
    {
      config: { access: analystRead },
      schema: {
        tags: ['iocs'],
        summary: 'MISP event JSON ({"Event": …}) of the stored indicators and CVEs; warninglisted ones with to_ids false',
        querystring: sinceQuery,
        response: { 200: { type: 'object', additionalProperties: true, description: 'a MISP event' }, ...errors(400, 401, 403, 429) },
      },
    },
    async (request) => {
      const since = parseSince(request.query.since);
      const data = await readExportData({ iocs, intel, store }, since ? { since } : {});
      return { Event: buildMispEvent(data, { now: now() }) };
    },
  );

  app.get<{ Params: { type: VtType; value: string }; Querystring: { refresh?: boolean } }>(
    '/iocs/:type/:value/virustotal',
    {
      config: { access: analystRead },
      schema: {
        tags: ['iocs'],
        summary: 'VirusTotal v3 look-up of a hash, URL, domain or IP address (cached; 429 with the next allowed time when the quota is used up)',
        params: {
          type: 'object',
          required: ['type', 'value'],
          properties: { type: { type: 'string', enum: [...VT_TYPES] }, value: { type: 'string', minLength: 1, maxLength: 2048 } },
        },
        querystring: { type: 'object', additionalProperties: false, properties: { refresh: { type: 'boolean', default: false } } },
        response: { 200: VtSummarySchema, ...errors(400, 401, 403, 404, 429, 500, 502, 503) },
      },
    },
    async (request) => {
      const { type, value } = request.params;
      const normalised = type === 'url' ? value : value.toLowerCase();
      return virustotal.lookup(type, normalised, { refresh: request.query.refresh ?? false });
    },
  );
};
