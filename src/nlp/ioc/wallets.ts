/**
 * Checksums of cryptocurrency addresses, so that a base58-looking word is reported as a wallet only
 * when it is one. ioc-extractor's `isBTC` is a shape regex only (any 26–34 base58 characters).
 *
 * - Bitcoin legacy (P2PKH `1…`, P2SH `3…`): Base58Check, https://en.bitcoin.it/wiki/Base58Check_encoding
 * - Bitcoin SegWit (`bc1…`): Bech32 / Bech32m, BIP 173 and BIP 350.
 * - Monero (`4…`/`8…`, 95 characters): shape only (its checksum is Keccak, not in node:crypto).
 */
import { createHash } from 'node:crypto';

const B58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
const B58_INDEX = new Map([...B58].map((c, i) => [c, i]));

function base58Decode(s: string): Uint8Array | null {
  let n = 0n;
  for (const c of s) {
    const v = B58_INDEX.get(c);
    if (v === undefined) return null;
    n = n * 58n + BigInt(v);
  }
  const bytes: number[] = [];
  while (n > 0n) {
    bytes.unshift(Number(n & 0xffn));
    n >>= 8n;
  }
  for (const c of s) {
    if (c !== '1') break;
    bytes.unshift(0);
  }
  return Uint8Array.from(bytes);
}

/** Whether `s` is a Base58Check Bitcoin address (version byte 0x00 or 0x05, 25 bytes, valid checksum). */
export function isBase58Btc(s: string): boolean {
  const b = base58Decode(s);
  if (b?.length !== 25 || (b[0] !== 0 && b[0] !== 5)) return false;
  const payload = b.subarray(0, 21);
  const sum = createHash('sha256').update(createHash('sha256').update(payload).digest()).digest();
  for (let i = 0; i < 4; i++) if (sum[i] !== b[21 + i]) return false;
  return true;
}

const BECH32 = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';
const GEN = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3];

function polymod(values: number[]): number {
  let chk = 1;
  for (const v of values) {
    const top = chk >>> 25;
    chk = ((chk & 0x1ffffff) << 5) ^ v;
    for (let i = 0; i < 5; i++) if ((top >>> i) & 1) chk ^= GEN[i] ?? 0;
  }
  return chk >>> 0;
}

/** Whether `s` is a valid Bech32 (BIP 173) or Bech32m (BIP 350) `bc1` address. */
export function isBech32Btc(s: string): boolean {
  const lower = s.toLowerCase();
  if (lower !== s && s.toUpperCase() !== s) return false;
  if (!lower.startsWith('bc1') || lower.length < 14 || lower.length > 74) return false;
  const data: number[] = [];
  for (const c of lower.slice(3)) {
    const v = BECH32.indexOf(c);
    if (v < 0) return false;
    data.push(v);
  }
  const hrp = [...'bc'].map((c) => c.charCodeAt(0));
  const expanded = [...hrp.map((c) => c >> 5), 0, ...hrp.map((c) => c & 31), ...data];
  const pm = polymod(expanded);
  return pm === 1 || pm === 0x2bc830a3;
}

/** Monero standard (`4…`) or subaddress (`8…`) shape: 95 base58 characters. */
export function isXmrShape(s: string): boolean {
  return /^[48][0-9AB][1-9A-HJ-NP-Za-km-z]{93}$/.test(s);
}
