/**
 * More severity training data (issue 14): CVE Record Format 5.1 records in JSON Lines
 * (`cve5/vulnrichment-2024-cve5.jsonl.gz`, cisagov/vulnrichment, one record per line;
 * https://github.com/CVEProject/cve-schema). Each line crosses the source's own boundary schema
 * ({@link Cve5Record}, src/sources/cve5/schema.ts). The label is the CVSS v3 `baseSeverity` of the
 * CNA container (`containers.cna.metrics[].cvssV3_1`, else `cvssV3_0`), else that of the CISA-ADP
 * container (`containers.adp[providerMetadata.shortName = "CISA-ADP"].metrics[]`); the text is the
 * CNA's English description (`lang` `en`, `en-US`, …).
 * A line that is not JSON, fails the schema, or whose `baseSeverity` disagrees with its
 * `baseScore` on the CVSS v3.1 scale is skipped and listed with its reason; records without a v3
 * severity (or with NONE), without an English description, or REJECTED are left out and counted.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { VigilError } from '../../errors.ts';
import { type Cve5ContainerParsed, Cve5Record } from '../../sources/cve5/schema.ts';
import type { SeverityLabel } from '../types.ts';
import { SEVERITY_LABELS, type SeverityRecord } from './data.ts';
import { scoreBucket } from './score.ts';

/** CVE 5 files used for training, relative to the data folder. */
export const SEVERITY_CVE5_FILES = ['cve5/vulnrichment-2024-cve5.jsonl.gz'] as const;

/** One skipped line: where, which CVE when known, and why. */
export interface SkippedRecord {
  line: number;
  cveId: string | null;
  reason: string;
}

/** What one CVE 5 file gave. `unlabelled` = valid records left out (no v3 severity, no English text, REJECTED). */
export interface Cve5SeverityRead {
  records: SeverityRecord[];
  skipped: SkippedRecord[];
  unlabelled: number;
}

/** The first CVSS v3 block (3.1 before 3.0) of a container, or null. */
function cvss3Of(container: Cve5ContainerParsed | undefined): { baseScore?: number | undefined; baseSeverity?: string | undefined } | null {
  for (const m of container?.metrics ?? []) if (m.cvssV3_1) return m.cvssV3_1;
  for (const m of container?.metrics ?? []) if (m.cvssV3_0) return m.cvssV3_0;
  return null;
}

/**
 * The labelled records of one CVE 5 JSON Lines file (gzip when the name ends in `.gz`).
 * @throws VigilError VIGIL_DATA_MISSING when the file is not there or cannot be read.
 */
export function readCve5SeverityFile(dataDir: string, rel: string): Cve5SeverityRead {
  const p = path.join(dataDir, rel);
  if (!existsSync(p)) throw new VigilError('VIGIL_DATA_MISSING', [p]);
  let text: string;
  try {
    const raw = readFileSync(p);
    text = (rel.endsWith('.gz') ? gunzipSync(raw) : raw).toString('utf8');
  } catch (err) {
    throw new VigilError('VIGIL_DATA_MISSING', [`${p}: not readable (${(err as Error).message.slice(0, 200)})`], { cause: err });
  }
  const out: Cve5SeverityRead = { records: [], skipped: [], unlabelled: 0 };
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    if (!line.trim()) continue;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch (err) {
      out.skipped.push({ line: i + 1, cveId: null, reason: `not JSON: ${(err as Error).message.slice(0, 120)}` });
      continue;
    }
    const parsed = Cve5Record.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const id = (json as { cveMetadata?: { cveId?: unknown } } | null)?.cveMetadata?.cveId;
      out.skipped.push({ line: i + 1, cveId: typeof id === 'string' ? id : null, reason: `${issue?.path.join('.')}: ${issue?.message}` });
      continue;
    }
    const r = parsed.data;
    const cna = r.containers?.cna;
    const adp = r.containers?.adp?.find((a) => a.providerMetadata?.shortName === 'CISA-ADP');
    const fromCna = cvss3Of(cna);
    const v3 = fromCna ?? cvss3Of(adp);
    const description = cna?.descriptions?.find((d) => /^en\b/i.test(d.lang))?.value.trim();
    const severity = v3?.baseSeverity?.toUpperCase();
    if (r.cveMetadata.state !== 'PUBLISHED' || !description || !severity || !(SEVERITY_LABELS as readonly string[]).includes(severity)) {
      out.unlabelled++;
      continue;
    }
    if (v3?.baseScore === undefined || scoreBucket(v3.baseScore) !== severity) {
      out.skipped.push({ line: i + 1, cveId: r.cveMetadata.cveId, reason: `baseSeverity ${severity} does not match baseScore ${v3?.baseScore ?? 'absent'}` });
      continue;
    }
    out.records.push({
      cveId: r.cveMetadata.cveId,
      text: description,
      label: severity as SeverityLabel,
      score: v3.baseScore,
      source: fromCna ? 'cna' : 'adp',
    });
  }
  return out;
}
