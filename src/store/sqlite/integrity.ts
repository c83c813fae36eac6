/**
 * SQLite's own consistency checks of a store file: `PRAGMA quick_check` (every page and b-tree,
 * O(N), at start) and `PRAGMA integrity_check` (also every index against its table, on demand:
 * `vigil doctor`). The file is opened read-only and never migrated, so a damaged store is
 * examined as it is. Spec: https://www.sqlite.org/pragma.html#pragma_integrity_check
 */
import Database from 'better-sqlite3';

/** What a check found. */
export interface IntegrityReport {
  /** `quick`: PRAGMA quick_check; `full`: PRAGMA integrity_check. */
  mode: 'quick' | 'full';
  /** SQLite's findings (at most `limit`), or the error that stopped the check; empty when intact. */
  problems: string[];
  /** How long the check took, milliseconds. */
  ms: number;
}

/**
 * Checks the store file `file`.
 * @param limit most findings reported (SQLite stops counting there).
 * @returns the findings; an error opening or reading the file (not a database, damaged header)
 *   is a finding too, never thrown.
 */
export function checkIntegrity(file: string, mode: 'quick' | 'full', limit = 20): IntegrityReport {
  const started = performance.now();
  const problems: string[] = [];
  let db: Database.Database | null = null;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
    const rows = db.pragma(`${mode === 'quick' ? 'quick_check' : 'integrity_check'}(${Math.max(1, Math.trunc(limit))})`, { simple: false }) as Record<string, string>[];
    for (const row of rows) {
      const text = Object.values(row)[0] ?? '';
      // One finding per line: SQLite prefixes the first with the schema's name on a line of its own.
      if (text !== 'ok') problems.push(...text.replace(/^\*\*\* in database \w+ \*\*\*\s*/, '').split(/\s*\n\s*/).filter(Boolean));
    }
  } catch (err) {
    problems.push(`${(err as { code?: string }).code ?? 'error'}: ${(err as Error).message}`);
  } finally {
    db?.close();
  }
  return { mode, problems, ms: Math.round(performance.now() - started) };
}
