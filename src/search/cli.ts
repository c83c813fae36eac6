/**
 * `vigil export es [--kinds cves,advisories,intel,iocs] [--out DIR] [--prefix P]` (issue 15,
 * docs/elasticsearch.md): index templates and bulk NDJSON for Elasticsearch/OpenSearch. With
 * `--out`, files in DIR (./ndjson.ts) and a summary table (or `--json`); without, the NDJSON of one
 * kind on standard output. Progress on stderr (a bar on a terminal).
 */
import cliProgress from 'cli-progress';
import { type Command, InvalidArgumentError } from 'commander';
import { withContext } from '../cli/context.ts';
import { VigilError } from '../errors.ts';
import { countDocs } from './documents.ts';
import { parseKinds, SEARCH_KINDS, type SearchKind } from './mappings.ts';
import { writeBulk, writeEsExport } from './ndjson.ts';

interface EsExportCliOptions {
  kinds: SearchKind[];
  out?: string;
  prefix?: string;
  json?: boolean;
}

/** Registers `vigil export es` under `vigil export`. */
export function registerEsExport(exp: Command): void {
  exp
    .command('es')
    .description('Elasticsearch/OpenSearch: index templates and bulk NDJSON of CVEs, advisories, intel documents and IOCs (docs/elasticsearch.md)')
    .option(
      '--kinds <list>',
      `comma-separated: ${SEARCH_KINDS.join(', ')} (default all)`,
      (v: string) => {
        try {
          return parseKinds(v);
        } catch (err) {
          throw new InvalidArgumentError((err as Error).message.replace(/^--kinds: /, ''));
        }
      },
      [...SEARCH_KINDS],
    )
    .option('--out <dir>', 'write templates/, <prefix>-<kind>.NNNN.ndjson and load.sh into DIR (without it: the NDJSON of one kind on standard output)')
    .option('--prefix <prefix>', 'index name prefix (default: search.elasticsearch.indexPrefix, else vigil)')
    .option('--json', 'print the summary as JSON')
    .action(async (opts: EsExportCliOptions, cmd: Command) => {
      if (opts.prefix !== undefined && !/^[a-z0-9][a-z0-9_-]*$/.test(opts.prefix))
        throw new VigilError('VIGIL_BAD_REQUEST', ['--prefix: lower-case letters, digits, - and _']);
      if (!opts.out && opts.kinds.length !== 1)
        throw new VigilError('VIGIL_BAD_REQUEST', ['without --out, give one kind (--kinds cves): standard output holds one bulk file']);
      await withContext(cmd, async ({ stores, config }) => {
        const prefix = opts.prefix ?? config.search.elasticsearch?.indexPrefix ?? 'vigil';
        const totals = new Map<SearchKind, number>();
        for (const k of opts.kinds) totals.set(k, await countDocs(stores, k));
        const bars = process.stderr.isTTY
          ? new cliProgress.MultiBar(
              { stream: process.stderr, hideCursor: true, format: '{kind} [{bar}] {value}/{total} documents' },
              cliProgress.Presets.shades_classic,
            )
          : null;
        const bar = new Map(opts.kinds.map((k) => [k, bars?.create(totals.get(k) ?? 0, 0, { kind: k.padEnd(10) })]));
        const onDocs = (kind: SearchKind, done: number) => bar.get(kind)?.update(done);
        try {
          if (!opts.out) {
            const kind = opts.kinds[0] as SearchKind;
            const n = await writeBulk(stores, kind, process.stdout, { prefix, onDocs });
            bars?.stop();
            console.error(`${kind}: ${n} documents (index ${prefix}-${kind}; template: vigil export es --kinds ${kind} --out DIR)`);
            return;
          }
          const written = await writeEsExport(stores, opts.kinds, opts.out, { prefix, onDocs });
          bars?.stop();
          if (opts.json) {
            process.stdout.write(`${JSON.stringify({ dir: opts.out, kinds: written }, null, 2)}\n`);
            return;
          }
          const rows = written.map((w) => [w.kind, w.index, String(w.documents), String(w.files.length), w.template]);
          const head = ['kind', 'index', 'documents', 'files', 'template'];
          const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
          for (const r of [head, ...rows])
            console.log(
              r
                .map((c, i) => (i === 2 || i === 3 ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0)))
                .join('  ')
                .trimEnd(),
            );
          console.log(`\nload: ES=https://host:9200 ${opts.out}/load.sh  (or curl -H 'Content-Type: application/x-ndjson' --data-binary @FILE "$ES/_bulk")`);
        } finally {
          bars?.stop();
        }
      });
    });
}
