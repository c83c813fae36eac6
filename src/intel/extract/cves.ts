/**
 * CVE ids in free text (news articles, bulletins, forum posts).
 * Id syntax: CVE-YYYY-NNNN with four or more sequence digits (https://cve.mitre.org/cve/identifiers/syntaxchange.html).
 */

/**
 * `CVE`, a dash (hyphen-minus, hyphen U+2010, non-breaking hyphen U+2011, figure dash, en dash,
 * em dash, minus sign) or underscore, 4-digit year, dash, 4+ digits; not glued to a longer token
 * (no letter, digit or `_` before, no digit or letter after).
 */
const CVE = /(?<![\p{L}\p{N}_])CVE[-_\u2010\u2011\u2012\u2013\u2014\u2212](\d{4})[-_\u2010\u2011\u2012\u2013\u2014\u2212](\d{4,})(?![\p{L}\p{N}])/giu;

function compareCve(a: string, b: string): number {
  const [, ya = '', na = ''] = a.split('-');
  const [, yb = '', nb = ''] = b.split('-');
  return Number(ya) - Number(yb) || na.length - nb.length || (na < nb ? -1 : na > nb ? 1 : 0);
}

/**
 * CVE ids named in `text`, written `CVE-YYYY-NNNN…` in upper case with ASCII hyphens, unique,
 * sorted by year then sequence number (numerically: CVE-2025-9999 before CVE-2025-10000).
 * Case-insensitive; dash variants (en dash, non-breaking hyphen, …) and `_` are accepted. A
 * sequence with a leading zero beyond four digits (`CVE-2024-01234`) is not a valid id and is skipped.
 * @example findCveIds('cve-2024-3400 and CVE‑2023‑4966, CVE-2024-3400') // ['CVE-2023-4966', 'CVE-2024-3400']
 */
export function findCveIds(text: string): string[] {
  const found = new Set<string>();
  for (const m of text.matchAll(CVE)) {
    const seq = m[2]!;
    if (seq.length > 4 && seq.startsWith('0')) continue;
    found.add(`CVE-${m[1]}-${seq}`);
  }
  return [...found].sort(compareCve);
}
