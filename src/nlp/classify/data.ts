/**
 * Training data of the text classifiers, read from the corpus folder (`dataDir`):
 * - CERT-FR bulletins (`cert-fr/certfr-avis-all-2000-2026.DERIVED.jsonl.gz`: one avis JSON per
 *   line, as served by https://www.cert.ssi.gouv.fr/avis/<REF>/json/), labels from `risks`;
 * - CASIE articles (`news/labelled/casie/DERIVED_casie_article_event_labels.jsonl.gz`: human event
 *   annotation, Satyapanich et al., AAAI 2020);
 * - NewsDataHub's 3,000 headlines (`news/labelled/newsdatahub_cybersecurity_3000/…csv`), whose
 *   flags are keyword matches, not human labels: evaluation only, never training.
 *
 * Every record crosses a zod schema; a bad line is named (file and line number) and skipped.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { parse } from 'csv-parse/sync';
import { z } from 'zod';
import { VigilError } from '../../errors.ts';
import { bulletinImpactLabels, type ImpactLabel } from './impact-labels.ts';

/** A labelled text. `labels === null`: the labels are unknown (left out of training and scoring). */
export interface LabelledText<L extends string = string> {
  id: string;
  text: string;
  labels: L[] | null;
}

/** Corpus files, relative to the data folder. */
export const DATA_FILES = {
  certfr: 'cert-fr/certfr-avis-all-2000-2026.DERIVED.jsonl.gz',
  casie: 'news/labelled/casie/DERIVED_casie_article_event_labels.jsonl.gz',
  newsdatahub: 'news/labelled/newsdatahub_cybersecurity_3000/cybersecurity-news-en-title-3000.csv',
} as const;

/**
 * The absolute path of a corpus file.
 * @throws VigilError VIGIL_DATA_MISSING naming the file when it is not there.
 */
export function dataFile(dataDir: string, relative: string): string {
  const file = path.join(dataDir, relative);
  if (!existsSync(file)) throw new VigilError('VIGIL_DATA_MISSING', [file]);
  return file;
}

/** Lines of a gzipped JSON Lines file, each parsed by `schema`; bad lines are reported through `onError` and skipped. */
function readJsonLines<T>(file: string, schema: z.ZodType<T>, onError: (message: string) => void): T[] {
  const lines = gunzipSync(readFileSync(file)).toString('utf8').split('\n');
  const out: T[] = [];
  lines.forEach((line, i) => {
    if (!line.trim()) return;
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch (err) {
      onError(`${file}:${i + 1}: ${(err as Error).message}`);
      return;
    }
    const parsed = schema.safeParse(raw);
    if (parsed.success) out.push(parsed.data);
    else {
      const issue = parsed.error.issues[0];
      onError(`${file}:${i + 1}: ${issue?.path.join('.')}: ${issue?.message}`);
    }
  });
  return out;
}

/** The fields of a CERT-FR avis the impact classifier reads. */
export const CertFrAvis = z.object({
  reference: z.string().min(1),
  title: z.string(),
  summary: z.string().nullable(),
  content: z.string().nullable(),
  risks: z.array(z.object({ description: z.string() })),
});
export type CertFrAvis = z.infer<typeof CertFrAvis>;

/** A bulletin's text as the classifier sees it: title, summary and content (Markdown as is). */
export function certFrText(avis: Pick<CertFrAvis, 'title' | 'summary' | 'content'>): string {
  return [avis.title, avis.summary ?? '', avis.content ?? ''].filter((s) => s.trim()).join('\n\n');
}

/**
 * Removes CERT-FR's templated impact sentence ("Elles permettent à un attaquant de provoquer une
 * exécution de code arbitraire à distance, …"), which restates `risks` word for word in most
 * bulletins since 2014. Used to measure what the model learns from the rest of the text.
 */
