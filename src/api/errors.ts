/**
 * The API's error answers: every error, ours or Fastify's, becomes one body
 * `{statusCode, code, message, requestId}` with a code from the table in src/errors.ts
 * (docs/api.md, "Errors"). No handler writes an error body itself.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type ErrorCode, VigilError } from '../errors.ts';

/** Fastify's own error codes mapped to ours. */
const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'VIGIL_PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'VIGIL_UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'VIGIL_BAD_REQUEST',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'VIGIL_BAD_REQUEST',
  FST_ERR_CTP_INVALID_JSON_BODY: 'VIGIL_BAD_REQUEST',
  FST_ERR_VALIDATION: 'VIGIL_BAD_REQUEST',
  // Raised by the router before any route runs (see {@link frameworkErrors}).
  FST_ERR_BAD_URL: 'VIGIL_BAD_REQUEST',
  FST_ERR_MAX_PARAM_LENGTH: 'VIGIL_BAD_REQUEST',
};

/** Sends `err` as the error body. */
function send(reply: FastifyReply, request: FastifyRequest, err: VigilError): FastifyReply {
  return reply.code(err.status).type('application/json').send({ statusCode: err.status, code: err.code, message: err.message, requestId: request.id });
}

/** Fastify's validation message, plus the property an `additionalProperties: false` schema refused (ajv leaves it out). */
function validationMessage(e: FastifyError): string {
  const extra = e.validation?.find((v) => v.keyword === 'additionalProperties')?.params.additionalProperty;
  return typeof extra === 'string' ? `${e.message}: "${extra}"` : e.message;
}

/** Turns any thrown value into a {@link VigilError} (unknown ones into VIGIL_INTERNAL, logged). */
export function toVigilError(err: unknown, request: FastifyRequest): VigilError {
  if (err instanceof VigilError) return err;
  const e = err as FastifyError & { statusCode?: number };
  const mapped = e.code ? FASTIFY_CODES[e.code] : undefined;
  if (mapped === 'VIGIL_PAYLOAD_TOO_LARGE') return new VigilError(mapped, [request.routeOptions.bodyLimit ?? '?'], { cause: err });
  if (mapped === 'VIGIL_UNSUPPORTED_MEDIA_TYPE') return new VigilError(mapped, [JSON.stringify(request.headers['content-type'] ?? '')], { cause: err });
  if (mapped) return new VigilError(mapped, [validationMessage(e)], { cause: err });
  if (e.validation) return new VigilError('VIGIL_BAD_REQUEST', [validationMessage(e)], { cause: err });
  if (e.statusCode === 429) return new VigilError('VIGIL_RATE_LIMITED', [e.message.replace(/^.*retry in /i, '')], { cause: err });
  if (e instanceof SyntaxError || e.statusCode === 400) return new VigilError('VIGIL_BAD_REQUEST', [e.message], { cause: err });
  if (e.statusCode === 413) return new VigilError('VIGIL_PAYLOAD_TOO_LARGE', [request.routeOptions.bodyLimit ?? '?'], { cause: err });
  if (e.statusCode === 415) return new VigilError('VIGIL_UNSUPPORTED_MEDIA_TYPE', [JSON.stringify(request.headers['content-type'] ?? '')], { cause: err });
  // The static file server (docs assets) refuses a path leaving its folder (`/docs/static/../x`) with 403: nothing is there.
  if (e.statusCode === 403 || e.statusCode === 404) return new VigilError('VIGIL_NOT_FOUND', [`route ${request.method} ${request.url.split('?')[0]}`], { cause: err });
  request.log.error({ err }, 'unhandled error');
  return new VigilError('VIGIL_INTERNAL', [request.id], { cause: err });
}

/**
 * Fastify's `frameworkErrors` option: errors the router raises before a route is found (a path
 * parameter over `maxParamLength`, a malformed percent-encoding) would otherwise be answered by
 * Fastify itself, outside the error table.
 */
export function frameworkErrors(err: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  return send(reply, request, toVigilError(err, request));
}

/** Installs the error and not-found handlers on the root instance. */
export function installErrorHandlers(app: FastifyInstance): void {
  app.setErrorHandler((err, request, reply) => send(reply, request, toVigilError(err, request)));
  app.setNotFoundHandler((request, reply) => send(reply, request, new VigilError('VIGIL_NOT_FOUND', [`route ${request.method} ${request.url.split('?')[0]}`])));
}
