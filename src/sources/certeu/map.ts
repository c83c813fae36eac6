/**
 * CERT-EU advisory → {@link Advisory} (field mapping: readme.md): dates from `publish_date` and
 * the Markdown's front matter and history, CVEs found in the text, references from its
 * `# References` list.
 */
import { parse as parseYaml } from 'yaml';
import { mergeCveLists } from '../../analysis/cve-text.ts';
import type { Advisory, AdvisoryReference, AdvisoryRevision } from '../../model/advisory.ts';
import type { RecordLocation } from '../types.ts';
import { type CerteuAdvisoryData, CerteuAdvisoryJson } from './schema.ts';

/** The site whose pages `Advisory.url` points to. */
export const CERTEU_SITE = 'https://cert.europa.eu';

/** Vigil's id of an advisory: the name CERT-EU gives its PDF (`CERT-EU-SA2026-001.pdf`), globally unique unlike the bare `2026-001`. */
export function certeuId(serial: string): string {
  return `CERT-EU-SA${serial}`;
}

/** The advisory's page: `https://cert.europa.eu/publications/security-advisories/2026-001/`. */
export function certeuPageUrl(serial: string, site = CERTEU_SITE): string {
  return `${site}/publications/security-advisories/${serial}/`;
}

const MONTHS = ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december'];

/** ISO 8601 UTC of a calendar day and time, or `null` when the day does not exist. */
function utc(year: number, month: number, day: number, time = '00:00:00'): string | null {
  const t = Date.parse(`${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}T${time}Z`);
  if (Number.isNaN(t)) return null;
  const d = new Date(t);
  return d.getUTCDate() === day && d.getUTCMonth() === month - 1 ? d.toISOString() : null;
}

/**
 * `publish_date` (`30-01-2026 09:09:06`, day first, no zone) as ISO 8601 UTC. CERT-EU states no
 * zone; the time is taken as UTC (it is probably Brussels time, one or two hours ahead).
 */
export function certeuPublishDate(value: string): string | null {
  const m = /^(\d{2})-(\d{2})-(\d{4}) (\d{2}):(\d{2})(?::(\d{2}))?$/.exec(value);
  if (!m) return null;
  if (Number(m[4]) > 23 || Number(m[5]) > 59 || Number(m[6] ?? 0) > 59) return null;
  return utc(Number(m[3]), Number(m[2]), Number(m[1]), `${m[4]}:${m[5]}:${m[6] ?? '00'}`);
}

/** A front-matter date: `2026-01-30` or `January 21, 2020`; midnight UTC, or `null`. */
function frontMatterDate(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  let m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value.trim());
  if (m) return utc(Number(m[1]), Number(m[2]), Number(m[3]));
  m = /^([A-Za-z]+)\s+(\d{1,2}),\s*(\d{4})$/.exec(value.trim());
  const month = m ? MONTHS.indexOf((m[1] as string).toLowerCase()) : -1;
  return m && month >= 0 ? utc(Number(m[3]), month + 1, Number(m[2])) : null;
}

/** The Markdown split into its YAML front matter (`title`, `number`, `version`, `original_date`, `date`) and body. */
export function splitFrontMatter(markdown: string): { front: Record<string, unknown>; body: string } {
  const m = /^---[ \t]*\r?\n([\s\S]*?)\r?\n---[ \t]*(?:\r?\n|$)/.exec(markdown);
  if (!m) return { front: {}, body: markdown };
  let front: unknown;
  try {
    front = parseYaml(m[1] as string);
  } catch (err) {
    if (!(err instanceof Error && err.name.startsWith('YAML'))) throw err;
    front = {}; // a broken header does not lose the advisory: its dates come from publish_date
  }
  return {
    front: front !== null && typeof front === 'object' ? (front as Record<string, unknown>) : {},
    body: markdown.slice(m[0].length).replace(/^\s+/, ''),
  };
}

/** `* _30/01/2026 --- v1.0 -- Initial publication_` lines of the `_History:_` list. */
export function historyRevisions(body: string): AdvisoryRevision[] {
  const out: AdvisoryRevision[] = [];
  for (const m of body.matchAll(/^\*\s+_(\d{1,2})\/(\d{1,2})\/(\d{4})\s+-+\s*(.*?)_?\s*$/gm)) {
    const date = utc(Number(m[3]), Number(m[2]), Number(m[1]));
    if (date) out.push({ date, description: (m[4] as string).trim() });
  }
  return out;
}

