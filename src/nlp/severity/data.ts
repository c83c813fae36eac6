/**
 * Severity training data (issue 14): CVE descriptions with NVD's CVSS v3 base severity, from the
 * legacy NVD JSON 1.1 yearly feeds in the corpus (`nvd/nvdcve-1.1-YYYY.json.gz`,
 * https://nvd.nist.gov/vuln/data-feeds, schema `nvd_cve_feed_json_1.1`): the English
 * `cve.description.description_data[].value`, `impact.baseMetricV3.cvssV3.baseSeverity` and its
 * `baseScore` (0–10). A CVE in several feeds counts once, from the last feed listed (the `recent`
 * feed holds newer versions of 2025 records).
 * Items without a v3 severity or an English description, and rejected CVEs, are left out; an
 * item failing the schema is counted and skipped (never sinks the file).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { z } from 'zod';
import { VigilError } from '../../errors.ts';
import type { SeverityLabel } from '../types.ts';

/** The four CVSS v3 qualitative severities, lowest first (NONE is never a training label). */
export const SEVERITY_LABELS = ['LOW', 'MEDIUM', 'HIGH', 'CRITICAL'] as const satisfies readonly SeverityLabel[];

/** Feeds used for training, relative to the data folder. */
export const SEVERITY_FILES = ['nvd/nvdcve-1.1-2018.json.gz', 'nvd/nvdcve-1.1-2025.json.gz', 'nvd/nvdcve-1.1-recent.json.gz'] as const;

/** One description with its NVD severity. */
export interface SeverityRecord {
  cveId: string;
  text: string;
  label: SeverityLabel;
  /** The CVSS v3 base score, 0–10. */
  score: number;
  /** Who scored it: NVD (1.1 feeds), the CNA or CISA-ADP (CVE 5 records, cve5.ts). Absent = `nvd`. */
  source?: 'nvd' | 'cna' | 'adp';
}

const NvdFeedItem = z.object({
  cve: z.object({
    CVE_data_meta: z.object({ ID: z.string() }),
    description: z.object({ description_data: z.array(z.object({ lang: z.string(), value: z.string() })) }),
  }),
  impact: z
    .object({
      baseMetricV3: z.object({ cvssV3: z.object({ baseSeverity: z.string(), baseScore: z.number().min(0).max(10) }) }).optional(),
    })
    .default({}),
});
const NvdFeed = z.object({ CVE_Items: z.array(z.unknown()) });

/**
 * The labelled records of one NVD 1.1 feed.
 * @throws VigilError VIGIL_DATA_MISSING when the file is not there or is not an NVD 1.1 feed.
 */
export function readNvdFeed(dataDir: string, rel: string): { records: SeverityRecord[]; skipped: number } {
  const p = path.join(dataDir, rel);
  if (!existsSync(p)) throw new VigilError('VIGIL_DATA_MISSING', [p]);
  let feed: z.infer<typeof NvdFeed>;
  try {
    feed = NvdFeed.parse(JSON.parse(gunzipSync(readFileSync(p)).toString('utf8')));
  } catch (err) {
    throw new VigilError('VIGIL_DATA_MISSING', [`${p}: not an NVD JSON 1.1 feed (${(err as Error).message.slice(0, 200)})`], { cause: err });
  }
  const records: SeverityRecord[] = [];
  let skipped = 0;
  for (const raw of feed.CVE_Items) {
    const item = NvdFeedItem.safeParse(raw);
    if (!item.success) {
      skipped++;
      continue;
    }
    const v3 = item.data.impact.baseMetricV3?.cvssV3;
    const severity = v3?.baseSeverity;
    const text = item.data.cve.description.description_data.find((d) => d.lang === 'en')?.value.trim();
    if (!severity || !text || text.startsWith('** REJECT')) continue;
    if (!(SEVERITY_LABELS as readonly string[]).includes(severity)) continue;
    records.push({ cveId: item.data.cve.CVE_data_meta.ID, text, label: severity as SeverityLabel, score: v3?.baseScore ?? 0 });
  }
  return { records, skipped };
}

/** Records of several feeds (default {@link SEVERITY_FILES}); a CVE in several feeds is taken from the last one, in first-seen order. */
export function loadSeverityRecords(dataDir: string, files: readonly string[] = SEVERITY_FILES): { records: SeverityRecord[]; skipped: number } {
  const byId = new Map<string, SeverityRecord>();
  let skipped = 0;
  for (const f of files) {
    const r = readNvdFeed(dataDir, f);
    for (const rec of r.records) byId.set(rec.cveId, rec);
    skipped += r.skipped;
  }
  return { records: [...byId.values()], skipped };
}

/** The dedupe key of a description: identical descriptions (case, spacing, punctuation aside) share a split. */
export function descriptionKey(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}
