/**
 * `vigil sync` end to end: one loopback server stands in for NVD, the cvelistV5 releases, FIRST
 * and CISA, serving the real corpus files at the upstreams' paths. The CLI runs as a separate
 * process with a config that points every source at it, on the back end under test.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../testing/cli.ts';
import { hasCorpus } from '../testing/corpus.ts';
import { testDatabase } from '../testing/store.ts';
import { type Mirror, startMirror } from '../testing/mirror.ts';
import type { Upstream } from '../testing/upstream.ts';

const vigil = (args: string[]) => runCli(args);

describe.skipIf(!hasCorpus())('vigil sync against a loopback mirror of the upstreams', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'vigil-sync-'));
  const target = testDatabase();
  const config = path.join(dir, 'vigil.config.yaml');
  let mirror: Mirror;
  let upstream: Upstream;

  beforeAll(async () => {
    mirror = await startMirror();
    upstream = mirror.upstream;
    writeFileSync(config, `database: "${target.database}"\n${mirror.sourcesYaml()}`);
  }, 60_000);
  afterAll(async () => {
    await mirror?.close();
    rmSync(dir, { recursive: true, force: true });
    await target.drop();
  });

  it('a failed NVD window keeps its cursor; the other sources complete; a re-run completes', async () => {
    // First run: NVD's first page is malformed JSON, so NVD fails before any window completes.
    upstream.fault({ kind: 'body', body: '{"resultsPerPage": 2000, "vulnerabilities": [', pathPrefix: '/rest/json' });
    const first = await vigil(['--config', config, 'sync']);
    expect(first.status, first.stderr).toBe(1);
    let status = JSON.parse((await vigil(['--config', config, 'status', '--json'])).stdout) as {
      sources: { source: string; cursor: string | null; lastSuccess: string | null; lastError: string | null }[];
      store: { vulnerabilities: number; kevEntries: number; epssScores: number };
    };
    const nvd = status.sources.find((s) => s.source === 'nvd');
    expect(nvd?.cursor).toBeNull();
    expect(nvd?.lastError).toMatch(/JSON|rest\/json/i);
    for (const id of ['cve5', 'epss', 'kev']) {
      const s = status.sources.find((x) => x.source === id);
      expect(s?.lastError, id).toBeNull();
      expect(s?.cursor, id).not.toBeNull();
    }
    expect(status.store.kevEntries).toBe(1_404);
    expect(status.store.epssScores).toBe(360_142);
    expect(status.store.vulnerabilities).toBe(400);

    // Second run: throttled once (429 + Retry-After) and once unavailable (503); both are retried.
    upstream.fault({ kind: 'status', status: 429, retryAfter: 1, pathPrefix: '/rest/json' });
    upstream.fault({ kind: 'status', status: 503, pathPrefix: '/rest/json' });
    const second = await vigil(['--config', config, 'sync', 'nvd']);
    expect(second.status, second.stderr + second.stdout).toBe(0);
    status = JSON.parse((await vigil(['--config', config, 'status', '--json'])).stdout);
    const after = status.sources.find((s) => s.source === 'nvd');
    expect(after?.lastError).toBeNull();
    expect(after?.cursor).not.toBeNull();
    expect(status.store.vulnerabilities).toBeGreaterThan(400);

    const show = JSON.parse((await vigil(['--config', config, 'show', 'CVE-2024-3400', '--json'])).stdout);
    expect(show.sources.map((s: { source: string }) => s.source).sort()).toEqual(['cve5', 'nvd']);
    expect(show.kev.dateAdded).toBe('2024-04-12');
    expect(show.epss.date).toBe('2026-08-16');

    // Third run: nothing new upstream, nothing written.
    const third = await vigil(['--config', config, 'sync', '--json']);
    expect(third.status, third.stderr).toBe(0);
    const summaries = JSON.parse(third.stdout) as { source: string; stored: number }[];
    for (const s of summaries) expect(s.stored, s.source).toBe(0);
  }, 180_000);
});
