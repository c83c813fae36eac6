/**
 * The severity training corpus and its splits (issue 14). Two parts, each split 80/10/10 on its
 * own with the same seed, identical descriptions (descriptionKey) kept in one part:
 * - NVD (the 1.1 feeds, data.ts): labels are NVD's CVSS v3 severities. Its split is the one every
 *   earlier severity model used (same records, same call), so test figures stay comparable; the
 *   abstention threshold is chosen on its validation part, because NVD-style severity is what the
 *   model predicts.
 * - CVE 5 (vulnrichment, cve5.ts): labels are the CNA's (else CISA-ADP's) CVSS v3 severities, a
 *   different scorer with its own habits; a CVE already in the NVD part is left out (by id).
 * A training record whose description also appears in a validation or test part of the other
 * source is dropped, so no held-out text is ever trained on. A missing NVD feed is an error
 * (VIGIL_DATA_MISSING); a missing CVE 5 file is listed and left out.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { type Split, shuffled, splitByGroup } from '../ml/index.ts';
import { readCve5SeverityFile, SEVERITY_CVE5_FILES, type SkippedRecord } from './cve5.ts';
import { descriptionKey, loadSeverityRecords, SEVERITY_FILES, type SeverityRecord } from './data.ts';

/** Which files, how many records (tests use a seeded sample). */
export interface SeverityCorpusOptions {
  /** NVD 1.1 feeds, relative to the data folder. */
  files: readonly string[];
  /** CVE 5 JSON Lines files, relative to the data folder; empty = NVD only. */
  cve5Files: readonly string[];
  /** At most this many NVD records (seeded sample). */
  limit?: number;
  /** At most this many CVE 5 records (seeded sample). */
  cve5Limit?: number;
}

/** The two split parts, the merged training set, and what was dropped on the way. */
export interface SeverityCorpus {
  nvd: Split<SeverityRecord>;
  cve5: Split<SeverityRecord>;
  /** NVD train then CVE 5 train, minus records whose text is held out in the other part. */
  train: SeverityRecord[];
  /** Training records dropped because the same description is held out in the other part. */
  droppedAsHeldOut: number;
  /** CVE 5 records left out because the CVE is in the NVD part. */
  cve5InNvd: number;
  /** NVD feed items that failed the schema. */
  nvdSkipped: number;
  /** CVE 5 lines skipped, with their reason. */
  cve5Skipped: SkippedRecord[];
  /** Valid CVE 5 records without a usable label or English text. */
  cve5Unlabelled: number;
  /** CVE 5 files that are not in the data folder (they add data; the model trains without them). */
  cve5Missing: string[];
}

/** Reads both sources and splits them (see the module comment). */
export function loadSeverityCorpus(dataDir: string, options: SeverityCorpusOptions, seed: number): SeverityCorpus {
  const fractions = { train: 0.8, valid: 0.1 };
  const loaded = loadSeverityRecords(dataDir, options.files);
  const nvdRecords = options.limit ? shuffled(loaded.records, seed).slice(0, options.limit) : loaded.records;
  const nvd = splitByGroup(nvdRecords, (r) => descriptionKey(r.text), fractions, seed);
  const nvdIds = new Set(loaded.records.map((r) => r.cveId));
  let cve5Records: SeverityRecord[] = [];
  const cve5Skipped: SkippedRecord[] = [];
  let cve5Unlabelled = 0;
  let cve5InNvd = 0;
  const seen = new Set<string>();
  const cve5Missing: string[] = [];
  for (const f of options.cve5Files) {
    if (!existsSync(path.join(dataDir, f))) {
      cve5Missing.push(f);
      continue;
    }
    const r = readCve5SeverityFile(dataDir, f);
    cve5Skipped.push(...r.skipped);
    cve5Unlabelled += r.unlabelled;
    for (const rec of r.records) {
      if (nvdIds.has(rec.cveId)) cve5InNvd++;
      else if (!seen.has(rec.cveId)) {
        seen.add(rec.cveId);
        cve5Records.push(rec);
      }
    }
  }
  if (options.cve5Limit) cve5Records = shuffled(cve5Records, seed).slice(0, options.cve5Limit);
  const cve5 = splitByGroup(cve5Records, (r) => descriptionKey(r.text), fractions, seed);
  const heldNvd = new Set([...nvd.valid, ...nvd.test].map((r) => descriptionKey(r.text)));
  const heldCve5 = new Set([...cve5.valid, ...cve5.test].map((r) => descriptionKey(r.text)));
  const train = [...nvd.train.filter((r) => !heldCve5.has(descriptionKey(r.text))), ...cve5.train.filter((r) => !heldNvd.has(descriptionKey(r.text)))];
  return {
    nvd,
    cve5,
    train,
    droppedAsHeldOut: nvd.train.length + cve5.train.length - train.length,
    cve5InNvd,
    nvdSkipped: loaded.skipped,
    cve5Skipped,
    cve5Unlabelled,
    cve5Missing,
  };
}

export { SEVERITY_CVE5_FILES, SEVERITY_FILES };
