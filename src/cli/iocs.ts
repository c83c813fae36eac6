/**
 * `vigil iocs list|show|export|reanalyse`: the indicators found in collected intel documents
 * (issue 14; stored by the analysis on arrival, iocs/analyse.ts).
 *
 * @example
 *   vigil iocs list --type sha256 --since 2025-01-01
 *   vigil iocs show domain evil.example
 *   vigil iocs export --format csv --no-warning > iocs.csv
 *   vigil iocs reanalyse --all
 */
import { pipeline } from 'node:stream/promises';
import cliProgress from 'cli-progress';
import { type Command, InvalidArgumentError } from 'commander';
import { VigilError } from '../errors.ts';
import { reanalyse } from '../iocs/analyse.ts';
import { iocCsvStream, iocJsonlStream } from '../iocs/export.ts';
import type { IocQuery, StoredIoc } from '../iocs/types.ts';
import { sharedAnalyzer } from '../nlp/analyze.ts';
import { IOC_TYPES, type IocType } from '../nlp/types.ts';
import { type CliContext, numberIn, withContext } from './context.ts';
import { table } from './format.ts';

function iocType(value: string): IocType {
  const t = value.trim().toLowerCase();
  if (!(IOC_TYPES as readonly string[]).includes(t)) throw new InvalidArgumentError(`expected one of ${IOC_TYPES.join(', ')}`);
  return t as IocType;
}

function date(value: string): string {
  if (Number.isNaN(Date.parse(value))) throw new InvalidArgumentError('expected YYYY-MM-DD or an ISO 8601 time');
  return value;
}

/** Filter options shared by `list` and `export`. */
interface FilterOptions {
  type?: IocType;
  q?: string;
  since?: string;
  source?: string;
  /** `--warning` true, `--no-warning` false, neither: undefined. */
  warning?: boolean;
}

function withFilters(cmd: Command): Command {
  return cmd
    .option('--type <TYPE>', `indicator kind (${IOC_TYPES.join(', ')})`, iocType)
    .option('--q <TEXT>', 'substring of the value (case-insensitive)')
    .option('--since <DATE>', 'last seen on or after DATE', date)
    .option('--source <S>', 'seen in a document of this intel source')
    .option('--warning', 'only indicators on a MISP warninglist')
    .option('--no-warning', 'only indicators on no warninglist');
}

function filters(o: FilterOptions): Omit<IocQuery, 'limit' | 'cursor'> {
  const q: Omit<IocQuery, 'limit' | 'cursor'> = {};
  if (o.type) q.type = o.type;
  if (o.q) q.q = o.q;
  if (o.since) q.since = o.since;
  if (o.source) q.source = o.source;
  if (o.warning !== undefined) q.warning = o.warning;
  return q;
}

/** Commander's `--no-warning` makes `warning` default to true: tell a given flag from the default. */
function warningGiven(cmd: Command, o: FilterOptions): FilterOptions {
  return cmd.getOptionValueSource('warning') === 'cli' ? o : { ...o, warning: undefined };
}

function cut(text: string, width: number): string {
  return text.length > width ? `${text.slice(0, width - 1)}…` : text;
}

function formatIoc(i: StoredIoc): string[] {
  return [
    i.type,
    cut(i.value, 70),
    i.lastSeen.slice(0, 10),
    String(i.sightings),
    cut(i.sources.join(' '), 30),
    i.warning ? cut(i.warning.list, 24) : '',
    i.tlp,
  ];
}

/** A bar on standard error when it is a terminal, else nothing. */
function progressBar(): { update: (done: number, total: number) => void; stop: () => void } {
  if (!process.stderr.isTTY) return { update: () => {}, stop: () => {} };
  const bar = new cliProgress.SingleBar(
    { stream: process.stderr, format: 'analysing [{bar}] {value}/{total}', hideCursor: true },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    update: (done, total) => {
      if (!started) bar.start(Math.max(total, 1), 0);
      started = true;
      bar.setTotal(Math.max(total, 1));
      bar.update(done);
    },
    stop: () => {
      if (started) bar.stop();
    },
  };
}

