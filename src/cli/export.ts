/**
 * `vigil export stix|misp|csv [--since DATE]`: the IOC store, intel documents and their analyses as
 * a STIX 2.1 bundle or a MISP event, or the indicators as CSV, on stdout (`vigil export stix > bundle.json`).
 */
import { pipeline } from 'node:stream/promises';
import type { Command } from 'commander';
import { VigilError } from '../errors.ts';
import { readExportData } from '../export/data.ts';
import { buildMispEvent } from '../export/misp.ts';
import { parseSince } from '../export/since.ts';
import { buildStixBundle } from '../export/stix.ts';
import { loadStixValidator } from '../export/stix-validate.ts';
import { iocCsvStream } from '../iocs/export.ts';
import { registerEsExport } from '../search/cli.ts';
import { withContext } from './context.ts';

/** Registers `vigil export`. */
export function registerExport(program: Command): void {
  const exp = program.command('export').description('export indicators, CVEs and intel reports for other tools (STIX 2.1, MISP)');
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
  exp
    .command('csv')
    .description('indicators as CSV (the columns of `vigil iocs export`, which has more filters)')
    .option('--since <date>', 'indicators last seen on or after (YYYY-MM-DD or ISO 8601)')
    .action(async (opts: { since?: string }, cmd: Command) => {
      const since = parseSince(opts.since);
      await withContext(cmd, async ({ stores }) => {
        await pipeline(iocCsvStream(stores.iocs, since ? { since } : {}), process.stdout, { end: false });
      });
    });
  registerEsExport(exp);
}
