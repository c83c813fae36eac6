/**
 * SimHash near-duplicate fingerprints (Charikar, "Similarity estimation techniques from rounding
 * algorithms", STOC 2002; Manku et al., "Detecting near-duplicates for web crawling", WWW 2007):
 * a 64-bit hash where similar texts differ in few bits. Features are word 3-shingles of the
 * lowercased text, each hashed to 64 bits (two FNV-1a 32-bit hashes with different offset bases).
 *
 * Lookup (Manku et al. §3): two fingerprints within 3 bits agree on at least one of four 16-bit
 * bands (pigeonhole), so a store indexes the bands ({@link simhashBands}) and compares candidates
 * with {@link hammingDistance}.
 */

const WORD = /[\p{L}\p{N}]+/gu;

function fnv1a(s: string, basis: number): number {
  let h = basis;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** MurmurHash3's 32-bit finaliser: every input bit flips each output bit with probability ~1/2. */
function fmix32(x: number): number {
  let h = x ^ (x >>> 16);
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

function rotl(x: number, r: number): number {
  return (x << r) | (x >>> (32 - r));
}

/**
 * The 64-bit SimHash of `text` as 16 lowercase hex digits. Texts of fewer than 3 words hash their
 * words (or `0000000000000000` for no word at all). Each word is hashed once (FNV-1a, two offset
 * bases); a shingle's 64 bits mix its three words' hashes in order (rotations, then MurmurHash3's
 * finaliser), so no shingle string is built: ~0.3 ms for a 23 KB article.
 * @example simhash('Ivanti patches a critical flaw in Connect Secure') // '9c3a…' (16 hex digits)
 */
export function simhash(text: string): string {
  const words: string[] = text.toLowerCase().match(WORD) ?? [];
  const n = words.length;
  const hiWords = new Int32Array(n);
  const loWords = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const w = words[i] ?? '';
    hiWords[i] = fnv1a(w, 0x811c9dc5);
    loWords[i] = fnv1a(w, 0x050c5d1f);
  }
  const weights = new Int32Array(64);
  const add = (hi: number, lo: number) => {
    for (let b = 0; b < 32; b++) {
      weights[b] = (weights[b] ?? 0) + ((hi >>> (31 - b)) & 1) * 2 - 1;
      weights[32 + b] = (weights[32 + b] ?? 0) + ((lo >>> (31 - b)) & 1) * 2 - 1;
    }
  };
  if (n < 3) for (let i = 0; i < n; i++) add(fmix32(hiWords[i] ?? 0), fmix32(loWords[i] ?? 0));
  else
    for (let i = 0; i + 2 < n; i++) {
      add(
        fmix32((hiWords[i] ?? 0) ^ rotl(hiWords[i + 1] ?? 0, 11) ^ rotl(hiWords[i + 2] ?? 0, 22)),
        fmix32((loWords[i] ?? 0) ^ rotl(loWords[i + 1] ?? 0, 13) ^ rotl(loWords[i + 2] ?? 0, 26)),
      );
    }
  let hi = 0;
  let lo = 0;
  for (let b = 0; b < 32; b++) {
    if ((weights[b] ?? 0) > 0) hi |= 1 << (31 - b);
    if ((weights[32 + b] ?? 0) > 0) lo |= 1 << (31 - b);
  }
  return (hi >>> 0).toString(16).padStart(8, '0') + (lo >>> 0).toString(16).padStart(8, '0');
}

function popcount32(x: number): number {
  let v = x - ((x >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24) & 0xff;
}

/**
 * Bits in which two SimHashes (16 hex digits each) differ, 0–64.
 * @throws {TypeError} when either is not 16 hex digits.
 */
export function hammingDistance(a: string, b: string): number {
  if (!/^[0-9a-f]{16}$/i.test(a) || !/^[0-9a-f]{16}$/i.test(b)) throw new TypeError(`SimHash must be 16 hex digits: "${a}", "${b}"`);
  const x = Number.parseInt(a.slice(0, 8), 16) ^ Number.parseInt(b.slice(0, 8), 16);
  const y = Number.parseInt(a.slice(8), 16) ^ Number.parseInt(b.slice(8), 16);
  return popcount32(x) + popcount32(y);
}

/** The four 16-bit bands of a SimHash (0–65535 each, most significant first), for indexed lookup. */
export function simhashBands(hash: string): [number, number, number, number] {
  return [0, 4, 8, 12].map((i) => Number.parseInt(hash.slice(i, i + 4), 16)) as [number, number, number, number];
}
