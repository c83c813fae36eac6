/**
 * TRAM training and evaluation data (issue 14), read from the corpus folder (`dataDir`,
 * `text-classification/tram/`, from center-for-threat-informed-defense/tram, Apache-2.0):
 * - `single_label.json`: annotated sentences `{text, label, doc_title}` of 149 CTI reports;
 * - `tram2-mat-annotated-reports.DERIVED.jsonl.gz`: the full annotated reports (MITRE Annotation
 *   Toolkit documents): every sentence of a report, labelled with the techniques whose annotated
 *   spans fall in it, or none — these teach "no technique" in the setting the model is used in;
 * - `bootstrap-training-data.json.gz`: analyst-mapped sentences (ATT&CK procedure examples);
 * - `negative_data.json.gz`: sentences and fragments describing no technique.
 * Labels are restricted to the 50 techniques of TRAM's own model (`bert_model-classes.txt`).
 * Every record crosses a zod schema; a bad record is named (file and index) and skipped.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { z } from 'zod';
import { VigilError } from '../../errors.ts';
import { sentences } from '../text.ts';

/** Corpus files, relative to the data folder. */
export const TRAM_FILES = {
  classes: 'text-classification/tram/bert_model-classes.txt',
  single: 'text-classification/tram/single_label.json',
  reports: 'text-classification/tram/tram2-mat-annotated-reports.DERIVED.jsonl.gz',
  bootstrap: 'text-classification/tram/bootstrap-training-data.json.gz',
  negative: 'text-classification/tram/negative_data.json.gz',
  names: 'attack/enterprise-attack-v18.1-techniques.DERIVED.tsv',
} as const;

/** One sentence with its in-scope technique ids (empty: none). `group`: the report it comes from. */
export interface TechniqueExample {
  text: string;
  labels: string[];
  group: string;
  source: 'single' | 'report' | 'bootstrap' | 'negative';
  /** A report sentence whose only annotations are techniques outside the 50 classes: not a clean negative. */
  outOfScope?: boolean;
}

const SingleLabel = z.array(z.object({ text: z.string(), label: z.string(), doc_title: z.string() }));
const Bootstrap = z.object({
  sentences: z.array(z.object({ text: z.string(), mappings: z.array(z.object({ attack_id: z.string() })).default([]) })),
});
const Negative = z.array(z.string());
const MatReport = z.object({
  file: z.string(),
  mjson: z.object({
    signal: z.string(),
    asets: z.array(z.object({ type: z.string(), annots: z.array(z.array(z.unknown())).nullable().default([]) })),
  }),
});

function file(dataDir: string, rel: string): string {
  const p = path.join(dataDir, rel);
  if (!existsSync(p)) throw new VigilError('VIGIL_DATA_MISSING', [p]);
  return p;
}

function readText(dataDir: string, rel: string): string {
  const p = file(dataDir, rel);
  const buf = readFileSync(p);
  return (rel.endsWith('.gz') ? gunzipSync(buf) : buf).toString('utf8');
}

function parseJson(text: string, rel: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new VigilError('VIGIL_DATA_MISSING', [`${rel}: not JSON (${(err as Error).message})`], { cause: err });
  }
}

/** The report key of a title or file name: lowercase letters and digits only (titles and file names differ in punctuation). */
export function reportKey(title: string): string {
  return title
    .replace(/\.mjson$/, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, '');
}

/** The 50 technique ids TRAM's model predicts, in file order. */
export function tramClasses(dataDir: string): string[] {
  return readText(dataDir, TRAM_FILES.classes)
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => /^T\d{4}(\.\d{3})?$/.test(l));
}

/**
 * The annotated reports. The DERIVED file is one JSON document per line, but report texts keep raw
 * control characters (new lines inside strings): records are split where a line starts a new
 * `{"file":` and the control characters escaped before parsing.
 */
