/**
 * JSON Schemas of the threat-intel routes (routes/intel.ts): sources, documents, their pages and
 * collection reports. Registered once beside the shared schemas (app.ts), so the OpenAPI document
 * lists them as components; fields and units are those of src/intel/types.ts.
 */
import { nullable } from '../schemas.ts';

/** An intel source name (`bleepingcomputer`): as intel/sources/schema.ts accepts it. */
export const INTEL_SOURCE_NAME_PATTERN = '^[a-z0-9][a-z0-9._-]{0,63}$';
/** An intel document id: `intel-` + 20 hex digits of SHA-256(canonicalUrl). */
export const INTEL_ID_PATTERN = '^intel-[0-9a-f]{20}$';

const strings = { type: 'array', items: { type: 'string' } } as const;

const selectors = {
  type: 'object',
  additionalProperties: false,
  description: 'page sources: CSS selectors (cheerio syntax); readability fills what is missing',
  properties: {
    title: { type: 'string', maxLength: 1000, description: "the article's title (text of the first match)" },
    content: { type: 'string', maxLength: 1000, description: "the article's main content (text of every match, in order)" },
    date: { type: 'string', maxLength: 1000, description: 'the publication date (`datetime` attribute, else the text)' },
    links: { type: 'string', maxLength: 1000, description: 'links to follow from a list page (default every `a[href]`)' },
  },
} as const;

/** The fields an analyst gives (bodies of POST, PATCH and test); values are checked by intel/sources/schema.ts. */
export const sourceInputProperties = {
  name: { type: 'string', pattern: INTEL_SOURCE_NAME_PATTERN, description: 'unique: 1-64 lowercase letters, digits, `.`, `_`, `-`' },
  kind: { type: 'string', enum: ['feed', 'page'], description: '`feed`: RSS 2.0 / Atom / RDF / JSON Feed; `page`: HTML pages read with CSS selectors' },
  url: {
    type: 'string',
    maxLength: 2048,
    description: 'the feed, or the first page; http(s) only, checked by the SSRF guard (intel.allowHosts lifts it per host)',
  },
  enabled: { type: 'boolean', description: 'collected by the daemon (default true)' },
  intervalSeconds: { type: 'integer', description: 'seconds between two collections by the daemon (default 3600, 300 to 604800)' },
  proxy: { type: 'string', maxLength: 300, description: '`none` (default), `tor` (intel.torProxy), or `socks5h://host:port` / `socks5://host:port`' },
  headers: { type: 'object', additionalProperties: { type: 'string' }, description: 'extra request headers (a cookie, an API key); User-Agent cannot be set' },
  minDelaySeconds: { type: ['number', 'null'], description: 'minimum delay between two requests to one host, seconds (null: intel.minDelaySeconds)' },
  robots: { type: 'string', enum: ['obey', 'ignore'], description: 'whether robots.txt is honoured (default obey)' },
  fetchArticles: {
    type: 'string',
    enum: ['auto', 'always', 'never'],
    description: 'feed sources: when item pages are fetched for the main text (default auto: when the feed holds only a summary)',
  },
  selectors,
  follow: { type: ['string', 'null'], maxLength: 1000, description: 'page sources: RE2 regular expression an absolute link must match to be followed' },
  maxPages: { type: 'integer', description: 'page sources: pages fetched per collection (default 20, at most 500)' },
  maxDepth: { type: 'integer', description: 'page sources: link depth from `url` (default 1, at most 5)' },
  minContentLength: { type: 'integer', description: 'documents whose main text is shorter are skipped; characters (default 200)' },
  tags: { type: 'array', items: { type: 'string' }, maxItems: 20, description: 'labels given to every document of the source (news, cert, vendor, darkweb)' },
} as const;

const sourceProperties = {
  ...sourceInputProperties,
  name: { type: 'string' },
  url: { type: 'string' },
  selectors: { ...selectors, additionalProperties: true },
  createdAt: { type: 'string', format: 'date-time' },
  updatedAt: { type: 'string', format: 'date-time' },
} as const;

