/**
 * Rate limits and the audit log under a flood (issue 10, item 16): the limit is keyed on the
 * authenticated user (else the client address), not on the raw `Authorization` text, so random
 * or respelt credentials share one quota; failed authentications are limited too; and repeated
 * identical failures make one audit row per address and minute with a count, not one row each.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { AuditEntry } from '../model/account.ts';
import { startTestApi, type TestApi } from '../testing/api.ts';
import { hasCorpus } from '../testing/corpus.ts';

const QUOTA = 30;

/** Audit rows written for requests from `ip`, oldest first. */
async function auditFrom(api: TestApi, ip: string): Promise<AuditEntry[]> {
  return (await api.deps.auth.listAudit({ limit: 10_000 })).filter((r) => r.ip === ip).reverse();
}

describe.skipIf(!hasCorpus())('rate limits', () => {
  let api: TestApi;

  beforeAll(async () => {
    api = await startTestApi({ configure: (c) => (c.server.rateLimitPerMinute = QUOTA) });
  });
  afterAll(async () => api?.close());

  it('limits failed authentications per address: random bearer tokens get 429 after the quota', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < QUOTA + 20; i++) {
      const res = await api.app.inject({ url: '/api/v1/cves?limit=1', remoteAddress: '10.0.0.1', headers: { authorization: `Bearer ${randomBytes(12).toString('hex')}` } });
      statuses.push(res.statusCode);
      if (res.statusCode === 429) {
        expect(res.json().code).toBe('VIGIL_RATE_LIMITED');
        expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
      }
    }
    expect(statuses.filter((s) => s === 401)).toHaveLength(QUOTA);
    expect(statuses.slice(QUOTA).every((s) => s === 429)).toBe(true);
    // Requests without any credential are failures too.
    expect((await api.app.inject({ url: '/api/v1/cves?limit=1', remoteAddress: '10.0.0.1' })).statusCode).toBe(429);
    // Another address is not affected.
    expect((await api.app.inject({ url: '/api/v1/cves?limit=1', remoteAddress: '10.0.0.9', headers: { authorization: 'Bearer nope' } })).statusCode).toBe(401);
  });

  it('keys a valid credential on its user: respelt headers and a second credential share one quota', async () => {
    const session = await api.login('vic');
    const token = await api.apiToken('vic', ['read']);
    const spellings = [`Bearer ${session}`, `BEARER ${session}`, `bearer  ${session} `, `Bearer ${token}`, `bEaReR\t${token}`];
    const statuses: number[] = [];
    for (let i = 0; i < QUOTA + 10; i++) {
      const res = await api.app.inject({ url: '/api/v1/auth/me', remoteAddress: `10.0.1.${i}`, headers: { authorization: spellings[i % spellings.length]! } });
      statuses.push(res.statusCode);
    }
    // Creating the API token was vic's first request of the minute.
    expect(statuses.filter((s) => s === 200)).toHaveLength(QUOTA - 1);
    expect(statuses.slice(QUOTA - 1).every((s) => s === 429)).toBe(true);
    // Another user keeps their own quota.
    expect((await api.app.inject({ url: '/api/v1/auth/me', headers: { authorization: `Bearer ${await api.login('ana')}` } })).statusCode).toBe(200);
  });

  it('writes one audit row per address, minute and kind of failure, with a count', async () => {
    // Audit rows are written right after the answer (onResponse): on PostgreSQL they may land a moment later.
    await vi.waitFor(async () => {
      const rows = await auditFrom(api, '10.0.0.1');
      // 30 refused (401) reads and the one without a credential, then the 429s (reads are not audited unless refused).
      expect(rows.map((r) => [r.statusCode, r.outcome, r.detail?.count])).toEqual([[401, 'denied', QUOTA]]);
    });
    // A flood of refused writes from one address: one row for the 401s, one for the 429s.
    for (let i = 0; i < 50; i++) {
      await api.app.inject({ method: 'POST', url: '/api/collect', remoteAddress: '10.0.0.2', headers: { authorization: `Bearer ${randomBytes(12).toString('hex')}` }, payload: {} });
    }
    const flood = await vi.waitFor(async () => {
      const rows = await auditFrom(api, '10.0.0.2');
      expect(rows.map((r) => [r.action, r.statusCode, r.detail?.count])).toEqual([
        ['collect.start', 401, QUOTA],
        ['collect.start', 429, 50 - QUOTA],
      ]);
      return rows;
    });
    expect(flood[0]!.detail?.lastAt).toEqual(expect.any(String));
  });
});
