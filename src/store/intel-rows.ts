/**
 * The back-end-neutral half of the intel store (`Stores.intel`): rows of sources and documents as
 * both schemas hold them (migration 10 'intel'), and {@link planIntelSave}, which decides what a
 * batch of documents writes (created / changed / unchanged, story clusters, history) from what is
 * stored. The SQL lives beside each back end (sqlite/intel.ts, postgres/intel.ts).
 */
import { hammingDistance, simhashBands } from '../intel/dedupe/simhash.ts';
import {
  type IntelChange,
  type IntelDocument,
  type IntelSaveResult,
  type IntelSource,
  type IntelSummary,
  NEAR_DUPLICATE_BITS,
  type PageSelectors,
  type StoredIntelDocument,
} from '../intel/types.ts';

/** Largest page of a document list (`listDocuments`); the default is {@link DEFAULT_INTEL_LIMIT}. */
export const MAX_INTEL_LIMIT = 500;
export const DEFAULT_INTEL_LIMIT = 50;

/** The page size of a query: default 50, 1 to 500. */
export function intelLimit(limit: number | undefined): number {
  return Math.min(Math.max(1, Math.trunc(limit ?? DEFAULT_INTEL_LIMIT)), MAX_INTEL_LIMIT);
}

/** A row of `intel_sources`: JSON fields as text, `enabled` 0/1. */
export interface IntelSourceRow {
  name: string;
  kind: string;
  url: string;
  enabled: number;
  interval_seconds: number;
  proxy: string;
  headers: string;
  min_delay_seconds: number | null;
  robots: string;
  fetch_articles: string;
  selectors: string;
  follow: string | null;
  max_pages: number;
  max_depth: number;
  min_content_length: number;
  tags: string;
  created_at: string;
  updated_at: string;
}

/** The columns of `intel_sources`, in the order of {@link IntelSourceRow}. */
export const INTEL_SOURCE_COLUMNS = [
  'name',
  'kind',
  'url',
  'enabled',
  'interval_seconds',
  'proxy',
  'headers',
  'min_delay_seconds',
  'robots',
  'fetch_articles',
  'selectors',
  'follow',
  'max_pages',
  'max_depth',
  'min_content_length',
  'tags',
  'created_at',
  'updated_at',
] as const satisfies readonly (keyof IntelSourceRow)[];

/** A source as its row. */
export function toSourceRow(s: IntelSource): IntelSourceRow {
  return {
    name: s.name,
    kind: s.kind,
    url: s.url,
    enabled: s.enabled ? 1 : 0,
    interval_seconds: s.intervalSeconds,
    proxy: s.proxy,
    headers: JSON.stringify(s.headers),
    min_delay_seconds: s.minDelaySeconds,
    robots: s.robots,
    fetch_articles: s.fetchArticles,
    selectors: JSON.stringify(s.selectors),
    follow: s.follow,
    max_pages: s.maxPages,
    max_depth: s.maxDepth,
    min_content_length: s.minContentLength,
    tags: JSON.stringify(s.tags),
    created_at: s.createdAt,
    updated_at: s.updatedAt,
  };
}

