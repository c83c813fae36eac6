/**
 * Index names and composable index templates of the four kinds Vigil indexes into Elasticsearch
 * 8/9 or OpenSearch 2 (issue 15, docs/elasticsearch.md): CVEs, advisories, intel documents and
 * IOCs. One template per kind (`PUT _index_template/<prefix>-<kind>`, Elasticsearch
 * https://www.elastic.co/guide/en/elasticsearch/reference/current/index-templates.html, OpenSearch
 * https://opensearch.org/docs/latest/im-plugin/index-templates/), whose `index_patterns` match the
 * index `<prefix>-<kind>` (and `<prefix>-<kind>-*`, for a reindex into a dated copy). The same JSON
 * body is valid on both engines.
 *
 * Field names are the documents' (./documents.ts), camelCase. Dates are ISO 8601 strings (UTC) or
 * `YYYY-MM-DD`, which the default `date` format (`strict_date_optional_time||epoch_millis`) parses.
 * `dynamic: false`: a field a future builder adds without mapping it is kept in `_source` but not
 * indexed (a document is never rejected for it); the tests check that every built field is mapped.
 */

/** The four kinds of documents, in indexing order. */
export const SEARCH_KINDS = ['cves', 'advisories', 'intel', 'iocs'] as const;

/** One kind of indexed document. */
export type SearchKind = (typeof SEARCH_KINDS)[number];

/** Version of the mappings below, in each template's `_meta` (bump on any mapping change). */
export const MAPPING_VERSION = 1;

/** An Elasticsearch field mapping (the subset used here). */
export interface FieldMapping {
  type: 'keyword' | 'text' | 'float' | 'integer' | 'boolean' | 'date' | 'object';
  properties?: Record<string, FieldMapping>;
  fields?: Record<string, { type: 'keyword'; ignore_above: number }>;
  index?: boolean;
  ignore_above?: number;
}

/** The mappings of one index. */
export interface IndexMappings {
  dynamic: false;
  properties: Record<string, FieldMapping>;
}

/** A composable index template body (`PUT _index_template/{name}`). */
export interface IndexTemplate {
  index_patterns: string[];
  priority: number;
  template: { settings: Record<string, unknown>; mappings: IndexMappings };
  _meta: { managed_by: 'vigil'; kind: SearchKind; version: number };
}

const keyword: FieldMapping = { type: 'keyword', ignore_above: 1024 };
/** Full text, plus a `.keyword` sub-field for exact terms and aggregations (titles). */
const text: FieldMapping = { type: 'text', fields: { keyword: { type: 'keyword', ignore_above: 512 } } };
const body: FieldMapping = { type: 'text' };
const date: FieldMapping = { type: 'date' };
const float: FieldMapping = { type: 'float' };
const integer: FieldMapping = { type: 'integer' };
const boolean: FieldMapping = { type: 'boolean' };
/** Stored for display, not searchable (links). */
const stored: FieldMapping = { type: 'keyword', index: false };

/** Field mappings per kind. */
export const MAPPINGS: Record<SearchKind, IndexMappings> = {
  cves: {
    dynamic: false,
    properties: {
      id: keyword,
      title: text,
      description: body,
      vendors: keyword,
      products: keyword,
      versions: keyword,
      cvssScore: float,
      severity: keyword,
      cvssVersion: keyword,
      cwes: keyword,
      epss: float,
      epssPercentile: float,
      kev: boolean,
      kevDateAdded: date,
      exploits: integer,
      priority: float,
      published: date,
      lastModified: date,
      state: keyword,
      links: stored,
    },
  },
  advisories: {
    dynamic: false,
    properties: {
      id: keyword,
      source: keyword,
      kind: keyword,
      title: text,
      summary: body,
      details: body,
      published: date,
      modified: date,
      withdrawn: date,
      firstSeen: date,
      severity: keyword,
      cvssScore: float,
      cves: keyword,
      aliases: keyword,
      cwes: keyword,
      vendors: keyword,
      products: keyword,
      ecosystems: keyword,
      packages: keyword,
      purls: keyword,
      url: stored,
      tlp: keyword,
      exploit: {
        type: 'object',
        properties: { platform: keyword, type: keyword, author: keyword, verified: boolean, port: integer, tags: keyword },
      },
    },
  },
  intel: {
    dynamic: false,
    properties: {
      id: keyword,
      source: keyword,
      url: stored,
      canonicalUrl: keyword,
      title: text,
      author: keyword,
      date: date,
      published: date,
      fetchedAt: date,
      firstSeen: date,
      language: keyword,
      text: body,
      summary: body,
      tags: keyword,
      cves: keyword,
      cluster: keyword,
      clusterSize: integer,
    },
  },
  iocs: {
    dynamic: false,
    properties: {
      type: keyword,
      value: keyword,
      firstSeen: date,
      lastSeen: date,
      sightings: integer,
      sources: keyword,
      cves: keyword,
      warninglisted: boolean,
      warninglist: { type: 'object', properties: { list: keyword, name: keyword } },
      tlp: keyword,
    },
  },
};

/** The time field of each kind (Kibana data views, docs/kibana/). */
export const TIME_FIELDS: Record<SearchKind, string> = { cves: 'published', advisories: 'published', intel: 'date', iocs: 'lastSeen' };

/** `<prefix>-<kind>`: the index a kind is written to. */
export function indexName(prefix: string, kind: SearchKind): string {
  return `${prefix}-${kind}`;
}

/** The composable index template of one kind (its name is {@link indexName}). */
export function indexTemplate(prefix: string, kind: SearchKind): IndexTemplate {
  const name = indexName(prefix, kind);
  return {
    index_patterns: [name, `${name}-*`],
    // Above the engines' built-in templates (100), so ours wins for these names.
    priority: 200,
    template: { settings: { number_of_shards: 1 }, mappings: MAPPINGS[kind] },
    _meta: { managed_by: 'vigil', kind, version: MAPPING_VERSION },
  };
}

/** Parses a `--kinds` list (`cves,iocs`). @throws {Error} naming an unknown kind. */
export function parseKinds(list: string): SearchKind[] {
  const kinds = list
    .split(',')
    .map((k) => k.trim())
    .filter(Boolean);
  for (const k of kinds)
    if (!(SEARCH_KINDS as readonly string[]).includes(k)) throw new Error(`--kinds: unknown kind "${k}" (known: ${SEARCH_KINDS.join(', ')})`);
  if (kinds.length === 0) throw new Error(`--kinds: give at least one of ${SEARCH_KINDS.join(', ')}`);
  return SEARCH_KINDS.filter((k) => kinds.includes(k));
}
