/**
 * A loopback mirror of the four upstreams serving the real corpus at their paths (NVD API 2.0,
 * cvelistV5 releases, FIRST's daily EPSS file, CISA's KEV feed), for end-to-end tests of
 * `vigil sync` and `vigil run`. Which KEV catalog and which EPSS day it serves can be switched
 * between runs, as the real upstreams change between syncs.
 */
import { otherSourcesOff } from './sources.ts';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { dailyBundle } from '../sources/cve5/test-bundles.ts';
import { nvdApi } from '../sources/nvd/testing.ts';
import { corpusPath } from './corpus.ts';
import { startUpstream, type Upstream } from './upstream.ts';

/** The 56 real NVD API 2.0 records of the corpus. */
export function nvdRecords(): (Record<string, unknown> & { id: string; lastModified: string })[] {
  const dir = corpusPath('nvd', 'api2', 'records');
  const records = readdirSync(dir).map((f) => JSON.parse(readFileSync(path.join(dir, f), 'utf8')));
  for (const page of ['vunnel-full-page.json', 'vunnel-single-entry.json']) {
    const doc = JSON.parse(readFileSync(corpusPath('nvd', 'api2', page), 'utf8')) as { vulnerabilities: { cve: never }[] };
    records.push(...doc.vulnerabilities.map((v) => v.cve));
  }
  return records;
}

/** The corpus EPSS day `date` (`2026-08-16`) rewritten in FIRST's official daily layout (5 decimals, model line). */
export function officialEpss(date: string, modelVersion = 'v2025.03.14'): Buffer {
  const rows = gunzipSync(readFileSync(corpusPath('epss', `emba-epss-${date}.ssv.gz`))).toString('utf8').trim().split('\n');
  const body = rows.map((r) => {
    const [cve, epss, pct] = r.split(';');
    return `${cve},${Number(epss).toFixed(5)},${Number(pct).toFixed(5)}`;
  });
  return gzipSync(`#model_version:${modelVersion},score_date:${date}T12:55:00Z\ncve,epss,percentile\n${body.join('\n')}\n`);
}

/** A running mirror. */
export interface Mirror {
  upstream: Upstream;
  /** Serves this KEV catalog file (name inside cisa-kev/) and this EPSS day from now on. */
  serve(what: { kev?: string; epssDay?: string }): void;
  /** The `sources:` block of a config pointing every source at the mirror. */
  sourcesYaml(): string;
  close(): Promise<void>;
}

/** Starts the mirror (default: newest KEV catalog, newest EPSS day). */
export async function startMirror(): Promise<Mirror> {
  const records = nvdRecords();
  const baseline = await dailyBundle(corpusPath('cve5', 'records'));
  let kev = 'known_exploited_vulnerabilities.json';
  let epssDay = '2026-08-16';
  const epss = new Map<string, Buffer>();
  const upstream = await startUpstream({
    '/rest/json/cves/2.0': nvdApi(() => records, { apiKeys: [] }),
    '/cvelistV5/releases/download/': (_req, res, url) => {
      if (!url.pathname.endsWith('_all_CVEs_at_midnight.zip.zip')) return false; // deltas: not published (404)
      res.setHeader('content-type', 'application/zip');
      res.end(baseline);
      return true;
    },
    '/epss_scores-current.csv.gz': (_req, res) => {
      if (!epss.has(epssDay)) epss.set(epssDay, officialEpss(epssDay));
      res.setHeader('content-type', 'application/gzip');
      res.end(epss.get(epssDay));
      return true;
    },
    '/sites/default/files/feeds/known_exploited_vulnerabilities.json': (_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(readFileSync(corpusPath('cisa-kev', kev)));
      return true;
    },
  });
  const base = upstream.baseUrl;
  return {
    upstream,
    serve(what) {
      if (what.kev) kev = what.kev;
      if (what.epssDay) epssDay = what.epssDay;
    },
    sourcesYaml: () =>
      [
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
        // The mirror serves these four; the other sources stay off (no network here).
        otherSourcesOff(['nvd', 'cve5', 'epss', 'kev']),
      ].join('\n'),
    close: () => upstream.close(),
  };
}
