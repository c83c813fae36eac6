/**
 * Request validation: JSON Schema (draft 7, Ajv 8) for every route part. Query strings, path
 * parameters and headers arrive as text, so their values are coerced to the schema's types
 * (`?limit=20` → 20); JSON bodies are not: `{"limit":"20"}` or `{"body":["x"]}` is a wrong type
 * and answers 400, never a silently converted value. Both apply schema defaults and the formats
 * of ajv-formats (email, uuid, date-time…), and know the shared schemas (schemas.ts) by `$id`.
 */
import { Ajv, type Options } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';
import { sharedSchemas } from './schemas.ts';

function ajv(options: Options): Ajv {
  const a = new Ajv({ removeAdditional: false, useDefaults: true, allErrors: false, strict: false, ...options });
  addFormats.default(a);
  for (const s of sharedSchemas) a.addSchema(s);
  return a;
}

/** Fastify's validator compiler: strict types for bodies, coerced ones for the other parts. */
export function validatorCompiler(): FastifySchemaCompiler<unknown> {
  const body = ajv({ coerceTypes: false });
  const text = ajv({ coerceTypes: 'array' });
  return ({ schema, httpPart }) => (httpPart === 'body' ? body : text).compile(schema as object);
}
