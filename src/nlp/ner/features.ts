/**
 * Token features of the sequence tagger: the word and its lowercase form, prefixes and suffixes
 * of 1–4 characters, a compressed shape (`APT28` → `Xd`), case/digit/punctuation flags, indicator
 * look-alikes (hashes, IPs, URLs, CVE ids, file names), the lowercase words at ±1/±2 with their
 * shapes, two word bigrams, and gazetteer membership (`B-`/`I-` of an ATT&CK name of each type).
 * Pure functions; the same words give the same features.
 */

/** `APT28` → `Xd`, `cmd.exe` → `x.x`, `Fancy` → `Xx`. */
export function shape(word: string): string {
  let out = '';
  let last = '';
  for (const ch of word) {
    const c = ch >= 'A' && ch <= 'Z' ? 'X' : ch >= 'a' && ch <= 'z' ? 'x' : ch >= '0' && ch <= '9' ? 'd' : /\p{L}/u.test(ch) ? 'u' : ch;
    if (c !== last) out += c;
    last = c;
  }
  return out.length > 8 ? out.slice(0, 8) : out;
}

function kind(w: string): string | null {
  if (/^[a-f0-9]{32}$/i.test(w)) return 'md5';
  if (/^[a-f0-9]{40}$/i.test(w)) return 'sha1';
  if (/^[a-f0-9]{64}$/i.test(w)) return 'sha256';
  if (/^(?:\d{1,3}[.[\]]+){3}\d{1,3}$/.test(w)) return 'ip';
  if (/^(?:h[tx]{2}ps?|ftp)[:[\]]/i.test(w) || /^www\./i.test(w)) return 'url';
  if (/^CVE-\d{4}-\d+$/i.test(w)) return 'cve';
  if (/^MS\d{2}-\d{3}$/i.test(w)) return 'msb';
  if (/^[\w-]+\.(?:exe|dll|bat|ps1|vbs|js|doc[xm]?|xls[xm]?|ppt|pdf|rtf|zip|rar|lnk|hta|jar|scr|tmp|dat|sys|bin)$/i.test(w)) return 'file';
  if (/^[\w-]+(?:\.[\w-]+)*\.(?:com|net|org|info|ru|cn|biz|io|kr|jp|de|uk|tk|top|xyz)$/i.test(w)) return 'dom';
  if (/^[\w.+-]+@[\w-]+\.[\w.]+$/.test(w)) return 'email';
  if (/^(?:19|20)\d{2}$/.test(w)) return 'year';
  return null;
}

const MONTHS = new Set([
  'january',
  'february',
  'march',
  'april',
  'may',
  'june',
  'july',
  'august',
  'september',
  'october',
  'november',
  'december',
  'jan',
  'feb',
  'mar',
  'apr',
  'jun',
  'jul',
  'aug',
  'sep',
  'sept',
  'oct',
  'nov',
  'dec',
]);

const wordCache = new Map<string, string[]>();
/** Most words kept in the word-feature cache (emptied when full: Zipf's law keeps hits high). */
const WORD_CACHE_SIZE = 100_000;

/** Features of one word alone (`bias` included), cached: the same array for the same word, never to be modified. */
export function wordFeatures(w: string): string[] {
  let f = wordCache.get(w);
  if (!f) {
    if (wordCache.size >= WORD_CACHE_SIZE) wordCache.clear();
    f = computeWordFeatures(w);
    wordCache.set(w, f);
  }
  return f;
}

/** Features of one word alone, computed afresh (not cached: for callers that cache their own results). */
export function computeWordFeatures(w: string): string[] {
  const f: string[] = [];
  visitWordFeatures(w, (name, value) => {
    f.push(value === undefined ? name : `${name}=${value}`);
  });
  return f;
}

const PREFIX = ['p1', 'p2', 'p3', 'p4'];
const SUFFIX = ['s1', 's2', 's3', 's4'];

/**
 * The features of {@link computeWordFeatures}, in its order, as (family, value) pairs: the feature
 * is `family=value`, or `family` alone when value is undefined (lexicon.ts looks them up without
 * building the joined strings). `l`/`sh`: the word's lowercase form and shape, when known.
 */
export function visitWordFeatures(w: string, visit: (family: string, value?: string) => void, l = w.toLowerCase(), sh = shape(w)): void {
  visit('bias');
  visit('w', w);
  visit('l', l);
  visit('sh', sh);
  for (let k = 1; k <= 4 && k <= l.length; k++) {
    visit(PREFIX[k - 1] as string, l.slice(0, k));
    visit(SUFFIX[k - 1] as string, l.slice(-k));
  }
  if (/^[A-Z][A-Z0-9]+$/.test(w)) visit('upper');
  else if (/^[A-Z][a-z]/.test(w)) visit('title');
  if (/\d/.test(w)) visit(/^\d+$/.test(w) ? 'alldigit' : 'hasdigit');
  if (w.includes('-')) visit('hyphen');
  if (w.includes('.')) visit('dot');
  if (/[a-z][A-Z]/.test(w)) visit('camel');
  const k = kind(w);
  if (k) visit('k', k);
  if (MONTHS.has(l)) visit('month');
  if (w.length === 1) {
    if (/\w/.test(w)) visit('char');
    else visit('punct', w);
  }
}

/**
 * Context features of token `i` (its neighbours and gazetteer tags): everything but
 * {@link wordFeatures}. `lower`/`shapes` are the sentence's lowercase words and shapes.
 */
export function contextFeatures(words: readonly string[], lower: readonly string[], shapes: readonly string[], gaz: readonly string[], i: number): string[] {
  const n = words.length;
  const at = (a: readonly string[], j: number) => (j < 0 ? '<s>' : j >= n ? '</s>' : (a[j] ?? ''));
  const l = lower[i] ?? '';
  const lp = at(lower, i - 1);
  const ln = at(lower, i + 1);
  const f = [`l-1=${lp}`, `l+1=${ln}`, `l-2=${at(lower, i - 2)}`, `l+2=${at(lower, i + 2)}`, `sh-1=${at(shapes, i - 1)}`, `sh+1=${at(shapes, i + 1)}`];
  f.push(
    `b-1=${lp}|${l}`,
    `b+1=${l}|${ln}`,
    `lr=${lp}|${ln}`,
    `s3-1=${lp.slice(-3)}`,
    `s3+1=${ln.slice(-3)}`,
    `shw=${at(shapes, i - 1)}|${shapes[i]}|${at(shapes, i + 1)}`,
  );
  const prev = words[i - 1];
  if (prev && /^[A-Z]/.test(prev)) f.push('prevtitle');
  const next = words[i + 1];
  if (next && /^[A-Z]/.test(next)) f.push('nexttitle');
  const g = gaz[i];
  if (g) f.push(`gz=${g}`, `gzt=${g.slice(2)}`);
  const gp = gaz[i - 1];
  if (gp) f.push(`gz-1=${gp}`);
  const gn = gaz[i + 1];
  if (gn) f.push(`gz+1=${gn}`);
  if (i === 0) f.push('first');
  return f;
}

/**
 * Features of every token of a sentence: {@link wordFeatures} (with `bias`) then
 * {@link contextFeatures}. `gaz[i]` is the gazetteer tag of token i (`B-malware`,
 * `I-threat-actor`) or `''`.
 */
export function sentenceFeatures(words: readonly string[], gaz: readonly string[]): string[][] {
  const lower = words.map((w) => w.toLowerCase());
  const shapes = words.map(shape);
  return words.map((w, i) => wordFeatures(w).concat(contextFeatures(words, lower, shapes, gaz, i)));
}
