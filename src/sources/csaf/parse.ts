/**
 * CSAF 2.0 documents to {@link Advisory} values, and the checks around them: telling a CSAF
 * document from a ROLIE feed by its first bytes, and SHA-512 hash files (CSAF 2.0 §7.1.18,
 * https://docs.oasis-open.org/csaf/csaf/v2.0/os/csaf-v2.0-os.html#7118-requirement-18-integrity).
 * Pure functions: no I/O.
 */
import { createHash } from 'node:crypto';
import type { z } from 'zod';
import type { Advisory, AdvisoryCvss, AdvisoryReference } from '../../model/advisory.ts';
import type { RecordLocation } from '../types.ts';
import { affectedEntries, flattenProductTree } from './products.ts';
import { CsafDocument } from './schema.ts';

/** What the first bytes of a JSON file say it is. */
export type CsafFileKind = 'document' | 'feed' | null;

/**
 * Tells a CSAF document (`{"document": …}`, or a top-level `csaf_version`/`product_tree`/
 * `vulnerabilities` member) from a ROLIE feed (`{"feed": …}`) by the start of its text.
 * @returns `null` for anything else (provider-metadata.json, other JSON, not JSON).
 */
export function sniffCsaf(head: string): CsafFileKind {
  const text = head.replace(/^\uFEFF/, '').trimStart();
  if (!text.startsWith('{')) return null;
  if (/^\{\s*"feed"\s*:/.test(text)) return 'feed';
  if (/"(?:document|product_tree|vulnerabilities)"\s*:\s*[{[]/.test(text) || /"csaf_version"\s*:/.test(text)) return 'document';
  return null;
}

/**
 * The hex SHA-512 a `.sha512` file states: `<hex>  <filename>` (sha512sum's layout, as CISA
 * writes it) or the bare hex. `null` when the file holds no 128-digit hex value.
 */
export function parseHashFile(text: string): string | null {
  const m = /^\s*([0-9a-fA-F]{128})(?:\s|$)/.exec(text);
  return m?.[1] ? m[1].toLowerCase() : null;
}

/** Whether `bytes` hash to the value of a `.sha512` file; the reason when they do not. */
export function verifySha512(bytes: Buffer, hashFileText: string): { ok: true } | { ok: false; reason: string } {
  const expected = parseHashFile(hashFileText);
  if (!expected) return { ok: false, reason: 'the .sha512 file holds no SHA-512 value' };
  const actual = createHash('sha512').update(bytes).digest('hex');
  return actual === expected ? { ok: true } : { ok: false, reason: `SHA-512 mismatch: the .sha512 file says ${expected.slice(0, 16)}…, the document hashes to ${actual.slice(0, 16)}…` };
}

/** Outcome of {@link parseCsafDocument}. */
export type CsafParseResult = { advisory: Advisory } | { rejected: { where: RecordLocation; reason: string } };

/** Options of {@link parseCsafDocument}. */
export interface CsafParseOptions {
  /** The URL the document was fetched from or its feed entry's link: the advisory's `url` when the document names no self reference. */
  fetchedFrom?: string;
}

/**
 * Parses the text of one CSAF 2.0 document into an advisory (mapping: readme.md).
 * @returns the advisory, or a rejection naming `tracking.id` (else the origin) and the first bad field.
 */
export function parseCsafDocument(text: string, origin: string, options: CsafParseOptions = {}): CsafParseResult {
  let json: unknown;
  try {
    json = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (cause) {
    return { rejected: { where: { origin }, reason: `not valid JSON (truncated?): ${(cause as Error).message}` } };
  }
  const parsed = CsafDocument.safeParse(json);
  if (!parsed.success) {
    const record = trackingId(json);
    const field = parsed.error.issues[0]?.path.join('.');
    return { rejected: { where: { origin, ...(record ? { record } : {}), ...(field ? { field } : {}) }, reason: `${record ?? origin}: not a CSAF 2.0 document: ${describeIssues(parsed.error.issues)}` } };
  }
  return { advisory: toAdvisory(parsed.data, options) };
}

function trackingId(json: unknown): string | undefined {
  const id = (json as { document?: { tracking?: { id?: unknown } } } | null)?.document?.tracking?.id;
  return typeof id === 'string' && id.trim() !== '' ? id.trim() : undefined;
}

function describeIssues(issues: z.core.$ZodIssue[]): string {
  return issues.slice(0, 3).map((i) => `${i.path.join('.') || '(document)'}: ${i.message}`).join('; ');
}

/** Severity words ranked, for the highest CVSS severity when no aggregate severity is stated. */
const SEVERITY_RANK: Readonly<Record<string, number>> = { NONE: 0, LOW: 1, MEDIUM: 2, HIGH: 3, CRITICAL: 4 };

function severityOfScore(score: number, v2: boolean): string {
  if (v2) return score >= 7 ? 'HIGH' : score >= 4 ? 'MEDIUM' : 'LOW';
  return score >= 9 ? 'CRITICAL' : score >= 7 ? 'HIGH' : score >= 4 ? 'MEDIUM' : score > 0 ? 'LOW' : 'NONE';
}

/** Notes not worth showing as an advisory's details (legal text, the same on every document). */
const SKIPPED_NOTES = new Set(['legal_disclaimer']);

function toAdvisory(doc: CsafDocument, options: CsafParseOptions): Advisory {
  const d = doc.document;
  const vulns = doc.vulnerabilities ?? [];
  const notes = d.notes ?? [];
  const summaryNote = notes.find((n) => n.category === 'summary') ?? notes.find((n) => n.category === 'description');
  const detailParts = notes.filter((n) => n !== summaryNote && !SKIPPED_NOTES.has(n.category)).map((n) => (n.title ? `## ${n.title}\n\n${n.text.trim()}` : n.text.trim()));
  for (const v of vulns) {
    const vn = v.notes?.find((n) => n.category === 'summary') ?? v.notes?.find((n) => n.category === 'description');
    if (vn) detailParts.push(`## ${[v.cve, v.title].filter(Boolean).join(': ') || 'Vulnerability'}\n\n${vn.text.trim()}`);
  }

  const cvss: AdvisoryCvss[] = [];
  let worst: { rank: number; word: string } | undefined;
  for (const s of vulns.flatMap((v) => v.scores ?? [])) {
    for (const [m, v2] of [[s.cvss_v3, false], [s.cvss_v2, true]] as const) {
      if (!m) continue;
      if (!cvss.some((c) => c.vector === m.vectorString)) cvss.push({ vector: m.vectorString, score: m.baseScore });
      const word = ('baseSeverity' in m && m.baseSeverity ? m.baseSeverity : severityOfScore(m.baseScore, v2)).toUpperCase();
      const rank = SEVERITY_RANK[word] ?? -1;
      if (!worst || rank > worst.rank) worst = { rank, word };
    }
  }

  const references = dedupeRefs([...(d.references ?? []), ...vulns.flatMap((v) => v.references ?? [])].map((r) => ref(r.url, r.category, r.summary)));
  const vendorAdvisories = dedupeRefs(
    vulns.flatMap((v) => (v.remediations ?? []).filter((r) => r.category === 'vendor_fix' && r.url)).map((r) => ({ ...ref(r.url as string, 'vendor_fix'), ...(r.date ? { published: r.date.slice(0, 10) } : {}) })),
  );
  const selfRefs = (d.references ?? []).filter((r) => r.category === 'self').map((r) => r.url);
  // A human page: not the JSON itself; CISA republishing a vendor's advisory lists the vendor's pages first, so its own (naming the id) wins.
  const pages = selfRefs.filter((u) => !/\.json(?:$|[?#])/i.test(u));
  const id = d.tracking.id.trim().toLowerCase();
  const url = pages.find((u) => u.toLowerCase().includes(id)) ?? pages[0] ?? selfRefs[0] ?? options.fetchedFrom;
  const cves = [...new Set(vulns.flatMap((v) => (v.cve ? [v.cve] : [])))];
  const cwes = [...new Set(vulns.flatMap((v) => (v.cwe ? [v.cwe.id] : [])))];
  const revisions = (d.tracking.revision_history ?? []).map((r) => ({ date: r.date, description: r.summary?.trim() || (r.number ? `version ${r.number}` : '') }));

  const advisory: Advisory = {
    id: d.tracking.id.trim(),
    source: 'csaf',
    kind: d.category === 'csaf_vex' ? 'vex' : 'vendor',
    title: d.title.trim(),
    published: d.tracking.initial_release_date,
    modified: d.tracking.current_release_date,
    aliases: [...new Set((d.tracking.aliases ?? []).map((a) => a.trim()).filter((a) => a !== '' && a !== d.tracking.id))],
    cves: cves.map((id) => ({ id, origin: 'listed' as const })),
    affected: affectedEntries(flattenProductTree(doc.product_tree), vulns),
    references,
  };
  if (summaryNote) advisory.summary = summaryNote.text.trim();
  if (detailParts.length > 0) advisory.details = detailParts.join('\n\n');
  if (revisions.length > 0) advisory.revisions = revisions;
  const severity = d.aggregate_severity?.text.trim() ?? worst?.word;
  if (severity) advisory.severity = severity;
  if (cvss.length > 0) advisory.cvss = cvss;
  if (cwes.length > 0) advisory.cwes = cwes;
  if (vendorAdvisories.length > 0) advisory.vendorAdvisories = vendorAdvisories;
  if (url) advisory.url = url;
  const tlp = d.distribution?.tlp?.label.trim();
  if (tlp) advisory.tlp = tlp;
  return advisory;
}

function ref(url: string, type?: string, title?: string): AdvisoryReference {
  const r: AdvisoryReference = { url: url.trim() };
  if (type) r.type = type;
  if (title?.trim()) r.title = title.trim();
  return r;
}

/** References without repeated URLs (the first kept). */
function dedupeRefs(refs: AdvisoryReference[]): AdvisoryReference[] {
  const seen = new Set<string>();
  return refs.filter((r) => !seen.has(r.url) && seen.add(r.url));
}
