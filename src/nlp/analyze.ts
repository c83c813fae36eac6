/**
 * The one analysis function (issue 14): text → IOCs (warninglisted ones flagged), CVE ids,
 * entities, ATT&CK techniques per sentence, impact/event labels and a predicted severity. Used by
 * the intel pipeline (each stored document), `vigil analyze` and `POST /api/v1/analysis/text`.
 *
 * Parts whose model is not trained yet are skipped and named in `models.missing`; the IOC
 * extractor and the gazetteers need no model. Building loads every model file once
 * ({@link createAnalyzer}); `analyze` is then synchronous and pure.
 */
import { existsSync, statSync } from 'node:fs';
import type { VigilConfig } from '../config.ts';
import type { Stores } from '../store/index.ts';
import { loadTextClassifiers } from './classify/index.ts';
import type { AnalyzerContext } from './context.ts';
import { createIocExtractor, loadWarninglists, warninglistsDir } from './ioc/index.ts';
import { ModelRepository } from './models.ts';
import { loadEntityRecognizer } from './ner/index.ts';
import { loadSeverityModel } from './severity/index.ts';
import { loadTechniqueClassifier } from './techniques/index.ts';
import { sentences } from './text.ts';
import type { AnalysisResult, AnalyzeOptions, Analyzer, Entity, Ioc, ModelStamp, TechniqueHit } from './types.ts';

/** Most techniques reported per text (the best-scored sentence of each technique, best first). */
const MAX_TECHNIQUES = 50;

/** Sentences longer than this (characters) are not given to the technique classifier (tables, dumps). */
const MAX_SENTENCE_CHARS = 2_000;

/** A sentence the technique classifier is given: prose of at least this many words. */
const MIN_SENTENCE_WORDS = 5;

/** Parts of a text an indicator list is made of: the IOCs' values and written forms, lowercase. */
function indicatorWords(found: readonly Ioc[]): Set<string> {
  const words = new Set<string>();
  for (const ioc of found) {
    if (ioc.type === 'cve' || ioc.type === 'attack') continue;
    words.add(ioc.value.toLowerCase());
    words.add(ioc.original.toLowerCase());
  }
  return words;
}

