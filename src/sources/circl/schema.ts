/**
 * Schemas for CIRCL vulnerability-lookup's API (https://vulnerability.circl.lu/api/, source
 * https://github.com/vulnerability-lookup/vulnerability-lookup, `website/web/api/v1/`). Response
 * envelopes are checked here; the CVE 5 records inside them cross the cve5 source's own schema
 * (`../cve5/normalize.ts`) and the embedded NVD records the nvd source's (`../nvd/records.ts`).
 */
import { z } from 'zod';
import { ConfiguredUrl } from '../../net/url-policy.ts';

const CveId = z
  .string()
  .transform((s) => s.trim().toUpperCase())
  .pipe(z.string().regex(/^CVE-\d{4}-\d{4,}$/, 'expected CVE-YYYY-NNNN'));

/** Settings of the live CIRCL sync. */
export const CirclConfigSchema = z.object({
  /** A vulnerability-lookup instance (CIRCL's public one, or your own). */
  baseUrl: ConfiguredUrl.default('https://vulnerability.circl.lu'),
  /** CVEs looked up on every sync (`/api/vulnerability/<id>?with_meta=true`), e.g. the ones a watchlist cares about. */
  cves: z.array(CveId).default([]),
  /** Records per `last` page (the API caps it at 100). */
  lastCount: z.number().int().min(1).max(100).default(100),
  /** Most `last` pages read per sync, to catch up after a pause (newest first). */
  maxPages: z.number().int().min(1).max(100).default(10),
});

/** Live CIRCL settings after defaults. */
export type CirclConfig = z.output<typeof CirclConfigSchema>;

/** `GET /api/browse/`: known vendors, lower case (`["microsoft", "paloaltonetworks", …]`). */
export const CirclVendorList = z.array(z.string());

/** `GET /api/browse/<vendor>`: the vendor's known products, lower case. */
export const CirclProductList = z.array(z.string());

/**
 * `GET /api/dbInfo`: when each feed of the instance was last updated (ISO 8601, as the server
 * writes it) and how many records it holds (`total`: all feeds).
 */
export const CirclDbInfo = z.looseObject({
  last_updates: z.record(z.string(), z.string()),
  db_sizes: z.record(z.string(), z.number()),
});
export type CirclDbInfo = z.output<typeof CirclDbInfo>;

/**
 * `vulnerability-lookup:meta` of a record (with `?with_meta=true`): enrichment keyed by feed.
 * `nvd` is an NVD API 2.0 `vulnerabilities[]` entry (`{"cve":{…}}`) serialized as a JSON
 * *string*; others (`vulnrichment`, `epss`, `cisa_kev`, `fkie_nvd`, …) are strings or objects.
 */
export const CirclMeta = z.looseObject({
  nvd: z.union([z.string(), z.record(z.string(), z.unknown())]).optional(),
});

/** One `[id, record]` pair of a search result (a Python tuple, serialized as a two-item array). */
const SearchPair = z.tuple([z.string(), z.unknown()]);

/**
 * `GET /api/search/<vendor>/<product>` (alias of `/api/vulnerability/search/…`): records per
 * feed, as `[id, record]` pairs. Current servers wrap them (`{results:{cvelistv5:[…]},
 * total_count, page, page_size}`); with `?since=` (and older servers) the feed map is the body.
 */
export const CirclSearchResponse = z.union([
  z.looseObject({
    results: z.record(z.string(), z.array(SearchPair)),
    total_count: z.number().int().optional(),
    page: z.number().int().optional(),
    page_size: z.number().int().optional(),
  }),
  z.record(z.string(), z.array(SearchPair)),
]);
export type CirclSearchResponse = z.output<typeof CirclSearchResponse>;

/** `GET /api/last/<n>` (and `/api/vulnerability/?…` lists): records of any feed, newest update first. */
export const CirclRecordList = z.array(z.unknown());
