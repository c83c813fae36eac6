/**
 * Configuration of the NVD source (`sources.nvd` in the config file; the API key comes from
 * `NVD_API_KEY`, never from the file).
 */
import { z } from 'zod';
import { ConfiguredUrl } from '../../net/url-policy.ts';
import type { RateLimit } from '../http.ts';

/** NVD CVE API 2.0 endpoint (https://nvd.nist.gov/developers/vulnerabilities). */
export const NVD_CVE_API_URL = 'https://services.nvd.nist.gov/rest/json/cves/2.0';

/** NVD's longest `lastModStartDate`..`lastModEndDate` range, in days. */
export const NVD_MAX_WINDOW_DAYS = 120;

/** NVD's largest `resultsPerPage` (and its default). */
export const NVD_MAX_PAGE_SIZE = 2000;

/** NVD's public rate limits: 5 requests per rolling 30 s without a key, 50 with one. */
export const NVD_RATE_LIMIT_ANONYMOUS: RateLimit = { requests: 5, perSeconds: 30 };
export const NVD_RATE_LIMIT_WITH_KEY: RateLimit = { requests: 50, perSeconds: 30 };

/** Settings of the NVD source. */
export const NvdConfigSchema = z.object({
  /** API endpoint, or a mirror serving the same API. */
  baseUrl: ConfiguredUrl.default(NVD_CVE_API_URL),
  /** NVD API key (https://nvd.nist.gov/developers/request-an-api-key), sent as the `apiKey` header. */
  apiKey: z.string().min(1).optional(),
  /** Length of one `lastMod` window, in days (NVD allows at most 120). */
  windowDays: z.number().int().min(1).max(NVD_MAX_WINDOW_DAYS).default(NVD_MAX_WINDOW_DAYS),
  /** `resultsPerPage` (1–2000). */
  pageSize: z.number().int().min(1).max(NVD_MAX_PAGE_SIZE).default(NVD_MAX_PAGE_SIZE),
  /** Start of the first window when there is no cursor (ISO 8601); default: now − windowDays. */
  since: z
    .string()
    .refine((s) => /^\d{4}-\d\d-\d\d/.test(s) && !Number.isNaN(Date.parse(s)), 'not an ISO 8601 date or timestamp')
    .optional(),
  /** Request cap; default 5 per 30 s without `apiKey`, 50 per 30 s with one. */
  rateLimit: z.object({ requests: z.number().int().min(1), perSeconds: z.number().positive() }).optional(),
});
export type NvdConfig = z.output<typeof NvdConfigSchema>;

/** The rate cap to use: the configured one, else NVD's public limit for keyed or anonymous use. */
export function nvdRateLimit(config: Pick<NvdConfig, 'apiKey' | 'rateLimit'>): RateLimit {
  return config.rateLimit ?? (config.apiKey ? NVD_RATE_LIMIT_WITH_KEY : NVD_RATE_LIMIT_ANONYMOUS);
}
