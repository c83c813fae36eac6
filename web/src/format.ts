/** Display formatting: dates, EPSS percentages, scores. Every function accepts missing values. */
import { formatPriority } from '../../src/analysis/priority-format.ts';

/** `2024-04-12` from an ISO 8601 string. */
export function fmtDate(iso: string | null | undefined): string {
  return iso ? iso.slice(0, 10) : '—';
}

/** `2024-04-12 08:15 UTC` from an ISO 8601 string. */
export function fmtDateTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  return iso.length <= 10 ? iso : `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

/** An EPSS probability or percentile (0–1) as a percentage: `94.3%`, `0.04%`. */
export function fmtPct(p: number | null | undefined): string {
  if (p === null || p === undefined) return '—';
  const v = p * 100;
  return `${v >= 10 ? v.toFixed(1) : v >= 1 ? v.toFixed(2) : v.toPrecision(2)}%`;
}

/** A signed EPSS change in percentage points: `+12.4 pp`. */
export function fmtDelta(d: number): string {
  const v = d * 100;
  return `${v >= 0 ? '+' : '−'}${Math.abs(v).toFixed(Math.abs(v) >= 1 ? 1 : 2)} pp`;
}

/** A CVSS score with one decimal. */
export function fmtScore(s: number | null | undefined): string {
  return s === null || s === undefined ? '—' : s.toFixed(1);
}

/** A count with thousands separators. */
export function fmtInt(n: number | null | undefined): string {
  return n === null || n === undefined ? '—' : n.toLocaleString('en-US');
}

/** How long ago an ISO time was, coarsely (`3 h ago`). */
export function fmtAgo(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return 'never';
  const s = Math.round((now - Date.parse(iso)) / 1000);
  if (Number.isNaN(s)) return iso;
  if (s < 60) return 'just now';
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86400)} d ago`;
}

/** A priority score (0–100): one decimal, rounded down, as the CLI prints it (src/analysis/priority-format.ts). */
export function fmtPrio(p: number | null | undefined): string {
  return p === null || p === undefined ? '—' : formatPriority(p);
}
