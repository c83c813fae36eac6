/**
 * The back-end-neutral half of the IOC store (`Stores.iocs`, migration 11 'iocs'): rows as both
 * schemas hold them, the TLP order, the list's keyset cursor and filters, and
 * {@link planDocumentIocs}, which decides what saving one document's indicators writes (so that
 * saving the same input twice writes nothing and keeps every sighting id). The SQL lives beside
 * each back end (sqlite/iocs.ts, postgres/iocs.ts).
 */
import { z } from 'zod';
import { VigilError } from '../errors.ts';
import type { DocumentIocs, IocQuery, StoredIoc, Tlp } from '../iocs/types.ts';
import { IOC_TYPES, type IocType } from '../nlp/types.ts';
import { sinceIso } from './advisory-rows.ts';

/** TLP labels from least to most restrictive (FIRST TLP 2.0): the index is the rank stored aggregates compare. */
export const TLP_ORDER = ['clear', 'green', 'amber', 'amber+strict', 'red'] as const satisfies readonly Tlp[];

/** SQL expression of the rank of a `tlp` column (same text on both back ends). */
export function tlpRankSql(column: string): string {
  return `CASE ${column} ${TLP_ORDER.map((t, i) => `WHEN '${t}' THEN ${i}`).join(' ')} ELSE ${TLP_ORDER.length - 1} END`;
}

/** Largest page of {@link IocQuery.limit}; default {@link DEFAULT_IOC_LIMIT}. */
export const MAX_IOC_LIMIT = 1000;
export const DEFAULT_IOC_LIMIT = 100;

/** Most CVE ids kept on one indicator. */
export const MAX_IOC_CVES = 50;

/** The page size of a query: default 100, 1 to 1000. */
export function iocLimit(limit: number | undefined): number {
  return Math.min(Math.max(1, Math.trunc(limit ?? DEFAULT_IOC_LIMIT)), MAX_IOC_LIMIT);
}

/** A row of `iocs`: `sources` and `cves` JSON text arrays. */
export interface IocRow {
  type: string;
  value: string;
  first_seen: string;
  last_seen: string;
  sightings: number;
  sources: string;
  cves: string;
  warning_list: string | null;
  warning_name: string | null;
  tlp: string;
}

/** The columns of `iocs`, in the order of {@link IocRow}. */
export const IOC_COLUMNS = [
  'type',
  'value',
  'first_seen',
  'last_seen',
  'sightings',
  'sources',
  'cves',
  'warning_list',
  'warning_name',
  'tlp',
] as const satisfies readonly (keyof IocRow)[];

/** A row as the indicator it stores. */
export function toStoredIoc(r: IocRow): StoredIoc {
  return {
    type: r.type as IocType,
    value: r.value,
    firstSeen: r.first_seen,
    lastSeen: r.last_seen,
    sightings: Number(r.sightings),
    sources: JSON.parse(r.sources) as string[],
    cves: JSON.parse(r.cves) as string[],
    warning: r.warning_list === null ? null : { list: r.warning_list, name: r.warning_name ?? r.warning_list },
    tlp: r.tlp as Tlp,
  };
}

/** A row of `ioc_sightings` (`id` absent for one not inserted yet). */
export interface SightingRow {
  id?: number;
  type: string;
  value: string;
  document_id: string;
  source: string;
  seen: string;
  original: string;
  tlp: string;
  warning_list: string | null;
  warning_name: string | null;
}

/** The columns a sighting write sets (all but `id`). */
export const SIGHTING_COLUMNS = [
  'type',
  'value',
  'document_id',
  'source',
  'seen',
  'original',
  'tlp',
  'warning_list',
  'warning_name',
] as const satisfies readonly (keyof SightingRow)[];

/** `type` + NUL + `value`: one indicator's key in maps. */
export function iocKey(type: string, value: string): string {
  return `${type}\0${value}`;
}

/** What saving one document's indicators writes. */
export interface DocumentIocsPlan {
  insert: SightingRow[];
  /** Stored sightings whose fields changed (same id: not a new sighting). */
  update: (SightingRow & { id: number })[];
  /** Ids of stored sightings of indicators no longer in the document. */
  remove: number[];
  /** The document's CVE ids when they changed (replace them), else null. */
  cves: string[] | null;
  /** Indicators whose aggregates must be counted again, as `[type, value]`. */
  affected: [string, string][];
}

/**
 * Compares the document's stored sightings and CVEs with the new ones. Indicators are kept once
 * per document (the first occurrence's `original` and warning); an unchanged input plans nothing.
 */
export function planDocumentIocs(doc: DocumentIocs, stored: SightingRow[], storedCves: string[]): DocumentIocsPlan {
  const next = new Map<string, SightingRow>();
  for (const ioc of doc.iocs) {
    const key = iocKey(ioc.type, ioc.value);
    if (next.has(key)) continue;
    next.set(key, {
      type: ioc.type,
      value: ioc.value,
      document_id: doc.documentId,
      source: doc.source,
      seen: doc.seen,
      original: ioc.original,
      tlp: doc.tlp,
      warning_list: ioc.warning?.list ?? null,
      warning_name: ioc.warning?.name ?? null,
    });
  }
  const cves = [...new Set(doc.cves.map((c) => c.toUpperCase()))].sort();
  const was = [...storedCves].sort();
  const cvesChanged = cves.length !== was.length || cves.some((c, i) => c !== was[i]);
  const plan: DocumentIocsPlan = { insert: [], update: [], remove: [], cves: cvesChanged ? cves : null, affected: [] };
  const affected = new Map<string, [string, string]>();
  const old = new Map(stored.map((s) => [iocKey(s.type, s.value), s]));
  for (const [key, s] of old) {
    const n = next.get(key);
    if (!n) {
      plan.remove.push(s.id as number);
      affected.set(key, [s.type, s.value]);
    } else if (SIGHTING_COLUMNS.some((c) => s[c] !== n[c])) {
      plan.update.push({ ...n, id: s.id as number });
      affected.set(key, [s.type, s.value]);
    }
  }
  for (const [key, n] of next) {
    if (old.has(key)) continue;
    plan.insert.push(n);
    affected.set(key, [n.type, n.value]);
  }
  // Every indicator of the document carries its CVEs.
  if (plan.cves) for (const [key, n] of next) affected.set(key, [n.type, n.value]);
  plan.affected = [...affected.values()];
  return plan;
}

