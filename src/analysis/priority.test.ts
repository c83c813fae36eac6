import Database from 'better-sqlite3';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { migrate, PRIORITY_V8 } from '../store/sqlite/migrations.ts';
import { openTestStores, TEST_BACKEND } from '../testing/store.ts';
import { AWAITING_EPSS, computePriority, PRIORITY_WEIGHTS, prioritySql } from './priority.ts';

// Ransomware use is a KEV field (knownRansomwareCampaignUse): a CVE outside KEV never has it.
const inputs = fc
  .record({
    rejected: fc.constant(false),
    kev: fc.boolean(),
    ransomware: fc.boolean(),
    epss: fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { nil: null }),
    cvssScore: fc.option(fc.double({ min: 0, max: 10, noNaN: true }), { nil: null }),
    awaitingEpss: fc.boolean(),
    exploits: fc.nat({ max: 40 }),
  })
  .map((i) => ({ ...i, ransomware: i.kev && i.ransomware }));

describe('priority score', () => {
  it('table: documented examples', () => {
    const rows: [Parameters<typeof computePriority>[0], number][] = [
      [{ rejected: false, kev: true, ransomware: true, epss: 1, cvssScore: 10 }, 100],
      [{ rejected: false, kev: true, ransomware: false, epss: 0.94, cvssScore: 10 }, 55 + 23.5 + 15],
      [{ rejected: false, kev: false, ransomware: false, epss: 0.5, cvssScore: 5 }, 12.5 + 7.5],
      [{ rejected: false, kev: false, ransomware: false, epss: null, cvssScore: null }, 0],
      [{ rejected: true, kev: true, ransomware: true, epss: 1, cvssScore: 10 }, 0],
      // New CVEs, not scored by EPSS yet: the prior (10 %), and the KEV weight when critical.
      [{ rejected: false, kev: false, ransomware: false, epss: null, cvssScore: 10, awaitingEpss: true }, 55 + 2.5 + 15],
      [{ rejected: false, kev: false, ransomware: false, epss: null, cvssScore: 9, awaitingEpss: true }, 55 + 2.5 + 13.5],
      [{ rejected: false, kev: false, ransomware: false, epss: null, cvssScore: 8.9, awaitingEpss: true }, 2.5 + 13.35],
      [{ rejected: false, kev: true, ransomware: false, epss: null, cvssScore: 10, awaitingEpss: true }, 55 + 2.5 + 15],
      // Once EPSS scores it, the score is EPSS's, whatever it is.
      [{ rejected: false, kev: false, ransomware: false, epss: 0.001, cvssScore: 10, awaitingEpss: true }, 0.025 + 15],
      [{ rejected: true, kev: false, ransomware: false, epss: null, cvssScore: 10, awaitingEpss: true }, 0],
      // A public exploit: +10 outside KEV, whatever the number of exploits; nothing more in KEV or when presumed exploited.
      [{ rejected: false, kev: false, ransomware: false, epss: 0.5, cvssScore: 5, exploits: 1 }, 10 + 12.5 + 7.5],
      [{ rejected: false, kev: false, ransomware: false, epss: 0.5, cvssScore: 5, exploits: 12 }, 10 + 12.5 + 7.5],
      [{ rejected: false, kev: false, ransomware: false, epss: 1, cvssScore: 10, exploits: 3 }, 10 + 25 + 15],
      [{ rejected: false, kev: true, ransomware: true, epss: 1, cvssScore: 10, exploits: 3 }, 100],
      [{ rejected: false, kev: false, ransomware: false, epss: null, cvssScore: 10, awaitingEpss: true, exploits: 1 }, 55 + 2.5 + 15],
      [{ rejected: false, kev: false, ransomware: false, epss: null, cvssScore: 8, awaitingEpss: true, exploits: 1 }, 10 + 2.5 + 12],
      [{ rejected: true, kev: false, ransomware: false, epss: 1, cvssScore: 10, exploits: 1 }, 0],
    ];
    for (const [input, score] of rows) expect(computePriority(input).score, JSON.stringify(input)).toBeCloseTo(score, 2);
  });

  it('explains every point: contributions add up to the score', () => {
    fc.assert(
      fc.property(inputs, (i) => {
        const p = computePriority(i);
        const sum = p.factors.reduce((s, f) => s + f.contribution, 0);
        expect(Math.abs(sum - p.score)).toBeLessThanOrEqual(0.02);
        expect(p.score).toBeGreaterThanOrEqual(0);
        expect(p.score).toBeLessThanOrEqual(100);
      }),
    );
  });

  it('explains the exploit factor: how many, and why a KEV entry gets nothing more for it', () => {
    const factor = (i: Parameters<typeof computePriority>[0]) => computePriority(i).factors.find((f) => f.name === 'exploit');
    const base = { rejected: false, ransomware: false, epss: 0.2, cvssScore: 7.5 };
    expect(factor({ ...base, kev: false })).toEqual({ name: 'exploit', value: 0, contribution: 0, explanation: 'No public exploit known (+0).' });
    expect(factor({ ...base, kev: false, exploits: 1 })).toMatchObject({
      value: 1,
      contribution: 10,
      explanation: expect.stringMatching(/^A public exploit is published.*\(\+10\)\.$/),
    });
    expect(factor({ ...base, kev: false, exploits: 4 })?.explanation).toMatch(/^4 public exploits are published/);
    expect(factor({ ...base, kev: true, exploits: 2 })).toMatchObject({
      value: 2,
      contribution: 0,
      explanation: expect.stringMatching(/counted within KEV.*\(\+0\)\.$/),
    });
  });

  it('orders KEV first, then EPSS, then CVSS', () => {
    const presumed = (i: { kev: boolean; epss: number | null; cvssScore: number | null; awaitingEpss: boolean }) =>
      i.awaitingEpss && i.epss === null && (i.cvssScore ?? 0) >= AWAITING_EPSS.criticalCvss;
    fc.assert(
      fc.property(inputs, inputs, (a, b) => {
        if (a.kev && !b.kev && !presumed(b)) expect(computePriority(a).score).toBeGreaterThan(computePriority(b).score);
      }),
    );
    const w = PRIORITY_WEIGHTS;
    // A mere public exploit never lifts a CVE to a KEV entry's level.
    expect(w.kev).toBeGreaterThan(w.exploit + w.epss + w.cvss);
    expect(w.kev + w.ransomware + w.epss + w.cvss).toBe(100);
    expect(w.epss).toBeGreaterThan(w.cvss);
  });

  it('ranks a new critical CVE awaiting EPSS above KEV entries with EPSS < 10 %, below those with more', () => {
    const fresh = computePriority({ rejected: false, kev: false, ransomware: false, epss: null, cvssScore: 10, awaitingEpss: true }).score;
    const kev = (epss: number) => computePriority({ rejected: false, kev: true, ransomware: false, epss, cvssScore: 10 }).score;
    expect(fresh).toBeGreaterThan(kev(0.099));
    expect(fresh).toBeLessThanOrEqual(kev(0.1));
    // Without the prior (the defect): 15, under every KEV entry.
    expect(computePriority({ rejected: false, kev: false, ransomware: false, epss: null, cvssScore: 10 }).score).toBe(15);
  });

  it('the store builds its priority column from this formula (the newest migration compiled it)', () => {
    expect(PRIORITY_V8).toBe(prioritySql());
    const db = new Database(':memory:');
    migrate(db);
    expect(db.prepare("SELECT sql FROM sqlite_schema WHERE name = 'vulns'").pluck().get()).toContain(`GENERATED ALWAYS AS ${prioritySql()} STORED`);
    db.close();
  });

  it('the SQL of the stored column computes the same score as the TypeScript', () => {
    const db = new Database(':memory:');
    const score = db.prepare(
      `SELECT ${prioritySql()} FROM (SELECT @state AS state, @kev AS kev, @ransomware AS ransomware, @epss AS epss, @cvss AS cvss_score, @awaiting AS awaiting_epss, @exploits AS exploits)`,
    );
    const anyInputs = fc.record({
      rejected: fc.boolean(),
      kev: fc.boolean(),
      ransomware: fc.boolean(),
      epss: fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { nil: null }),
      cvssScore: fc.option(fc.oneof(fc.double({ min: 0, max: 10, noNaN: true }), fc.constantFrom(8.9, 9, 9.8, 10)), { nil: null }),
      awaitingEpss: fc.boolean(),
      exploits: fc.oneof(fc.constant(0), fc.nat({ max: 40 })),
    });
    fc.assert(
      fc.property(anyInputs, (i) => {
        const sql = score.pluck().get({
          state: i.rejected ? 'REJECTED' : 'PUBLISHED',
          kev: Number(i.kev),
          ransomware: Number(i.ransomware),
          epss: i.epss,
          cvss: i.cvssScore,
          awaiting: Number(i.awaitingEpss),
          exploits: i.exploits,
        }) as number;
        expect(sql).toBeCloseTo(computePriority(i).score, 2);
      }),
      { numRuns: 2000 },
    );
    db.close();
  });

  // SQLite's own SQL above; this is the PostgreSQL store's generated column (postgres/migrations.ts pgPriority).
  it.skipIf(TEST_BACKEND !== 'postgres')('the PostgreSQL generated column computes the score of the TypeScript', async () => {
    const stores = await openTestStores();
    try {
      const db = stores.pg;
      if (!db) throw new Error('no PostgreSQL pool');
      const cases = fc.sample(
        fc.record({
          rejected: fc.boolean(),
          kev: fc.boolean(),
          ransomware: fc.boolean(),
          epss: fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { nil: null }),
          cvssScore: fc.option(fc.oneof(fc.double({ min: 0, max: 10, noNaN: true }), fc.constantFrom(8.9, 9, 9.8, 10)), { nil: null }),
          awaitingEpss: fc.boolean(),
          exploits: fc.oneof(fc.constant(0), fc.nat({ max: 40 })),
        }),
        2000,
      );
      await db.query(
        `INSERT INTO vulns (cve_id, state, last_modified, kev, ransomware, epss, cvss_score, awaiting_epss, exploits)
         SELECT 'CVE-0-' || i, s, '', k, r, e, c, a, x FROM unnest($1::text[], $2::int[], $3::int[], $4::float8[], $5::float8[], $6::int[], $7::int[]) WITH ORDINALITY AS u(s, k, r, e, c, a, x, i)`,
        [
          cases.map((i) => (i.rejected ? 'REJECTED' : 'PUBLISHED')),
          cases.map((i) => Number(i.kev)),
          cases.map((i) => Number(i.ransomware)),
          cases.map((i) => i.epss),
          cases.map((i) => i.cvssScore),
          cases.map((i) => Number(i.awaitingEpss)),
          cases.map((i) => i.exploits),
        ],
      );
      const stored = await db.query<{ i: string; priority: number }>("SELECT substr(cve_id, 7) AS i, priority FROM vulns WHERE cve_id LIKE 'CVE-0-%'");
      expect(stored).toHaveLength(cases.length);
      // KNOWN DIFFERENCE (reported): round((x)::numeric, 2) rounds the 15-digit decimal form of x, SQLite
      // and Math.round the binary value, so about 1 % of scores differ by 0.01.
      for (const r of stored) expect(Math.abs(r.priority - computePriority(cases[Number(r.i) - 1] as (typeof cases)[number]).score)).toBeLessThan(0.0101);
    } finally {
      await stores.close();
    }
  });
});
