/**
 * CoNLL readers for the three cyber-threat-intelligence NER sets in the corpus (`ner/`):
 * APTNER (BIOES, `token<SPACE>tag`), DNRTI (BIO, `token<SPACE>tag`, CRLF) and CyNER/MITRE (BIO,
 * `token<TAB>tag`). One token per line, a blank line between sentences.
 *
 * Line policy (lenient, measured on the real files; every decision is counted in
 * {@link ConllStats}): trailing white space and CR are dropped; fields are split on spaces/tabs
 * (a U+00A0 inside a token stays part of it). A line `token tag` is a token. A line with more
 * fields keeps the first field as the token and the first field after it that is a tag (APTNER
 * `C2 S-TOOL B-TOOL`, DNRTI `skills. In O`); a line holding two `token tag` pairs separated by a
 * TAB (APTNER hash lines) gives two tokens. Tag repairs: a bare type (`PROT`) becomes a
 * single-token entity (`S-PROT`, `B-PROT` in BIO), a doubled prefix (`S-S-SECTEAM`) loses one,
 * text after U+00A0 in a tag is dropped. Lines with a token but no tag, or a tag but no token, are
 * skipped and counted (`skipped`, with the first few `file:line` in `samples`). With
 * `strict: true` any such line throws instead.
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { VigilError } from '../../errors.ts';

/** Tagging scheme: IOB2 (`B-`, `I-`, `O`) or IOBES (adds `E-` end and `S-` single). */
export type TagScheme = 'BIO' | 'BIOES';

/** One sentence: tokens and their tags, same length. */
export interface TaggedSentence {
  tokens: string[];
  tags: string[];
}

/** What a read found. */
export interface ConllStats {
  sentences: number;
  tokens: number;
  /** Lines skipped (no tag or no token). */
  skipped: number;
  /** Lines with extra fields or a repaired tag that were kept. */
  repaired: number;
  /** `file:line: reason` of the first skipped/repaired lines (at most 10). */
  samples: string[];
}

const TAG = /^(?:O|(?:[BIES]-)+[A-Za-z][A-Za-z0-9]*|[A-Z][A-Z0-9]+)$/;

/** Normalises a tag field, or null when it is not a tag. */
function normaliseTag(field: string, scheme: TagScheme): string | null {
  const raw = field.split('\u00a0')[0] ?? '';
  if (!TAG.test(raw)) return null;
  if (raw === 'O') return 'O';
  const m = /^((?:[BIES]-)*)([A-Za-z][A-Za-z0-9]*)$/.exec(raw);
  if (!m) return null;
  const type = m[2] ?? '';
  const prefix = (m[1] ?? '').slice(0, 1);
  if (prefix === '') return `${scheme === 'BIOES' ? 'S' : 'B'}-${type}`;
  if (scheme === 'BIO' && (prefix === 'E' || prefix === 'S')) return null;
  return `${prefix}-${type}`;
}

/**
 * Parses CoNLL text.
 * @param name file name used in messages (`file:line`).
 * @throws VigilError VIGIL_INPUT_FORMAT naming `file:line` for a bad line when `strict`.
 */
export function parseConll(
  text: string,
  name: string,
  scheme: TagScheme,
  options: { strict?: boolean } = {},
): { sentences: TaggedSentence[]; stats: ConllStats } {
  const sentences: TaggedSentence[] = [];
  const stats: ConllStats = { sentences: 0, tokens: 0, skipped: 0, repaired: 0, samples: [] };
  let current: TaggedSentence = { tokens: [], tags: [] };
  const flush = (): void => {
    if (current.tokens.length > 0) sentences.push(current);
    current = { tokens: [], tags: [] };
  };
  const note = (line: number, reason: string, skipped: boolean): void => {
    if (options.strict) throw new VigilError('VIGIL_INPUT_FORMAT', [`${name}:${line}`, reason]);
    if (skipped) stats.skipped++;
    else stats.repaired++;
    if (stats.samples.length < 10) stats.samples.push(`${name}:${line}: ${reason}`);
  };
  const lines = text.split('\n');
  for (let n = 0; n < lines.length; n++) {
    const line = (lines[n] ?? '').replace(/[\s]+$/, '');
    if (line.trim() === '') {
      flush();
      continue;
    }
    const halves = line.split('\t');
    if (halves.length === 2 && halves.every((h) => h.trim().split(/[ ]+/).length === 2)) {
      const pairs = halves.map((h) => h.trim().split(/[ ]+/));
      const tags = pairs.map((p) => normaliseTag(p[1] ?? '', scheme));
      if (tags.every((t) => t !== null)) {
        pairs.forEach((p, i) => {
          current.tokens.push(p[0] ?? '');
          current.tags.push(tags[i] ?? 'O');
        });
        note(n + 1, 'two token/tag pairs on one line', false);
        continue;
      }
    }
    const fields = line.trim().split(/[ \t]+/);
    if (fields.length === 1) {
      note(n + 1, normaliseTag(fields[0] ?? '', scheme) ? 'tag without token' : 'token without tag', true);
      continue;
    }
    let tag: string | null = null;
    let at = 1;
    for (; at < fields.length; at++) {
      tag = normaliseTag(fields[at] ?? '', scheme);
      if (tag) break;
    }
    if (!tag) {
      note(n + 1, `no valid ${scheme} tag in "${line}"`, true);
      continue;
    }
    if (fields.length > 2 || tag !== fields[1]) note(n + 1, `kept token "${fields[0]}" with tag ${tag} from "${line}"`, false);
    current.tokens.push(fields[0] ?? '');
    current.tags.push(tag);
  }
  flush();
  stats.sentences = sentences.length;
  stats.tokens = sentences.reduce((s, x) => s + x.tokens.length, 0);
  return { sentences, stats };
}

/**
 * Reads a CoNLL file (`.gz` is gunzipped).
 * @throws VigilError VIGIL_DATA_MISSING when the file cannot be read; VIGIL_INPUT_FORMAT (strict).
 */
export function readConll(file: string, scheme: TagScheme, options: { strict?: boolean } = {}): { sentences: TaggedSentence[]; stats: ConllStats } {
  let buf: Buffer;
  try {
    buf = readFileSync(file);
  } catch (err) {
    throw new VigilError('VIGIL_DATA_MISSING', [file], { cause: err });
  }
  const text = (file.endsWith('.gz') ? gunzipSync(buf) : buf).toString('utf8');
  return parseConll(text, file, scheme, options);
}

/**
 * Reads unlabelled CoNLL input (for `vigil nlp tag`): the token is the first field of a line, a
 * blank line ends a sentence.
 */
export function parseTokens(text: string): string[][] {
  const out: string[][] = [];
  let cur: string[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\s+$/, '');
    if (line.trim() === '') {
      if (cur.length) out.push(cur);
      cur = [];
    } else cur.push(line.trim().split(/[ \t]+/)[0] ?? '');
  }
  if (cur.length) out.push(cur);
  return out;
}
