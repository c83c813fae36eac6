/**
 * Deterministic identifiers for exports: UUIDv5 (RFC 9562 §5.5, SHA-1 of namespace + name) over a
 * fixed Vigil namespace, so exporting the same data twice gives the same STIX ids and MISP uuids
 * and a consumer de-duplicates instead of piling up copies.
 */
import { createHash } from 'node:crypto';

/** Vigil's export namespace (a random v4 UUID chosen once; never change it: every exported id derives from it). */
export const VIGIL_EXPORT_NAMESPACE = '5f0f3c1e-8c5b-4b8e-9f6a-2d7e1b4c9a30';

/**
 * UUIDv5 of `name` in `namespace`.
 * @example uuidV5('indicator|ipv4|1.2.3.4') // '…-5…-…' (version 5, RFC 4122 variant)
 */
export function uuidV5(name: string, namespace: string = VIGIL_EXPORT_NAMESPACE): string {
  const ns = Buffer.from(namespace.replaceAll('-', ''), 'hex');
  const hash = createHash('sha1').update(ns).update(name, 'utf8').digest();
  hash.writeUInt8((hash.readUInt8(6) & 0x0f) | 0x50, 6);
  hash.writeUInt8((hash.readUInt8(8) & 0x3f) | 0x80, 8);
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** A STIX identifier `type--uuidv5(type|key)` (STIX 2.1 §2.9). */
export function stixId(type: string, key: string): string {
  return `${type}--${uuidV5(`${type}|${key}`)}`;
}