/** One indicator's aggregates as counted from its sightings (`n` 0: no sighting left, delete it). */
export interface IocAggregate {
  type: string;
  value: string;
  n: number;
  first_seen: string | null;
  last_seen: string | null;
  tlp_rank: number | null;
  /** JSON text arrays (order and duplicates fixed here). */
  sources: string | null;
  cves: string | null;
  warning_list: string | null;
  warning_name: string | null;
}

/** The `iocs` row of an aggregate with sightings left. */
export function aggregateRow(a: IocAggregate): IocRow {
  const sorted = (json: string | null) => JSON.stringify([...new Set((JSON.parse(json ?? '[]') as (string | null)[]).filter((x) => x !== null))].sort());
  return {
    type: a.type,
    value: a.value,
    first_seen: a.first_seen as string,
    last_seen: a.last_seen as string,
    sightings: Number(a.n),
    sources: sorted(a.sources),
    cves: JSON.stringify((JSON.parse(sorted(a.cves)) as string[]).slice(0, MAX_IOC_CVES)),
    warning_list: a.warning_list,
    warning_name: a.warning_name,
    tlp: TLP_ORDER[Number(a.tlp_rank ?? 0)] ?? 'red',
  };
}

/** A list position: after the indicator of this last seen date, type and value. */
export interface IocCursor {
  lastSeen: string;
  type: IocType;
  value: string;
}

const IocCursorJson = z.tuple([z.string().regex(/^\d{4}-\d{2}-\d{2}T[0-9:.]+Z$/), z.enum(IOC_TYPES), z.string().min(1).max(4000)]);

/** The opaque cursor after `ioc`. */
export function encodeIocCursor(ioc: Pick<StoredIoc, 'lastSeen' | 'type' | 'value'>): string {
  return Buffer.from(JSON.stringify([ioc.lastSeen, ioc.type, ioc.value])).toString('base64url');
}

/** @throws {VigilError} VIGIL_BAD_REQUEST for a cursor the IOC list did not make. */
export function decodeIocCursor(text: string): IocCursor {
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch (cause) {
    throw new VigilError('VIGIL_BAD_REQUEST', ['cursor is not a cursor of the IOC list'], { cause });
  }
  const parsed = IocCursorJson.safeParse(json);
  if (!parsed.success) throw new VigilError('VIGIL_BAD_REQUEST', ['cursor is not a cursor of the IOC list']);
  const [lastSeen, type, value] = parsed.data;
  return { lastSeen, type, value };
}

/**
 * WHERE clauses of the filters (and cursor) of `q` over `iocs i`, with parameters placed by `p`
 * (`?` on SQLite, `$n` on PostgreSQL; called once per use). `contains` is the back end's substring test.
 * @throws {RangeError} for a `since` that is not a date; {VigilError} for a bad cursor.
 */
export function iocFilters(q: IocQuery, p: (value: unknown) => string, contains: (column: string, needle: string) => string): string[] {
  const where: string[] = [];
  if (q.type !== undefined) where.push(`i.type = ${p(q.type)}`);
  if (q.q !== undefined && q.q !== '') where.push(contains('i.value', p(q.q.toLowerCase())));
  if (q.since !== undefined) where.push(`i.last_seen >= ${p(sinceIso(q.since))}`);
  if (q.source !== undefined) where.push(`EXISTS (SELECT 1 FROM ioc_sightings s WHERE s.type = i.type AND s.value = i.value AND s.source = ${p(q.source)})`);
  if (q.warning === true) where.push('i.warning_list IS NOT NULL');
  if (q.warning === false) where.push('i.warning_list IS NULL');
  if (q.cursor) {
    const c = decodeIocCursor(q.cursor);
    // One placeholder per use: better-sqlite3 binds `?` by position only.
    where.push(
      `(i.last_seen < ${p(c.lastSeen)} OR (i.last_seen = ${p(c.lastSeen)} AND (i.type > ${p(c.type)} OR (i.type = ${p(c.type)} AND i.value > ${p(c.value)}))))`,
    );
  }
  return where;
}

/** The list order (and the index `iocs_last_seen`'s). */
export const IOC_ORDER = 'ORDER BY i.last_seen DESC, i.type, i.value';

/** A page from `limit + 1` rows read. */
export function iocPage(rows: IocRow[], limit: number): { items: StoredIoc[]; nextCursor: string | null } {
  const items = rows.slice(0, limit).map(toStoredIoc);
  const last = items[items.length - 1];
  return { items, nextCursor: rows.length > limit && last ? encodeIocCursor(last) : null };
}
