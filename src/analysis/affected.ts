/**
 * What a CVE 5 `affected` entry says of its product, read once for the merge (products vs
 * unaffected products), the matcher and the dashboard (a pure module: the web bundle imports it).
 * Spec: https://github.com/CVEProject/cve-schema (CVE Record Format 5.1, `versions`, `defaultStatus`).
 */
import type { AffectedProduct } from '../model/vulnerability.ts';

/** See {@link affectedStatus}. */
export type AffectedStatus = 'affected' | 'unaffected' | 'unknown';

/**
 * What one CVE 5 `affected` entry says of its product (CVE Record Format 5.1, `versions` and
 * `defaultStatus`): `affected` when a version is `affected` or `defaultStatus` is; `unaffected`
 * when it names no affected and no unknown version, only unaffected ones or `defaultStatus:
 * unaffected` (CVE-2024-3400's Cloud NGFW, "All (unaffected)"; CISA ADP's entries that carry one
 * unaffected range each); otherwise `unknown` (nothing stated, or only `unknown` versions: maybe
 * affected, e.g. a vendor's "under investigation").
 * @example affectedStatus({ versions: [{ version: 'All', status: 'unaffected' }], defaultStatus: 'unaffected' }) // 'unaffected'
 */
export function affectedStatus(a: Pick<AffectedProduct, 'versions' | 'defaultStatus'>): AffectedStatus {
  if (a.defaultStatus === 'affected' || a.versions.some((v) => v.status === 'affected')) return 'affected';
  if (a.versions.some((v) => v.status === 'unknown')) return 'unknown';
  return a.defaultStatus === 'unaffected' || a.versions.length > 0 ? 'unaffected' : 'unknown';
}
