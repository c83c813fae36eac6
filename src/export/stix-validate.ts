/**
 * Validates STIX 2.1 JSON against the official OASIS JSON schemas
 * (https://github.com/oasis-open/cti-stix2-json-schemas, draft 2020-12, `$ref`s relative to each
 * file's `$id`). Used by the tests and `vigil export stix --validate DIR`. The schemas are
 * non-normative: they catch structure errors (missing properties, bad ids/timestamps, vocabulary
 * violations), not every rule of the specification (a pattern's grammar is not checked).
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { domainToASCII } from 'node:url';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { VigilError } from '../errors.ts';

/** One schema violation: the JSON path inside the validated document and what is wrong. */
export interface StixProblem {
  path: string;
  message: string;
}

/** A compiled validator of STIX documents. */
export interface StixValidator {
  /** Problems of a bundle (or of a single object when `kind` names its schema file, `sdos/indicator.json`); empty when valid. */
  validate(document: unknown, kind?: string): StixProblem[];
}

const BUNDLE = 'common/bundle.json';

/** Every `*.json` under `dir`, relative paths with `/`. */
function jsonFiles(dir: string, prefix = ''): string[] {
  return readdirSync(path.join(dir, prefix), { withFileTypes: true }).flatMap((e) => {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) return jsonFiles(dir, rel);
    return e.name.endsWith('.json') ? [rel] : [];
  });
}

/**
 * Loads the schema folder (`schemas/` of cti-stix2-json-schemas: `common/`, `sdos/`, `sros/`, `observables/`).
 * @throws {VigilError} VIGIL_INPUT_UNREADABLE naming the file that cannot be read or parsed.
 */
export function loadStixValidator(schemaDir: string): StixValidator {
  // 2020-12 dialect, as the schemas declare. strict off: they carry keywords Ajv does not know (`title` in
  // allOf branches); unicodeRegExp off: their patterns use `\-`, an error under the `u` flag.
  const ajv = new Ajv2020({ strict: false, allErrors: true, unicodeRegExp: false });
  const addFormats = addFormatsModule as unknown as (a: Ajv2020) => void;
  addFormats(ajv);
  // ajv-formats has no idn-hostname (domain-name:value uses it): WHATWG's IDNA conversion decides.
  ajv.addFormat('idn-hostname', (s: string) => domainToASCII(s) !== '');
  const ids = new Map<string, string>();
  for (const rel of jsonFiles(schemaDir)) {
    const file = path.join(schemaDir, rel);
    let schema: { $id?: string };
    try {
      schema = JSON.parse(readFileSync(file, 'utf8')) as { $id?: string };
    } catch (cause) {
      throw new VigilError('VIGIL_INPUT_UNREADABLE', [file, cause instanceof Error ? cause.message : String(cause)], { cause });
    }
    if (!schema.$id) throw new VigilError('VIGIL_INPUT_UNREADABLE', [file, 'schema has no $id']);
    ajv.addSchema(schema);
    ids.set(rel, schema.$id);
  }
  const compiled = new Map<string, ValidateFunction>();
  return {
    validate(document, kind = BUNDLE) {
      const id = ids.get(kind);
      if (!id) throw new VigilError('VIGIL_BAD_REQUEST', [`no STIX schema ${kind} in ${schemaDir}`]);
      let fn = compiled.get(kind);
      if (!fn) {
        fn = ajv.getSchema(id);
        if (!fn) throw new VigilError('VIGIL_BAD_REQUEST', [`STIX schema ${id} did not compile`]);
        compiled.set(kind, fn);
      }
      return fn(document)
        ? []
        : (fn.errors ?? []).map((e: ErrorObject) => ({ path: e.instancePath || '/', message: `${e.message ?? 'invalid'} (${e.schemaPath})` }));
    },
  };
}
