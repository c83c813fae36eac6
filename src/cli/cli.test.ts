/**
 * The CLI as a user runs it: `vigil cvss`, `vigil import` with bad input, `vigil users add`,
 * `vigil --help`, on the back end under test (`--db` a SQLite file or a PostgreSQL URL), and a
 * PostgreSQL URL that cannot be used in one line.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { verifyPassword } from '../api/auth/credentials.ts';
import { openStores } from '../store/index.ts';
import { CLI } from '../testing/cli.ts';
import { corpusPath, hasCorpus } from '../testing/corpus.ts';
import { testDatabase } from '../testing/store.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'vigil-cli-'));
const db = testDatabase();
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await db.drop();
});

function vigil(args: string[], input?: string, database = db.database) {
  return spawnSync(process.execPath, [...CLI, '--db', database, ...args], {
    encoding: 'utf8',
    input,
    env: { ...process.env, VIGIL_LOG_LEVEL: 'silent' },
  });
}

describe('vigil cvss', () => {
  it('scores one vector', () => {
    const r = vigil(['cvss', 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H']);
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H', version: '3.1', baseScore: 10, baseSeverity: 'CRITICAL' });
  });

  it.skipIf(!hasCorpus())('scores the corpus vectors from stdin, one JSON line each, errors inline', () => {
    const rows = readFileSync(corpusPath('cvss', 'cvss-vectors-expected-scores.csv'), 'utf8').trim().split('\n').slice(1);
    const sample = rows.filter((_, i) => i % 20 === 0).map((l) => l.split(','));
    const input = [...sample.map((r) => r[1]), 'CVSS:3.1/AV:X', 'garbage'].join('\n');
    const r = vigil(['cvss', '-'], `${input}\n`);
    expect(r.status, 'a bad line makes the exit code 1').toBe(1);
    const out = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(out).toHaveLength(sample.length + 2);
    sample.forEach((row, i) => {
      expect(out[i].vector).toBe(row[1]);
      expect(out[i].version).toBe(row[0]);
      expect(out[i].baseScore).toBe(Math.abs(Number(row[2])));
    });
    expect(Object.keys(out.at(-2))).toEqual(['vector', 'error']);
    expect(out.at(-1).error).toMatch(/garbage/);
  });
});

describe('vigil cvss - (issue 10, items 10 and 11)', () => {
  it('prints every line, good and bad, and exits 1 when a line is invalid; 0 when all are good', () => {
    const good = 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H';
    const bad = vigil(['cvss', '-'], `${good}\nAV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H\n${good}\n`);
    expect(bad.status).toBe(1);
    const lines = bad.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l.baseScore ?? 'error')).toEqual([9.8, 'error', 9.8]);
    expect(lines[1].error).toMatch(/did you mean "CVSS:3\.1\/AV:N\/AC:L\/PR:N\/UI:N\/S:U\/C:H\/I:H\/A:H"\?/);
    expect(vigil(['cvss', '-'], `${good}\n\n${good}\n`).status).toBe(0);
  });
});

describe('vigil import of files that are not the format (issue 10, item 10)', () => {
  const garbage = path.join(dir, 'random.bin');
  writeFileSync(garbage, randomBytes(4096));
  const gzGarbage = path.join(dir, 'random.json.gz');
  writeFileSync(gzGarbage, gzipSync(randomBytes(4096)));

  it.each([
    ['nvd', garbage, /random\.bin: not an NVD feed: gzip or JSON expected/],
    ['nvd', gzGarbage, /random\.json\.gz: not an NVD feed: gzip or JSON expected/],
    ['kev', garbage, /random\.bin: not a KEV feed: /],
    ['epss', garbage, /random\.bin: not an EPSS file: /],
  ])('vigil import %s %s: exit 1 with what was expected, nothing imported', (source, file, message) => {
    const r = vigil(['import', source, file]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/unbalanced|\n\s+at /);
  });

  it.skipIf(!hasCorpus())('checks every named file before importing any: a good KEV catalog beside garbage is not imported', () => {
    const r = vigil(['import', 'kev', corpusPath('cisa-kev', 'known_exploited_vulnerabilities.json'), garbage, '--json']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/random\.bin: not a KEV feed/);
    expect(r.stdout).toBe('');
  });

  it('exits 1 when every record was rejected, printing the summary and the reasons', () => {
    const file = path.join(dir, 'all-bad.json');
    writeFileSync(file, JSON.stringify({ vulnerabilities: [{ cve: { id: 'CVE-20X4-1' } }, { cve: { id: 'not an id' } }] }));
    const r = vigil(['import', 'nvd', file]);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/nvd: read 0, .*rejected 2/);
    expect(r.stderr).toMatch(/nothing imported: all 2 records were rejected/);
  });
});

describe('vigil import', () => {
  it.skipIf(!hasCorpus())('imports the good records of a damaged file and names the bad ones', () => {
    const good = JSON.parse(readFileSync(corpusPath('cisa-kev', 'known_exploited_vulnerabilities.json'), 'utf8'));
    good.vulnerabilities[3].cveID = 'CVE-20X4-1';
    good.vulnerabilities[7].dueDate = 'next tuesday';
    const file = path.join(dir, 'kev-damaged.json');
    writeFileSync(file, JSON.stringify(good));
    const r = vigil(['import', 'kev', file, '--json']);
    expect(r.status, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout);
    expect(summary.stored).toBe(good.vulnerabilities.length - 2);
    const reasons = summary.rejected.map((x: { where: { origin: string; record?: string; field?: string } }) => `${x.where.record}:${x.where.field}`);
    expect(reasons).toEqual(expect.arrayContaining(['CVE-20X4-1:cveID', `${good.vulnerabilities[7].cveID}:dueDate`]));
    for (const x of summary.rejected) expect(x.where.origin).toContain('kev-damaged.json');
  });

  it('says which source ids exist and which file cannot be read', () => {
    const unknown = vigil(['import', 'nvdd', 'x.json']);
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toMatch(/Unknown source "nvdd" \(known: cve5, nvd, kev, epss, osv, ghsa, exploitdb, certfr, certeu, csaf, circl\)/);
    const missing = vigil(['import', 'kev', path.join(dir, 'nope.json')]);
    expect(missing.stderr + missing.stdout).toMatch(/nope\.json/);
  });
});

describe('vigil users add (issue 10, item 8)', () => {
  const hashOf = async (name: string): Promise<string | undefined> => {
    const stores = await openStores(db.database);
    try {
      return (await stores.auth.getAccount(name))?.passwordHash;
    } finally {
      await stores.close();
    }
  };
  const passwordIn = (stdout: string) => /password \(shown once\): (\S+)/.exec(stdout)?.[1] ?? '';

  it("refuses to replace an existing account's password unless --reset-password is given", async () => {
    const first = vigil(['users', 'add', 'root-admin', '--admin']);
    expect(first.status, first.stderr).toBe(0);
    const password = passwordIn(first.stdout);
    const hash = (await hashOf('root-admin')) ?? '';
    expect(await verifyPassword(hash, password)).toBe(true);

    for (const args of [['--admin'], ['--role', 'viewer', '--password-stdin']]) {
      const again = vigil(['users', 'add', 'root-admin', ...args], 'another-password-1234\n');
      expect(again.status, args.join(' ')).toBe(1);
      expect(again.stderr).toMatch(
        /user root-admin already has a sign-in account \(role admin\): nothing changed; use --reset-password to give it a new password/,
      );
      expect(again.stdout).not.toMatch(/password/);
      expect(await hashOf('root-admin')).toBe(hash);
    }
    // Details other than the account (e-mail, chat handles) still update without --reset-password.
    expect(vigil(['users', 'add', 'root-admin', '--email', 'root@example.org']).status).toBe(0);
    expect(await hashOf('root-admin')).toBe(hash);

    const reset = vigil(['users', 'add', 'root-admin', '--reset-password']);
    expect(reset.status, reset.stderr).toBe(0);
    expect(reset.stdout).toMatch(/user root-admin saved, role admin, new password/);
    const fresh = passwordIn(reset.stdout);
    expect(fresh).not.toBe(password);
    expect(await verifyPassword((await hashOf('root-admin')) ?? '', fresh)).toBe(true);
    expect(await verifyPassword((await hashOf('root-admin')) ?? '', password)).toBe(false);
  }, 240_000);

  it('needs an account (or a role to make one) for --reset-password', () => {
    const r = vigil(['users', 'add', 'nobody-yet', '--reset-password']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/user nobody-yet has no sign-in account to reset: give --role or --admin to create one/);
  });
});

describe('vigil --help', () => {
  it('documents every command, and --db as a file or a PostgreSQL URL', () => {
    const r = vigil(['--help']);
    for (const cmd of ['demo', 'import', 'sync', 'show', 'top', 'search', 'cvss', 'status']) expect(r.stdout).toMatch(new RegExp(`\\n\\s+${cmd}\\b`));
    expect(r.stdout).toMatch(/--db <file\|url>\s+store: a SQLite database file, or\s+postgres:\/\//);
  });
});

describe('a database the CLI cannot use', () => {
  it.each([
    // Nothing listens on port 1: the password is never printed.
    ['postgres://vigil:s3cret@127.0.0.1:1/vigil', /^vigil: cannot connect to PostgreSQL at postgres:\/\/vigil:\*\*\*@127\.0\.0\.1:1\/vigil: .*ECONNREFUSED/],
    ['postgres://127.0.0.1/test?schema=Not-A-Name', /^vigil: Invalid configuration: --db: invalid schema "Not-A-Name"/],
    ['mysql://127.0.0.1/vigil', /^vigil: Invalid configuration: --db: unsupported database URL scheme "mysql"/],
  ])('--db %s: one line, exit 1', (database, message) => {
    const r = vigil(['users', 'list'], undefined, database);
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toMatch(message);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).not.toContain('s3cret');
  });

  it('VIGIL_DB takes a URL as well, never resolved as a path', () => {
    const r = spawnSync(process.execPath, [...CLI, 'status'], {
      encoding: 'utf8',
      env: { ...process.env, VIGIL_LOG_LEVEL: 'silent', VIGIL_DB: 'postgresql://u:pw@127.0.0.1:1/x' },
    });
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toMatch(/^vigil: cannot connect to PostgreSQL at postgresql:\/\/u:\*\*\*@127\.0\.0\.1:1\/x: /);
  });
});
