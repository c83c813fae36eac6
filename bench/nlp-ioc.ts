/**
 * IOC extraction benchmark (issue 14): recall and precision on the ESET malware-ioc reports,
 * recall on the Unit 42 IOC lists, throughput, warninglist load time.
 *
 *   npx tsx bench/nlp-ioc.ts [--fp]      (--fp prints every false positive and miss)
 *
 * ESET gold set, per campaign folder: the hashes of samples.{md5,sha1,sha256} and the values of
 * the MISP event attributes (*.json; indicator types, composite `a|b` split) that occur in the
 * folder's README.adoc (case-insensitive, raw or refanged). Recall: gold values extracted from the
 * README (a file-name gold value also counts when its base name was extracted). Precision over the
 * folders WITH a MISP event (elsewhere the gold set only has hashes): an extracted value is a true
 * positive when in the gold set, "flagged" when on a warninglist, else a false positive;
 * precision = (TP + flagged) / all. ATT&CK ids and CVE ids are excluded from precision (MISP events
 * rarely carry them) and reported separately. Hash precision is also given over every folder.
 *
 * The MISP events leave out many indicators their README lists, so two more precision figures:
 * - wider gold: a false positive becomes a true positive when ESET's IOC files list the value
 *   anywhere: a MISP attribute of any type (not only the indicator types above) in this folder,
 *   or a sample hash or MISP attribute of ANOTHER campaign (shared infrastructure and tools). The
 *   folders hold no other IOC files (the .txt files are Suricata rules and DGA word lists).
 * - audited: bench/nlp-ioc-audit.tsv holds hand judgements (`ioc` or `not`, one-line reason, read
 *   in the README's context) of a seeded random sample of the strict false positives
 *   (`--audit-sample`, seed 14). The share judged `ioc` among the sampled values that are still
 *   false positives, with its Wilson 95 % interval, turns the false-positive count into an
 *   estimate: precision = (TP + flagged + FP × share) / all.
 *
 * Unit 42 check: in each .txt list, every line that is a single token after ioc-extractor's
 * refang (no spaces, looks like a hash/IP/domain/URL) is a gold value; recall as above.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { refang } from 'ioc-extractor';
import { createIocExtractor, extractIocs, loadWarninglists } from '../src/nlp/ioc/index.ts';
import type { Ioc } from '../src/nlp/types.ts';
import { corpusPath } from '../src/testing/corpus.ts';

const showFp = process.argv.includes('--fp');
const GOLD_TYPES = new Set([
  'md5',
  'sha1',
  'sha256',
  'sha512',
  'filename',
  'url',
  'domain',
  'hostname',
  'ip-dst',
  'ip-src',
  'email-src',
  'email-dst',
  'btc',
  'xmr',
  'regkey',
  'vulnerability',
  'uri',
  'link',
]);

interface MispAttribute {
  type: string;
  value: string;
}
function mispAttributes(file: string): MispAttribute[] {
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    console.warn(`skipped (not JSON): ${file}`);
    return [];
  }
  const d = doc as { response?: { Event: unknown }[]; Event?: unknown };
  const events = (d.response?.map((r) => r.Event) ?? (d.Event ? [d.Event] : [])) as {
    Attribute?: MispAttribute[];
    Object?: { Attribute?: MispAttribute[] }[];
  }[];
  const out: MispAttribute[] = [];
  for (const ev of events) {
    for (const a of ev.Attribute ?? []) out.push(a);
    for (const o of ev.Object ?? []) for (const a of o.Attribute ?? []) out.push(a);
  }
  return out;
}

const t0 = performance.now();
const wl = await loadWarninglists(corpusPath('misp-warninglists'));
const loadMs = performance.now() - t0;
const extractor = createIocExtractor(wl);

const esetDir = corpusPath('iocs', 'eset-malware-ioc');
const showSample = process.argv.includes('--audit-sample') ? Number(process.argv[process.argv.indexOf('--audit-sample') + 1]) : 0;

/** Lowercase values of a folder's IOC files: sample hashes, and every MISP attribute value of any type (composites split). */
function folderValues(folder: string): Set<string> {
  const out = new Set<string>();
  const dir = path.join(esetDir, folder);
  for (const f of readdirSync(dir)) {
    if (/^samples\.(md5|sha1|sha256)$/.test(f)) {
      for (const line of readFileSync(path.join(dir, f), 'utf8').split('\n')) {
        const h = line.trim().split(/\s+/)[0]?.toLowerCase();
        if (h) out.add(h);
      }
    } else if (f.endsWith('.json')) {
      for (const a of mispAttributes(path.join(dir, f))) for (const v of String(a.value).split('|')) if (v.trim()) out.add(v.trim().toLowerCase());
    }
  }
  return out;
}
const valuesOf = new Map<string, Set<string>>();
for (const folder of readdirSync(esetDir)) if (existsSync(path.join(esetDir, folder, 'README.adoc'))) valuesOf.set(folder, folderValues(folder));
/** The folders whose IOC files list a value (lowercase). */
const listedIn = new Map<string, string[]>();
for (const [folder, vs] of valuesOf) for (const v of vs) listedIn.set(v, [...(listedIn.get(v) ?? []), folder]);
const baseOf = (v: string): string => v.split(/[\\/]/).at(-1) ?? v;
const listedBases = new Set([...listedIn.keys()].map(baseOf));
let wideTp = 0;
interface FalsePositive {
  folder: string;
  type: string;
  value: string;
  context: string;
}
const strictFps: FalsePositive[] = [];
/** The README line holding offset `at`, trimmed to 220 characters around it, after its section title. */
function contextOf(text: string, at: number): string {
  const ls = text.lastIndexOf('\n', at) + 1;
  const le = text.indexOf('\n', at);
  const line = text.slice(ls, le < 0 ? text.length : le);
  const rel = at - ls;
  const snippet = line.slice(Math.max(0, rel - 110), rel + 110).replace(/\t/g, ' ');
  const headings = text.slice(0, at).match(/^=+ .*$/gm);
  return `[${headings?.at(-1) ?? ''}] ${snippet}`;
}
let goldN = 0;
let goldHit = 0;
const missByType = new Map<string, [number, number]>();
let fpDefanged = 0;
let tp = 0,
  flagged = 0,
  fp = 0,
  hashTp = 0,
  hashFp = 0,
  hashFlag = 0;
