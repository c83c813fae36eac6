/**
 * Entity recognition (issue 14): ATT&CK gazetteers + the trained sequence taggers.
 *
 * {@link loadEntityRecognizer} builds the analyzer's recognizer: exact ATT&CK names and aliases
 * (gazetteer.ts) always; then the trained taggers, each entity type from the tagger whose
 * dev/valid F1 on that type is best (with the corpus models: `ner-dnrti` for actors, tools,
 * vulnerabilities, techniques, organisations, sectors, places and times; `ner-aptner` for malware and
 * products, DNRTI having no malware tag), so two tagger passes. `ner-cyner` (all of its types
 * measured lower, and a third pass) competes only with `{ cynerProducts: true }` or alone.
 * Gazetteer hits win over overlapping model spans; model spans of types without an
 * {@link EntityType} (indicators, hashes, file names: the IOC extractor's job) are dropped.
 * Full dates (`March 5, 2024`) come from a regex (`time`) and win over the taggers' spans, which
 * often split them; gazetteer hits win over both. The store's vendors and products
 * (cpe-gazetteer.ts; from `ctx.stores` or `ctx.vendorProducts`, re-read hourly) come right after
 * the ATT&CK names, which they never override.
 *
 * Scheme tags → EntityType:
 *
 * | EntityType   | APTNER            | DNRTI           | CyNER         |
 * |--------------|-------------------|-----------------|---------------|
 * | threat-actor | APT               | HackOrg         |               |
 * | malware      | MAL               |                 | Malware       |
 * | tool         | TOOL              | Tool            |               |
 * | vulnerability| VULNAME, VULID    | Exp             | Vulnerability |
 * | technique    | ACT               | OffAct, Way     |               |
 * | product      | OS                |                 | System        |
 * | organization | SECTEAM           | SecTeam, Org    | Organization  |
 * | sector       | IDTY              | Idus            |               |
 * | location     | LOC               | Area            |               |
 * | time         | TIME              | Time            |               |
 * | (dropped)    | IP, DOM, URL, EMAIL, MD5, SHA1, SHA2, FILE, PROT, ENCR | SamFile, Purp, Features | Indicator |
 */

import { productKey } from '../../enrich/product-key.ts';
import { VigilError } from '../../errors.ts';
import { type AnalyzerContext, storeVendorProducts } from '../context.ts';
import { stampOf } from '../models.ts';
import { type Span, sentences, tokens } from '../text.ts';
import type { Entity, EntityRecognizer, EntityType, ModelDefinition, ModelStamp } from '../types.ts';
import { type LiveCpeGazetteer, liveCpeGazetteer } from './cpe-gazetteer.ts';
import { buildGazetteer, COMMON_WORDS, type Gazetteer, loadAttackGazetteer } from './gazetteer.ts';
import { NER_DATASETS, type NerDataset, nerModelDefinitions } from './models.ts';
import { chunks } from './seqeval.ts';
import { createTagger, type Tagger, TaggerPayloadSchema } from './tagger.ts';

/** Trainable NER models (one per CTI NER set). */
export const nerModels: ModelDefinition[] = nerModelDefinitions;

/** Scheme entity types → {@link EntityType} (absent: dropped). */
export const TYPE_MAP: Record<NerDataset['scheme'], Record<string, EntityType>> = {
  aptner: {
    APT: 'threat-actor',
    MAL: 'malware',
    TOOL: 'tool',
    VULNAME: 'vulnerability',
    VULID: 'vulnerability',
    ACT: 'technique',
    OS: 'product',
    SECTEAM: 'organization',
    IDTY: 'sector',
    LOC: 'location',
    TIME: 'time',
  },
  dnrti: {
    HackOrg: 'threat-actor',
    Tool: 'tool',
    Exp: 'vulnerability',
    OffAct: 'technique',
    Way: 'technique',
    SecTeam: 'organization',
    Org: 'organization',
    Idus: 'sector',
    Area: 'location',
    Time: 'time',
  },
  cyner: { Malware: 'malware', Vulnerability: 'vulnerability', System: 'product', Organization: 'organization' },
};

/** Longest sentence (tokens) given to a tagger at once; longer ones are cut into windows. */
const WINDOW = 200;

/**
 * Loads the trained tagger `ner-<scheme>`.
 * @throws VigilError VIGIL_MODEL_MISSING when it is not trained; VIGIL_MODEL_INVALID when its payload fails the schema.
 */
export function loadTagger(models: AnalyzerContext['models'], scheme: NerDataset['scheme']): { tagger: Tagger; stamp: ModelStamp } {
  const name = `ner-${scheme}`;
  const file = models.load(name);
  if (!file) throw new VigilError('VIGIL_MODEL_MISSING', [name, name]);
  const parsed = TaggerPayloadSchema.safeParse(file.payload);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new VigilError('VIGIL_MODEL_INVALID', [`${name}@${file.version}`, `payload.${issue?.path.join('.')}: ${issue?.message}`]);
  }
  return { tagger: createTagger(parsed.data), stamp: stampOf(file) };
}

