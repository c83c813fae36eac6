/**
 * Schema for one OWASP Top 10 category page (https://github.com/OWASP/Top10,
 * `<year>/docs/en/A0x_<year>-*.md`) after its Markdown has been read: the id and title of the
 * H1 heading and the CWE ids of the "List of Mapped CWEs" section.
 */
import { z } from 'zod';

/** One OWASP Top 10 category with the CWEs it maps. */
export interface OwaspCategory {
  /** The edition, the year of the id: `'2021'`, `'2025'`. */
  edition: string;
  /** `A01:2021` … `A10:2021` (rank, colon, edition), as written in the page heading. */
  id: string;
  /** The heading's title, verbatim: `'Injection'`, `'Security Logging & Alerting Failures'`. */
  title: string;
  /** `CWE-NNN` ids, unique, in the order the page lists them; never empty. */
  cwes: string[];
}

/** `A01:2021` … `A10:2021`: the rank is two digits, 01 to 10. */
const CategoryId = z.string().regex(/^A(?:0[1-9]|10):\d{4}$/, 'expected A01:YYYY … A10:YYYY');
const CweId = z.string().regex(/^CWE-[1-9]\d*$/, 'expected CWE-NNN');

/**
 * The fields read from one category page, transformed into an {@link OwaspCategory} (the
 * edition is the id's year). A page mapping no CWE is refused: every published page maps at
 * least one, so an empty list means the section was not understood.
 */
export const OwaspCategoryPage = z
  .object({
    id: CategoryId,
    title: z.string().trim().min(1, 'empty title'),
    cwes: z
      .array(CweId)
      .min(1, 'no CWE listed')
      .refine((ids) => new Set(ids).size === ids.length, 'CWE listed twice'),
  })
  .transform((p): OwaspCategory => ({ edition: p.id.slice(4), id: p.id, title: p.title, cwes: p.cwes }));

/** The page fields before validation. */
export type OwaspCategoryPageInput = z.input<typeof OwaspCategoryPage>;
