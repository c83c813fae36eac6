/**
 * The text rendering of an {@link AnalysisResult} (`vigil analyze` without `--json`): IOCs (each
 * value once, with how the text wrote it when defanged and its warninglist), CVEs, entities by
 * type, ATT&CK techniques, labels, the predicted severity and the models used or missing.
 */
import { clipWords } from '../analysis/title.ts';
import type { AnalysisResult, Entity, Ioc, SeverityPrediction } from '../nlp/types.ts';
import { table } from './format.ts';

/** Widths of cut text: an IOC value, a technique's sentence. */
const VALUE_WIDTH = 90;
const SENTENCE_WIDTH = 100;

/** One row per distinct indicator (type + value), in order of first appearance, with its count. */
export function distinctIocs(iocs: readonly Ioc[]): { ioc: Ioc; count: number; originals: string[] }[] {
  const rows = new Map<string, { ioc: Ioc; count: number; originals: string[] }>();
  for (const ioc of iocs) {
    const key = `${ioc.type}\0${ioc.value}`;
    const row = rows.get(key);
    if (!row) rows.set(key, { ioc, count: 1, originals: ioc.original.toLowerCase() === ioc.value.toLowerCase() ? [] : [ioc.original] });
    else {
      row.count++;
      if (ioc.original.toLowerCase() !== ioc.value.toLowerCase() && !row.originals.includes(ioc.original)) row.originals.push(ioc.original);
    }
  }
  return [...rows.values()];
}

/** `predicted: HIGH (0.93, model severity@2)`; an abstention says so. Never worded as NVD's. */
export function formatSeverity(s: SeverityPrediction): string {
  const p = s.probability.toFixed(2);
  return s.label ? `predicted: ${s.label} (${p}, model ${s.model})` : `predicted: none (the model abstains below its threshold: ${p}, model ${s.model})`;
}

function iocSection(iocs: readonly Ioc[]): string[] {
  const rows = distinctIocs(iocs);
  if (!rows.length) return ['IOCs: none found'];
  const flagged = rows.filter((r) => r.ioc.warning).length;
  return [
    `IOCs (${rows.length} distinct${flagged ? `, ${flagged} on a MISP warninglist: possible false positives, check the list` : ''})`,
    table(
      ['TYPE', 'VALUE', 'SEEN', 'AS WRITTEN (defanged)', 'WARNINGLIST'],
      rows.map((r) => [
        r.ioc.type,
        clipWords(r.ioc.value, VALUE_WIDTH),
        r.count > 1 ? `×${r.count}` : '',
        r.originals.map((o) => clipWords(o, VALUE_WIDTH)).join(', '),
        r.ioc.warning ? `on warninglist ${r.ioc.warning.name} (${r.ioc.warning.list})` : '',
      ]),
    ),
  ];
}

function entitySection(entities: readonly Entity[]): string[] {
  if (!entities.length) return ['Entities: none found'];
  const byType = new Map<string, Map<string, Entity & { count: number }>>();
  for (const e of entities) {
    const group = byType.get(e.type) ?? new Map<string, Entity & { count: number }>();
    byType.set(e.type, group);
    const key = `${e.text.toLowerCase()}\0${e.source}`;
    const seen = group.get(key);
    if (seen) seen.count++;
    else group.set(key, { ...e, count: 1 });
  }
  const out = ['Entities'];
  for (const [type, group] of byType) {
    const items = [...group.values()].map((e) => {
      const via = e.source === 'gazetteer' ? `gazetteer${e.id ? ` ${e.id}` : ''}` : 'model';
      return `${e.text} (${via}${e.count > 1 ? `, ×${e.count}` : ''})`;
    });
    out.push(`  ${type}: ${items.join(', ')}`);
  }
  return out;
}

function techniqueSection(r: AnalysisResult): string[] {
  if (!r.techniques.length) return [r.models.missing.includes('techniques') ? 'ATT&CK techniques: model not trained' : 'ATT&CK techniques: none found'];
  return [
    `ATT&CK techniques (${r.techniques.length})`,
    table(
      ['ID', 'NAME', 'SCORE', 'SENTENCE'],
      r.techniques.map((t) => [t.id, t.name, t.score.toFixed(2), clipWords(t.sentence.replace(/\s+/g, ' '), SENTENCE_WIDTH)]),
    ),
  ];
}

function modelSection(r: AnalysisResult): string[] {
  const used = r.models.used.map((m) => `${m.name}@${m.version} (trained ${m.trainedAt.slice(0, 10)})`);
  const out = [`Models: ${used.length ? used.join(', ') : 'none trained'}`];
  if (r.models.missing.length) out.push(`  not trained yet: ${r.models.missing.join(', ')} (those parts are empty): run \`vigil nlp train\``);
  return out;
}

/** The readable report of one analysis, sections separated by blank lines. */
export function formatAnalysis(r: AnalysisResult): string {
  const labels = r.classification.labels;
  const sections = [
    iocSection(r.iocs),
    [`CVEs: ${r.cves.length ? r.cves.join(' ') : 'none named'}`],
    entitySection(r.entities),
    techniqueSection(r),
    labels.length ? ['Labels', ...labels.map((l) => `  ${l.scheme}: ${l.label} (${l.probability.toFixed(2)})`)] : ['Labels: none'],
    [`Severity: ${r.severity ? formatSeverity(r.severity) : r.models.missing.includes('severity') ? 'not predicted (model not trained)' : 'not predicted'}`],
    modelSection(r),
  ];
  return sections.map((s) => s.join('\n')).join('\n\n');
}
