/**
 * Search documents built from the stores (issue 15): one JSON document per CVE, advisory, intel
 * document and IOC, with the fields of ./mappings.ts, and its document id, the natural id so that
 * indexing the same thing again overwrites it (idempotent): the CVE id, the advisory id, the intel
 * document id, and for an IOC the SHA-256 of `<type>:<value>` (a URL may be longer than the 512
 * bytes an `_id` may hold). Read only through the Stores interfaces (store/index.ts).
 */
import { createHash } from 'node:crypto';
import { buildView } from '../analysis/view.ts';
import type { CveExportRow } from '../export/cve-types.ts';
import type { StoredIntelDocument } from '../intel/types.ts';
import type { StoredIoc } from '../iocs/types.ts';
import type { IocType } from '../nlp/types.ts';
import type { Stores } from '../store/index.ts';
import type { StoredAdvisory, StoredVulnerability } from '../store/types.ts';
import type { SearchKind } from './mappings.ts';

/** One document to index: its id and its `_source`. */
export interface SearchDoc {
  id: string;
  source: Record<string, unknown>;
}

/** Largest `_id` in bytes (Elasticsearch and OpenSearch). */
const MAX_ID_BYTES = 512;

/** A natural id as a document id; one longer than 512 bytes becomes its SHA-256 (hex). */
export function docId(natural: string): string {
  return Buffer.byteLength(natural) <= MAX_ID_BYTES ? natural : sha256(natural);
}

/** The document id of an IOC: SHA-256 (hex, 64 chars) of `<type>:<value>`. */
export function iocDocId(type: IocType | string, value: string): string {
  return sha256(`${type}:${value}`);
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

const uniq = (values: Iterable<string | undefined | null>): string[] => [...new Set([...values].filter((v): v is string => !!v))];

/** A CVE document from an export row (export/cve-types.ts) and the record's description. */
export function cveDoc(row: CveExportRow, description: string | null): SearchDoc {
  return {
    id: docId(row.id),
    source: {
      id: row.id,
      title: row.title,
      description,
      vendors: row.vendors,
      products: row.products,
      versions: row.versions,
      cvssScore: row.cvssScore,
      severity: row.severity,
      cvssVersion: row.cvssVersion,
      cwes: row.cwes,
      epss: row.epss,
      epssPercentile: row.epssPercentile,
      kev: row.kev,
      kevDateAdded: row.kevDateAdded,
      exploits: row.exploits,
      priority: row.priority,
      published: row.published,
      lastModified: row.lastModified,
      state: row.state,
      links: row.links,
    },
  };
}

/**
 * An export row made from a stored CVE (the record view), for stores whose `cveExport` is not
 * available: the same fields, with `versions` and `links` left empty.
 */
export function rowFromStored(stored: StoredVulnerability): { row: CveExportRow; description: string | null } {
  const v = buildView(stored);
  const primary = v.primaryCvss;
  return {
    row: {
      id: v.id,
      title: v.title ?? null,
      vendors: uniq(v.products.map((p) => p.vendor)),
      products: uniq(v.products.map((p) => p.product)),
      versions: [],
      cvssScore: primary?.baseScore ?? null,
      severity: v.severity ?? null,
      cvssVersion: primary?.version ?? null,
      cwes: uniq(v.cwes.map((c) => c.id)),
      epss: v.epss?.score ?? null,
      epssPercentile: v.epss?.percentile ?? null,
      kev: v.kev !== null && !!v.kev.dateAdded,
      kevDateAdded: v.kev?.dateAdded || null,
      exploits: stored.exploits ?? 0,
      priority: stored.priority,
      published: v.published ?? null,
      lastModified: stored.lastModified ?? v.lastModified,
      state: v.state,
      links: [],
    },
    description: v.description ?? null,
  };
}

/** An advisory document (model/advisory.ts), with the store's first-seen time. */
export function advisoryDoc(stored: StoredAdvisory): SearchDoc {
  const a = stored.advisory;
  const scores = (a.cvss ?? []).map((c) => c.score).filter((s): s is number => s !== null);
  return {
    id: docId(a.id),
    source: {
      id: a.id,
      source: a.source,
      kind: a.kind,
      title: a.title,
      summary: a.summary ?? null,
      details: a.details ?? null,
      published: a.published ?? null,
      modified: a.modified,
      withdrawn: a.withdrawn ?? null,
      firstSeen: stored.firstSeen,
      severity: a.severity ?? null,
      cvssScore: scores.length ? Math.max(...scores) : null,
      cves: uniq(a.cves.map((c) => c.id)),
      aliases: a.aliases,
      cwes: a.cwes ?? [],
      vendors: uniq(a.affected.map((x) => x.vendor)),
      products: uniq(a.affected.map((x) => x.product)),
      ecosystems: uniq(a.affected.map((x) => x.ecosystem)),
      packages: uniq(a.affected.map((x) => x.packageName)),
      purls: uniq(a.affected.map((x) => x.purl)),
      url: a.url ?? null,
      tlp: a.tlp ?? null,
      exploit: a.exploit
        ? {
            platform: a.exploit.platform,
            type: a.exploit.type,
            author: a.exploit.author,
            verified: a.exploit.verified,
            port: a.exploit.port ?? null,
            tags: a.exploit.tags,
          }
        : null,
    },
  };
}

/** An intel document; `date` is `published`, else `fetchedAt` (the data view's time field). */
export function intelDoc(d: StoredIntelDocument): SearchDoc {
  return {
    id: docId(d.id),
    source: {
      id: d.id,
      source: d.source,
      url: d.url,
      canonicalUrl: d.canonicalUrl,
      title: d.title,
      author: d.author,
      date: d.published ?? d.fetchedAt,
      published: d.published,
      fetchedAt: d.fetchedAt,
      firstSeen: d.firstSeen,
      language: d.language,
      text: d.text,
      summary: d.summary,
      tags: d.tags,
      cves: d.cves,
      cluster: d.cluster,
      clusterSize: d.clusterSize,
    },
  };
}

/** An IOC document. */
export function iocDoc(i: StoredIoc): SearchDoc {
  return {
    id: iocDocId(i.type, i.value),
    source: {
      type: i.type,
      value: i.value,
      firstSeen: i.firstSeen,
      lastSeen: i.lastSeen,
      sightings: i.sightings,
      sources: i.sources,
      cves: i.cves,
      warninglisted: i.warning !== null,
      warninglist: i.warning ? { list: i.warning.list, name: i.warning.name } : null,
      tlp: i.tlp,
    },
  };
}

/** Page size of the store reads below. */
const PAGE = 500;

/** Store reads in flight at once when building a batch (PostgreSQL: round trips overlap on the pool; SQLite answers in turn). */
const READS_IN_FLIGHT = 8;

/** `fn` over `items` with at most {@link READS_IN_FLIGHT} calls at once; results in input order, nulls dropped. */
async function mapLimit<T, R>(items: readonly T[], fn: (item: T) => Promise<R | null>): Promise<R[]> {
  const out: (R | null)[] = new Array(items.length).fill(null);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(READS_IN_FLIGHT, items.length) }, worker));
  return out.filter((r): r is R => r !== null);
}