/** Links of the `# References` list: `[1] <https://…>` or `[2] Vendor blog --- <https://…>`. */
export function referenceLinks(body: string): AdvisoryReference[] {
  const section = /^#+\s*References\s*$([\s\S]*?)(?=^#+\s|$(?![\s\S]))/m.exec(body)?.[1] ?? '';
  const out: AdvisoryReference[] = [];
  for (const m of section.matchAll(/^\[\d+\]\s*(.*?)\s*<((?:https?|ftp):\/\/[^>\s]+)>/gim)) {
    const title = (m[1] as string).replace(/\s*-{2,}\s*$/, '').trim();
    out.push(title ? { url: m[2] as string, title } : { url: m[2] as string });
  }
  return out;
}

/** CERT-EU's `description` HTML (text with `<br>`, rarely `<b>`/`<i>`) as plain text. */
export function htmlToText(html: string): string {
  return html
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<[^>]+>/g, '')
    .replace(/&(?:#(\d+)|#x([0-9a-f]+)|(amp|lt|gt|quot|apos|nbsp));/gi, (_, dec, hex, name: string | undefined) => {
      const code = dec ? Number(dec) : hex ? Number.parseInt(hex, 16) : null;
      // An entity beyond Unicode (`&#9999999999;`) is U+FFFD, as HTML reads it; fromCodePoint would throw.
      if (code !== null) return code <= 0x10ffff ? String.fromCodePoint(code) : '\ufffd';
      return { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0' }[(name as string).toLowerCase()] as string;
    })
    .replace(/[ \t]+\n/g, '\n')
    .trim();
}

/** Maps a validated advisory; `published` is its checked `publish_date` as ISO 8601 UTC. */
export function certeuToAdvisory(a: CerteuAdvisoryData, published: string): Advisory {
  const { front, body } = a.content_markdown ? splitFrontMatter(a.content_markdown) : { front: {}, body: '' };
  const revisions = historyRevisions(body);
  const summary = a.description ? htmlToText(a.description) : '';
  // `publish_date` is sometimes the first version's time, sometimes the last's (2017-012: v1.0 on
  // 12 May, publish_date 22 May): published is the earliest day stated, modified the latest; a
  // stated day equal to publish_date's keeps publish_date's time.
  const days = [frontMatterDate(front.date), ...revisions.map((r) => r.date)].filter((d): d is string => d !== null);
  const first = days.reduce((x, d) => (d.slice(0, 10) < x.slice(0, 10) ? d : x), published);
  const last = days.reduce((x, d) => (d.slice(0, 10) > x.slice(0, 10) ? d : x), published);
  const advisory: Advisory = {
    id: certeuId(a.serial_number),
    source: 'certeu',
    kind: 'bulletin',
    title: a.title.replace(/\s+/g, ' ').trim(),
    published: first,
    modified: last,
    aliases: [],
    cves: mergeCveLists([], [a.title, summary, body]),
    affected: [],
    references: referenceLinks(body),
    url: certeuPageUrl(a.serial_number),
  };
  if (summary) advisory.summary = summary;
  if (body) advisory.details = body;
  if (revisions.length > 0) advisory.revisions = revisions;
  return advisory;
}

/**
 * Validates one document and maps it; a rejection names the advisory by `serial_number` (else
 * `fallback`, e.g. `line 12`) and the first failing field.
 */
export function parseCerteuAdvisory(
  value: unknown,
  origin: string,
  fallback?: string,
): { advisory: Advisory } | { rejected: { where: RecordLocation; reason: string } } {
  const serial = (value as { serial_number?: unknown } | null)?.serial_number;
  const record = typeof serial === 'string' && serial.length > 0 && serial.length < 32 ? serial : fallback;
  const where = (field?: string): RecordLocation => ({ origin, ...(record !== undefined ? { record } : {}), ...(field ? { field } : {}) });
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return { rejected: { where: where(), reason: 'not a JSON object' } };
  const r = CerteuAdvisoryJson.safeParse(value);
  if (!r.success) {
    const issue = r.error.issues[0];
    return { rejected: { where: where(issue?.path.join('.') || undefined), reason: issue?.message ?? 'invalid' } };
  }
  const published = certeuPublishDate(r.data.publish_date);
  if (published === null) return { rejected: { where: where('publish_date'), reason: `not a date: "${r.data.publish_date}"` } };
  return { advisory: certeuToAdvisory(r.data, published) };
}

/** Whether the start of a file looks like CERT-EU advisories (JSON with their keys). */
export function looksLikeCerteu(head: string): boolean {
  const text = head.replace(/^\uFEFF/, '').trimStart();
  if (!text.startsWith('{') && !text.startsWith('[')) return false;
  return text.includes('"serial_number"') && (text.includes('"publish_date"') || text.includes('"content_markdown"') || text.includes('CERT-EU'));
}