/** A row as a source. */
export function fromSourceRow(r: IntelSourceRow): IntelSource {
  return {
    name: r.name,
    kind: r.kind as IntelSource['kind'],
    url: r.url,
    enabled: Number(r.enabled) === 1,
    intervalSeconds: Number(r.interval_seconds),
    proxy: r.proxy,
    headers: JSON.parse(r.headers) as Record<string, string>,
    minDelaySeconds: r.min_delay_seconds === null ? null : Number(r.min_delay_seconds),
    robots: r.robots as IntelSource['robots'],
    fetchArticles: r.fetch_articles as IntelSource['fetchArticles'],
    selectors: JSON.parse(r.selectors) as PageSelectors,
    follow: r.follow,
    maxPages: Number(r.max_pages),
    maxDepth: Number(r.max_depth),
    minContentLength: Number(r.min_content_length),
    tags: JSON.parse(r.tags) as string[],
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

/** A row of `intel_documents` (without the PostgreSQL `fts` column). */
export interface IntelDocumentRow {
  id: string;
  source: string;
  url: string;
  canonical_url: string;
  title: string;
  author: string | null;
  published: string | null;
  fetched_at: string;
  language: string | null;
  text: string;
  summary: string | null;
  content_hash: string;
  simhash: string;
  tags: string;
  cves: string;
  cluster: string;
  first_seen: string;
  band0: number;
  band1: number;
  band2: number;
  band3: number;
}

/** The columns of `intel_documents` a write sets, in the order of {@link IntelDocumentRow}. */
export const INTEL_DOCUMENT_COLUMNS = [
  'id',
  'source',
  'url',
  'canonical_url',
  'title',
  'author',
  'published',
  'fetched_at',
  'language',
  'text',
  'summary',
  'content_hash',
  'simhash',
  'tags',
  'cves',
  'cluster',
  'first_seen',
  'band0',
  'band1',
  'band2',
  'band3',
] as const satisfies readonly (keyof IntelDocumentRow)[];

/** A document as its row, with the cluster and first-seen date the batch gave it. */
function toDocumentRow(d: IntelDocument, source: string, cluster: string, firstSeen: string): IntelDocumentRow {
  const [band0, band1, band2, band3] = simhashBands(d.simhash);
  return {
    id: d.id,
    source,
    url: d.url,
    canonical_url: d.canonicalUrl,
    title: d.title,
    author: d.author,
    published: d.published,
    fetched_at: d.fetchedAt,
    language: d.language,
    text: d.text,
    summary: d.summary,
    content_hash: d.contentHash,
    simhash: d.simhash,
    tags: JSON.stringify(d.tags),
    cves: JSON.stringify(d.cves),
    cluster,
    first_seen: firstSeen,
    band0,
    band1,
    band2,
    band3,
  };
}

/** The list columns of `intel_documents` (alias `d`) and the size of each one's cluster. */
export const INTEL_SUMMARY_COLUMNS = `d.id, d.source, d.url, d.title, d.published, d.fetched_at, d.language, d.summary, d.cves, d.tags, d.cluster,
  (SELECT count(*) FROM intel_documents c WHERE c.cluster = d.cluster) AS cluster_size`;

/** A row of {@link INTEL_SUMMARY_COLUMNS}. */
export interface IntelSummaryRow {
  id: string;
  source: string;
  url: string;
  title: string;
  published: string | null;
  fetched_at: string;
  language: string | null;
  summary: string | null;
  cves: string;
  tags: string;
  cluster: string;
  cluster_size: number;
}

/** A list row as a summary. */
export function toSummary(r: IntelSummaryRow): IntelSummary {
  return {
    id: r.id,
    source: r.source,
    url: r.url,
    title: r.title,
    published: r.published,
    fetchedAt: r.fetched_at,
    language: r.language,
    summary: r.summary,
    cves: JSON.parse(r.cves) as string[],
    tags: JSON.parse(r.tags) as string[],
    cluster: r.cluster,
    clusterSize: Number(r.cluster_size),
  };
}

/** What is stored of a document the batch names (read before planning). */
export interface StoredIntelState {
  id: string;
  source: string;
  contentHash: string;
  firstSeen: string;
  cluster: string;
}

/** A stored document sharing a SimHash band with a document of the batch. */
export interface ClusterCandidate {
  id: string;
  simhash: string;
  cluster: string;
  firstSeen: string;
}

/** What one batch writes. */
export interface IntelSavePlan {
  result: IntelSaveResult;
  /** Final rows, one per id written (the last version of an id given twice), new ones flagged. */
  rows: { row: IntelDocumentRow; created: boolean }[];
  /** History rows, in batch order (the same as `result.changes`). */
  history: IntelChange[];
}

/**
 * The four bands of every document of a batch, for the candidate look-up. Only documents whose id
 * is not stored need candidates (a stored one keeps its cluster): pass those.
 */
export function batchBands(documents: IntelDocument[]): [number[], number[], number[], number[]] {
  const out: [number[], number[], number[], number[]] = [[], [], [], []];
  for (const d of documents) {
    const [a, b, c, e] = simhashBands(d.simhash);
    out[0].push(a);
    out[1].push(b);
    out[2].push(c);
    out[3].push(e);
  }
  return out;
}

/**
 * Decides what saving `documents` (in order) writes, given the stored state of their ids and the
 * stored documents sharing a band with any of them (`candidates`):
 * - same `contentHash` as stored (or as earlier in the batch) → unchanged, nothing written;
 * - stored with another hash → changed: `firstSeen`, `source` and `cluster` kept, history `changed`;
 * - new → history `created`, and the cluster of the oldest document (by first seen, then id),
 *   stored or earlier in the batch, whose SimHash is within {@link NEAR_DUPLICATE_BITS} bits; else its own id.
 * History rows are `at` the document's `fetchedAt`.
 * @param now ISO 8601: `firstSeen` of new documents.
 */
export function planIntelSave(
  documents: IntelDocument[],
  stored: Iterable<StoredIntelState>,
  candidates: Iterable<ClusterCandidate>,
  now: string,
): IntelSavePlan {
  const result: IntelSaveResult = { created: 0, changed: 0, unchanged: 0, changes: [] };
  const current = new Map<string, StoredIntelState>();
  for (const s of stored) current.set(s.id, s);
  const pool = new BandPool();
  for (const c of candidates) pool.set(c);
  const written = new Map<string, { row: IntelDocumentRow; created: boolean }>();
  for (const d of documents) {
    const s = current.get(d.id);
    if (s?.contentHash === d.contentHash) {
      result.unchanged++;
      continue;
    }
    const state: StoredIntelState = s
      ? { ...s, contentHash: d.contentHash }
      : { id: d.id, source: d.source, contentHash: d.contentHash, firstSeen: now, cluster: nearestCluster(d, pool) };
    const change: IntelChange = {
      documentId: d.id,
      at: d.fetchedAt,
      kind: s ? 'changed' : 'created',
      previousHash: s ? s.contentHash : null,
      contentHash: d.contentHash,
      title: d.title,
    };
    if (s) result.changed++;
    else result.created++;
    result.changes.push({ ...change, cluster: state.cluster });
    current.set(d.id, state);
    pool.set({ id: d.id, simhash: d.simhash, cluster: state.cluster, firstSeen: state.firstSeen });
    // Created in this batch and changed later in it: still an insert.
    const created = !s || written.get(d.id)?.created === true;
    written.set(d.id, { row: toDocumentRow(d, state.source, state.cluster, state.firstSeen), created });
  }
  return { result, rows: [...written.values()], history: result.changes.map(({ cluster: _, ...c }) => c) };
}

/**
 * Cluster candidates indexed by SimHash band: two hashes within {@link NEAR_DUPLICATE_BITS} (3) bits
 * differ in at most 3 of the 4 bands, so they share one (Manku et al. 2007 §3), and only the
 * candidates sharing a band with a document need their distance computed. A large story cluster
 * (a republished article) made every document of a batch compare with every candidate.
 */
class BandPool {
  private readonly byId = new Map<string, ClusterCandidate>();
  private readonly bands = [new Map<number, Set<string>>(), new Map<number, Set<string>>(), new Map<number, Set<string>>(), new Map<number, Set<string>>()];

  /** Adds `c`, replacing the entry of its id. */
  set(c: ClusterCandidate): void {
    const old = this.byId.get(c.id);
    const oldKeys = old ? simhashBands(old.simhash) : null;
    const keys = simhashBands(c.simhash);
    this.byId.set(c.id, c);
    for (let b = 0; b < 4; b++) {
      const band = this.bands[b] as Map<number, Set<string>>;
      if (oldKeys) band.get(oldKeys[b] as number)?.delete(c.id);
      const ids = band.get(keys[b] as number);
      if (ids) ids.add(c.id);
      else band.set(keys[b] as number, new Set([c.id]));
    }
  }

  /** Entries sharing at least one band with `hash`, each once. */
  *sharingBand(hash: string): Generator<ClusterCandidate> {
    const seen = new Set<string>();
    const keys = simhashBands(hash);
    for (let b = 0; b < 4; b++) {
      for (const id of this.bands[b]?.get(keys[b] as number) ?? []) {
        if (seen.has(id)) continue;
        seen.add(id);
        const c = this.byId.get(id);
        if (c) yield c;
      }
    }
  }
}

/** The cluster of the oldest document of `pool` near `d` (by first seen, then id), else `d`'s own id. */
function nearestCluster(d: IntelDocument, pool: BandPool): string {
  let best: ClusterCandidate | null = null;
  for (const c of pool.sharingBand(d.simhash)) {
    if (c.id === d.id || hammingDistance(c.simhash, d.simhash) > NEAR_DUPLICATE_BITS) continue;
    if (!best || c.firstSeen < best.firstSeen || (c.firstSeen === best.firstSeen && c.id < best.id)) best = c;
  }
  return best ? best.cluster : d.id;
}

/** A stored row with its cluster size and history, as {@link IntelStore.getDocument} returns it. */
export function toStoredDocument(row: IntelDocumentRow, clusterSize: number, history: IntelChange[]): StoredIntelDocument {
  return {
    id: row.id,
    source: row.source,
    url: row.url,
    canonicalUrl: row.canonical_url,
    title: row.title,
    author: row.author,
    published: row.published,
    fetchedAt: row.fetched_at,
    language: row.language,
    text: row.text,
    summary: row.summary,
    contentHash: row.content_hash,
    simhash: row.simhash,
    tags: JSON.parse(row.tags) as string[],
    cves: JSON.parse(row.cves) as string[],
    cluster: row.cluster,
    clusterSize: Number(clusterSize),
    firstSeen: row.first_seen,
    history,
  };
}
