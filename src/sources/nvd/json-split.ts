/**
 * A streaming splitter for the large JSON documents NVD publishes: it finds the elements of one
 * record array (`CVE_Items` in a 1.1 feed, `vulnerabilities` in an API 2.0 page, or a top-level
 * array) and hands each element's JSON text to the caller, so a feed of any size is parsed one
 * record at a time with `JSON.parse` and memory stays flat.
 *
 * Why not stream-json: its token-per-event pipeline (`parser → pick → streamArray`) takes 18.6 s
 * for the 76 MB 2018 feed here. This splitter only tracks strings and bracket depth (strings are
 * skipped with `Buffer.indexOf`, i.e. memchr) and leaves the parsing to V8's `JSON.parse`:
 * ~0.45 s for the same feed, split and parsed (see readme.md). JSON grammar: RFC 8259.
 */

/** One element of the record array: its 0-based index and its JSON text (`null`: not an object). */
export interface JsonElement {
  index: number;
  text: string | null;
}

/** The input is not a complete JSON document (truncated, or brackets that do not balance). */
export class JsonStructureError extends Error {
  override readonly name = 'JsonStructureError';
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;
const COMMA = 0x2c;
/** Byte classes for the scan loop (a table lookup beats a chain of comparisons on whitespace). */
const SPACE = 0;
const STRING = 1;
const OPEN = 2;
const CLOSE = 3;
const OTHER = 4;
const BYTE_CLASS = new Uint8Array(256).fill(OTHER);
for (const c of [0x20, 0x0a, 0x0d, 0x09]) BYTE_CLASS[c] = SPACE;
BYTE_CLASS[QUOTE] = STRING;
BYTE_CLASS[OPEN_BRACE] = OPEN;
BYTE_CLASS[OPEN_BRACKET] = OPEN;
BYTE_CLASS[CLOSE_BRACE] = CLOSE;
BYTE_CLASS[CLOSE_BRACKET] = CLOSE;
/** Largest document kept whole while no record array has been found (a bare record is ~100 KB). */
const MAX_BARE_DOCUMENT_BYTES = 64 * 1024 * 1024;

/**
 * Splits a JSON byte stream into the elements of its record array. Feed it chunks in order, drain
 * {@link JsonArraySplitter.take} after each, then call {@link JsonArraySplitter.end}.
 *
 * The record array is the value of the first top-level key in `arrayKeys`, or the document itself
 * when it is an array. When the document is an object without such a key (one bare record), `end()`
 * returns its whole text instead.
 */
export class JsonArraySplitter {
  /** Key whose array is being split (`''` for a top-level array), or `null` while none is found. */
  arrayKey: string | null = null;
  /** Bytes fed so far (uncompressed). */
  bytes = 0;

  readonly #arrayKeys: ReadonlySet<string>;
  #elements: JsonElement[] = [];
  #depth = 0;
  /** Depth inside the record array (1 for a top-level array, 2 for a top-level key), -1 outside it. */
  #arrayDepth = -1;
  #arrayDone = false;
  #topLevel: 'object' | 'array' | null = null;
  #inString = false;
  /** Backslashes at the end of the previous chunk, inside an unfinished string. */
  #trailingBackslashes = 0;
  /** Partial text of a top-level key split across chunks. */
  #keyPrefix: string | null = null;
  #lastKey = '';
  #elementIndex = 0;
  #elementParts: Buffer[] | null = null;
  #scalarOpen = false;
  /** Whole document, kept until a record array is found (a bare record is small). */
  #docParts: Buffer[] | null = [];

  constructor(arrayKeys: Iterable<string>) {
    this.#arrayKeys = new Set(arrayKeys);
  }

  /** Returns (and forgets) the elements completed so far. */
  take(): JsonElement[] {
    const out = this.#elements;
    this.#elements = [];
    return out;
  }