export function stripRiskSentence(text: string): string {
  return text.replace(/(Certaines d'entre elles|Elles?|Celle-ci|Elle|Ils?)\s+permet(tent)?\s+à\s+un\s+attaquant\s+de\s+provoquer[^.]*\./gi, '');
}

/** CERT-FR bulletins with their impact labels (null: only "Non spécifié par l'éditeur"). */
export function loadCertFr(dataDir: string, onError: (message: string) => void = () => {}): LabelledText<ImpactLabel>[] {
  const file = dataFile(dataDir, DATA_FILES.certfr);
  return readJsonLines(file, CertFrAvis, onError).map((a) => ({
    id: a.reference,
    text: certFrText(a),
    labels: bulletinImpactLabels(a.risks.map((r) => r.description)),
  }));
}

/** CASIE event types (its annotation names) → Vigil's event labels. */
export const CASIE_EVENTS = {
  Databreach: 'data-breach',
  Phishing: 'phishing',
  Ransom: 'ransom',
  DiscoverVulnerability: 'vulnerability-disclosed',
  PatchVulnerability: 'patch',
} as const;

/** The news event labels. */
export const EVENT_LABELS = ['data-breach', 'phishing', 'ransom', 'vulnerability-disclosed', 'patch'] as const;
export type EventLabel = (typeof EVENT_LABELS)[number];

const CasieArticle = z.object({
  sourcefile: z.string().min(1),
  title: z.string().nullable().optional(),
  text: z.string(),
  event_types: z.array(z.string()),
});

/**
 * CASIE articles with their event labels (multi-label; an article with no annotated event has
 * `[]`, a true negative for every type).
 * @throws VigilError VIGIL_DATA_MISSING when the file is not there.
 */
export function loadCasie(dataDir: string, onError: (message: string) => void = () => {}): LabelledText<EventLabel>[] {
  const file = dataFile(dataDir, DATA_FILES.casie);
  return readJsonLines(file, CasieArticle, onError).map((a) => {
    const labels = new Set<EventLabel>();
    for (const t of a.event_types) {
      const l = CASIE_EVENTS[t as keyof typeof CASIE_EVENTS];
      if (l) labels.add(l);
      else onError(`${file}: ${a.sourcefile}: unknown event type "${t}" ignored`);
    }
    return { id: a.sourcefile, text: [a.title ?? '', a.text].filter(Boolean).join('\n\n'), labels: EVENT_LABELS.filter((l) => labels.has(l)) };
  });
}

const NewsDataHubRow = z.object({
  id: z.string().min(1),
  title: z.string(),
  description: z.string(),
  mentions_ransomware: z.enum(['True', 'False']),
  mentions_data_breach: z.enum(['True', 'False']),
});

/**
 * NewsDataHub headlines (title + description) with the two flags that match an event label:
 * `mentions_ransomware` → ransom, `mentions_data_breach` → data-breach. The flags are keyword
 * matches (their README: "can include incidental references"): an agreement figure, not accuracy.
 */
export function loadNewsDataHub(dataDir: string, onError: (message: string) => void = () => {}): LabelledText<'ransom' | 'data-breach'>[] {
  const file = dataFile(dataDir, DATA_FILES.newsdatahub);
  const rows: unknown[] = parse(readFileSync(file, 'utf8'), { columns: true, skip_empty_lines: true });
  const out: LabelledText<'ransom' | 'data-breach'>[] = [];
  rows.forEach((raw, i) => {
    const parsed = NewsDataHubRow.safeParse(raw);
    if (!parsed.success) {
      onError(`${file}: row ${i + 1}: ${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message}`);
      return;
    }
    const r = parsed.data;
    const labels: ('ransom' | 'data-breach')[] = [];
    if (r.mentions_data_breach === 'True') labels.push('data-breach');
    if (r.mentions_ransomware === 'True') labels.push('ransom');
    out.push({ id: r.id, text: `${r.title}\n\n${r.description}`, labels });
  });
  return out;
}
