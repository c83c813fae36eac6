/**
 * CVE 5 record → {@link VulnObservation}, checking as it maps. This is the fast path of
 * `normalize.ts`: a hand-compiled twin of the {@link Cve5Record} zod schema fused with the
 * mapping, so that each field is read once. Zod walks the ~25 objects of a typical record in
 * ~40 µs; this takes ~7.5 µs, which keeps an import near `JSON.parse` speed (readme.md,
 * "Throughput").
 *
 * Contract: `mapRecord(x)` returns only when `Cve5Record.safeParse(x)` would succeed (it may be
 * stricter, never looser), and throws {@link BAIL} otherwise; the caller then takes the zod path,
 * which reports the exact fields, drops bad items, and maps the cleaned record here again.
 * `normalize.test.ts` checks the two agree. Keep this file and schema.ts in step.
 * Field-by-field mapping table: readme.md.
 */
import { cvssSyntaxProblem } from '../../enrich/cvss-syntax.ts';
import type { AffectedProduct, AffectedVersion, CveState, CvssMetric, CvssVersion, Severity, VulnObservation } from '../../model/vulnerability.ts';
import { bail, NONE, type Obj, obj, optArr, optStr, optStrings, optTime, readKev, readSsvc, str, trimmed } from './checks.ts';
import { CVE_ID_PATTERN, normalizeVector } from './schema.ts';

export { BAIL } from './checks.ts';

