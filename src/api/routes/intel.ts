/**
 * Threat-intel routes (issue 13): the sources analysts define (`/api/v1/scraping/sources`: list,
 * add, change, remove, test before or after adding, collect now) and the documents collected
 * from them (`/api/v1/intel`: filters and keyset pages newest first, one document with its
 * history). The work is intel/service.ts's; these routes validate, answer and audit. Sources are
 * read by analysts and admins only: their headers may carry cookies or API keys.
 */
import type { FastifyPluginAsync } from 'fastify';
import { VigilError } from '../../errors.ts';
import type { CollectReport } from '../../intel/collect.ts';
import {
  addSource,
  type CollectOutcome,
  collectSources,
  type IntelServices,
  intelStateName,
  requireSource,
  testSource,
  updateSource,
} from '../../intel/service.ts';
import { validateSource } from '../../intel/sources/schema.ts';
import type { IntelDocument, IntelQuery, IntelSummary } from '../../intel/types.ts';
import { documentAnalyser } from '../../iocs/analyse.ts';
import { CATALOG_MIN_CVES } from '../../nlp/context.ts';
import { messageWithCauses } from '../../sources/http.ts';
import { CVE_ID_PATTERN, errors } from '../schemas.ts';
import { INTEL_ID_PATTERN, INTEL_SOURCE_NAME_PATTERN, PREVIEW_TEXT_CHARS, sourceInputProperties } from './intel-schemas.ts';

const DATE = '^[0-9]{4}-[0-9]{2}-[0-9]{2}([T ][0-9:.]+Z?)?$';

const read = { role: 'viewer', scope: 'read' } as const;
const readSources = { role: 'analyst', scope: 'read' } as const;
const write = (action: string) => ({ role: 'analyst', scope: 'write', action }) as const;
const collect = (action: string) => ({ role: 'analyst', scope: 'collect', action }) as const;

const nameParams = { type: 'object', required: ['name'], properties: { name: { type: 'string', pattern: INTEL_SOURCE_NAME_PATTERN, maxLength: 64 } } } as const;
const sourceBody = { type: 'object', additionalProperties: false, required: ['name', 'kind', 'url'], properties: sourceInputProperties } as const;
const patchBody = { type: 'object', additionalProperties: false, minProperties: 1, properties: sourceInputProperties } as const;

const filters = {
  source: { type: 'string', pattern: INTEL_SOURCE_NAME_PATTERN, maxLength: 64, description: 'intel source name' },
  since: { type: 'string', pattern: DATE, description: 'published (else fetched) on or after (YYYY-MM-DD or ISO 8601)' },
  cve: { type: 'string', pattern: CVE_ID_PATTERN, maxLength: 30, description: 'only documents naming this CVE' },
  cluster: { type: 'string', pattern: INTEL_ID_PATTERN, description: 'documents of one story cluster (its first document id)' },
  q: { type: 'string', minLength: 1, maxLength: 500, description: 'words searched in title and text (ANDed, no query syntax)' },
  limit: { type: 'integer', minimum: 1, maximum: 200, default: 50 },
  cursor: { type: 'string', maxLength: 400, description: 'nextCursor of the previous page' },
} as const;

/** The query string of the document list. */
interface ListQuery {
  source?: string;
  since?: string;
  cve?: string;
  cluster?: string;
  q?: string;
  limit: number;
  cursor?: string;
}

/** A page position: after the row of this date (`published ?? fetchedAt`) and id. */
interface Cursor {
  d: string;
  i: string;
}

const CURSOR_ID = new RegExp(INTEL_ID_PATTERN);
const CURSOR_DATE = /^[0-9]{4}-[0-9]{2}-[0-9]{2}[0-9T:.Z+-]*$/;

