/**
 * STIX 2.1 patterns for Vigil's indicator types (STIX 2.1 §9, patterning; grammar:
 * https://docs.oasis-open.org/cti/stix/v2.1/os/stix-v2.1-os.html#_e8slinrhxcc9).
 */
import type { IocType } from '../nlp/types.ts';

/**
 * A STIX string literal: single-quoted, `\` and `'` escaped by a backslash (the grammar's
 * StringLiteral: `'` ( ~['\\] | `\'` | `\\` )* `'`).
 */
export function stixString(value: string): string {
  return `'${value.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;
}

/** The object path compared for each indicator type; null: the type is not an indicator (CVEs, ATT&CK ids). */
const PATHS: Record<IocType, string | null> = {
  ipv4: 'ipv4-addr:value',
  ipv6: 'ipv6-addr:value',
  cidr: null, // chosen by address family below
  domain: 'domain-name:value',
  url: 'url:value',
  email: 'email-addr:value',
  md5: 'file:hashes.MD5',
  sha1: "file:hashes.'SHA-1'",
  sha256: "file:hashes.'SHA-256'",
  sha512: "file:hashes.'SHA-512'",
  ssdeep: 'file:hashes.SSDEEP',
  filename: 'file:name',
  registry: 'windows-registry-key:key',
  asn: null, // an integer, below
  // STIX 2.1 has no wallet object: a custom object type, as the patterning grammar allows (§9.3).
  btc: 'x-vigil-cryptocurrency-wallet:address',
  xmr: 'x-vigil-cryptocurrency-wallet:address',
  cve: null,
  attack: null,
};

/** Whether an indicator of this type becomes a STIX indicator (else another object, or nothing). */
export function isStixIndicatorType(type: IocType): boolean {
  return PATHS[type] !== null || type === 'cidr' || type === 'asn';
}

/**
 * The STIX pattern of one indicator, or null when the type has none (`cve`, `attack`) or the
 * value does not fit it (an ASN that is not a number).
 * @example stixPattern('ipv4', '198.51.100.7') // "[ipv4-addr:value = '198.51.100.7']"
 * @example stixPattern('registry', 'HKCU\\Run') // "[windows-registry-key:key = 'HKCU\\\\Run']"
 */
export function stixPattern(type: IocType, value: string): string | null {
  if (type === 'asn') {
    const n = /^(?:AS)?(\d{1,10})$/i.exec(value.trim());
    return n ? `[autonomous-system:number = ${Number(n[1])}]` : null;
  }
  if (type === 'cidr') return `[${value.includes(':') ? 'ipv6-addr' : 'ipv4-addr'}:value = ${stixString(value)}]`;
  if (type === 'btc' || type === 'xmr') {
    return `[${PATHS[type]} = ${stixString(value)} AND x-vigil-cryptocurrency-wallet:currency = ${stixString(type.toUpperCase())}]`;
  }
  const path = PATHS[type];
  return path ? `[${path} = ${stixString(value)}]` : null;
}