/** Whether `stores.cveExport` answers (issue 15's export rows; a store without them throws "not implemented"). */
async function hasCveExport(stores: Stores): Promise<boolean> {
  try {
    await stores.cveExport.count({ cves: [] });
    return true;
  } catch {
    return false;
  }
}

/**
 * CVE documents, in batches of at most `batchSize`: of `ids` (those stored; missing ids are
 * skipped), or of every stored CVE (rejected ones included) when `ids` is undefined. Rows come from
 * `stores.cveExport.rows` when the store has it, else from each record's view; the description
 * from the record (one `getVulnerability` per CVE).
 */
export async function* cveDocs(stores: Stores, ids: readonly string[] | undefined, batchSize = PAGE): AsyncGenerator<SearchDoc[]> {
  const description = async (id: string) => {
    const s = await stores.store.getVulnerability(id);
    return s ? rowFromStored(s).description : null;
  };
  if (await hasCveExport(stores)) {
    const q = { includeRejected: true, order: 'id' as const, ...(ids ? { cves: ids } : {}) };
    if (ids && ids.length === 0) return;
    for await (const rows of stores.cveExport.rows(q, { batchSize })) {
      yield await mapLimit(rows, async (row) => cveDoc(row, await description(row.id)));
    }
    return;
  }
  const fromIds = async function* (list: readonly string[]): AsyncGenerator<SearchDoc[]> {
    for (let i = 0; i < list.length; i += batchSize) {
      const docs = await mapLimit(list.slice(i, i + batchSize), async (id) => {
        const s = await stores.store.getVulnerability(id);
        if (!s) return null;
        const { row, description: d } = rowFromStored(s);
        return cveDoc(row, d);
      });
      if (docs.length) yield docs;
    }
  };
  if (ids) {
    yield* fromIds(ids);
    return;
  }
  // Every stored CVE: keyset pages of the ranked list (priority, then id).
  let after: { value: number | string | null; id: string } | undefined;
  for (;;) {
    const page = await stores.store.rank({ includeRejected: true, keyset: true, limit: PAGE, ...(after ? { after } : {}) });
    if (page.length === 0) return;
    yield* fromIds(page.map((r) => r.id));
    const last = page.at(-1) as (typeof page)[number];
    after = { value: last.priority, id: last.id };
    if (page.length < PAGE) return;
  }
}

