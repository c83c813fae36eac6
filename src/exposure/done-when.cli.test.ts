/**
 * Issue 15's "done when" for the exposure index: on a store filled through the CLI from real
 * corpus files (the CVE 5 records, the CISA KEV catalog), `vigil exposure --json` equals the
 * formula of docs/exposure.md recomputed here from `vigil export csv` (columns id, priority,
 * published, state: export/cve-types.ts) for every day from the first published CVE to the last
 * day, within 1e-9 relative. On the back end under test (the SQL differs per back end).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CVE_EXPORT_COLUMNS } from '../export/cve-types.ts';
import { runCli } from '../testing/cli.ts';
import { corpusPath, hasCorpus } from '../testing/corpus.ts';
import { type TestDatabase, testDatabase } from '../testing/store.ts';
import type { ExposurePoint } from './types.ts';

/** RFC 4180 records of `text` (quoted fields may hold commas, quotes doubled and line breaks). */
function parseCsv(text: string): string[][] {
  const out: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  const endField = () => {
    row.push(field);
    field = '';
  };
  const endRow = () => {
    endField();
    out.push(row);
    row = [];
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') endField();
    else if (c === '\n') endRow();
    else if (c !== '\r') field += c;
  }
  if (field !== '' || row.length) endRow();
  return out;
}

/** Calendar day `n` days after `day` (UTC). */
const addDays = (day: string, n: number) => new Date(Date.parse(`${day}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);

/** The formula, written out independently of the code under test: W_t = Σ priority/100, E_t = W_t + 2^(−1/H)·E_{t−1}. */
function formula(
  rows: { priority: number; published: string; state: string }[],
  since: string,
  until: string,
  h: number,
): { date: string; score: number; exposure: number }[] {
  const w = new Map<string, number>();
  for (const r of rows)
    if (r.state !== 'REJECTED' && r.published && r.published.slice(0, 10) <= until)
      w.set(r.published.slice(0, 10), (w.get(r.published.slice(0, 10)) ?? 0) + r.priority / 100);
  const start = [...w.keys(), since].sort()[0] as string;
  const out: { date: string; score: number; exposure: number }[] = [];
  let e = 0;
  for (let d = start; d <= until; d = addDays(d, 1)) {
    const score = w.get(d) ?? 0;
    e = score + 2 ** (-1 / h) * e;
    if (d >= since) out.push({ date: d, score, exposure: e });
  }
  return out;
}

const rel = (a: number, b: number) => (a === b ? 0 : Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b)));

describe.skipIf(!hasCorpus())('done when: vigil exposure --json equals the formula recomputed from vigil export csv', () => {
  let db: TestDatabase;
  const vigil = (...args: string[]) => runCli(['--db', db.database, ...args]);
  const until = new Date().toISOString().slice(0, 10);
  let rows: { id: string; priority: number; published: string; state: string }[];

  beforeAll(async () => {
    db = testDatabase();
    for (const [source, file] of [
      ['cve5', corpusPath('cve5', 'records')],
      ['kev', corpusPath('cisa-kev', 'known_exploited_vulnerabilities.json')],
    ] as const) {
      const r = await vigil('import', source, file);
      expect(r.status, r.stderr).toBe(0);
    }
    const csv = await vigil('export', 'csv', '--rejected', '--order', 'id');
    expect(csv.status, csv.stderr).toBe(0);
    const [header, ...records] = parseCsv(csv.stdout.replace(/^\uFEFF/, '')).filter((r) => r.length > 1);
    expect(header).toEqual([...CVE_EXPORT_COLUMNS]);
    const col = (name: (typeof CVE_EXPORT_COLUMNS)[number]) => (header as string[]).indexOf(name);
    rows = records.map((r) => ({
      id: r[col('id')] as string,
      priority: Number(r[col('priority')]),
      published: r[col('published')] as string,
      state: r[col('state')] as string,
    }));
  }, 180_000);
  afterAll(async () => {
    await db?.drop();
  });

  it('for every day from the first published CVE to today, at the default half-life and at 7 days', async () => {
    expect(rows.length).toBeGreaterThan(300);
    expect(rows.some((r) => r.priority >= 55)).toBe(true); // KEV entries weigh in
    const first = rows
      .map((r) => r.published)
      .filter(Boolean)
      .sort()[0]
      ?.slice(0, 10) as string;
    for (const h of [undefined, 7]) {
      const r = await vigil('exposure', '--json', '--since', first, '--until', until, ...(h ? ['--half-life', String(h)] : []));
      expect(r.status, r.stderr).toBe(0);
      const got = JSON.parse(r.stdout) as ExposurePoint[];
      const want = formula(rows, first, until, h ?? 30);
      expect(got.map((p) => p.date)).toEqual(want.map((p) => p.date));
      expect(Object.keys(got[0] as object)).toEqual(['date', 'score', 'exposure', 'openScore', 'openExposure']);
      let worst = 0;
      for (const [i, p] of got.entries()) worst = Math.max(worst, rel(p.score, want[i]?.score as number), rel(p.exposure, want[i]?.exposure as number));
      expect(worst).toBeLessThan(1e-9);
      // No alert in this store: nothing is closed.
      expect(got.every((p) => p.openExposure === p.exposure)).toBe(true);
    }
  }, 60_000);

  it('prints a plot and the last days by default; refuses an inverted window in one line', async () => {
    const r = await vigil('exposure', '--since', '2024-01-01', '--until', '2024-12-31');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/[▁▂▃▄▅▆▇█]{20,}/);
    expect(r.stdout).toMatch(/change over the window/);
    expect(r.stdout).toMatch(/\n\s+2024-12-31\s/);
    const bad = await vigil('exposure', '--since', '2024-12-31', '--until', '2024-01-01');
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/since.*2024-12-31 is after until 2024-01-01/);
  }, 60_000);
});
