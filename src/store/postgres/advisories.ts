/**
 * Advisories, bulletins and exploits on PostgreSQL (tables: migration 7), with the semantics of
 * ../sqlite/advisories.ts: the rows come from the shared ../advisory-rows.ts, the key is the
 * advisory id, the same hash is unchanged, an older `modified` is stale (equally new: the greater
 * hash wins), and each replacement writes its history rows.
 *
 * A batch is one transaction of about ten statements whatever its size (multi-row `unnest`
 * statements). Concurrent writers (several `vigil run --worker`) serialize per advisory id and per
 * CVE on transaction-level advisory locks taken in sorted key order, so two batches sharing ids or
 * CVEs wait for each other instead of deadlocking, and the last of them to count a CVE's exploits
 * sees the other's links.
 */
import type { Advisory, AdvisoryChange, AdvisoryKind, AdvisoryLink, AdvisorySummary } from '../../model/advisory.ts';
import { type AdvisoryRow, cveList, isStale, MAX_ADVISORY_LIMIT, sinceIso, toAdvisoryRows, vendorFilter } from '../advisory-rows.ts';
import type { AdvisoryQuery, AdvisorySaveResult, StoredAdvisory } from '../types.ts';
import type { PgClient, PgDb } from './pool.ts';
import { ftsTokens } from './query-pg.ts';

/** Namespaces (first key) of the two-key advisory locks: advisory ids, CVE ids (exploit counts). */
const ADVISORY_LOCKS = 0x5641_4456; // "VADV"
const CVE_LOCKS = 0x5643_5645; // "VCVE"

/**
 * SQL of the public-exploit count of the CVE whose id is the SQL expression `cve` (a column or a
 * `$n` parameter): exploits (kind `exploit`) that list it (a CVE only mentioned in an exploit's text
 * may be a reference to another flaw) and are not withdrawn. The PostgreSQL form of
 * ../sqlite/advisories.ts EXPLOIT_COUNT_SQL, for the statements that create a CVE's `vulns` row.
 * Those must first take {@link lockExploitCounts} on the CVEs they create, in the same transaction.
 * @example `INSERT INTO vulns (cve_id, …, exploits) SELECT i.id, …, ${exploitCountSql('i.id')} FROM unnest($1::text[]) AS i(id)`
 */
export function exploitCountSql(cve: string): string {
  return `(SELECT count(*) FROM advisory_cves ec JOIN advisories ea ON ea.id = ec.advisory_id
    WHERE ec.cve_id = ${cve} AND ec.origin = 'listed' AND ea.kind = 'exploit' AND ea.withdrawn IS NULL)`;
}

/**
 * Takes the transaction-level locks that serialize the exploit counts of these CVEs: a statement
 * that creates `vulns` rows with {@link exploitCountSql} takes them first (in its transaction, in a
 * statement of its own), so that its count sees the links of an advisory batch committed meanwhile,
 * and a later batch's refresh sees its rows. Keys are taken in sorted order (no deadlock).
 */
export async function lockExploitCounts(client: PgClient, cveIds: Iterable<string>): Promise<void> {
  await lockKeys(client, CVE_LOCKS, cveIds);
}

/** Transaction-level advisory locks on the keys (namespace, hashtext(key)), in sorted order. */
async function lockKeys(client: PgClient, namespace: number, keys: Iterable<string>): Promise<void> {
  const list = [...new Set(keys)];
  if (!list.length) return;
  await client.query(
    `SELECT count(pg_advisory_xact_lock($1::int4, k)) FROM (SELECT DISTINCT hashtext(key) AS k FROM unnest($2::text[]) AS key ORDER BY 1) AS s`,
    [namespace, list],
  );
}

/** The `tsvector` literal of an advisory: id, title (weight A, for the vendor filter's title phrase), summary. */
function ftsDocument(r: AdvisoryRow): string {
  const lexemes = new Map<string, string[]>();
  let position = 0;
  for (const [text, label] of [
    [r.id, ''],
    [r.title, 'A'],
    [r.summary, ''],
  ] as const) {
    for (const token of ftsTokens(text)) {
      position = Math.min(position + 1, 16_383);
      const at = lexemes.get(token);
      // PostgreSQL keeps 256 positions of a lexeme; the title's come first.
      if (!at) lexemes.set(token, [`${position}${label}`]);
      else if (at.length < 256) at.push(`${position}${label}`);
    }
    // A skipped position between columns: no phrase spans two of them (as in FTS5).
    position++;
  }
  return [...lexemes].map(([token, at]) => `${lexeme(token)}:${at.join(',')}`).join(' ');
}

