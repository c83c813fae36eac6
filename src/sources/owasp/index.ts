/**
 * OWASP Top 10 source (offline): the category pages of https://github.com/OWASP/Top10
 * (`<year>/docs/en/A01_<year>-*.md` … `A10_…`, CC BY-SA 4.0), read into one
 * {@link OwaspCategory} per page: id and title from the H1 heading, CWE ids from the
 * "List of Mapped CWEs" section. Used to tell which Top 10 category a CVE's CWE falls in.
 */
import { type Dirent, promises as fs } from 'node:fs';
import path from 'node:path';
import { VigilError } from '../../errors.ts';
import { decodeText, readWholeFile } from '../files.ts';
import { type OwaspCategory, OwaspCategoryPage } from './schema.ts';

export { type OwaspCategory, OwaspCategoryPage, type OwaspCategoryPageInput } from './schema.ts';

/** A category page's file name: `A01_2021-Broken_Access_Control.md` (rank 01-10, edition year). */
const PAGE_FILE = /^A(0[1-9]|10)_(\d{4})-[^.]*\.md$/;
/** An edition folder: `2021`, `2025`. */
const EDITION_DIR = /^\d{4}$/;
/**
 * The heading's text after `# `: the id, an optional separator (2021 writes an en dash,
 * `A03:2021 – Injection`; 2025 a space, `A05:2025 Injection`; a hyphen, em dash or colon are
 * taken too), then the title.
 */
