/**
 * Normalised key of a vendor or product name for matching across feeds: lower case, letters
 * and digits only. `Palo Alto Networks` (CVE 5 `affected`) and `paloaltonetworks` (CPE) both
 * give `paloaltonetworks`.
 * @example productKey('Palo Alto Networks') // 'paloaltonetworks'
 */
export function productKey(name: string): string {
  return name.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, '');
}
