/**
 * Stored indicators as CSV (RFC 4180, header row, csv-stringify) or JSON Lines, page by page:
 * `vigil iocs export` and `GET /api/v1/iocs/export.csv` stream every indicator matching the
 * filters without holding them all.
 */
import { Readable } from 'node:stream';
import { stringify } from 'csv-stringify/sync';
import type { IocQuery, IocStore, StoredIoc } from './types.ts';

/** Rows read per store query while exporting. */
const PAGE = 1000;

/** The CSV columns, in order. List fields are joined with a space. */
export const IOC_CSV_COLUMNS = ['type', 'value', 'first_seen', 'last_seen', 'sightings', 'sources', 'cves', 'warning_list', 'warning_name', 'tlp'] as const;

/** Every indicator matching `query` (its own `limit`/`cursor` ignored), newest last seen first. */
export async function* allIocs(iocs: IocStore, query: Omit<IocQuery, 'limit' | 'cursor'>): AsyncGenerator<StoredIoc> {
  let cursor: string | null = null;
  do {
    const page = await iocs.listIocs({ ...query, limit: PAGE, ...(cursor ? { cursor } : {}) });
    yield* page.items;
    cursor = page.nextCursor;
  } while (cursor);
}

/**
 * A cell a spreadsheet would not run as a formula: text starting with `=`, `+`, `-`, `@`, tab or
 * carriage return gets a leading `'` (OWASP "CSV Injection"). Indicator values come from untrusted
 * documents (`=HYPERLINK(...)` is a valid file name to the extractor).
 */
export function safeCell(text: string): string {
  return /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
}

/** One CSV record of `ioc`, in the order of {@link IOC_CSV_COLUMNS}. */
export function csvRecord(ioc: StoredIoc): (string | number)[] {
  return [
    ioc.type,
    safeCell(ioc.value),
    ioc.firstSeen,
    ioc.lastSeen,
    ioc.sightings,
    ioc.sources.join(' '),
    ioc.cves.join(' '),
    ioc.warning?.list ?? '',
    ioc.warning?.name ?? '',
    ioc.tlp,
  ];
}

/**
 * The indicators matching `query` as a CSV stream (header first). One generator makes the text, so
 * a store failure midway errors the stream itself (a reply is cut, not silently short).
 */
export function iocCsvStream(iocs: IocStore, query: Omit<IocQuery, 'limit' | 'cursor'>): Readable {
  return Readable.from(
    (async function* () {
      yield stringify([[...IOC_CSV_COLUMNS]]);
      for await (const ioc of allIocs(iocs, query)) yield stringify([csvRecord(ioc)]);
    })(),
  );
}

/** The indicators matching `query` as JSON Lines (one {@link StoredIoc} per line). */
export function iocJsonlStream(iocs: IocStore, query: Omit<IocQuery, 'limit' | 'cursor'>): Readable {
  return Readable.from(
    (async function* () {
      for await (const ioc of allIocs(iocs, query)) yield `${JSON.stringify(ioc)}\n`;
    })(),
  );
}