const sourceRequired = [
  'name',
  'kind',
  'url',
  'enabled',
  'intervalSeconds',
  'proxy',
  'headers',
  'minDelaySeconds',
  'robots',
  'fetchArticles',
  'selectors',
  'follow',
  'maxPages',
  'maxDepth',
  'minContentLength',
  'tags',
  'createdAt',
  'updatedAt',
];

export const IntelSource = {
  $id: 'IntelSource',
  type: 'object',
  description: 'A threat-intel source an analyst defined (src/intel/types.ts IntelSource).',
  required: sourceRequired,
  properties: sourceProperties,
} as const;

export const IntelSourceStatus = {
  $id: 'IntelSourceStatus',
  type: 'object',
  description: 'A source with its documents and last collection (source state `intel:<name>`).',
  required: [...sourceRequired, 'documents', 'lastFetched', 'lastAttempt', 'lastSuccess', 'lastError'],
  properties: {
    ...sourceProperties,
    documents: { type: 'integer', description: 'documents stored from this source' },
    lastFetched: { ...nullable('string'), description: 'fetch time of its newest stored document' },
    lastAttempt: { ...nullable('string'), description: 'when its last collection started' },
    lastSuccess: { ...nullable('string'), description: 'when its last successful collection started' },
    lastError: { ...nullable('string'), description: 'why its last collection failed, or how many items failed' },
  },
} as const;

const summaryProperties = {
  id: { type: 'string', description: '`intel-` + 20 hex digits of SHA-256(canonicalUrl)' },
  source: { type: 'string', description: 'the source that first stored it' },
  url: { type: 'string' },
  title: { type: 'string' },
  published: { ...nullable('string'), description: 'when the source says it was published' },
  fetchedAt: { type: 'string' },
  language: { ...nullable('string'), description: 'ISO 639-1 code, null when the text is too short to tell' },
  summary: { ...nullable('string'), description: "at most 500 characters: the feed's summary, else the text's opening" },
  cves: { ...strings, description: 'CVE ids named in the title or text' },
  tags: strings,
} as const;

export const IntelSummary = {
  $id: 'IntelSummary',
  type: 'object',
  description: 'A collected document in a list: no text (src/intel/types.ts IntelSummary).',
  additionalProperties: false,
  required: ['id', 'source', 'url', 'title', 'published', 'fetchedAt', 'language', 'summary', 'cves', 'tags', 'cluster', 'clusterSize'],
  properties: {
    ...summaryProperties,
    cluster: { type: 'string', description: "id of the story cluster's first document" },
    clusterSize: { type: 'integer', description: 'documents in that cluster (1: no near-duplicate known)' },
  },
} as const;

export const IntelPage = {
  $id: 'IntelPage',
  type: 'object',
  required: ['items', 'nextCursor', 'total'],
  properties: {
    items: { type: 'array', items: { $ref: 'IntelSummary#' } },
    nextCursor: nullable('string'),
    total: { type: 'integer', description: 'documents matching the filters, over every page' },
  },
} as const;

const documentProperties = {
  ...summaryProperties,
  canonicalUrl: { type: 'string', description: '`<link rel=canonical>` when same-site, else `url`; tracking parameters removed' },
  author: nullable('string'),
  text: { type: 'string', description: 'main text: boilerplate removed, paragraphs separated by a blank line' },
  contentHash: { type: 'string', description: 'SHA-256 hex of the normalised title and text' },
  simhash: { type: 'string', description: '64-bit SimHash of the word 3-shingles, 16 hex digits' },
} as const;
const documentRequired = [
  'id',
  'source',
  'url',
  'canonicalUrl',
  'title',
  'author',
  'published',
  'fetchedAt',
  'language',
  'text',
  'summary',
  'contentHash',
  'simhash',
  'tags',
  'cves',
];

