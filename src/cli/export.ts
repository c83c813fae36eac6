/**
 * `vigil export stix|misp [--since DATE]`: the IOC store, intel documents and their analyses as a
 * STIX 2.1 bundle or a MISP event on stdout (`vigil export stix > bundle.json`).
 * `vigil export csv|jsonl [filters] [--out FILE]`: the consolidated CVE list (issue 15, seed 002;
 * docs/export.md). Indicators as CSV: `vigil iocs export`.
 */
import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import cliProgress from 'cli-progress';
import { type Command, InvalidArgumentError } from 'commander';
import { VigilError } from '../errors.ts';
import { cveCsvStream } from '../export/cve-csv.ts';
import { cveJsonlStream } from '../export/cve-jsonl.ts';
import type { CveExportQuery } from '../export/cve-types.ts';
import { readExportData } from '../export/data.ts';
import { buildMispEvent } from '../export/misp.ts';
import { parseSince } from '../export/since.ts';
import { buildStixBundle } from '../export/stix.ts';
import { loadStixValidator } from '../export/stix-validate.ts';
import { registerEsExport } from '../search/cli.ts';
import { numberIn, withContext } from './context.ts';

/** Options of `vigil export csv|jsonl`. */
interface CveExportOptions {
  since?: string;
  kev?: boolean;
  exploit?: boolean;
  minEpss?: number;
  minCvss?: number;
  vendor?: string;
  product?: string;
  text?: string;
  rejected?: boolean;
  order?: 'priority' | 'id';
  out?: string;
}

/**
 * The export query of the options.
 * @throws {VigilError} VIGIL_BAD_REQUEST for a `--since` that is not a date.
 */
function cveExportQuery(o: CveExportOptions): CveExportQuery {
  const since = parseSince(o.since);
  return {
    ...(since !== undefined ? { since } : {}),
    ...(o.kev ? { kev: true } : {}),
    ...(o.exploit ? { exploit: true } : {}),
    ...(o.minEpss !== undefined ? { minEpss: o.minEpss } : {}),
    ...(o.minCvss !== undefined ? { minCvss: o.minCvss } : {}),
    ...(o.vendor !== undefined ? { vendor: o.vendor } : {}),
    ...(o.product !== undefined ? { product: o.product } : {}),
    ...(o.text !== undefined ? { text: o.text } : {}),
    ...(o.rejected ? { includeRejected: true } : {}),
    ...(o.order ? { order: o.order } : {}),
  };
}

/** Registers `vigil export`. */
export function registerExport(program: Command): void {
  const exp = program.command('export').description('export indicators, CVEs and intel reports for other tools (STIX 2.1, MISP, CSV, JSON Lines)');
  exp
    .command('stix')
    .description(
      'STIX 2.1 bundle: indicators with STIX patterns, vulnerabilities, malware, intrusion sets, attack patterns, reports, relationships, TLP 2.0 markings',
    )
    .option('--since <date>', 'indicators last seen and documents published on or after (YYYY-MM-DD or ISO 8601)')
    .option('--validate <schema-dir>', 'check the bundle against the OASIS STIX 2.1 JSON schemas in this folder first (cti-stix2-json-schemas/schemas)')
    .action(async (opts: { since?: string; validate?: string }, cmd: Command) => {
      const since = parseSince(opts.since);
      await withContext(cmd, async ({ stores }) => {
        const data = await readExportData({ iocs: stores.iocs, intel: stores.intel, store: stores.store }, since ? { since } : {});
        const bundle = buildStixBundle(data);
        if (opts.validate) {
          const problems = loadStixValidator(opts.validate).validate(bundle);
          if (problems.length > 0) {
            const lines = problems.slice(0, 20).map((p) => `${p.path}: ${p.message}`);
            throw new VigilError('VIGIL_INPUT_FORMAT', ['STIX bundle fails the schemas', lines.join('; ')]);
          }
        }
        process.stdout.write(`${JSON.stringify(bundle, null, 2)}\n`);
      });
    });
  exp
    .command('misp')
    .description('MISP event JSON ({"Event": …}): one attribute per indicator and CVE, warninglisted ones with to_ids false')
    .option('--since <date>', 'indicators last seen and documents published on or after (YYYY-MM-DD or ISO 8601)')
    .action(async (opts: { since?: string }, cmd: Command) => {
      const since = parseSince(opts.since);
      await withContext(cmd, async ({ stores }) => {
        const data = await readExportData({ iocs: stores.iocs, intel: stores.intel, store: stores.store }, since ? { since } : {});
        process.stdout.write(`${JSON.stringify({ Event: buildMispEvent(data, { now: new Date() }) }, null, 2)}\n`);
      });
    });
  for (const format of ['csv', 'jsonl'] as const) {
    exp
      .command(format)
      .description(
        format === 'csv'
          ? 'consolidated CVE list as CSV (RFC 4180, UTF-8 with BOM): id, title, vendors, products, versions, CVSS, CWEs, EPSS, KEV, exploits, priority, dates, links (indicators: `vigil iocs export`)'
          : 'consolidated CVE list as JSON Lines: one object per CVE with the CSV columns',
      )
      .option('--since <date>', 'published on or after (YYYY-MM-DD or ISO 8601)')
      .option('--kev', 'only CVEs in CISA KEV')
      .option('--exploit', 'only CVEs with a public exploit (Exploit-DB)')
      .option('--min-epss <X>', 'minimum EPSS probability, 0–1', numberIn(0, 1))
      .option('--min-cvss <X>', 'minimum CVSS base score, 0–10', numberIn(0, 10))
      .option('--vendor <V>', 'vendor name or prefix (case and punctuation ignored)')
      .option('--product <P>', 'product name or prefix')
      .option('--text <words>', 'full-text filter: words are ANDed, no query syntax')
      .option('--rejected', 'include REJECTED CVEs')
      .option('--order <order>', 'priority (default, highest first) or id (CVE id order, stable across runs)', (v: string) => {
        if (v !== 'priority' && v !== 'id') throw new InvalidArgumentError('expected priority or id');
        return v;
      })
      .option('--out <file>', 'write to FILE (with a progress bar on a terminal) instead of standard output')
      .action(async (opts: CveExportOptions, cmd: Command) => {
        const query = cveExportQuery(opts);
        await withContext(cmd, async ({ stores, config }) => {
          const total = await stores.cveExport.count(query); // a bad filter fails before any output
          const bar =
            opts.out && process.stderr.isTTY
              ? new cliProgress.SingleBar(
                  { stream: process.stderr, hideCursor: true, format: `${format.padEnd(6)} [{bar}] {percentage}% | {value}/{total} CVEs | ETA {eta}s` },
                  cliProgress.Presets.shades_classic,
                )
              : null;
          bar?.start(total, 0);
          const options = { linkBase: config.alerts.linkBase ?? null, onRows: (n: number) => bar?.increment(n) };
          const stream = format === 'csv' ? cveCsvStream(stores.cveExport, query, options) : cveJsonlStream(stores.cveExport, query, options);
          try {
            if (opts.out) await pipeline(stream, createWriteStream(opts.out));
            else await pipeline(stream, process.stdout, { end: false });
          } finally {
            bar?.stop();
          }
        });
      });
  }
  registerEsExport(exp);
}