const excluded = new Map<string, number>();
const fps: string[] = [];
const misses: string[] = [];
const readmes: string[] = [];
for (const folder of readdirSync(esetDir).sort()) {
  const readme = path.join(esetDir, folder, 'README.adoc');
  if (!existsSync(readme)) continue;
  const text = readFileSync(readme, 'utf8');
  readmes.push(text);
  const hay = `${text}\n${refang(text)}`.toLowerCase();
  const gold = new Map<string, string>();
  for (const ext of ['md5', 'sha1', 'sha256']) {
    const f = path.join(esetDir, folder, `samples.${ext}`);
    if (!existsSync(f)) continue;
    for (const line of readFileSync(f, 'utf8').split('\n')) {
      const h = line.trim().split(/\s+/)[0]?.toLowerCase();
      if (h && hay.includes(h)) gold.set(h, ext);
    }
  }
  const jsons = readdirSync(path.join(esetDir, folder)).filter((f) => f.endsWith('.json'));
  let hasMisp = false;
  for (const j of jsons) {
    const attrs = mispAttributes(path.join(esetDir, folder, j));
    if (attrs.length) hasMisp = true;
    for (const a of attrs) {
      if (!GOLD_TYPES.has(a.type.split('|')[0] ?? '') && !a.type.includes('|')) continue;
      const types = a.type.split('|');
      a.value.split('|').forEach((v, i) => {
        const t = types[i] ?? a.type;
        if (!GOLD_TYPES.has(t)) return;
        const val = v.trim().toLowerCase();
        if (val && hay.includes(val)) gold.set(val, t);
      });
    }
  }
  const found = extractor.extract(text);
  const values = new Set(found.map((i) => i.value.toLowerCase()));
  const bases = new Set(found.filter((i) => i.type === 'filename').map((i) => i.value.toLowerCase()));
  for (const [v, t] of gold) {
    const base = v.split(/[\\/]/).at(-1) ?? v;
    const ok = values.has(v) || values.has(v.replace(/\/$/, '')) || (t === 'filename' && bases.has(base));
    const m = missByType.get(t) ?? [0, 0];
    m[0]++;
    if (ok) m[1]++;
    else misses.push(`${folder}\t${t}\t${v}`);
    missByType.set(t, m);
    goldN++;
    if (ok) goldHit++;
  }
  const goldBases = new Set([...gold.keys()].map((v) => v.split(/[\\/]/).at(-1)));
  for (const i of found) {
    const v = i.value.toLowerCase();
    const inGold = gold.has(v) || (i.type === 'filename' && goldBases.has(v)) || gold.has(`${v}/`);
    if (i.type === 'md5' || i.type === 'sha1' || i.type === 'sha256') {
      if (inGold) hashTp++;
      else if (i.warning) hashFlag++;
      else hashFp++;
    }
    if (!hasMisp) continue;
    if (i.type === 'attack' || i.type === 'cve') {
      excluded.set(i.type, (excluded.get(i.type) ?? 0) + 1);
      continue;
    }
    if (inGold) tp++;
    else if (i.warning) flagged++;
    else {
      fp++;
      strictFps.push({ folder, type: i.type, value: i.value, context: contextOf(text, i.start) });
      if (listedIn.has(v) || (i.type === 'filename' && listedBases.has(v))) wideTp++;
      // The author defanged it: an indicator by the author's own marking, missing from the MISP event.
      if (i.original !== i.value && i.original.toLowerCase() !== i.value) fpDefanged++;
      else fps.push(`${folder}\t${i.type}\t${i.original}`);
    }
  }
}

