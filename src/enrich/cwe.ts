/**
 * CWE names from the MITRE CWE catalog shipped by the npm package cwe-sdk
 * (`raw/cwe-archive.json`: the CWE XML parsed with fast-xml-parser, attributes under `attr` with an
 * `@_` prefix). That file holds weaknesses, categories and views; old NVD data often names
 * categories (CWE-264, CWE-399, CWE-16…), which `raw/cwe-dictionary.json` (weaknesses only) lacks.
 * The catalog (≈10 MB) is read once, on first look-up.
 * Catalog: https://cwe.mitre.org/data/ (XML schema https://cwe.mitre.org/data/xsd/cwe_schema_v7.2.xsd).
 */
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { z } from 'zod';

const packageDir = path.dirname(createRequire(import.meta.url).resolve('cwe-sdk/package.json'));
const archiveJson = path.join(packageDir, 'raw', 'cwe-archive.json');
const archiveXml = path.join(packageDir, 'raw', 'cwe-archive.xml');

/** What kind of CWE entry an id names. */
export type CweKind = 'weakness' | 'category' | 'view';

/** One catalog entry. */
export interface CweEntry {
  /** `CWE-79` */
  id: string;
  name: string;
  kind: CweKind;
  /** CWE status: Stable, Draft, Incomplete, Deprecated, Obsolete, Usable. */
  status: string;
}

/** Read from the head of `raw/cwe-archive.xml` (`<Weakness_Catalog … Version="4.15" …>`), cheap at import. */
function readCatalogVersion(): string {
  const fd = openSync(archiveXml, 'r');
  try {
    const head = Buffer.alloc(1024);
    const n = readSync(fd, head, 0, head.length, 0);
    const m = /<Weakness_Catalog\b[^>]*\bVersion="([^"]+)"/.exec(head.subarray(0, n).toString('utf8'));
    if (!m?.[1]) throw new Error(`no Weakness_Catalog Version attribute at the start of ${archiveXml}`);
    return m[1];
  } finally {
    closeSync(fd);
  }
}

/** Version of the CWE catalog Vigil names weaknesses from, e.g. `4.15`. */
export const cweCatalogVersion: string = readCatalogVersion();

const EntryAttributes = z.object({ attr: z.object({ '@_ID': z.string().regex(/^\d+$/), '@_Name': z.string().min(1), '@_Status': z.string() }) });
/** fast-xml-parser gives a single element as an object, several as an array. */
const EntryList = z.union([z.array(EntryAttributes), EntryAttributes]).transform((v) => (Array.isArray(v) ? v : [v]));
const CweArchive = z.object({
  Weakness_Catalog: z.object({
    attr: z.object({ '@_Version': z.string() }),
    Weaknesses: z.object({ Weakness: EntryList }),
    Categories: z.object({ Category: EntryList }),
    Views: z.object({ View: EntryList }),
  }),
});

let catalog: Map<string, CweEntry> | undefined;

function load(): Map<string, CweEntry> {
  if (catalog) return catalog;
  const parsed = CweArchive.safeParse(JSON.parse(readFileSync(archiveJson, 'utf8')));
  if (!parsed.success) throw new Error(`${archiveJson} is not the CWE catalog cwe-sdk used to ship: ${parsed.error.message}`);
  const { Weaknesses, Categories, Views, attr } = parsed.data.Weakness_Catalog;
  if (attr['@_Version'] !== cweCatalogVersion) {
    throw new Error(`cwe-sdk catalog mismatch: ${archiveJson} is CWE ${attr['@_Version']}, ${archiveXml} is ${cweCatalogVersion}`);
  }
  const entries = new Map<string, CweEntry>();
  const add = (list: z.infer<typeof EntryList>, kind: CweKind): void => {
    for (const { attr: a } of list) entries.set(a['@_ID'], Object.freeze({ id: `CWE-${a['@_ID']}`, name: a['@_Name'], kind, status: a['@_Status'] }));
  };
  add(Weaknesses.Weakness, 'weakness');
  add(Categories.Category, 'category');
  add(Views.View, 'view');
  catalog = entries;
  return entries;
}

/** The numeric part of `CWE-79`, `cwe-79` or `79`; `undefined` for anything else (`NVD-CWE-noinfo`). */
function numericId(id: string): string | undefined {
  return /^(?:CWE-)?(\d+)$/i.exec(id.trim())?.[1]?.replace(/^0+(?=\d)/, '');
}

/**
 * The catalog entry for a CWE id (weakness, category or view).
 * @param id `CWE-79` or `79`.
 * @returns the entry, or `undefined` for an unknown id or NVD's placeholders (`NVD-CWE-noinfo`, `NVD-CWE-Other`).
 */
export function cweEntry(id: string): CweEntry | undefined {
  const n = numericId(id);
  return n === undefined ? undefined : load().get(n);
}

/**
 * The name of a CWE entry, as MITRE's catalog ({@link cweCatalogVersion}) gives it.
 * @param id `CWE-79` or `79`.
 * @returns the name, or `undefined` for an unknown id or NVD's placeholders.
 * @example cweName('CWE-79') // "Improper Neutralization of Input During Web Page Generation ('Cross-site Scripting')"
 */
export function cweName(id: string): string | undefined {
  return cweEntry(id)?.name;
}
