/**
 * Full-text search on PostgreSQL with the semantics of SQLite's FTS5 table (`tokenize =
 * 'unicode61 remove_diacritics 2'`, ../sqlite/migrations.ts): the same words match on both back
 * ends. PostgreSQL's own parser does not split words as unicode61 does (`1.2.3` is one `version`
 * token, `CVE-2024-3400` a hyphenated word, `foo.php` a file name; https://www.postgresql.org/docs/15/textsearch-parsers.html),
 * so Vigil tokenizes in JavaScript, exactly as unicode61 does, and hands PostgreSQL finished
 * lexemes: a `tsvector` literal for a document, a `tsquery` literal for a search
 * (https://www.postgresql.org/docs/15/datatype-textsearch.html §8.11). No parser, dictionary or
 * extension (`unaccent`) is involved, so the result does not depend on the server's locale.
 *
 * unicode61 as measured with SQLite's fts5vocab (the test beside this file checks it on the corpus):
 * a token is a run of letters (L*), digits (N*) and combining marks (Mn); each character is lower-cased
 * on its own (a final `Σ` is `σ`), and a Latin letter with diacritics loses them (`é` → `e`, `İ` → `i`)
 * while other scripts keep theirs (`ί`), and `ø`, `ł`, `ß`, ligatures and full-width forms are kept.
 */
import { DummyDriver, Kysely, PostgresAdapter, PostgresIntrospector, PostgresQueryCompiler } from 'kysely';

const TOKEN = /[\p{L}\p{N}\p{Mn}]+/gu;
/** A token of ASCII letters and digits only (most of them): lower-casing is all there is to do. */
const ASCII = /^[0-9A-Za-z]+$/;
const COMBINING = /\p{Mn}/u;
const LATIN_BASE = /^[a-z]$/;

/** PostgreSQL's limits: a lexeme under 2 KB (bytes), positions 1–16383. */
const MAX_LEXEME_BYTES = 2046;
const MAX_POSITION = 16_383;

/** One character (code point) as unicode61 folds it: lower case, Latin diacritics removed, marks dropped. */
function foldChar(ch: string): string {
  if (COMBINING.test(ch)) return '';
  const lower = ch.toLowerCase();
  let out = '';
  for (const c of lower) {
    if (COMBINING.test(c)) continue;
    const parts = c.normalize('NFD');
    const base = parts[0] ?? c;
    out += parts.length > 1 && LATIN_BASE.test(base) && [...parts.slice(1)].every((m) => COMBINING.test(m)) ? base : c;
  }
  return out;
}

/** A token as unicode61 folds it. */
function fold(token: string): string {
  if (ASCII.test(token)) return token.toLowerCase();
  let out = '';
  for (const ch of token) out += foldChar(ch);
  return out;
}

/**
 * The tokens FTS5's unicode61 tokenizer (remove_diacritics 2) makes of `text`, in order.
 * @example ftsTokens('PAN-OS 11.1 Café') // ['pan', 'os', '11', '1', 'cafe']
 */
export function ftsTokens(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(TOKEN)) {
    const t = fold(m[0]);
    if (t && Buffer.byteLength(t) <= MAX_LEXEME_BYTES) out.push(t);
  }
  return out;
}

/** A lexeme quoted for a tsvector/tsquery literal. */
function quote(lexeme: string): string {
  return `'${lexeme.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
}

/**
 * The `tsvector` literal of a document made of `columns` (cve_id, title, description, …: FTS5's
 * columns), each token with its position; a phrase never spans two columns (a position is skipped
 * between them), as in FTS5. Cast it with `$n::tsvector`.
 * @example ftsDocument(['CVE-2024-3400', 'PAN-OS']) // "'cve':1 '2024':2 '3400':3 'pan':5 'os':6"
 */
export function ftsDocument(columns: (string | null | undefined)[]): string {
  const out: string[] = [];
  let pos = 0;
  for (const c of columns) {
    if (!c) continue;
    for (const t of ftsTokens(c)) out.push(`${quote(t)}:${Math.min(++pos, MAX_POSITION)}`);
    pos++;
  }
  return out.join(' ');
}

/**
 * The `tsquery` literal of free text with the semantics of ../query.ts ftsQuery on FTS5: each word
 * (`[\p{L}\p{N}_]+`) is a quoted FTS5 string, i.e. a phrase of its tokens (`foo_bar` → `foo <-> bar`);
 * the words are ANDed. Nothing the user types is query syntax. Cast it with `$n::tsquery`.
 * @returns `null` when the text holds no searchable word (the caller matches nothing).
 * @example ftsTsquery('pan-os "globalprotect') // "'pan' & 'os' & 'globalprotect'"
 */
export function ftsTsquery(text: string): string | null {
  const terms: string[] = [];
  for (const word of text.match(/[\p{L}\p{N}_]+/gu) ?? []) {
    const tokens = ftsTokens(word);
    // A word without a token (`_`) is an empty FTS5 phrase, which an AND leaves out (`"_" "linux"`
    // matches what `"linux"` does); a query of only such words matches nothing (null).
    if (!tokens.length) continue;
    terms.push(tokens.length === 1 ? quote(tokens[0] as string) : `(${tokens.map(quote).join(' <-> ')})`);
  }
  return terms.length ? terms.join(' & ') : null;
}

/** A Kysely instance that only compiles PostgreSQL (run the SQL through {@link PgDb}). */
export function pgCompiler<DB>(): Kysely<DB> {
  return new Kysely<DB>({
    dialect: {
      createAdapter: () => new PostgresAdapter(),
      createDriver: () => new DummyDriver(),
      createIntrospector: (db) => new PostgresIntrospector(db),
      createQueryCompiler: () => new PostgresQueryCompiler(),
    },
  });
}
