/** The watchlist editor's form rows and their conversion to API entries. */
import { type Entry, WATCH_KINDS, type WatchKind } from '../types-alerts.ts';

/** One entry as edited: numbers as typed, EPSS in percent. */
export interface EntryRow {
  /** Local key for rendering only. */
  key: number;
  kind: WatchKind;
  value: string;
  vendor: string;
  version: string;
  minCvss: string;
  /** Percent, 0–100. */
  minEpss: string;
  kevOnly: boolean;
}

let nextKey = 1;

/** A blank row. */
export function blankRow(kind: WatchKind = 'product'): EntryRow {
  return { key: nextKey++, kind, value: '', vendor: '', version: '', minCvss: '', minEpss: '', kevOnly: false };
}

/** A row from a stored entry. */
export function rowOf(e: Entry): EntryRow {
  const t = e.thresholds ?? {};
  return {
    key: nextKey++,
    kind: (WATCH_KINDS as readonly string[]).includes(e.kind) ? e.kind : 'keyword',
    value: e.value,
    vendor: e.vendor ?? '',
    version: e.version ?? '',
    minCvss: t.minCvss === undefined ? '' : String(t.minCvss),
    minEpss: t.minEpss === undefined ? '' : String(Math.round(t.minEpss * 10000) / 100),
    kevOnly: t.kevOnly ?? false,
  };
}

/** The API entry of a row; `null` while its value is empty (not sent). */
export function entryOf(r: EntryRow): Entry | null {
  const value = r.value.trim();
  if (!value) return null;
  const e: Entry = { kind: r.kind, value };
  if (r.kind === 'product') {
    if (r.vendor.trim()) e.vendor = r.vendor.trim();
    if (r.version.trim()) e.version = r.version.trim();
  }
  const thresholds: NonNullable<Entry['thresholds']> = {};
  // An indicator's sightings have no CVE scores: the server refuses thresholds on `ioc` entries.
  if (r.kind === 'ioc') {
    e.thresholds = thresholds;
    return e;
  }
  if (r.minCvss !== '' && Number.isFinite(Number(r.minCvss))) thresholds.minCvss = Number(r.minCvss);
  if (r.minEpss !== '' && Number.isFinite(Number(r.minEpss))) thresholds.minEpss = Number(r.minEpss) / 100;
  if (r.kevOnly) thresholds.kevOnly = true;
  e.thresholds = thresholds;
  return e;
}

/** Placeholder per kind: what a value looks like. */
export const VALUE_HINTS: Record<WatchKind, string> = {
  vendor: 'Palo Alto Networks',
  product: 'pan-os',
  cpe: 'cpe:2.3:o:paloaltonetworks:pan-os:10.2.5:*:*:*:*:*:*:*',
  purl: 'pkg:npm/lodash@4.17.20',
  keyword: 'remote code execution',
  regex: 'global ?protect',
  cve: 'CVE-2024-3400',
  ioc: 'evil.example.com, 203.0.113.7, hxxps://evil[.]example/a, a hash',
};