/** A text's sentences with their word tokens (offsets relative to the sentence), split once for all taggers. */
export interface PreparedSentence {
  start: number;
  toks: Span[];
  words: string[];
}

/** Splits text into {@link PreparedSentence}s. */
export function prepareText(text: string): PreparedSentence[] {
  return sentences(text).map((s) => {
    const toks = tokens(s.text);
    return { start: s.start, toks, words: toks.map((t) => t.text) };
  });
}

/** A tagger pass of the recognizer: its scheme's type map, and the types it is trusted with (all when absent). */
interface TaggerRun {
  tagger: Tagger;
  map: Record<string, EntityType>;
  only?: ReadonlySet<EntityType>;
}

/** Adds the entities of `run` on one sentence's tokens to `out` (offsets in `text`). */
function tagSentence(text: string, start: number, toks: readonly Span[], words: string[], run: TaggerRun, out: Entity[]): void {
  const { tagger, map, only } = run;
  for (let from = 0; from < toks.length; from += WINDOW) {
    const window = toks.length <= WINDOW ? words : words.slice(from, from + WINDOW);
    for (const c of chunks(tagger.tag(window), tagger.scheme)) {
      const type = map[c.type];
      if (!type || (only && !only.has(type))) continue;
      const s = start + (toks[from + c.start]?.start ?? 0);
      const e = start + (toks[from + c.end - 1]?.end ?? 0);
      out.push({ type, text: text.slice(s, e), start: s, end: e, source: 'model' });
    }
  }
}

/** Entities a tagger finds in text, with character offsets; `only` keeps those types; `prepared`: the text already split. */
export function taggedEntities(
  text: string,
  tagger: Tagger,
  map: Record<string, EntityType>,
  only?: ReadonlySet<EntityType>,
  prepared: readonly PreparedSentence[] = prepareText(text),
): Entity[] {
  const out: Entity[] = [];
  const run = { tagger, map, ...(only ? { only } : {}) };
  for (const s of prepared) tagSentence(text, s.start, s.toks, s.words, run, out);
  return out;
}

/**
 * The entities of each run on `text`, as {@link taggedEntities} gives them, with each sentence split
 * once and tagged by every run in turn (its tokens die young, and taggers sharing a gazetteer
 * share its tags).
 */
export function runTaggers(text: string, runs: readonly TaggerRun[], all: readonly Span[] = tokens(text)): Entity[][] {
  const out = runs.map((): Entity[] => []);
  let k = 0;
  for (const s of sentences(text)) {
    // A sentence starts and ends at white space (or the text's ends), which no token crosses: its
    // tokens are the text's tokens between its offsets (tested against tokenising the sentence).
    while (k < all.length && (all[k] as Span).end <= s.start) k++;
    const from = k;
    while (k < all.length && (all[k] as Span).start < s.end) k++;
    const toks = all.slice(from, k);
    const words = toks.map((t) => t.text);
    for (let j = 0; j < runs.length; j++) tagSentence(text, 0, toks, words, runs[j] as TaggerRun, out[j] as Entity[]);
  }
  return out;
}

const MONTH = '(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)';
const DATE = new RegExp(`\\b(?:\\d{4}-\\d{2}-\\d{2}|${MONTH}\\.? \\d{1,2}(?:st|nd|rd|th)?,? \\d{4}|\\d{1,2} ${MONTH}\\.? \\d{4}|${MONTH} \\d{4})\\b`, 'g');

/** Date mentions (`2024-03-01`, `March 5, 2024`, `5 March 2024`, `March 2024`) as `time` entities. */
export function dateEntities(text: string): Entity[] {
  return [...text.matchAll(DATE)].map((m) => ({
    type: 'time' as const,
    text: m[0],
    start: m.index ?? 0,
    end: (m.index ?? 0) + m[0].length,
    source: 'model' as const,
  }));
}

/**
 * Adds `extra` entities that overlap none already in `kept` (nor an earlier added one); returns all,
 * by offset. O((k + e) log k) when `kept` does not overlap itself (the recognizer's case), else quadratic.
 */
export function mergeEntities(kept: Entity[], extra: readonly Entity[]): Entity[] {
  const out = [...kept].sort((a, b) => a.start - b.start || b.end - a.end);
  const disjoint = out.every((e, i) => i === 0 || (out[i - 1] as Entity).end <= e.start);
  if (!disjoint) {
    for (const e of extra) if (!out.some((k) => k.start < e.end && e.start < k.end)) out.push(e);
    return out.sort((a, b) => a.start - b.start || b.end - a.end);
  }
  // `out` stays sorted and disjoint: ends increase, so the first span ending after e.start is the only candidate.
  for (const e of extra) {
    let lo = 0;
    let hi = out.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((out[mid] as Entity).end <= e.start) lo = mid + 1;
      else hi = mid;
    }
    const next = out[lo];
    if (next && next.start < e.end) continue;
    out.splice(lo, 0, e);
  }
  return out;
}

