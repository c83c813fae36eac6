/**
 * `vigil sync` end to end: one loopback server stands in for NVD, the cvelistV5 releases, FIRST
 * and CISA, serving the real corpus files at the upstreams' paths. The CLI runs as a separate
 * process with a config that points every source at it.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dailyBundle } from '../sources/cve5/test-bundles.ts';
import { nvdApi } from '../sources/nvd/testing.ts';
import { corpusPath, hasCorpus } from '../testing/corpus.ts';
import { startUpstream, type Upstream } from '../testing/upstream.ts';

interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI asynchronously (the fake upstream lives in this process). */
function vigil(args: string[]): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { env: { ...process.env, VIGIL_LOG_LEVEL: 'silent' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

/** The 56 real NVD API 2.0 records of the corpus. */
function nvdRecords(): (Record<string, unknown> & { id: string; lastModified: string })[] {
  const dir = corpusPath('nvd', 'api2', 'records');
  const records = readdirSync(dir).map((f) => JSON.parse(readFileSync(path.join(dir, f), 'utf8')));
  for (const page of ['vunnel-full-page.json', 'vunnel-single-entry.json']) {
    const doc = JSON.parse(readFileSync(corpusPath('nvd', 'api2', page), 'utf8')) as { vulnerabilities: { cve: never }[] };
    records.push(...doc.vulnerabilities.map((v) => v.cve));
  }
  return records;
}

/** The corpus's newest EPSS day rewritten in FIRST's official daily layout. */
function officialEpss(): Buffer {
  const rows = gunzipSync(readFileSync(corpusPath('epss', 'emba-epss-2026-08-16.ssv.gz'))).toString('utf8').trim().split('\n');
  const body = rows.map((r) => {
    const [cve, epss, pct] = r.split(';');
    return `${cve},${Number(epss).toFixed(5)},${Number(pct).toFixed(5)}`;
  });
  return gzipSync(`#model_version:v2025.03.14,score_date:2026-08-16T12:55:00Z\ncve,epss,percentile\n${body.join('\n')}\n`);
}

describe.skipIf(!hasCorpus())('vigil sync against a loopback mirror of the upstreams', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'vigil-sync-'));
  const db = path.join(dir, 'vigil.db');
  const config = path.join(dir, 'vigil.config.yaml');
  let upstream: Upstream;

  beforeAll(async () => {
    const records = nvdRecords();
    const baseline = await dailyBundle(corpusPath('cve5', 'records'));
    const epss = officialEpss();
    upstream = await startUpstream({
      '/rest/json/cves/2.0': nvdApi(() => records, { apiKeys: [] }),
      '/cvelistV5/releases/download/': (_req, res, url) => {
        if (!url.pathname.endsWith('_all_CVEs_at_midnight.zip.zip')) return false; // deltas: not published (404)
        res.setHeader('content-type', 'application/zip');
        res.end(baseline);
        return true;
      },
      '/epss_scores-current.csv.gz': (_req, res) => {
        res.setHeader('content-type', 'application/gzip');
        res.end(epss);
        return true;
      },
      '/sites/default/files/feeds/known_exploited_vulnerabilities.json': (_req, res) => {
        res.setHeader('content-type', 'application/json');
        res.end(readFileSync(corpusPath('cisa-kev', 'known_exploited_vulnerabilities.json')));
        return true;
      },
    });
    const base = upstream.baseUrl;
    writeFileSync(
      config,
      [
        `database: ${db}`,
        'sources:',
        '  nvd:',
        `    baseUrl: ${base}/rest/json/cves/2.0`,
        '    since: "2020-09-01T00:00:00.000Z"',
        '    rateLimit: { requests: 100, perSeconds: 1 }',
        '  cve5:',
        `    releasesUrl: ${base}/cvelistV5/releases/download`,
        '  epss:',
        `    baseUrl: ${base}`,
        '  kev:',
        `    url: ${base}/sites/default/files/feeds/known_exploited_vulnerabilities.json`,
        '',
      ].join('\n'),
    );
  }, 60_000);
  afterAll(async () => {
    await upstream?.close();
    rmSync(dir, { recursive: true, force: true });
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
