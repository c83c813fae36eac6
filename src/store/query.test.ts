import { DummyDriver, Kysely, SqliteAdapter, SqliteIntrospector, SqliteQueryCompiler } from 'kysely';
import { describe, expect, it } from 'vitest';
import { pgCompiler } from './postgres/query-pg.ts';
import { buildRankQuery, ftsQuery, type RankTables } from './query.ts';

describe('ftsQuery: user text never reaches FTS5 as syntax', () => {
  const rows: [string, string | null][] = [
    ['remote code execution', '"remote" "code" "execution"'],
    ['PAN-OS GlobalProtect', '"PAN" "OS" "GlobalProtect"'],
    ['"unterminated', '"unterminated"'],
    ['foo* OR (bar) NEAR/2', '"foo" "OR" "bar" "NEAR" "2"'],
    ["'; DROP TABLE vulns; --", '"DROP" "TABLE" "vulns"'],
    ['CVE-2024-3400', '"CVE" "2024" "3400"'],
    ['Überprüfung café', '"Überprüfung" "café"'],
    ['*** --- ""', null],
    ['', null],
  ];
  for (const [input, expected] of rows) it(JSON.stringify(input), () => expect(ftsQuery(input)).toBe(expected));
});

describe('buildRankQuery: one builder, two dialects', () => {
  const sqlite = new Kysely<RankTables>({
    dialect: {
      createAdapter: () => new SqliteAdapter(),
      createDriver: () => new DummyDriver(),
      createIntrospector: (db) => new SqliteIntrospector(db),
      createQueryCompiler: () => new SqliteQueryCompiler(),
    },
  });
  const q = { text: 'pan-os', sort: 'relevance', keyset: true, limit: 5 } as const;

  it('SQLite: FTS5 MATCH of quoted terms, bm25 rank (the SQL of before PostgreSQL)', () => {
    const { sql, parameters } = buildRankQuery(sqlite, q).compile();
    expect(sql).toContain('inner join "vulns_fts" on vulns_fts.rowid = vulns.rowid where vulns_fts MATCH ? and "vulns"."state" != ? order by vulns_fts.rank, "vulns"."cve_id" limit ? offset ?');
    expect(parameters).toEqual(['"pan" "os"', 'REJECTED', 5, 0]);
  });

  it('PostgreSQL: tsquery of the same tokens, ts_rank_cd, ids in code-point order', () => {
    const { sql, parameters } = buildRankQuery(pgCompiler<RankTables>(), q, 'postgres').compile();
    expect(sql).toContain('where vulns.fts @@ $1::tsquery and "vulns"."state" != $2 order by ts_rank_cd(vulns.fts, $3::tsquery) DESC, "vulns"."cve_id" COLLATE "C" limit $4 offset $5');
    expect(parameters).toEqual(["'pan' & 'os'", 'REJECTED', "'pan' & 'os'", 5, 0]);
    expect(buildRankQuery(pgCompiler<RankTables>(), { text: '***' }, 'postgres').compile().sql).toContain('where false');
  });
});