const STATES: ReadonlySet<unknown> = new Set<CveState>(['PUBLISHED', 'REJECTED', 'RESERVED']);
const SEVERITIES: ReadonlySet<string> = new Set<Severity>(['NONE', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL']);
const CWE_ID = /^CWE-\d+$/;
const CWE_IN_TEXT = /\bCWE-\d+\b/;
const ENGLISH = /^en(?:[-_]|$)/i;
/** Reference tags that say how a reference was copied, not what it is. */
const IGNORED_TAGS: ReadonlySet<string> = new Set(['x_transferred']);

/**
 * Maps a parsed CVE 5 record to the model: timestamps to ISO UTC, strings trimmed, vectors
 * normalised; CNA metrics `Primary` (scorer: CNA short name), ADP metrics `Secondary` (scorer:
 * ADP short name); CWEs, affected products and references of all containers merged.
 *
 * Objects are read with `for…in` rather than by name: V8 serves `o[k]` inside `for (k in o)`
 * from the object's enum cache, while named reads (most of them of absent keys) on JSON objects
 * of many shapes take the slow megamorphic path. Values are gathered first, then checked.
 * @throws {@link BAIL} when the record breaks the schema.
 */
export function mapRecord(x: unknown): VulnObservation {
  const r = obj(x);
  let meta: unknown;
  let containers: unknown;
  for (const k in r) {
    if (k === 'cveMetadata') meta = r[k];
    else if (k === 'containers') containers = r[k];
    else if (k === 'dataType') r[k] === 'CVE_RECORD' || bail();
    else if (k === 'dataVersion') optStr(r[k]);
  }
  const m = obj(meta);
  let cveId: unknown;
  let state: unknown;
  let assigner: string | undefined;
  let assignerOrgId: string | undefined;
  let published: string | undefined;
  let updated: string | undefined;
  let rejected: string | undefined;
  let reserved: string | undefined;
  for (const k in m) {
    const v = m[k];
    if (k === 'cveId') cveId = v;
    else if (k === 'state') state = v;
    else if (k === 'assignerShortName') assigner = optStr(v);
    else if (k === 'assignerOrgId') assignerOrgId = optStr(v);
    else if (k === 'datePublished') published = optTime(v);
    else if (k === 'dateUpdated') updated = optTime(v);
    else if (k === 'dateRejected') rejected = optTime(v);
    else if (k === 'dateReserved') reserved = optTime(v);
  }
  if (typeof cveId !== 'string' || !CVE_ID_PATTERN.test(cveId) || !STATES.has(state)) bail();
  const obs: VulnObservation = {
    cveId,
    source: 'cve5',
    state: state as CveState,
    lastModified: updated ?? rejected ?? published ?? reserved ?? bail(),
    cvss: [],
    cwes: [],
    cpeMatches: [],
    affected: [],
    references: [],
  };
  if (assigner) obs.assigner = assigner;
  if (published) obs.published = published;

  let cna: Obj | undefined;
  let adps: readonly unknown[] = NONE;
  if (containers !== undefined) {
    const c = obj(containers);
    for (const k in c) {
      if (k === 'cna') cna = c[k] === undefined ? undefined : obj(c[k]);
      else if (k === 'adp') adps = optArr(c[k]);
    }
  }
  if (!cna && state === 'PUBLISHED') bail();
  const references = new Map<string, string[]>();
  if (cna) {
    const texts = addContainer(obs, cna, true, assigner ?? assignerOrgId, references);
    if (texts.title) obs.title = texts.title;
    const description = state === 'REJECTED' ? (texts.rejectedReasons ?? texts.description) : texts.description;
    if (description) obs.description = description;
  }
  for (const adp of adps) addContainer(obs, obj(adp), false, undefined, references);
  for (const [url, tags] of references) obs.references.push({ url, tags });
  return obs;
}

/** The texts of a container the record keeps (CNA only). */
interface ContainerTexts {
  title?: string | undefined;
  description?: string | undefined;
  rejectedReasons?: string | undefined;
}

/** Adds one CNA or ADP container's metrics, SSVC/KEV, CWEs, affected products and references. */
function addContainer(obs: VulnObservation, c: Obj, primary: boolean, assigner: string | undefined, references: Map<string, string[]>): ContainerTexts {
  let pm: unknown;
  let title: string | undefined;
  let descriptions: unknown;
  let rejectedReasons: unknown;
  let metrics: readonly unknown[] = NONE;
  let problemTypes: readonly unknown[] = NONE;
  let affectedList: readonly unknown[] = NONE;
  let refs: readonly unknown[] = NONE;
  for (const k in c) {
    const v = c[k];
    if (k === 'providerMetadata') pm = v;
    else if (k === 'title') title = optStr(v);
    else if (k === 'descriptions') descriptions = v;
    else if (k === 'rejectedReasons') rejectedReasons = v;
    else if (k === 'metrics') metrics = optArr(v);
    else if (k === 'problemTypes') problemTypes = optArr(v);
    else if (k === 'affected') affectedList = optArr(v);
    else if (k === 'references') refs = optArr(v);
  }
  let shortName: string | undefined;
  let orgId: string | undefined;
  if (pm !== undefined) {
    const p = obj(pm);
    for (const k in p) {
      if (k === 'shortName') shortName = optStr(p[k]);
      else if (k === 'orgId') orgId = optStr(p[k]);
    }
  }
  const name = shortName ?? assigner ?? orgId ?? (primary ? 'CNA' : 'ADP');
  const texts: ContainerTexts = { title: title?.trim() || undefined, description: english(descriptions), rejectedReasons: english(rejectedReasons) };
  for (const item of metrics) addMetric(obs, obj(item), name, primary);
  for (const pt of problemTypes) addCwes(obs, obj(pt));
  for (const a of affectedList) obs.affected.push(affected(obj(a), name));
  for (const item of refs) addReference(references, obj(item));
  return texts;
}

function addMetric(obs: VulnObservation, metric: Obj, name: string, primary: boolean): void {
  for (const k in metric) {
    const v = metric[k];
    if (v === undefined) continue;
    if (k === 'cvssV3_1') obs.cvss.push(cvss(v, '3.1', name, primary));
    else if (k === 'cvssV4_0') obs.cvss.push(cvss(v, '4.0', name, primary));
    else if (k === 'cvssV3_0') obs.cvss.push(cvss(v, '3.0', name, primary));
    else if (k === 'cvssV2_0') obs.cvss.push(cvss(v, '2.0', name, primary));
    else if (k === 'other') {
      const other = obj(v);
      const type = str(other.type);
      if (type === 'ssvc') {
        const ssvc = readSsvc(other.content);
        // CISA-ADP's assessment wins over any other container's.
        if (!obs.ssvc || name === 'CISA-ADP') obs.ssvc = ssvc;
      } else if (type === 'kev') {
        const kev = readKev(other.content);
        obs.kev ??= kev;
      }
    }
  }
}

function addCwes(obs: VulnObservation, pt: Obj): void {
  const descriptions = pt.descriptions;
  if (!Array.isArray(descriptions)) bail();
  for (const item of descriptions) {
    const d = obj(item);
    let id: string | undefined;
    let text: string | undefined;
    for (const k in d) {
      if (k === 'cweId') id = optStr(d[k])?.trim();
      else if (k === 'description') text = optStr(d[k]);
      else if (k === 'lang') optStr(d[k]);
    }
    const cwe = id && CWE_ID.test(id) ? id : text?.match(CWE_IN_TEXT)?.[0];
    if (cwe && !obs.cwes.includes(cwe)) obs.cwes.push(cwe);
  }
}

function addReference(references: Map<string, string[]>, ref: Obj): void {
  let url: string | undefined;
  let tagList: readonly unknown[] = NONE;
  for (const k in ref) {
    if (k === 'url') url = str(ref[k]).trim() || bail();
    else if (k === 'tags') tagList = optArr(ref[k]);
  }
  if (url === undefined) bail();
  // Few references and fewer tags per record: arrays beat Sets here.
  let tags = references.get(url);
  if (!tags) {
    tags = [];
    references.set(url, tags);
  }
  for (const item of tagList) {
    const tag = str(item);
    if (!IGNORED_TAGS.has(tag) && !tags.includes(tag)) tags.push(tag);
  }
}

function cvss(x: unknown, version: CvssVersion, scorer: string, primary: boolean): CvssMetric {
  const block = obj(x);
  let raw: unknown;
  let score: unknown;
  let severity: string | undefined;
  for (const k in block) {
    if (k === 'vectorString') raw = block[k];
    else if (k === 'baseScore') score = block[k];
    else if (k === 'baseSeverity') severity = optStr(block[k])?.toUpperCase();
  }
  const vector = normalizeVector(str(raw), version);
  if (cvssSyntaxProblem(vector, version) !== null) bail();
  if (score !== undefined && (typeof score !== 'number' || !(score >= 0 && score <= 10))) bail();
  const out: CvssMetric = { version, vector, baseScore: (score as number | undefined) ?? null, scorer, type: primary ? 'Primary' : 'Secondary' };
  if (severity && SEVERITIES.has(severity)) out.baseSeverity = severity as Severity;
  return out;
}

function affected(a: Obj, provider: string): AffectedProduct {
  const out: AffectedProduct = { versions: [], provider };
  let versions: readonly unknown[] = NONE;
  let vendor: string | undefined;
  let product: string | undefined;
  let packageName: string | undefined;
  let collectionURL: string | undefined;
  let cpes: string[] | undefined;
  let platforms: string[] | undefined;
  let defaultStatus: AffectedVersion['status'] | undefined;
  for (const k in a) {
    const v = a[k];
    if (k === 'versions') versions = optArr(v);
    else if (k === 'vendor') vendor = trimmed(v);
    else if (k === 'product') product = trimmed(v);
    else if (k === 'packageName') packageName = trimmed(v);
    else if (k === 'collectionURL') collectionURL = trimmed(v);
    else if (k === 'cpes') cpes = optStrings(v);
    else if (k === 'platforms') platforms = optStrings(v);
    else if (k === 'defaultStatus' && v !== undefined) defaultStatus = isStatus(v) ? v : bail();
  }
  // Assigned in one fixed order, so that the products share few hidden classes.
  if (vendor) out.vendor = vendor;
  if (product) out.product = product;
  if (packageName) out.packageName = packageName;
  if (collectionURL) out.collectionURL = collectionURL;
  if (cpes) out.cpes = cpes;
  if (platforms) out.platforms = platforms;
  if (defaultStatus) out.defaultStatus = defaultStatus;
  for (const item of versions) out.versions.push(version(obj(item)));
  return out;
}

function isStatus(x: unknown): x is AffectedVersion['status'] {
  return x === 'affected' || x === 'unaffected' || x === 'unknown';
}

/** One `versions[]` item. */
function version(v: Obj): AffectedVersion {
  let version: unknown;
  let status: unknown;
  let lessThan: string | undefined;
  let lessThanOrEqual: string | undefined;
  let versionType: string | undefined;
  for (const k in v) {
    const value = v[k];
    if (k === 'version') version = value;
    else if (k === 'status') status = value;
    else if (k === 'lessThan') lessThan = trimmed(value);
    else if (k === 'lessThanOrEqual') lessThanOrEqual = trimmed(value);
    else if (k === 'versionType') versionType = trimmed(value);
  }
  if (!isStatus(status)) bail();
  const out: AffectedVersion = { version: str(version).trim(), status };
  if (lessThan) out.lessThan = lessThan;
  if (lessThanOrEqual) out.lessThanOrEqual = lessThanOrEqual;
  if (versionType) out.versionType = versionType;
  return out;
}

/** The first English (`en`, `en-US`, …) value of a `{lang, value}` list, trimmed; checks them all. */
function english(x: unknown): string | undefined {
  let found: string | undefined;
  for (const item of optArr(x)) {
    const d = obj(item);
    let lang: unknown;
    let value: unknown;
    for (const k in d) {
      if (k === 'lang') lang = d[k];
      else if (k === 'value') value = d[k];
    }
    if (typeof lang !== 'string' || typeof value !== 'string') bail();
    if (found === undefined && ENGLISH.test(lang)) found = value.trim();
  }
  return found || undefined;
}