export const IntelDocument = {
  $id: 'IntelDocument',
  type: 'object',
  description: 'A stored document with its story cluster and content history (src/intel/types.ts StoredIntelDocument).',
  additionalProperties: false,
  required: [...documentRequired, 'cluster', 'clusterSize', 'firstSeen', 'history', 'analysis', 'analysed'],
  properties: {
    ...documentProperties,
    analysis: {
      description: 'the analysis of title and text made when the document arrived (offsets index title + blank line + text), null until analysed',
      anyOf: [{ type: 'null' }, { $ref: 'AnalysisResult#' }],
    },
    analysed: { ...nullable('string'), description: 'when it was analysed (ISO 8601)' },
    cluster: { type: 'string' },
    clusterSize: { type: 'integer' },
    firstSeen: { type: 'string' },
    history: {
      type: 'array',
      description: 'content changes, oldest first',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['documentId', 'at', 'kind', 'previousHash', 'contentHash', 'title'],
        properties: {
          documentId: { type: 'string' },
          at: { type: 'string' },
          kind: { type: 'string', enum: ['created', 'changed'] },
          previousHash: nullable('string'),
          contentHash: { type: 'string' },
          title: { type: 'string' },
        },
      },
    },
  },
} as const;

const reportProperties = {
  source: { type: 'string' },
  requests: { type: 'integer', description: 'HTTP requests made (robots.txt not counted)' },
  notModified: { type: 'integer', description: 'conditional GETs answered 304' },
  documents: { type: 'integer', description: 'documents extracted (stored, or previewed)' },
  created: { type: 'integer' },
  changed: { type: 'integer' },
  unchanged: { type: 'integer' },
  skipped: {
    type: 'array',
    description: 'items or pages left out on purpose (too short, robots.txt, no link, already fetched)',
    items: { type: 'object', required: ['url', 'reason'], properties: { url: { type: 'string' }, reason: { type: 'string' } } },
  },
  errors: {
    type: 'array',
    description: 'items or pages that failed; the others went on',
    items: {
      type: 'object',
      required: ['url', 'code', 'message'],
      properties: { url: { type: 'string' }, code: { type: 'string' }, message: { type: 'string' } },
    },
  },
} as const;
const reportRequired = ['source', 'requests', 'notModified', 'documents', 'created', 'changed', 'unchanged', 'skipped', 'errors'];

export const IntelCollectReport = {
  $id: 'IntelCollectReport',
  type: 'object',
  description: 'What one collection did (src/intel/collect.ts CollectReport).',
  required: reportRequired,
  properties: reportProperties,
} as const;

/** How much of each previewed document's text a test answer carries (characters). */
export const PREVIEW_TEXT_CHARS = 2000;

export const IntelTestReport = {
  $id: 'IntelTestReport',
  type: 'object',
  description: 'A test fetch: what a collection would store, nothing stored.',
  required: [...reportRequired, 'preview'],
  properties: {
    ...reportProperties,
    preview: {
      type: 'array',
      description: `the documents that would be stored; text cut to its first ${PREVIEW_TEXT_CHARS} characters`,
      items: {
        type: 'object',
        additionalProperties: false,
        required: [...documentRequired, 'textLength'],
        properties: { ...documentProperties, textLength: { type: 'integer', description: 'characters of the whole main text' } },
      },
    },
  },
} as const;

export const IntelCollectOutcome = {
  $id: 'IntelCollectOutcome',
  type: 'object',
  description: 'One source collected now: its report, or the error that stopped it (also kept as its lastError).',
  required: ['source', 'report', 'error'],
  properties: {
    source: { type: 'string' },
    report: { type: ['object', 'null'], required: reportRequired, properties: reportProperties },
    error: {
      type: ['object', 'null'],
      required: ['code', 'message'],
      properties: { code: { type: 'string' }, message: { type: 'string' } },
    },
  },
} as const;

/** The `intel` block of `GET /api/v1/search` (not a component: inlined where used). */
export const searchIntelBlock = {
  type: 'object',
  description: 'collected intel documents matching the same words (title and text), newest first',
  required: ['items', 'total'],
  properties: { items: { type: 'array', items: { $ref: 'IntelSummary#' } }, total: { type: 'integer' } },
} as const;

/** The intel schemas, in registration order. */
export const intelSchemas = [IntelSource, IntelSourceStatus, IntelSummary, IntelPage, IntelDocument, IntelCollectReport, IntelTestReport, IntelCollectOutcome];