/** What the batch knows of an advisory while it walks the rows: stored, then as each row leaves it. */
interface Current {
  kind: string;
  hash: string;
  modified: string;
  withdrawn: string | null;
  cves: [string, string][];
}

/**
 * Stores advisories in one transaction: each advisory with its CVE links, vendor keys, full text and
 * history, and the public-exploit count (`vulns.exploits`) of the CVEs exploits name. Rows are taken
 * in order, so an id given twice is compared with its earlier version, as on SQLite.
 *
 * History rows (`AdvisoryChange`), each `at` the advisory's `modified`: `created` (new: the title);
 * on a replacement `modified` (old/new: the `modified` values), `withdrawn` when that changed, and
 * `cves` (old/new: the CVE lists, text-only CVEs marked) when the CVE list changed.
 * @param now ISO 8601 stored as `first_seen` of new advisories.
 * @throws pg's error (SQLSTATE `code`, e.g. 23514 for a CVE origin other than listed/text); nothing of the batch is stored.
 */
export async function saveAdvisories(db: PgDb, advisories: Advisory[], now = new Date().toISOString()): Promise<AdvisorySaveResult> {
  const rows = toAdvisoryRows(advisories);
  if (!rows.length) return { created: 0, changed: 0, unchanged: 0, stale: 0, changes: [] };
  return db.tx(async (c) => {
    const result: AdvisorySaveResult = { created: 0, changed: 0, unchanged: 0, stale: 0, changes: [] };
    const ids = [...new Set(rows.map((r) => r.id))];
    await lockKeys(c, ADVISORY_LOCKS, ids);
    const stored = new Map<string, Current>();
    for (const s of (
      await c.query<Omit<Current, 'cves'> & { id: string }>('SELECT id, kind, hash, modified, withdrawn FROM advisories WHERE id = ANY($1::text[])', [ids])
    ).rows) {
      stored.set(s.id, { kind: s.kind, hash: s.hash, modified: s.modified, withdrawn: s.withdrawn, cves: [] });
    }

    // The stored CVE lists are read only for the advisories a row replaces.
    const replaced = new Set<string>();
    const seen = new Map<string, { hash: string; modified: string }>(stored);
    for (const r of rows) {
      const s = seen.get(r.id);
      if (s && (s.hash === r.hash || isStale(r, s))) continue;
      if (s && s === stored.get(r.id)) replaced.add(r.id);
      seen.set(r.id, r);
    }
    if (replaced.size) {
      const links = await c.query<{ advisory_id: string; cve_id: string; origin: string }>(
        'SELECT advisory_id, cve_id, origin FROM advisory_cves WHERE advisory_id = ANY($1::text[])',
        [[...replaced]],
      );
      for (const l of links.rows) stored.get(l.advisory_id)?.cves.push([l.cve_id, l.origin]);
    }

    // The rows in order against what is stored, as ../sqlite/advisories.ts writeAdvisoryRows does.
    const current = new Map(stored);
    const written = new Map<string, AdvisoryRow>();
    /** CVEs whose public-exploit count may have changed. */
    const exploitCves = new Set<string>();
    const changes: AdvisoryChange[] = result.changes;
    const change = (r: AdvisoryRow, field: AdvisoryChange['field'], old: string | null, next: string | null) =>
      changes.push({ advisoryId: r.id, field, old, new: next, source: r.source, at: r.modified });
    for (const r of rows) {
      const s = current.get(r.id);
      if (s?.hash === r.hash) {
        result.unchanged++;
        continue;
      }
      if (s && isStale(r, s)) {
        result.stale++;
        continue;
      }
      if (s) {
        if (s.kind === 'exploit') for (const [id] of s.cves) exploitCves.add(id);
        result.changed++;
        change(r, 'modified', s.modified, r.modified);
        if (s.withdrawn !== r.withdrawn) change(r, 'withdrawn', s.withdrawn, r.withdrawn);
        const [was, is] = [cveList(s.cves), cveList(r.cves)];
        if (was !== is) change(r, 'cves', was, is);
      } else {
        result.created++;
        change(r, 'created', null, r.title);
      }
      if (r.kind === 'exploit') for (const [cve] of r.cves) exploitCves.add(cve);
      current.set(r.id, { kind: r.kind, hash: r.hash, modified: r.modified, withdrawn: r.withdrawn, cves: r.cves });
      written.set(r.id, r);
    }
    if (!written.size) return result;

    const final = [...written.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const finalIds = final.map((r) => r.id);
    const old = finalIds.filter((id) => stored.has(id));
    if (old.length) {
      await c.query(
        `WITH v AS (DELETE FROM advisory_vendors WHERE advisory_id = ANY($1::text[]))
         DELETE FROM advisory_cves WHERE advisory_id = ANY($1::text[])`,
        [old],
      );
    }
    // One JSON parameter rather than text arrays: pg escapes every `"` of the documents' JSON in
    // JavaScript for an array literal (4.6 s for the 37 MB of the CERT-FR bulletins), JSON.stringify in C++ (0.3 s).
    const values = final.map((r) => ({
      id: r.id,
      source: r.source,
      kind: r.kind,
      title: r.title,
      url: r.url,
      severity: r.severity,
      published: r.published,
      modified: r.modified,
      withdrawn: r.withdrawn,
      sort_date: r.sortDate,
      exploit: r.exploit,
      hash: r.hash,
      data: r.json,
      fts: ftsDocument(r),
    }));
    await c.query(
      `INSERT INTO advisories (id, source, kind, title, url, severity, published, modified, withdrawn, sort_date, exploit, hash, data, first_seen, fts)
       SELECT i.id, i.source, i.kind, i.title, i.url, i.severity, i.published, i.modified, i.withdrawn, i.sort_date, i.exploit, i.hash, i.data, $2, i.fts::tsvector
       FROM json_to_recordset($1::json) AS i(id text, source text, kind text, title text, url text, severity text, published text, modified text,
         withdrawn text, sort_date text, exploit text, hash text, data text, fts text)
       ON CONFLICT (id) DO UPDATE SET source = excluded.source, kind = excluded.kind, title = excluded.title, url = excluded.url,
         severity = excluded.severity, published = excluded.published, modified = excluded.modified, withdrawn = excluded.withdrawn,
         sort_date = excluded.sort_date, exploit = excluded.exploit, hash = excluded.hash, data = excluded.data, fts = excluded.fts`,
      [JSON.stringify(values), now],
    );
    const links = { id: [] as string[], cve: [] as string[], origin: [] as string[] };
    const names = { key: [] as string[], id: [] as string[] };
    for (const r of final) {
      for (const [cve, origin] of r.cves) {
        links.id.push(r.id);
        links.cve.push(cve);
        links.origin.push(origin);
      }
      for (const key of r.nameKeys) {
        names.key.push(key);
        names.id.push(r.id);
      }
    }
    if (links.id.length) {
      await c.query('INSERT INTO advisory_cves (advisory_id, cve_id, origin) SELECT * FROM unnest($1::text[], $2::text[], $3::text[])', [
        links.id,
        links.cve,
        links.origin,
      ]);
    }
    if (names.key.length) {
      await c.query('INSERT INTO advisory_vendors (name_key, advisory_id) SELECT * FROM unnest($1::text[], $2::text[]) ON CONFLICT DO NOTHING', [
        names.key,
        names.id,
      ]);
    }
    // In the order of the batch: the change feed's ids follow it.
    await c.query(
      `INSERT INTO advisory_changes (advisory_id, field, old, new, source, at)
       SELECT advisory_id, field, old, new, source, at FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[])
         WITH ORDINALITY AS i(advisory_id, field, old, new, source, at, n) ORDER BY n`,
      [
        changes.map((x) => x.advisoryId),
        changes.map((x) => x.field),
        changes.map((x) => x.old),
        changes.map((x) => x.new),
        changes.map((x) => x.source),
        changes.map((x) => x.at),
      ],
    );
    await refreshExploitCounts(c, exploitCves);
    return result;
  });
}

/**
 * Recomputes `vulns.exploits` of these CVEs (those without a row get theirs when it is created),
 * under the CVEs' locks ({@link lockExploitCounts}); rows whose count is unchanged are not rewritten.
 */
async function refreshExploitCounts(client: PgClient, cveIds: Set<string>): Promise<void> {
  if (!cveIds.size) return;
  const ids = [...cveIds].sort();
  await lockExploitCounts(client, ids);
  await client.query(
    `WITH locked AS (SELECT cve_id FROM vulns WHERE cve_id = ANY($1::text[]) ORDER BY cve_id FOR UPDATE)
     UPDATE vulns v SET exploits = x.n FROM (SELECT l.cve_id, ${exploitCountSql('l.cve_id')} AS n FROM locked l) AS x
     WHERE v.cve_id = x.cve_id AND v.exploits <> x.n`,
    [ids],
  );
}

interface SummaryRow {
  id: string;
  source: string;
  kind: AdvisoryKind;
  title: string;
  url: string | null;
  published: string | null;
  modified: string;
  severity: string | null;
  exploit: string | null;
}

const SUMMARY_COLUMNS = 'a.id, a.source, a.kind, a.title, a.url, a.published, a.modified, a.severity, a.exploit';

/** A row as a CVE's page lists it (no CVE list). */
function linkOf(r: SummaryRow): AdvisoryLink {
  return {
    id: r.id,
    source: r.source,
    kind: r.kind,
    title: r.title,
    url: r.url,
    published: r.published,
    modified: r.modified,
    severity: r.severity,
    ...(r.exploit ? { exploit: JSON.parse(r.exploit) as NonNullable<AdvisoryLink['exploit']> } : {}),
  };
}

/** Summaries of rows, with their CVE ids (listed first, then found in text; by id within each). */
async function summaries(db: PgDb, rows: SummaryRow[]): Promise<AdvisorySummary[]> {
  const cves = new Map<string, string[]>();
  if (rows.length) {
    const links = await db.query<{ advisory_id: string; cve_id: string }>(
      `SELECT advisory_id, cve_id FROM advisory_cves WHERE advisory_id = ANY($1::text[]) ORDER BY advisory_id, origin COLLATE "C", cve_id`,
      [rows.map((r) => r.id)],
    );
    for (const l of links) {
      const list = cves.get(l.advisory_id);
      if (list) list.push(l.cve_id);
      else cves.set(l.advisory_id, [l.cve_id]);
    }
  }
  return rows.map((r) => ({ ...linkOf(r), cves: cves.get(r.id) ?? [] }));
}

/** WHERE clause and parameters of the filters of `q` (paging excluded), as on SQLite. */
function filters(q: AdvisoryQuery): { where: string[]; params: unknown[] } {
  const where: string[] = [];
  const params: unknown[] = [];
  const p = (value: unknown) => `$${params.push(value)}`;
  if (q.source !== undefined) where.push(`a.source = ${p(q.source)}`);
  if (q.kind !== undefined) where.push(`a.kind = ${p(q.kind)}`);
  if (q.cve !== undefined) where.push(`a.id IN (SELECT advisory_id FROM advisory_cves WHERE cve_id = ${p(q.cve.toUpperCase())})`);
  if (q.vendor !== undefined) {
    // A vendor or product name key starting with the name's key, or the name as a phrase of the title (weight A).
    const vendor = vendorFilter(q.vendor);
    const title = vendor ? titlePhrase(vendor.words) : null;
    if (!vendor) where.push('false');
    else {
      const names = `a.id IN (SELECT advisory_id FROM advisory_vendors WHERE name_key >= ${p(vendor.key)} AND name_key < ${p(`${vendor.key}\u{10FFFF}`)})`;
      where.push(title ? `(${names} OR a.fts @@ ${p(title)}::tsquery)` : names);
    }
  }
  if (q.text !== undefined) {
    // No searchable word: match nothing rather than everything.
    const query = textQuery(q.text);
    where.push(query ? `a.fts @@ ${p(query)}::tsquery` : 'false');
  }
  if (q.since !== undefined) where.push(`a.sort_date >= ${p(sinceIso(q.since))}`);
  return { where, params };
}

/** A lexeme quoted for a tsvector/tsquery literal, with an optional weight restriction. */
function lexeme(token: string, weight = ''): string {
  return `'${token.replace(/\\/g, '\\\\').replace(/'/g, "''")}'${weight && `:${weight}`}`;
}

/**
 * The `tsquery` literal of free text as ../query.ts ftsQuery asks FTS5: each word a quoted string,
 * i.e. a phrase of its tokens, the words ANDed. A word without a token (`_`) is an empty phrase,
 * which FTS5 leaves out of an AND (`"_" "linux"` matches what `"linux"` does; measured), so it is
 * left out here too. Null when no word has a token: the caller matches nothing.
 */
function textQuery(text: string): string | null {
  const terms: string[] = [];
  for (const word of text.match(/[\p{L}\p{N}_]+/gu) ?? []) {
    const tokens = ftsTokens(word).map((t) => lexeme(t));
    if (tokens.length) terms.push(tokens.length === 1 ? (tokens[0] as string) : `(${tokens.join(' <-> ')})`);
  }
  return terms.length ? terms.join(' & ') : null;
}

/** The `tsquery` literal of words as one phrase of the title (FTS5 `title : "w1 w2"`), or null without a token. */
function titlePhrase(words: string[]): string | null {
  const tokens = ftsTokens(words.join(' '));
  if (!tokens.length) return null;
  const terms = tokens.map((t) => lexeme(t, 'A'));
  return terms.length === 1 ? (terms[0] as string) : `(${terms.join(' <-> ')})`;
}

/** Advisories matching `q`, newest first (`published ?? modified` descending, then id descending). */
export async function listAdvisories(db: PgDb, q: AdvisoryQuery): Promise<AdvisorySummary[]> {
  const { where, params } = filters(q);
  if (q.after) {
    params.push(q.after.published, q.after.id);
    where.push(`(a.sort_date, a.id) < ($${params.length - 1}, $${params.length})`);
  }
  const limit = Math.min(Math.max(1, Math.trunc(q.limit ?? 50)), MAX_ADVISORY_LIMIT);
  params.push(limit);
  const sql = `SELECT ${SUMMARY_COLUMNS} FROM advisories a ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
    ORDER BY a.sort_date DESC, a.id DESC LIMIT $${params.length}`;
  return summaries(db, await db.query<SummaryRow>(sql, params));
}

/** How many advisories match the filters of `q`. */
export async function countAdvisories(db: PgDb, q: AdvisoryQuery): Promise<number> {
  const { where, params } = filters(q);
  const row = await db.one<{ n: number }>(`SELECT count(*) AS n FROM advisories a ${where.length ? `WHERE ${where.join(' AND ')}` : ''}`, params);
  return row?.n ?? 0;
}

/** Advisories of every kind naming `cveId`, newest first, without their own CVE lists. */
export async function advisoriesForCve(db: PgDb, cveId: string): Promise<AdvisoryLink[]> {
  const rows = await db.query<SummaryRow>(
    `SELECT ${SUMMARY_COLUMNS} FROM advisory_cves c JOIN advisories a ON a.id = c.advisory_id WHERE c.cve_id = $1 ORDER BY a.sort_date DESC, a.id DESC`,
    [cveId.toUpperCase()],
  );
  return rows.map(linkOf);
}

/** One stored advisory with its first-seen time and history (oldest first), or null. */
export async function getAdvisory(db: PgDb, id: string): Promise<StoredAdvisory | null> {
  const row = await db.one<{ data: string; first_seen: string }>('SELECT data, first_seen FROM advisories WHERE id = $1', [id]);
  if (!row) return null;
  const history = await db.query<AdvisoryChange>(
    'SELECT advisory_id AS "advisoryId", field, old, new, source, at FROM advisory_changes WHERE advisory_id = $1 ORDER BY id',
    [id],
  );
  return { advisory: JSON.parse(row.data) as Advisory, firstSeen: row.first_seen, history };
}

/** Stored advisories per kind (`StoreStats.advisories`). */
export async function advisoryCounts(db: PgDb): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const r of await db.query<{ kind: string; n: number }>('SELECT kind, count(*) AS n FROM advisories GROUP BY kind ORDER BY kind')) out[r.kind] = r.n;
  return out;
}
