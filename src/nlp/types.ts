/**
 * Threat-intelligence analysis model (issue 14): what Vigil pulls out of text (intel documents,
 * advisories, CVE descriptions, text an analyst pastes) — IOCs, entities, ATT&CK techniques,
 * severity and classification — and the contracts of the parts that do it. One function,
 * {@link Analyzer.analyze} (nlp/analyze.ts), serves the pipeline, the CLI (`vigil analyze`) and the
 * API (`POST /api/v1/analysis/text`).
 *
 * Offsets (`start`, `end`) are UTF-16 code-unit indexes into the analysed text, `end` exclusive
 * (`text.slice(start, end) === original`). Probabilities and scores are 0–1. Dates are ISO 8601 UTC.
 */

/**
 * Indicator kinds. `cidr` is an IPv4/IPv6 network (`10.0.0.0/8`), `attack` an ATT&CK id
 * (`T1059.001`, `G0007`, `S0154`, `TA0001`), `asn` an autonomous system (`AS13335`), `btc`/`xmr`
 * wallet addresses, `filename` a file name with an executable/document/script extension,
 * `registry` a Windows registry key (`HKLM\Software\…`).
 */
export const IOC_TYPES = [
  'ipv4',
  'ipv6',
  'cidr',
  'domain',
  'url',
  'email',
  'md5',
  'sha1',
  'sha256',
  'sha512',
  'ssdeep',
  'cve',
  'attack',
  'asn',
  'btc',
  'xmr',
  'filename',
  'registry',
] as const;
export type IocType = (typeof IOC_TYPES)[number];

/** A MISP warninglist an IOC is on: `list` is the list's folder name (`alexa`), `name` its title ("Top 1000 website from Alexa"). */
export interface WarninglistHit {
  list: string;
  name: string;
}

/**
 * One indicator found in a text. `value` is the refanged, normalised form (lowercase domains,
 * hashes and e-mail addresses; `hxxp[:]//evil[.]com` → `http://evil.com`; IPv6 compressed);
 * `original` is exactly what the text says. An IOC on a warninglist is kept, with `warning` set.
 */
export interface Ioc {
  type: IocType;
  value: string;
  original: string;
  start: number;
  end: number;
  warning?: WarninglistHit;
}

/** Summary of one loaded warninglist. */
export interface WarninglistInfo {
  list: string;
  name: string;
  /** MISP list type: `string`, `substring`, `hostname`, `cidr`, `regex`. */
  type: string;
  version: number;
  entries: number;
}

/**
 * The MISP warninglists (https://github.com/MISP/misp-warninglists, CC0) loaded from a folder
 * (`lists/<name>/list.json`). `match` follows MISP's semantics per list type: `cidr` (address
 * inside a listed network), `hostname` (the domain or a parent domain listed), `string` (exact,
 * case-insensitive), `substring`, `regex`. `matching_attributes` restricts which IOC types a list
 * applies to.
 */
export interface Warninglists {
  readonly lists: readonly WarninglistInfo[];
  /** The first list (in folder-name order) the indicator is on, or null. */
  match(type: IocType, value: string): WarninglistHit | null;
}

/** Finds IOCs in text (nlp/ioc). Flags warninglisted ones when built with warninglists. Never throws on any text. */
export interface IocExtractor {
  extract(text: string): Ioc[];
}

/**
 * Entity kinds: `threat-actor` (APT28, FIN7), `malware`, `tool` (Mimikatz, Cobalt Strike),
 * `vulnerability` (CVE ids, named bugs), `technique` (ATT&CK technique names), `product`,
 * `organization` (vendors and other organisations), `sector` (finance, healthcare), `location`,
 * `time` (dates, periods).
 */
export const ENTITY_TYPES = ['threat-actor', 'malware', 'tool', 'vulnerability', 'technique', 'product', 'organization', 'sector', 'location', 'time'] as const;
export type EntityType = (typeof ENTITY_TYPES)[number];

/** One entity mention. `source`: an exact gazetteer match (ATT&CK names and aliases, store CPE vendors/products) or the trained tagger. */
export interface Entity {
  type: EntityType;
  text: string;
  start: number;
  end: number;
  source: 'gazetteer' | 'model';
  /** The ATT&CK id (`G0007`, `S0154`, `T1059`) or CPE vendor/product (`cpe:apache:log4j`) of a gazetteer match. */
  id?: string;
}

/** Finds entities in text: gazetteers first, then the tagger for the rest (nlp/ner). */
export interface EntityRecognizer {
  recognize(text: string): Entity[];
}

/** An ATT&CK technique a sentence describes. `score`: the classifier's probability (0–1), at least its threshold. */
export interface TechniqueHit {
  id: string;
  name: string;
  score: number;
  sentence: string;
}