/** Advisory documents of `ids` (missing ones skipped), or of every stored advisory (newest first) when undefined. */
export async function* advisoryDocs(stores: Stores, ids: readonly string[] | undefined, batchSize = PAGE): AsyncGenerator<SearchDoc[]> {
  const fromIds = async function* (list: readonly string[]): AsyncGenerator<SearchDoc[]> {
    for (let i = 0; i < list.length; i += batchSize) {
      const docs = await mapLimit(list.slice(i, i + batchSize), async (id) => {
        const a = await stores.store.getAdvisory(id);
        return a ? advisoryDoc(a) : null;
      });
      if (docs.length) yield docs;
    }
  };
  if (ids) return yield* fromIds(ids);
  let after: { published: string; id: string } | undefined;
  for (;;) {
    const page = await stores.store.listAdvisories({ limit: PAGE, ...(after ? { after } : {}) });
    if (page.length === 0) return;
    yield* fromIds(page.map((a) => a.id));
    const last = page.at(-1) as (typeof page)[number];
    after = { published: last.published ?? last.modified, id: last.id };
    if (page.length < PAGE) return;
  }
}

/** Intel documents of `ids` (missing ones skipped), or of every stored document when undefined. */
export async function* intelDocs(stores: Stores, ids: readonly string[] | undefined, batchSize = PAGE): AsyncGenerator<SearchDoc[]> {
  const fromIds = async function* (list: readonly string[]): AsyncGenerator<SearchDoc[]> {
    for (let i = 0; i < list.length; i += batchSize) {
      const docs = await mapLimit(list.slice(i, i + batchSize), async (id) => {
        const d = await stores.intel.getDocument(id);
        return d ? intelDoc(d) : null;
      });
      if (docs.length) yield docs;
    }
  };
  if (ids) return yield* fromIds(ids);
  let after: { date: string; id: string } | undefined;
  for (;;) {
    const page = await stores.intel.listDocuments({ limit: PAGE, ...(after ? { after } : {}) });
    if (page.length === 0) return;
    yield* fromIds(page.map((d) => d.id));
    const last = page.at(-1) as (typeof page)[number];
    after = { date: last.published ?? last.fetchedAt, id: last.id };
    if (page.length < PAGE) return;
  }
}

/** IOC documents of `keys` (`{type, value}`; missing ones skipped), or of every stored IOC when undefined. */
export async function* iocDocs(stores: Stores, keys: readonly { type: IocType; value: string }[] | undefined, batchSize = PAGE): AsyncGenerator<SearchDoc[]> {
  if (keys) {
    for (let i = 0; i < keys.length; i += batchSize) {
      const docs = await mapLimit(keys.slice(i, i + batchSize), async (k) => {
        const ioc = await stores.iocs.getIoc(k.type, k.value);
        return ioc ? iocDoc(ioc) : null;
      });
      if (docs.length) yield docs;
    }
    return;
  }
  let cursor: string | undefined;
  for (;;) {
    const page = await stores.iocs.listIocs({ limit: Math.min(PAGE, batchSize), ...(cursor ? { cursor } : {}) });
    if (page.items.length) yield page.items.map(iocDoc);
    if (!page.nextCursor) return;
    cursor = page.nextCursor;
  }
}

/** Every stored document of one kind, in batches (the export). */
export function allDocs(stores: Stores, kind: SearchKind, batchSize = PAGE): AsyncGenerator<SearchDoc[]> {
  switch (kind) {
    case 'cves':
      return cveDocs(stores, undefined, batchSize);
    case 'advisories':
      return advisoryDocs(stores, undefined, batchSize);
    case 'intel':
      return intelDocs(stores, undefined, batchSize);
    case 'iocs':
      return iocDocs(stores, undefined, batchSize);
  }
}

/** How many documents {@link allDocs} gives for a kind (progress totals). */
export async function countDocs(stores: Stores, kind: SearchKind): Promise<number> {
  switch (kind) {
    case 'cves':
      return stores.store.countRanked({ includeRejected: true });
    case 'advisories':
      return stores.store.countAdvisories({});
    case 'intel':
      return stores.intel.countDocuments({});
    case 'iocs':
      return stores.iocs.countIocs({});
  }
}