const HEADING = /^(A(?:0[1-9]|10):\d{4})(?:[ \t]*[–—:-][ \t]*|[ \t]+)(.*)$/;
const MAPPED_CWES = /^(#{1,6})[ \t]+List of Mapped CWEs[ \t.:]*$/i;
/** A CWE entry: the start of a link text (`[CWE-79 Improper…](…)`) or a bare list item (`* CWE-79 …`). */
const CWE_ENTRY = /(?:\[[ \t]*|^[ \t]*(?:[*+-][ \t]+)?)CWE-(\d+)\b/gm;

/**
 * Parses one category page's Markdown. The title is the heading's text with the icon image
 * (`![icon](…)`) and kramdown attribute list (`{: style=…}`) removed, otherwise verbatim. The
 * section runs to the next heading of its level or higher; CWE ids are taken from the start of
 * each entry (not from prose or URLs), duplicates dropped, page order kept.
 * @param file names the page in errors (a path or any label).
 * @throws {VigilError} VIGIL_INPUT_UNREADABLE naming `file` when the page has no
 *   `# Axx:YYYY Title` heading, no "List of Mapped CWEs" section, or fails
 *   {@link OwaspCategoryPage} (e.g. the section lists no CWE).
 * @example
 *   parseOwaspPage('# A03:2021 – Injection\n## List of Mapped CWEs\n[CWE-79 XSS](https://cwe.mitre.org/data/definitions/79.html)', 'A03.md')
 *   // → { edition: '2021', id: 'A03:2021', title: 'Injection', cwes: ['CWE-79'] }
 */
export function parseOwaspPage(text: string, file: string): OwaspCategory {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const h1 = lines.find((l) => /^#(?!#)/.test(l));
  if (h1 === undefined) throw unreadable(file, 'no "# Axx:YYYY Title" heading');
  const heading = HEADING.exec(cleanHeading(h1.slice(1)));
  if (!heading) throw unreadable(file, `heading "${h1.trim()}" does not start with an id A01:YYYY … A10:YYYY`);
  const [, id = '', title = ''] = heading;

  const start = lines.findIndex((l) => MAPPED_CWES.test(l));
  if (start < 0) throw unreadable(file, 'no "List of Mapped CWEs" section');
  const level = MAPPED_CWES.exec(lines[start] ?? '')?.[1]?.length ?? 2;
  const rest = lines.slice(start + 1);
  const end = rest.findIndex((l) => (/^(#{1,6})[ \t]/.exec(l)?.[1]?.length ?? 7) <= level);
  const section = (end < 0 ? rest : rest.slice(0, end)).join('\n');
  const cwes = [...new Set(Array.from(section.matchAll(CWE_ENTRY), (m) => `CWE-${Number(m[1])}`))];

  const page = OwaspCategoryPage.safeParse({ id, title, cwes });
  if (!page.success) throw unreadable(file, page.error.issues.map((i) => `${i.path.join('.') || '(page)'}: ${i.message}`).join('; '));
  return page.data;
}

/**
 * Reads every A01..A10 page under `dir`: either one edition folder (the pages themselves) or a
 * folder of edition folders (`2021/`, `2025/`, any `YYYY/`), each holding its pages directly or,
 * as in a clone of OWASP/Top10, under `docs/en/`. Other files are ignored.
 * @returns the categories sorted by edition, then id (10 per complete edition).
 * @throws {VigilError} VIGIL_INPUT_UNREADABLE naming the file: a page that
 *   {@link parseOwaspPage} refuses, whose heading id disagrees with its file name, or that
 *   repeats an id already read; naming `dir` when it cannot be listed or holds no page.
 * @example
 *   const categories = await readOwaspTop10('data/owasp-top10'); // 2021 and 2025: 20 categories
 */
export async function readOwaspTop10(dir: string): Promise<OwaspCategory[]> {
  let files = await pagesIn(dir);
  if (files.length === 0) {
    const editions = (await list(dir)).filter((e) => e.isDirectory() && EDITION_DIR.test(e.name)).map((e) => path.join(dir, e.name));
    for (const edition of editions) {
      const pages = await pagesIn(edition);
      files.push(...(pages.length > 0 ? pages : await pagesIn(path.join(edition, 'docs', 'en'), true)));
    }
  }
  if (files.length === 0) throw unreadable(dir, 'no OWASP Top 10 page (A01_YYYY-*.md … A10_YYYY-*.md) found');
  files = files.sort();

  const byId = new Map<string, { category: OwaspCategory; file: string }>();
  for (const file of files) {
    const category = parseOwaspPage(await decodeText(await readWholeFile(file)), file);
    const [, rank, year] = PAGE_FILE.exec(path.basename(file)) ?? [];
    if (category.id !== `A${rank}:${year}`) throw unreadable(file, `the heading says ${category.id} but the file name says A${rank}_${year}`);
    const seen = byId.get(category.id);
    if (seen) throw unreadable(file, `${category.id} is also read from ${seen.file}`);
    byId.set(category.id, { category, file });
  }
  return [...byId.values()].map((v) => v.category).sort((a, b) => a.edition.localeCompare(b.edition) || a.id.localeCompare(b.id));
}

/**
 * Indexes one edition by CWE: `CWE-NNN` → the categories of `edition` that map it, in category
 * order. A CWE can map to more than one category: in 2021, CWE-259 (Use of Hard-coded Password)
 * is listed by both A02:2021 and A07:2021 (196 CWEs, 197 mappings); in 2025 each of the 249 CWEs
 * maps to exactly one. Other editions in `categories` are ignored; an edition not present gives
 * an empty map. CWEs not mapped by any category are absent (not `[]`).
 * @example
 *   owaspByCwe(categories, '2021').get('CWE-79')?.map((c) => c.id) // → ['A03:2021']
 */
export function owaspByCwe(categories: OwaspCategory[], edition: string): Map<string, OwaspCategory[]> {
  const index = new Map<string, OwaspCategory[]>();
  for (const category of categories) {
    if (category.edition !== edition) continue;
    for (const cwe of category.cwes) {
      const list = index.get(cwe);
      if (list) list.push(category);
      else index.set(cwe, [category]);
    }
  }
  return index;
}

/** Drops the icon image and kramdown attribute list the pages put in their heading. */
function cleanHeading(text: string): string {
  return text
    .replace(/!\[[^\]]*\]\([^)]*\)/g, '')
    .replace(/\{:[^}]*\}/g, '')
    .replace(/\s+/g, ' ')
    .trim();
}

/** The category pages directly in `folder`; `optional`: none when it does not exist. */
async function pagesIn(folder: string, optional = false): Promise<string[]> {
  const entries = await list(folder, optional);
  return entries.filter((e) => e.isFile() && PAGE_FILE.test(e.name)).map((e) => path.join(folder, e.name));
}

async function list(folder: string, optional = false): Promise<Dirent[]> {
  try {
    return await fs.readdir(folder, { withFileTypes: true });
  } catch (cause) {
    if (optional && (cause as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw unreadable(folder, (cause as Error).message, cause);
  }
}

function unreadable(file: string, reason: string, cause?: unknown): VigilError {
  return new VigilError('VIGIL_INPUT_UNREADABLE', [file, reason], cause === undefined ? undefined : { cause });
}