/** Classifies sentences into ATT&CK techniques (nlp/techniques). */
export interface TechniqueClassifier {
  readonly model: ModelStamp;
  /** For each sentence, the techniques reaching the threshold, best first (empty when none). */
  classify(sentences: readonly string[]): { id: string; score: number }[][];
  /** The technique's name from the ATT&CK bundle (`T1003.001` → "OS Credential Dumping: LSASS Memory"). */
  name(id: string): string;
}

/** One label with its probability (0–1). */
export interface LabelProbability {
  label: string;
  probability: number;
}

/** CVSS v3 qualitative severity, as NVD writes it. */
export type SeverityLabel = 'LOW' | 'MEDIUM' | 'HIGH' | 'CRITICAL';

/**
 * Severity predicted from text. `label` is null when the model abstains (its calibrated
 * probability is under the threshold chosen on a validation split). Always shown as predicted,
 * never as NVD's.
 */
export interface SeverityPrediction {
  label: SeverityLabel | null;
  probability: number;
  model: string;
}

/** Predicts a severity from a description (nlp/severity). */
export interface SeverityModel {
  readonly model: ModelStamp;
  predict(text: string): SeverityPrediction;
}

/**
 * A multi-label text classifier (nlp/classify): `impact` types of bulletins (CERT-FR `risks`:
 * remote-code-execution, denial-of-service, …), news `event` types (CASIE: data-breach, phishing,
 * ransom, vulnerability-disclosed, patch). Labels at or above the threshold, best first.
 */
export interface TextClassifier {
  readonly scheme: 'impact' | 'event';
  readonly model: ModelStamp;
  /** `lang`: ISO 639-1 of the text when known (a model trained on French text says how it treats English). */
  predict(text: string, lang?: string): LabelProbability[];
}

/** Which model file produced a result: `name@version` (`techniques@3`). */
export interface ModelStamp {
  name: string;
  version: number;
  trainedAt: string;
}

/** Result of {@link Analyzer.analyze}: the API's and `vigil analyze --json`'s body. */
export interface AnalysisResult {
  iocs: Ioc[];
  /** CVE ids named in the text, uppercase, each once, in order of appearance. */
  cves: string[];
  entities: Entity[];
  techniques: TechniqueHit[];
  classification: { labels: (LabelProbability & { scheme: 'impact' | 'event' })[] };
  severity: SeverityPrediction | null;
  /** The model files used; a part whose model is not trained yet is listed in `missing`. */
  models: { used: ModelStamp[]; missing: string[] };
}

/** Options of one analysis. */
export interface AnalyzeOptions {
  /** ISO 639-1 language of the text when known (else detected). */
  lang?: string;
  /** Skip the severity prediction (a CVE already scored by NVD). */
  severity?: boolean;
}

/** Turns text into structured intelligence. Built once (models loaded), used many times; synchronous per text. */
export interface Analyzer {
  analyze(text: string, options?: AnalyzeOptions): AnalysisResult;
  /** The loaded warninglists (for `vigil warninglists list` and the dashboard). */
  readonly warninglists: Warninglists | null;
}

// ---------------------------------------------------------------------------------------------
// Models: trained by `vigil nlp train`, stored as versioned files (nlp/models.ts).

/** What a trainer reports about a model it trained (shown by `vigil nlp train` and stored in the file). */
export interface TrainedModel<P = unknown> {
  /** The weights and vocabulary (JSON-serialisable). */
  payload: P;
  /** Held-out figures: `{ "valid.f1": 0.81, "valid.accuracy": … }` (0–1). */
  metrics: Record<string, number>;
  /** Where the training data came from: corpus files (relative to the data folder) and record counts. */
  data: { files: string[]; train: number; valid: number };
  /** Free-form notes: thresholds chosen, caveats. */
  notes?: string[];
}

/** What a trainer gets. */
export interface TrainContext {
  /** The corpus folder (`dataDir`, `--data`). */
  dataDir: string;
  /** Progress of long steps (epochs, files): `done` of `total`. */
  progress(step: string, done: number, total: number): void;
  /** A smaller, faster training for tests (fewer epochs/records); figures are then not representative. */
  quick?: boolean;
  /** Seed for shuffles and splits (default 42): the same seed and data give the same model. */
  seed?: number;
  /** The open stores, for models trained on the store's own data (relevance: analysts' triage decisions). */
  stores?: import('../store/index.ts').Stores;
}

/**
 * One trainable model: its folder under nlp/ plus one line in nlp/registry.ts. `train` reads the
 * corpus and returns weights and held-out metrics; it throws `VigilError('VIGIL_DATA_MISSING')`
 * naming the file when the data is not there.
 */
export interface ModelDefinition<P = unknown> {
  /** File-safe name: `techniques`, `severity`, `ner-aptner`, `impact-certfr`, `events-casie`, `relevance`. */
  name: string;
  /** One line for `vigil nlp models` and `--help`. */
  describe: string;
  train(ctx: TrainContext): Promise<TrainedModel<P>>;
}
