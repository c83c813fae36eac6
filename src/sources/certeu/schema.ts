/**
 * Schemas of CERT-EU security advisories as `https://cert.europa.eu/publications/security-advisories/<YYYY-NNN>/json`
 * serves them (keys: `title`, `serial_number`, `publish_date`, `description`, `content_markdown`,
 * `content_html`, `file_item`, `licence`, `url_title`). Only the fields Vigil maps are checked.
 */
import { z } from 'zod';
import { ConfiguredUrl } from '../../net/url-policy.ts';

/** Settings of the live CERT-EU sync. */
export const CerteuConfigSchema = z.object({
  /** The site (or a mirror with the same paths): feed at `/publications/security-advisories-rss`, advisories at `/publications/security-advisories/<YYYY-NNN>/json`. */
  baseUrl: ConfiguredUrl.default('https://cert.europa.eu'),
  /** Request-rate cap (CERT-EU states no limit; a sync makes one request per new advisory). */
  rateLimit: z.object({ requests: z.number().int().min(1), perSeconds: z.number().positive() }).default({ requests: 2, perSeconds: 1 }),
});

/** Live CERT-EU settings after defaults. */
export type CerteuConfig = z.output<typeof CerteuConfigSchema>;

/** `2026-001`: year and number of the year's advisory. */
export const CERTEU_SERIAL = /^\d{4}-\d{3,4}$/;

const Nullable = z.string().nullable().optional();

/**
 * One advisory. Required: `serial_number`, `title`, `publish_date` (`DD-MM-YYYY HH:MM:SS`, day
 * first, no zone). The text fields may be null (2022-068 has no content at all).
 */
export const CerteuAdvisoryJson = z.object({
  serial_number: z.string().regex(CERTEU_SERIAL, 'expected YYYY-NNN'),
  title: z.string().trim().min(1, 'empty'),
  publish_date: z.string().regex(/^\d{2}-\d{2}-\d{4} \d{2}:\d{2}(?::\d{2})?$/, 'expected DD-MM-YYYY HH:MM:SS'),
  description: Nullable,
  content_markdown: Nullable,
  file_item: z.object({ filepath: Nullable, filename: Nullable }).nullable().optional(),
});

/** An advisory as validated (before mapping to the Advisory model). */
export type CerteuAdvisoryData = z.output<typeof CerteuAdvisoryJson>;