// Brackets stay inside a piece: defanged indicators are written with them (`evil[.]com`).
const PIECES = /[^\s|,;()<>"'`{}]+/g;

/** Characters of `text` inside pieces that are indicators (hashes, addresses, URLs…). */
function indicatorChars(text: string, words: Set<string>): number {
  let n = 0;
  for (const m of text.matchAll(PIECES)) {
    // Markup around an indicator (`++http://…++`, `*evil[.]com*`) is not part of it.
    const piece = m[0].toLowerCase().replace(/^[^\p{L}\p{N}]+|[^\p{L}\p{N}/]+$/gu, '');
    if (words.has(piece)) n += m[0].length;
  }
  return n;
}

/**
 * Whether a sentence is prose the technique classifier can judge: TRAM's training sentences are
 * prose, and on headings ("=== Registry keys"), table rows and indicator lists it answers
 * confidently and wrongly. At least {@link MIN_SENTENCE_WORDS} words of letters, three of them
 * lowercase words standing alone (not inside a path), no table row (`|a|b|`), and indicators
 * under a third of its characters.
 */
export function isProse(sentence: string, words: Set<string>): boolean {
  return (
    atLeast(LETTER_WORD, sentence, MIN_SENTENCE_WORDS) &&
    // Prose has lowercase words ("used", "the"); paths and identifiers mostly do not.
    atLeast(LOWER_WORD, sentence, 3) &&
    sentence.indexOf('|') === sentence.lastIndexOf('|') &&
    indicatorChars(sentence, words) * 3 < sentence.length
  );
}

const LETTER_WORD = /\p{L}[\p{L}'’-]*/gu;
const LOWER_WORD = /(?<![\p{L}\p{N}_\\/.])\p{Ll}{2,}(?![\p{L}\p{N}_\\/.])/gu;

/** Whether the global regex `re` (never matching empty) matches `text` at least `n` times; stops at the n-th match. */
function atLeast(re: RegExp, text: string, n: number): boolean {
  re.lastIndex = 0;
  let k = 0;
  while (k < n && re.exec(text)) k++;
  return k >= n;
}

/**
 * Whether a tagger's entity is worth showing: not an indicator (a hash, an address, a path the
 * IOC extractor reports), not across lines, with letters, not a long random-looking run (base64,
 * keys), not code or a path (`::`, `->`, a backslash, a leading `~` or backtick) and not over 60 characters. Gazetteer entities are exact matches and always kept.
 */
export function isPlausibleEntity(entity: Entity, words: Set<string>): boolean {
  if (entity.source === 'gazetteer') return true;
  const t = entity.text;
  if (t.length > 60 || /[\n\r|]/.test(t) || !/\p{L}/u.test(t)) return false;
  if (indicatorChars(t, words) > 0) return false;
  // Code and paths: C++ members (`InjectManager::LoadNtdll`), destructors (`~LTManager`), code
  // spans (`` `AutorunManager ``), pointers (`a->b`) and registry or file paths (`HKCU\Software`).
  if (/::|->|\\/.test(t) || /^[~`]/.test(t)) return false;
  // Base64, keys and other random runs: one long piece mixing cases and digits, or with / + =.
  for (const piece of t.split(/\s+/)) {
    if (piece.length >= 12 && /\d/.test(piece) && /[a-z]/.test(piece) && /[A-Z]/.test(piece)) return false;
    if (piece.length >= 12 && /[/+=]/.test(piece) && !/^https?:/.test(piece) && !/[\\]/.test(piece)) return false;
  }
  return true;
}

/**
 * Builds an analyzer from the configured model folder and warninglists.
 * @throws VigilError VIGIL_MODEL_INVALID when a model file is damaged (a missing one is not an error).
 */
export async function createAnalyzer(ctx: AnalyzerContext): Promise<Analyzer> {
  const wlDir = warninglistsDir(ctx.config);
  const warninglists = wlDir ? await loadWarninglists(wlDir) : null;
  const iocs = createIocExtractor(warninglists);
  const [entities, techniques, severity, classify] = await Promise.all([
    loadEntityRecognizer(ctx),
    loadTechniqueClassifier(ctx),
    loadSeverityModel(ctx),
    loadTextClassifiers(ctx),
  ]);
  const used: ModelStamp[] = [...entities.models];
  const missing: string[] = [...entities.missing, ...classify.missing];
  if (techniques) used.push(techniques.model);
  else missing.push('techniques');
  if (severity) used.push(severity.model);
  else missing.push('severity');
  for (const c of classify.classifiers) used.push(c.model);

  function analyze(text: string, options: AnalyzeOptions = {}): AnalysisResult {
    const found = iocs.extract(text);
    const cves: string[] = [];
    for (const ioc of found) if (ioc.type === 'cve' && !cves.includes(ioc.value)) cves.push(ioc.value);
    const words = indicatorWords(found);
    const hits: TechniqueHit[] = [];
    if (techniques) {
      const spans = sentences(text).filter((s) => s.text.length <= MAX_SENTENCE_CHARS && isProse(s.text, words));
      const results = techniques.classify(spans.map((s) => s.text));
      const best = new Map<string, TechniqueHit>();
      results.forEach((list, i) => {
        for (const { id, score } of list) {
          const seen = best.get(id);
          if (!seen || score > seen.score) best.set(id, { id, name: techniques.name(id), score, sentence: spans[i]?.text ?? '' });
        }
      });
      hits.push(...[...best.values()].sort((a, b) => b.score - a.score || a.id.localeCompare(b.id)).slice(0, MAX_TECHNIQUES));
    }
    return {
      iocs: found,
      cves,
      entities: entities.recognizer.recognize(text).filter((e) => isPlausibleEntity(e, words)),
      techniques: hits,
      classification: {
        labels: classify.classifiers.flatMap((c) => c.predict(text, options.lang).map((l) => ({ ...l, scheme: c.scheme }))),
      },
      severity: severity && options.severity !== false ? severity.predict(text) : null,
      models: { used, missing },
    };
  }

  return { analyze, warninglists };
}

/** How often a long-lived analyzer checks whether a model was retrained (seconds). */
const RELOAD_CHECK_SECONDS = 30;

/**
 * The `current` version of every model in the folder, as one string: it changes when
 * `vigil nlp train` (or `vigil warninglists update`) writes a new version.
 */
export function modelsSignature(models: ModelRepository, warninglists: string | null = null): string {
  const parts = models.list().map((m) => `${m.name}@${m.version}`);
  if (warninglists && existsSync(warninglists)) parts.push(`warninglists@${statSync(warninglists).mtimeMs}`);
  return parts.join(',');
}

/**
 * An analyzer that rebuilds itself when the model files change (checked at most every
 * {@link RELOAD_CHECK_SECONDS} seconds): a long-running `vigil serve` picks up a model trained
 * after it started, in the process and in its analysis thread alike. A failed build is retried at
 * the next check.
 */
export function reloadingAnalyzer(ctx: AnalyzerContext, now: () => number = Date.now): { get(): Promise<Analyzer> } {
  let current: Promise<Analyzer> | null = null;
  let signature = '';
  let checked = 0;
  const wlDir = () => warninglistsDir(ctx.config);
  return {
    get() {
      if (current && now() - checked < RELOAD_CHECK_SECONDS * 1000) return current;
      checked = now();
      const sig = modelsSignature(ctx.models, wlDir());
      if (!current || sig !== signature) {
        signature = sig;
        const built = createAnalyzer(ctx);
        built.catch(() => {
          if (current === built) current = null;
        });
        current = built;
      }
      return current;
    },
  };
}

const cache = new Map<string, { get(): Promise<Analyzer> }>();

/**
 * The analyzer for this configuration, built once per process and model folder (the API and the
 * daemon share it) and rebuilt when a model is retrained ({@link reloadingAnalyzer}).
 * {@link forgetAnalyzers} drops it at once.
 */
export function sharedAnalyzer(config: VigilConfig, stores?: Stores): Promise<Analyzer> {
  const key = `${config.nlp.modelDir}\0${config.nlp.warninglistsDir ?? ''}\0${config.dataDir}`;
  let analyzer = cache.get(key);
  if (!analyzer) {
    analyzer = reloadingAnalyzer({ config, models: new ModelRepository(config.nlp.modelDir), ...(stores ? { stores } : {}) });
    cache.set(key, analyzer);
  }
  return analyzer.get();
}

/** Forgets the shared analyzers (after `vigil nlp train` or a warninglists update in this process). */
export function forgetAnalyzers(): void {
  cache.clear();
}