/** The ATT&CK gazetteer of the data folder; without the bundle, an empty one (and a warning: trained models carry their own copy). */
function attackGazetteer(ctx: AnalyzerContext): Gazetteer {
  try {
    return buildGazetteer(loadAttackGazetteer(ctx.config.dataDir));
  } catch (err) {
    if (!(err instanceof VigilError && err.code === 'VIGIL_DATA_MISSING')) throw err;
    ctx.log?.warn({ err: err.message }, 'ATT&CK bundle not found: entity names are not matched by gazetteer');
    return buildGazetteer([]);
  }
}

/**
 * The store-vendor/product gazetteer of `ctx` (null without a store or provider): ATT&CK names and
 * everyday ATT&CK aliases are never matched alone; a failed read is logged and leaves none.
 */
async function storeGazetteer(ctx: AnalyzerContext): Promise<LiveCpeGazetteer | null> {
  const read = ctx.vendorProducts ?? storeVendorProducts(ctx.stores);
  if (!read) return null;
  let attack: string[] = [];
  try {
    attack = loadAttackGazetteer(ctx.config.dataDir).map((e) => e.name);
  } catch {
    // No bundle: attackGazetteer() has warned already.
  }
  const exclude = new Set([...attack, ...COMMON_WORDS].map(productKey));
  return liveCpeGazetteer(read, {
    exclude,
    onError: (err) => ctx.log?.warn({ err: err.message }, 'the store vendors and products could not be read: entity names come from ATT&CK and the taggers'),
  });
}

/**
 * The recognizer: ATT&CK gazetteers from `<dataDir>/attack/…` (when the bundle is there), then the
 * trained taggers, each entity type taken from the tagger with the best dev/valid F1 on it (its
 * file's `valid.f1.<TAG>` metrics). `ner-cyner` competes only when `options.cynerProducts` is set
 * or it is the only one trained (its types are measured lower than the others' and it costs a pass).
 * `models` lists the model files used; `missing` the NER models not trained.
 * @throws VigilError VIGIL_MODEL_INVALID for a damaged model file; VIGIL_INPUT_FORMAT for a bundle that is not STIX.
 */
export async function loadEntityRecognizer(
  ctx: AnalyzerContext,
  options: { cynerProducts?: boolean } = {},
): Promise<{ recognizer: EntityRecognizer; models: ModelStamp[]; missing: string[] }> {
  const gazetteer = attackGazetteer(ctx);
  const cpe = await storeGazetteer(ctx);
  const trained = Object.values(NER_DATASETS).filter((d) => ctx.models.currentVersion(`ner-${d.scheme}`) !== null);
  const missing = Object.values(NER_DATASETS)
    .filter((d) => !trained.includes(d))
    .map((d) => `ner-${d.scheme}`);
  const runs: TaggerRun[] = [];
  const models: ModelStamp[] = [];
  const loaded = trained
    .filter((d) => d.scheme !== 'cyner' || options.cynerProducts || trained.length === 1)
    .map((d) => ({ scheme: d.scheme, ...loadTagger(ctx.models, d.scheme), file: ctx.models.load(`ner-${d.scheme}`) }));
  // Each entity type from the tagger that measured best on it (mean dev/valid F1 of its tags
  // mapped to that type): DNRTI for actors, tools, sectors, places, times; APTNER for malware and
  // products (DNRTI has no malware tag). Better taggers first: they win overlaps.
  const chosen = new Map<string, Set<EntityType>>();
  for (const type of new Set(Object.values(TYPE_MAP).flatMap((m) => Object.values(m)))) {
    let best: { scheme: string; f1: number } | null = null;
    for (const l of loaded) {
      const tags = Object.entries(TYPE_MAP[l.scheme])
        .filter(([, t]) => t === type)
        .map(([tag]) => tag);
      if (!tags.length) continue;
      const f1 = tags.reduce((sum, tag) => sum + (l.file?.metrics[`valid.f1.${tag}`] ?? 0), 0) / tags.length;
      if (!best || f1 > best.f1) best = { scheme: l.scheme, f1 };
    }
    if (best) chosen.set(best.scheme, (chosen.get(best.scheme) ?? new Set()).add(type));
  }
  for (const l of [...loaded].sort((a, b) => (b.file?.metrics['valid.f1'] ?? 0) - (a.file?.metrics['valid.f1'] ?? 0))) {
    const only = chosen.get(l.scheme);
    if (!only) continue;
    runs.push({ tagger: l.tagger, map: TYPE_MAP[l.scheme], only });
    models.push(l.stamp);
  }
  ctx.log?.debug({ gazetteer: gazetteer.size, models: models.map((m) => m.name), missing }, 'entity recognizer loaded');
  return {
    models,
    missing,
    recognizer: {
      recognize(text: string): Entity[] {
        // Precedence on overlaps: ATT&CK names, store vendors/products, full dates, then the taggers (which often split a date).
        const toks = tokens(text);
        let found = gazetteer.find(text, toks);
        const names = cpe?.current();
        if (names) found = mergeEntities(found, names.find(text, toks));
        found = mergeEntities(found, dateEntities(text));
        for (const tagged of runTaggers(text, runs, toks)) found = mergeEntities(found, tagged);
        return found;
      },
    },
  };
}