async function show(ctx: CliContext, type: IocType, value: string, json: boolean): Promise<void> {
  const ioc = (await ctx.stores.iocs.getIoc(type, value)) ?? (await ctx.stores.iocs.getIoc(type, value.toLowerCase()));
  if (!ioc) throw new VigilError('VIGIL_NOT_FOUND', [`indicator ${type} ${value}`]);
  const sightings = await ctx.stores.iocs.sightings(ioc.type, ioc.value, 100);
  if (json) return console.log(JSON.stringify({ ioc, sightings }, null, 2));
  console.log(`${ioc.type} ${ioc.value}`);
  console.log(`  seen ${ioc.sightings} time(s), ${ioc.firstSeen} → ${ioc.lastSeen}, TLP:${ioc.tlp.toUpperCase()}`);
  console.log(`  sources: ${ioc.sources.join(', ')}`);
  if (ioc.cves.length) console.log(`  CVEs: ${ioc.cves.join(' ')}`);
  console.log(ioc.warning ? `  warninglist: ${ioc.warning.list} (${ioc.warning.name})` : '  warninglist: none');
  console.log('');
  console.log(
    table(
      ['seen', 'source', 'written as', 'document', 'title'],
      sightings.map((s) => [s.seen.slice(0, 10), s.source, cut(s.original, 40), s.documentId, cut(s.title ?? '(document gone)', 70)]),
    ),
  );
}

export function registerIocs(program: Command): void {
  const iocs = program.command('iocs').description('indicators (IOCs) found in collected intel documents');

  withFilters(iocs.command('list').description('indicators, last seen newest first'))
    .option('--limit <N>', 'rows (default 50, at most 1000)', numberIn(1, 1000))
    .option('--json', 'print JSON')
    .action(async (o: FilterOptions & { limit?: number; json?: boolean }, cmd: Command) => {
      await withContext(cmd, async (ctx) => {
        const query = filters(warningGiven(cmd, o));
        const page = await ctx.stores.iocs.listIocs({ ...query, limit: o.limit ?? 50 });
        if (o.json) return console.log(JSON.stringify(page.items, null, 2));
        const total = await ctx.stores.iocs.countIocs(query);
        console.log(table(['type', 'value', 'last seen', 'seen', 'sources', 'warninglist', 'tlp'], page.items.map(formatIoc)));
        console.log(`${page.items.length} of ${total}`);
      });
    });

  iocs
    .command('show')
    .argument('<type>', `indicator kind (${IOC_TYPES.join(', ')})`, iocType)
    .argument('<value>', 'the indicator (refanged form: evil.example, not evil[.]example)')
    .option('--json', 'print JSON: {ioc, sightings}')
    .description('one indicator: its sightings with their documents, CVEs and warninglist')
    .action(async (type: IocType, value: string, opts: { json?: boolean }, cmd: Command) => {
      await withContext(cmd, (ctx) => show(ctx, type, value.trim(), opts.json ?? false));
    });

  withFilters(iocs.command('export').description('every indicator matching the filters, to standard output'))
    .option('--format <F>', 'csv (header row) or jsonl (one indicator per line)', 'csv')
    .action(async (o: FilterOptions & { format: string }, cmd: Command) => {
      if (o.format !== 'csv' && o.format !== 'jsonl') throw new InvalidArgumentError(`--format: expected csv or jsonl, got "${o.format}"`);
      await withContext(cmd, async (ctx) => {
        const query = filters(warningGiven(cmd, o));
        await ctx.stores.iocs.countIocs(query); // a bad filter fails before any output
        await pipeline(o.format === 'csv' ? iocCsvStream(ctx.stores.iocs, query) : iocJsonlStream(ctx.stores.iocs, query), process.stdout, { end: false });
      });
    });

  iocs
    .command('reanalyse')
    .option('--all', 'analyse every stored document again (default: only those without an analysis)')
    .option('--json', 'print the report as JSON')
    .description('analyse stored intel documents: their IOCs, CVEs, entities and techniques (after vigil nlp train, or for documents stored before)')
    .action(async (o: { all?: boolean; json?: boolean }, cmd: Command) => {
      await withContext(cmd, async (ctx) => {
        const bar = progressBar();
        const deps = {
          analyzer: () => sharedAnalyzer(ctx.config, ctx.stores),
          iocs: ctx.stores.iocs,
          tlp: ctx.config.nlp.defaultTlp,
          log: ctx.log,
          now: () => new Date(),
        };
        const report = await reanalyse(deps, ctx.stores.intel, { all: o.all ?? false, onProgress: bar.update });
        bar.stop();
        if (o.json) return console.log(JSON.stringify(report, null, 2));
        console.log(
          `${report.analysed} document(s) analysed, ${report.failed} failed; ${report.newIocs} new indicator(s), ${report.newSightings} new sighting(s)`,
        );
        if (report.failed) process.exitCode = 1;
      });
    });
}
