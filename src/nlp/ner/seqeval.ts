/**
 * Strict entity-level evaluation, as seqeval's `mode='strict'`
 * (https://github.com/chakki-works/seqeval, `seqeval/scheme.py`): an entity counts only when its
 * span and type match exactly, and only well-formed chunks are entities.
 *
 * - IOB2: `B-X` starts an entity, `I-X` continues it only right after `B-X`/`I-X` of the same
 *   type; an `I-X` that does not continue one starts nothing (it is dropped, unlike the lenient
 *   CoNLL-2000 mode where it would open an entity).
 * - IOBES: `S-X` is a one-token entity; `B-X (I-X)* E-X` is an entity; any other sequence (a
 *   `B-X` never closed by `E-X`, a lone `I-X`/`E-X`, a type change inside) is dropped.
 */
import type { TagScheme } from './conll.ts';

/** An entity chunk: type and token span `[start, end)`. */
export interface Chunk {
  type: string;
  start: number;
  end: number;
}

function split(tag: string): [string, string] {
  if (tag === 'O' || tag.length < 3 || tag[1] !== '-') return ['O', ''];
  return [tag[0] ?? 'O', tag.slice(2)];
}

/** The strict chunks of one tag sequence. */
export function chunks(tags: readonly string[], scheme: TagScheme): Chunk[] {
  const out: Chunk[] = [];
  let open: Chunk | null = null;
  for (let i = 0; i < tags.length; i++) {
    const tag = tags[i] ?? 'O';
    if (tag === 'O') {
      // Most tokens: closes the open chunk (kept in BIO, dropped unfinished in BIOES), without splitting the tag.
      if (open && scheme === 'BIO') out.push(open);
      open = null;
      continue;
    }
    const [p, type] = split(tag);
    if (scheme === 'BIO') {
      if (p === 'I' && open && open.type === type) {
        open.end = i + 1;
        continue;
      }
      if (open) out.push(open);
      open = p === 'B' ? { type, start: i, end: i + 1 } : null;
    } else {
      if ((p === 'I' || p === 'E') && open && open.type === type) {
        open.end = i + 1;
        if (p === 'E') {
          out.push(open);
          open = null;
        }
        continue;
      }
      open = null;
      if (p === 'S') out.push({ type, start: i, end: i + 1 });
      else if (p === 'B') open = { type, start: i, end: i + 1 };
    }
  }
  if (open && scheme === 'BIO') out.push(open);
  return out;
}

/** Precision, recall, F1 (0–1) and counts. */
export interface Prf {
  precision: number;
  recall: number;
  f1: number;
  /** Gold entities. */
  support: number;
  predicted: number;
  correct: number;
}

/** Overall (micro-averaged) and per-type figures. */
export interface EntityReport {
  overall: Prf;
  byType: Record<string, Prf>;
}

function prf(correct: number, predicted: number, support: number): Prf {
  const precision = predicted ? correct / predicted : 0;
  const recall = support ? correct / support : 0;
  const f1 = precision + recall ? (2 * precision * recall) / (precision + recall) : 0;
  return { precision, recall, f1, support, predicted, correct };
}

/**
 * Strict entity-level P/R/F1 of predicted tag sequences against gold ones.
 * @throws Error when a prediction's length differs from its gold sequence.
 */
export function evaluateEntities(gold: readonly (readonly string[])[], predicted: readonly (readonly string[])[], scheme: TagScheme): EntityReport {
  if (gold.length !== predicted.length) throw new Error(`${gold.length} gold sequences, ${predicted.length} predicted`);
  const counts = new Map<string, { c: number; p: number; g: number }>();
  const get = (t: string) => {
    let v = counts.get(t);
    if (!v) {
      v = { c: 0, p: 0, g: 0 };
      counts.set(t, v);
    }
    return v;
  };
  gold.forEach((g, i) => {
    const p = predicted[i] ?? [];
    if (g.length !== p.length) throw new Error(`sequence ${i}: ${g.length} gold tags, ${p.length} predicted`);
    const gs = chunks(g, scheme);
    const ps = chunks(p, scheme);
    const key = (c: Chunk) => `${c.type}\0${c.start}\0${c.end}`;
    const goldKeys = new Set(gs.map(key));
    for (const c of gs) get(c.type).g++;
    for (const c of ps) {
      const v = get(c.type);
      v.p++;
      if (goldKeys.has(key(c))) v.c++;
    }
  });
  const byType: Record<string, Prf> = {};
  let c = 0;
  let p = 0;
  let g = 0;
  for (const [type, v] of [...counts].sort((a, b) => a[0].localeCompare(b[0]))) {
    byType[type] = prf(v.c, v.p, v.g);
    c += v.c;
    p += v.p;
    g += v.g;
  }
  return { overall: prf(c, p, g), byType };
}