// Unit 42 lists.
const u42Dir = corpusPath('iocs', 'pan-unit42-iocs');
function* walk(dir: string): Generator<string> {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) yield* walk(p);
    else if (/\.(txt|text)$/i.test(e.name) || !e.name.includes('.')) yield p;
  }
}
const LOOKS = /^(?:[0-9a-f]{32}|[0-9a-f]{40}|[0-9a-f]{64}|\d{1,3}(?:\.\d{1,3}){3}|(?:https?|ftp):\/\/\S+|[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,})$/;
let u42N = 0,
  u42Hit = 0;
const u42Miss: string[] = [];
for (const f of walk(u42Dir)) {
  const text = readFileSync(f, 'utf8');
  const values = new Set(extractIocs(text).map((i: Ioc) => i.value.toLowerCase()));
  for (const line of text.split(/\r?\n/)) {
    const v = refang(line.trim()).toLowerCase();
    if (!LOOKS.test(v)) continue;
    u42N++;
    if (values.has(v) || values.has(v.replace(/[.,;]$/, ''))) u42Hit++;
    else u42Miss.push(`${path.basename(f)}\t${line.trim()}`);
  }
}

// Throughput: all READMEs concatenated, repeated to at least 8 MB, one core (each distinct IOC is
// reported, and looked up, once per call); then the READMEs one call each, as many rounds.
const all = readmes.join('\n\n');
const big = all.repeat(Math.ceil(8e6 / all.length));
extractIocs(all);
// Warm-up: builds the warninglist matchers (lazily, on first use) outside the timed run.
extractor.extract(all);
/** MB/s of `fn` over `big`, by wall clock and by this process's CPU time (the machine is shared: CPU time is the one-core figure). */
function speed(fn: () => void): { wall: number; cpu: number } {
  const w = performance.now();
  const c = process.cpuUsage();
  fn();
  const cu = process.cpuUsage(c);
  return { wall: big.length / 1e6 / ((performance.now() - w) / 1000), cpu: big.length / 1e6 / ((cu.user + cu.system) / 1e6) };
}
const plain = speed(() => extractIocs(big));
const flaggedSpeed = speed(() => extractor.extract(big));
// One extract() per README (the way reports arrive): every document's IOCs are looked up again.
const rounds = Math.ceil(big.length / all.length);
const perDocument = speed(() => {
  for (let r = 0; r < rounds; r++) for (const t of readmes) extractor.extract(t);
});
const pct = (a: number, b: number): string => (b ? (a / b).toFixed(4) : 'n/a');
console.log(`warninglists: ${wl.lists.length} lists loaded in ${(loadMs / 1000).toFixed(2)} s`);
console.log(`ESET recall: ${goldHit}/${goldN} = ${pct(goldHit, goldN)}`);
for (const [type, [n, h]] of [...missByType].sort()) console.log(`  ${type.padEnd(14)} ${h}/${n} = ${pct(h, n)}`);
console.log(`ESET precision (folders with a MISP event, excl. attack/cve): TP ${tp}, flagged ${flagged}, FP ${fp} -> ${pct(tp + flagged, tp + flagged + fp)}`);
console.log(`  counting author-defanged values as IOCs (${fpDefanged} of the FP): ${pct(tp + flagged + fpDefanged, tp + flagged + fp)}`);
console.log(
  `  wider gold (also any MISP attribute type, and other campaigns' IOC files; ${wideTp} of the FP): ${pct(tp + flagged + wideTp, tp + flagged + fp)}`,
);
auditFigures();
console.log(`  excluded from precision: ${[...excluded].map(([k, v]) => `${k} ${v}`).join(', ')}`);
console.log(`ESET hash precision (all folders): TP ${hashTp}, flagged ${hashFlag}, FP ${hashFp} -> ${pct(hashTp + hashFlag, hashTp + hashFlag + hashFp)}`);
console.log(`Unit 42 line recall: ${u42Hit}/${u42N} = ${pct(u42Hit, u42N)}`);
console.log(
  `throughput (${(big.length / 1e6).toFixed(1)} MB of README text, one thread): ${plain.cpu.toFixed(1)} MB/s per CPU-second (${plain.wall.toFixed(1)} wall) without warninglists, ${flaggedSpeed.cpu.toFixed(1)} (${flaggedSpeed.wall.toFixed(1)} wall) with`,
);
console.log(
  `  one extract() per README, with warninglists (${rounds} rounds of ${readmes.length}): ${perDocument.cpu.toFixed(1)} MB/s per CPU-second (${perDocument.wall.toFixed(1)} wall)`,
);
if (showFp) {
  console.log('\n--- ESET false positives ---');
  for (const l of fps) console.log(l);
  console.log('\n--- ESET misses ---');
  for (const l of misses) console.log(l);
  console.log('\n--- Unit 42 misses ---');
  for (const l of u42Miss) console.log(l);
}

