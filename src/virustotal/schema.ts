/**
 * VirusTotal API v3 response shapes (https://docs.virustotal.com/reference/overview): an object
 * answer `{ data: { type, id, attributes } }` and an error answer `{ error: { code, message } }`.
 * Lenient: attributes differ per object type and over time, so only the fields Vigil reads are
 * typed and everything else passes through untouched (`looseObject`).
 */
import { z } from 'zod';

/** `last_analysis_stats`: engine counts per verdict (more keys, `type-unsupported`, pass through). */
export const VtAnalysisStats = z.looseObject({
  malicious: z.number().int().nonnegative().default(0),
  suspicious: z.number().int().nonnegative().default(0),
  harmless: z.number().int().nonnegative().default(0),
  undetected: z.number().int().nonnegative().default(0),
  timeout: z.number().int().nonnegative().default(0),
});

/** The attributes Vigil summarises; dates are Unix seconds. */
export const VtAttributes = z.looseObject({
  last_analysis_stats: VtAnalysisStats.optional(),
  last_analysis_date: z.number().optional(),
  reputation: z.number().optional(),
  /** Domains and URLs: engine → category (`"sophos": "malware callhome, command and control"`). */
  categories: z.record(z.string(), z.string()).optional(),
  tags: z.array(z.string()).optional(),
  /** Files. */
  meaningful_name: z.string().optional(),
  type_description: z.string().optional(),
  /** IP addresses. */
  as_owner: z.string().optional(),
  asn: z.number().optional(),
  country: z.string().optional(),
});

/**
 * `GET /files/{id}`, `/urls/{id}`, `/domains/{id}`, `/ip_addresses/{id}`. `type`/`id` optional:
 * real answers captured by tools (XSOAR's file fixture) carry them beside `data`, not inside it.
 */
export const VtObjectResponse = z.looseObject({
  data: z.looseObject({
    type: z.string().optional(),
    id: z.string().optional(),
    attributes: VtAttributes,
  }),
});
export type VtObjectResponse = z.infer<typeof VtObjectResponse>;

/** An error answer (`NotFoundError` 404, `QuotaExceededError` 429, `WrongCredentialsError` 401, …). */
export const VtErrorResponse = z.object({
  error: z.looseObject({ code: z.string(), message: z.string().optional() }),
});