export function readReports(dataDir: string): z.infer<typeof MatReport>[] {
  const text = readText(dataDir, TRAM_FILES.reports);
  const out: z.infer<typeof MatReport>[] = [];
  const records = text.trim().split(/\n(?=\{"file":)/);
  records.forEach((rec, i) => {
    // biome-ignore lint/suspicious/noControlCharactersInRegex: raw control characters are exactly what must be escaped here
    const escaped = rec.replace(/[\u0000-\u001f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
    const parsed = MatReport.safeParse(parseJson(escaped, `${TRAM_FILES.reports} record ${i + 1}`));
    if (parsed.success) out.push(parsed.data);
    else console.warn(`${TRAM_FILES.reports} record ${i + 1}: ${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message} (skipped)`);
  });
  return out;
}

/**
 * Sentences of one annotated report with their techniques: a technique labels a sentence when at
 * least half of one of its annotated spans, or half of the sentence, lies in the sentence.
 */
export function reportSentences(report: z.infer<typeof MatReport>, classes: ReadonlySet<string>): TechniqueExample[] {
  const spans: { id: string; start: number; end: number }[] = [];
  for (const aset of report.mjson.asets) {
    const id = /\((T\d{4}(?:\.\d{3})?)\)\s*$/.exec(aset.type)?.[1];
    if (!id) continue;
    for (const a of aset.annots ?? []) {
      const [start, end] = a;
      if (typeof start === 'number' && typeof end === 'number' && end > start) spans.push({ id, start, end });
    }
  }
  const group = reportKey(report.file);
  return sentences(report.mjson.signal).map((s) => {
    const inside = new Set<string>();
    for (const sp of spans) {
      const overlap = Math.min(sp.end, s.end) - Math.max(sp.start, s.start);
      if (overlap > 0 && (overlap >= (sp.end - sp.start) / 2 || overlap >= (s.end - s.start) / 2)) inside.add(sp.id);
    }
    const labels = [...inside].filter((id) => classes.has(id)).sort();
    return { text: s.text, labels, group, source: 'report' as const, ...(inside.size > 0 && labels.length === 0 ? { outOfScope: true } : {}) };
  });
}

/** Everything TRAM offers, as examples (labels restricted to `classes`). */
export function loadTramExamples(dataDir: string, classes: readonly string[]): { examples: TechniqueExample[]; files: string[] } {
  const scope = new Set(classes);
  const examples: TechniqueExample[] = [];
  const single = SingleLabel.parse(parseJson(readText(dataDir, TRAM_FILES.single), TRAM_FILES.single));
  for (const r of single) if (scope.has(r.label)) examples.push({ text: r.text, labels: [r.label], group: reportKey(r.doc_title), source: 'single' });
  for (const report of readReports(dataDir)) examples.push(...reportSentences(report, scope));
  const boot = Bootstrap.parse(parseJson(readText(dataDir, TRAM_FILES.bootstrap), TRAM_FILES.bootstrap));
  for (const s of boot.sentences) {
    const labels = [...new Set(s.mappings.map((m) => m.attack_id).filter((id) => scope.has(id)))].sort();
    if (labels.length > 0) examples.push({ text: s.text, labels, group: 'bootstrap', source: 'bootstrap' });
  }
  const neg = Negative.parse(parseJson(readText(dataDir, TRAM_FILES.negative), TRAM_FILES.negative));
  neg.forEach((text, i) => {
    if (text.trim()) examples.push({ text, labels: [], group: `negative-${i}`, source: 'negative' });
  });
  return { examples, files: [TRAM_FILES.classes, TRAM_FILES.single, TRAM_FILES.reports, TRAM_FILES.bootstrap, TRAM_FILES.negative] };
}

/** ATT&CK technique names by id from the enterprise TSV (`attack_id`, `name` columns); empty when the file is missing. */
export function techniqueNames(dataDir: string): Map<string, string> {
  const p = path.join(dataDir, TRAM_FILES.names);
  const names = new Map<string, string>();
  if (!existsSync(p)) return names;
  const lines = readFileSync(p, 'utf8').split(/\r?\n/);
  const header = (lines[0] ?? '').split('\t');
  const idCol = header.indexOf('attack_id');
  const nameCol = header.indexOf('name');
  if (idCol < 0 || nameCol < 0) throw new VigilError('VIGIL_DATA_MISSING', [`${p}: no attack_id/name columns`]);
  const base = new Map<string, string>();
  for (const line of lines.slice(1)) {
    const cols = line.split('\t');
    const id = cols[idCol];
    const name = cols[nameCol];
    if (id && name) base.set(id, name);
  }
  // Sub-techniques are named with their parent, as ATT&CK writes them ("OS Credential Dumping: LSASS Memory").
  for (const [id, name] of base) {
    const parent = id.includes('.') ? base.get(id.split('.')[0] as string) : undefined;
    names.set(id, parent ? `${parent}: ${name}` : name);
  }
  return names;
}