  /**
   * Scans one chunk of the document.
   * @throws {JsonStructureError} when a closing bracket has no opening one.
   */
  feed(chunk: Buffer): void {
    this.bytes += chunk.length;
    if (this.#docParts) {
      this.#docParts.push(chunk);
      if (this.bytes > MAX_BARE_DOCUMENT_BYTES) {
        throw new JsonStructureError(`no record array (${[...this.#arrayKeys].join(', ')}) in the first ${this.bytes} bytes`);
      }
    }
    let i = 0;
    let elementStart = this.#elementParts ? 0 : -1;
    const n = chunk.length;
    if (this.#inString) {
      const end = this.#stringEnd(chunk, 0, this.#trailingBackslashes);
      if (end < 0) {
        if (this.#keyPrefix !== null) this.#keyPrefix += chunk.toString('latin1', 0, n);
        this.#keepPartial(chunk, 0, elementStart);
        return;
      }
      this.#inString = false;
      this.#closeKey(chunk, 0, end);
      i = end + 1;
    }
    let depth = this.#depth;
    // Hot loop: fields are copied to locals, re-read only after the rare calls that change them.
    let arrayDepth = this.#arrayDepth;
    for (; i < n; i++) {
      const c = chunk[i] as number;
      const k = BYTE_CLASS[c] as number;
      if (k === SPACE) continue;
      if (k === STRING) {
        if (depth === arrayDepth) this.#nonObject();
        const end = this.#stringEnd(chunk, i + 1, 0);
        // Top-level keys are remembered until the record array is found.
        const trackKey = depth === 1 && this.arrayKey === null && this.#topLevel === 'object';
        if (end < 0) {
          this.#depth = depth;
          this.#inString = true;
          if (trackKey) this.#keyPrefix = chunk.toString('latin1', i + 1, n);
          this.#keepPartial(chunk, i + 1, elementStart);
          return;
        }
        if (trackKey) this.#lastKey = chunk.toString('latin1', i + 1, end);
        i = end;
      } else if (k === OPEN) {
        if (depth === arrayDepth) {
          if (c === OPEN_BRACE) elementStart = i;
          else this.#nonObject();
        } else if (depth === 0) {
          this.#start(c);
          arrayDepth = this.#arrayDepth;
        } else if (depth === 1 && c === OPEN_BRACKET && this.arrayKey === null && this.#arrayKeys.has(this.#lastKey)) {
          this.#enterArray(this.#lastKey, 2);
          arrayDepth = 2;
        }
        depth++;
      } else if (k === CLOSE) {
        depth--;
        if (depth < 0) throw new JsonStructureError(`unbalanced '${String.fromCharCode(c)}' at byte ${this.bytes - n + i}`);
        if (depth === arrayDepth) {
          if (elementStart >= 0) {
            this.#emit(chunk, elementStart, i + 1);
            elementStart = -1;
          }
        } else if (depth < arrayDepth) {
          this.#arrayDepth = arrayDepth = -1;
          this.#arrayDone = true;
        }
      } else if (depth === arrayDepth) {
        if (c === COMMA) this.#scalarOpen = false;
        else this.#nonObject();
      }
    }
    this.#depth = depth;
    this.#keepPartial(chunk, n, elementStart);
  }

  /**
   * Checks that the document is complete.
   * @returns the whole document text when it held no record array (a bare record), else `undefined`.
   * @throws {JsonStructureError} when the input ended inside a string or with unclosed brackets.
   */
  end(): string | undefined {
    if (this.#inString) throw new JsonStructureError(`input ends inside a string after ${this.bytes} bytes (truncated)`);
    if (this.#depth > 0) throw new JsonStructureError(`input ends with ${this.#depth} unclosed bracket(s) after ${this.bytes} bytes (truncated)`);
    if (this.#topLevel === null) throw new JsonStructureError('no JSON object or array in the input');
    if (!this.#docParts) return undefined;
    const text = Buffer.concat(this.#docParts).toString('utf8');
    this.#docParts = null;
    return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  }

  #start(c: number): void {
    if (this.#topLevel !== null) throw new JsonStructureError(`more than one top-level value (byte ${this.bytes})`);
    this.#topLevel = c === OPEN_BRACKET ? 'array' : 'object';
    if (c === OPEN_BRACKET) this.#enterArray('', 1);
  }

  #enterArray(key: string, depth: number): void {
    this.arrayKey = key;
    this.#arrayDepth = depth;
    this.#docParts = null;
  }

  /** Records an array element that is not an object (reported by index, text `null`). */
  #nonObject(): void {
    if (this.#scalarOpen || this.#arrayDone) return;
    this.#scalarOpen = true;
    this.#elements.push({ index: this.#elementIndex++, text: null });
  }

  #emit(chunk: Buffer, start: number, end: number): void {
    const tail = chunk.subarray(start, end);
    const parts = this.#elementParts;
    const text = parts ? Buffer.concat([...parts, tail]).toString('utf8') : tail.toString('utf8');
    this.#elementParts = null;
    this.#scalarOpen = true;
    this.#elements.push({ index: this.#elementIndex++, text });
  }

  /** At the end of a chunk: keep the bytes of an unfinished element for the next one. */
  #keepPartial(chunk: Buffer, scanned: number, elementStart: number): void {
    if (this.#inString) this.#trailingBackslashes = this.#countTrailingBackslashes(chunk, scanned);
    if (elementStart < 0) return;
    const part = chunk.subarray(elementStart);
    if (elementStart === 0 && this.#elementParts) this.#elementParts.push(part);
    else this.#elementParts = [part];
  }

  #countTrailingBackslashes(chunk: Buffer, contentStart: number): number {
    let k = chunk.length - 1;
    while (k >= contentStart && chunk[k] === BACKSLASH) k--;
    const run = chunk.length - 1 - k;
    // A chunk that is all backslashes continues the previous chunk's run.
    return k < contentStart && contentStart === 0 ? run + this.#trailingBackslashes : run;
  }

  #closeKey(chunk: Buffer, from: number, end: number): void {
    if (this.#keyPrefix === null) return;
    this.#lastKey = this.#keyPrefix + chunk.toString('latin1', from, end);
    this.#keyPrefix = null;
  }

  /**
   * Finds the quote closing a string whose content starts at `from`.
   * @param carried backslashes just before `from` (end of the previous chunk).
   * @returns its index, or -1 when the string goes on past this chunk.
   */
  #stringEnd(chunk: Buffer, from: number, carried: number): number {
    let k = from;
    for (;;) {
      const q = chunk.indexOf(QUOTE, k);
      if (q < 0) return -1;
      let p = q - 1;
      while (p >= from && chunk[p] === BACKSLASH) p--;
      let run = q - 1 - p;
      if (p < from) run += carried;
      if ((run & 1) === 0) return q;
      k = q + 1;
    }
  }
}