/** Wilson score interval (95 %) of k successes in n. */
function wilson(k: number, n: number): [number, number] {
  if (n === 0) return [0, 1];
  const z = 1.96;
  const p = k / n;
  const d = 1 + (z * z) / n;
  const c = (p + (z * z) / (2 * n)) / d;
  const h = (z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n))) / d;
  return [c - h, c + h];
}

/** Audited precision from bench/nlp-ioc-audit.tsv (folder, type, value, verdict, reason). */
function auditFigures(): void {
  const file = path.join(import.meta.dirname, 'nlp-ioc-audit.tsv');
  if (!existsSync(file)) return;
  const verdicts = new Map<string, string>();
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim() || line.startsWith('#')) continue;
    const [folder, type, value, verdict] = line.split('\t');
    if (verdict !== 'ioc' && verdict !== 'not') throw new Error(`nlp-ioc-audit.tsv: bad verdict in: ${line}`);
    verdicts.set(`${folder}\t${type}\t${value}`, verdict);
  }
  const judged = strictFps.map((f) => verdicts.get(`${f.folder}\t${f.type}\t${f.value}`)).filter((v) => v !== undefined);
  const real = judged.filter((v) => v === 'ioc').length;
  const [lo, hi] = wilson(real, judged.length);
  const est = (share: number): string => pct(tp + flagged + fp * share, tp + flagged + fp);
  console.log(
    `  audited: ${real} of ${judged.length} sampled FP are real indicators (${pct(real, judged.length)}, Wilson 95 % ${lo.toFixed(3)}–${hi.toFixed(3)}; ${verdicts.size - judged.length} judged values are no longer FP) -> precision ${est(real / Math.max(1, judged.length))} (95 % ${est(lo)}–${est(hi)})`,
  );
}

if (showSample > 0) {
  // mulberry32, seed 14 (the issue number): the same sample for the same false positives.
  let seed = 14;
  const rand = (): number => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const key = (f: FalsePositive): string => `${f.folder}\t${f.type}\t${f.value}`;
  const pool = [...strictFps].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  for (let i = pool.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [pool[i], pool[j]] = [pool[j] as FalsePositive, pool[i] as FalsePositive];
  }
  console.log(`\n--- audit sample (${Math.min(showSample, pool.length)} of ${pool.length} strict false positives) ---`);
  for (const f of pool.slice(0, showSample)) console.log(`${f.folder}\t${f.type}\t${f.value}\t${f.context}`);
}