/** @throws {VigilError} VIGIL_BAD_REQUEST for a cursor this server did not make. */
function decodeCursor(text: string): Cursor {
  let c: unknown;
  try {
    c = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch (cause) {
    throw new VigilError('VIGIL_BAD_REQUEST', ['querystring/cursor is not a cursor from this API'], { cause });
  }
  const o = c as Record<string, unknown>;
  // Strings of the key's own forms only: a forged cursor must not reach SQL as another type.
  const valid = typeof o === 'object' && o !== null && typeof o.d === 'string' && CURSOR_DATE.test(o.d) && typeof o.i === 'string' && CURSOR_ID.test(o.i);
  if (!valid) throw new VigilError('VIGIL_BAD_REQUEST', ['querystring/cursor is not a cursor of the intel list']);
  return { d: o.d as string, i: o.i as string };
}

/** @throws {VigilError} VIGIL_BAD_REQUEST when `since` names a day the calendar lacks (`2024-02-30`). */
function checkSince(since: string | undefined): void {
  if (since === undefined) return;
  const day = since.slice(0, 10);
  const parsed = new Date(`${day}T00:00:00Z`);
  if (Number.isNaN(parsed.getTime()) || parsed.toISOString().slice(0, 10) !== day)
    throw new VigilError('VIGIL_BAD_REQUEST', [`querystring/since: ${since} is not a date`]);
}

/** `text` cut to `max` UTF-16 units without splitting a surrogate pair. */
function cut(text: string, max: number): string {
  if (text.length <= max) return text;
  const code = text.charCodeAt(max - 1);
  return text.slice(0, code >= 0xd800 && code <= 0xdbff ? max - 1 : max);
}

/** A test report as answered: previewed texts cut to {@link PREVIEW_TEXT_CHARS}, with their full length. */
function testAnswer(report: CollectReport): CollectReport & { preview: (IntelDocument & { textLength: number })[] } {
  return { ...report, preview: (report.preview ?? []).map((d) => ({ ...d, text: cut(d.text, PREVIEW_TEXT_CHARS), textLength: d.text.length })) };
}

/** A collection's outcome as answered: the error as its code and message (causes included). */
function outcomeAnswer(outcome: CollectOutcome): { source: string; report: CollectReport | null; error: { code: string; message: string } | null } {
  if (!outcome.error) return { source: outcome.source, report: outcome.report, error: null };
  const code = (outcome.error as { code?: unknown }).code;
  return { source: outcome.source, report: null, error: { code: typeof code === 'string' ? code : 'ERROR', message: messageWithCauses(outcome.error) } };
}

export const intelRoutes: FastifyPluginAsync = async (app) => {
  const { intel, iocs, store, config, log, now, trends } = app.deps;
  const vendorProducts = trends ? () => trends.vendorProducts({ minCves: CATALOG_MIN_CVES }) : undefined;
  const services: IntelServices = {
    intel,
    store,
    config: config.intel,
    log,
    now,
    analyse: documentAnalyser(config, iocs, log, { thread: true, ...(vendorProducts ? { vendorProducts } : {}) }),
  };
  /** Collections running in this process, by source: a second request joins the first. */
  const running = new Map<string, Promise<CollectOutcome>>();

  app.get(
    '/scraping/sources',
    {
      config: { access: readSources },
      schema: {
        tags: ['intel'],
        summary: 'Every intel source with its stored documents and last collection (analysts and admins: headers may hold secrets)',
        response: {
          200: { type: 'object', required: ['sources'], properties: { sources: { type: 'array', items: { $ref: 'IntelSourceStatus#' } } } },
          ...errors(401, 403, 429),
        },
      },
    },
    async () => {
      const [sources, counts] = await Promise.all([intel.listSources(), intel.sourceCounts()]);
      const bySource = new Map(counts.map((c) => [c.source, c]));
      const out = [];
      for (const source of sources) {
        const state = await store.getSourceState(intelStateName(source.name));
        const count = bySource.get(source.name);
        out.push({
          ...source,
          documents: count?.documents ?? 0,
          lastFetched: count?.lastFetched ?? null,
          lastAttempt: state?.lastAttempt ?? null,
          lastSuccess: state?.lastSuccess ?? null,
          lastError: state?.lastError ?? null,
        });
      }
      return { sources: out };
    },
  );

  app.post<{ Body: Record<string, unknown> }>(
    '/scraping/sources',
    {
      config: { access: write('intel.source.create') },
      schema: {
        tags: ['intel'],
        summary:
          'Adds an intel source (defaults filled; its URL checked by the SSRF guard: private, loopback and link-local addresses are refused unless intel.allowHosts lists them)',
        body: sourceBody,
        response: { 201: { $ref: 'IntelSource#' }, ...errors(400, 401, 403, 409, 413, 415, 429) },
      },
    },
    async (request, reply) => {
      request.auditTarget = `intel-source:${String(request.body.name)}`;
      request.auditDetail = { kind: request.body.kind, url: request.body.url };
      return reply.code(201).send(await addSource(services, request.body));
    },
  );

  app.post<{ Body: Record<string, unknown> }>(
    '/scraping/sources/test',
    {
      // An action of its own: refusals with equal action and target share one audit row.
      config: { access: collect('intel.source.test-unsaved') },
      schema: {
        tags: ['intel'],
        summary: 'Tests an unsaved source definition: fetches once and answers what would be stored, storing nothing (the source is not added)',
        body: sourceBody,
        response: { 200: { $ref: 'IntelTestReport#' }, ...errors(400, 401, 403, 413, 415, 429, 502, 503) },
      },
    },
    async (request) => {
      request.auditTarget = `intel-source:${String(request.body.name)}`;
      request.auditDetail = { url: request.body.url, saved: false };
      const source = validateSource(request.body, { allowHosts: config.intel.allowHosts, torProxy: config.intel.torProxy }, now());
      return testAnswer(await testSource(services, source));
    },
  );

  app.get<{ Params: { name: string } }>(
    '/scraping/sources/:name',
    {
      config: { access: readSources },
      schema: {
        tags: ['intel'],
        summary: 'One intel source',
        params: nameParams,
        response: { 200: { $ref: 'IntelSource#' }, ...errors(400, 401, 403, 404, 429) },
      },
    },
    async (request) => requireSource(intel, request.params.name),
  );

  app.patch<{ Params: { name: string }; Body: Record<string, unknown> }>(
    '/scraping/sources/:name',
    {
      config: { access: write('intel.source.update') },
      schema: {
        tags: ['intel'],
        summary:
          'Changes an intel source: fields given replace the stored ones (headers, selectors and tags as a whole; null clears minDelaySeconds and follow); the name cannot change',
        params: nameParams,
        body: patchBody,
        response: { 200: { $ref: 'IntelSource#' }, ...errors(400, 401, 403, 404, 413, 415, 429) },
      },
    },
    async (request) => {
      request.auditTarget = `intel-source:${request.params.name}`;
      request.auditDetail = { fields: Object.keys(request.body) };
      return updateSource(services, request.params.name, request.body);
    },
  );

  app.delete<{ Params: { name: string } }>(
    '/scraping/sources/:name',
    {
      config: { access: write('intel.source.delete') },
      schema: {
        tags: ['intel'],
        summary: 'Removes an intel source (its documents stay)',
        params: nameParams,
        response: { 204: { type: 'null' }, ...errors(400, 401, 403, 404, 429) },
      },
    },
    async (request, reply) => {
      const { name } = request.params;
      request.auditTarget = `intel-source:${name}`;
      if (!(await intel.deleteSource(name))) throw new VigilError('VIGIL_NOT_FOUND', [`intel source "${name}"`]);
      // A source added again under this name starts without the old one's last collection.
      if (await store.getSourceState(intelStateName(name)))
        await store.saveSourceState({ source: intelStateName(name), cursor: null, lastSuccess: null, lastAttempt: null, lastError: null, lastCount: null });
      return reply.code(204).send();
    },
  );

  app.post<{ Params: { name: string } }>(
    '/scraping/sources/:name/test',
    {
      config: { access: collect('intel.source.test') },
      schema: {
        tags: ['intel'],
        summary: 'Tests a stored source: fetches once and answers what would be stored (texts cut to 2,000 characters), storing nothing',
        params: nameParams,
        response: { 200: { $ref: 'IntelTestReport#' }, ...errors(400, 401, 403, 404, 429, 502, 503) },
      },
    },
    async (request) => {
      request.auditTarget = `intel-source:${request.params.name}`;
      const source = await requireSource(intel, request.params.name);
      return testAnswer(await testSource(services, source));
    },
  );

  app.post<{ Params: { name: string } }>(
    '/scraping/sources/:name/collect',
    {
      config: { access: collect('intel.collect') },
      schema: {
        tags: ['intel'],
        summary:
          'Collects a source now and answers when done: its report, or the error that stopped it (kept as its lastError); a collection already running is joined',
        params: nameParams,
        response: { 200: { $ref: 'IntelCollectOutcome#' }, ...errors(400, 401, 403, 404, 429) },
      },
    },
    async (request) => {
      const { name } = request.params;
      request.auditTarget = `intel-source:${name}`;
      let run = running.get(name);
      if (!run) {
        run = collectSources(services, [name]).then((outcomes) => outcomes[0] as CollectOutcome);
        running.set(name, run);
        const forget = () => running.delete(name);
        run.then(forget, forget);
      }
      const answer = outcomeAnswer(await run);
      request.auditDetail = answer.report ? { created: answer.report.created, changed: answer.report.changed } : { error: answer.error?.code };
      return answer;
    },
  );

  app.get<{ Querystring: ListQuery }>(
    '/intel',
    {
      config: { access: read },
      schema: {
        tags: ['intel'],
        summary: 'Collected intel documents with filters, newest first (published, else fetched), keyset pages',
        querystring: { type: 'object', additionalProperties: false, properties: filters },
        response: { 200: { $ref: 'IntelPage#' }, ...errors(400, 401, 403, 429) },
      },
    },
    async (request) => {
      const { q, limit, cursor, ...rest } = request.query;
      checkSince(rest.since);
      const query: IntelQuery = { ...rest, ...(q !== undefined ? { text: q } : {}) };
      const after = cursor ? decodeCursor(cursor) : null;
      let rows: IntelSummary[];
      try {
        rows = await intel.listDocuments({ ...query, limit: limit + 1, ...(after ? { after: { date: after.d, id: after.i } } : {}) });
      } catch (err) {
        if (err instanceof RangeError) throw new VigilError('VIGIL_BAD_REQUEST', [`querystring/since: ${err.message}`], { cause: err });
        throw err;
      }
      const total = await intel.countDocuments(query);
      const items = rows.slice(0, limit);
      const last = items[items.length - 1];
      const nextCursor =
        rows.length > limit && last
          ? Buffer.from(JSON.stringify({ d: last.published ?? last.fetchedAt, i: last.id } satisfies Cursor)).toString('base64url')
          : null;
      return { items, total, nextCursor };
    },
  );

  app.get<{ Params: { id: string } }>(
    '/intel/:id',
    {
      config: { access: read },
      schema: {
        tags: ['intel'],
        summary: 'One collected document: its text, story cluster, content history and analysis (IOCs, entities, techniques, labels)',
        params: { type: 'object', required: ['id'], properties: { id: { type: 'string', pattern: INTEL_ID_PATTERN } } },
        response: { 200: { $ref: 'IntelDocument#' }, ...errors(400, 401, 403, 404, 429) },
      },
    },
    async (request) => {
      const [doc, analysis] = await Promise.all([intel.getDocument(request.params.id), iocs.getDocumentAnalysis(request.params.id)]);
      if (!doc) throw new VigilError('VIGIL_NOT_FOUND', [`intel document ${request.params.id}`]);
      return { ...doc, analysis: analysis?.analysis ?? null, analysed: analysis?.analysed ?? null };
    },
  );
};
