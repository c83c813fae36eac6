/** `vigil top` and `vigil search`: the ranked list, with filters. */
import { type Command, InvalidArgumentError } from 'commander';
import type { RankQuery } from '../store/types.ts';
import { numberIn, withContext } from './context.ts';
import { rankedTable } from './format.ts';

interface FilterOptions {
  kev?: boolean;
  exploit?: boolean;
  minEpss?: number;
  minCvss?: number;
  vendor?: string;
  product?: string;
  since?: string;
  limit?: number;
  rejected?: boolean;
  json?: boolean;
  sort?: 'priority' | 'relevance';
}


function date(value: string): string {
  if (Number.isNaN(Date.parse(value))) throw new InvalidArgumentError('expected YYYY-MM-DD or an ISO 8601 time');
  return value;
}

/** Adds the shared filter options to a command. */
function withFilters(cmd: Command): Command {
  return cmd
    .option('--kev', 'only CVEs in CISA KEV')
    .option('--exploit', 'only CVEs with a public exploit (Exploit-DB)')
    .option('--min-epss <X>', 'minimum EPSS probability, 0–1', numberIn(0, 1))
    .option('--min-cvss <X>', 'minimum CVSS base score, 0–10', numberIn(0, 10))
    .option('--vendor <V>', 'vendor name or prefix (case and punctuation ignored)')
    .option('--product <P>', 'product name or prefix')
    .option('--since <DATE>', 'published on or after DATE', date)
    .option('--limit <N>', 'rows to show (default 20)', numberIn(1, 10_000))
    .option('--rejected', 'include REJECTED CVEs')
    .option('--json', 'print JSON');
}

function toQuery(o: FilterOptions, text?: string): RankQuery {
  return {
    ...(text !== undefined ? { text } : {}),
    ...(o.kev ? { kev: true } : {}),
    ...(o.exploit ? { exploit: true } : {}),
    ...(o.minEpss !== undefined ? { minEpss: o.minEpss } : {}),
    ...(o.minCvss !== undefined ? { minCvss: o.minCvss } : {}),
    ...(o.vendor !== undefined ? { vendor: o.vendor } : {}),
    ...(o.product !== undefined ? { product: o.product } : {}),
    ...(o.since !== undefined ? { since: o.since } : {}),
    ...(o.rejected ? { includeRejected: true } : {}),
    ...(o.sort ? { sort: o.sort } : {}),
    limit: o.limit ?? 20,
  };
}

export function registerTop(program: Command): void {
  withFilters(
    program
      .command('top')
      .description('the ranked list: what to fix first (KEV, then EPSS, then CVSS; see docs/priority.md)'),
  ).action(async (opts: FilterOptions, cmd: Command) => {
    await withContext(cmd, async ({ store }) => {
      const rows = await store.rank(toQuery(opts));
      console.log(opts.json ? JSON.stringify(rows, null, 2) : rankedTable(rows));
    });
  });

  withFilters(
    program
      .command('search')
      .description('full-text search over CVE ids, titles, descriptions, products and CWEs, with the same filters')
      .argument('<text...>', 'words to find (all must match; no query syntax)')
      .option('--sort <order>', 'priority (default) or relevance', (v) => {
        if (v !== 'priority' && v !== 'relevance') throw new InvalidArgumentError('expected priority or relevance');
        return v;
      }),
  ).action(async (words: string[], opts: FilterOptions, cmd: Command) => {
    await withContext(cmd, async ({ store }) => {
      const rows = await store.rank(toQuery(opts, words.join(' ')));
      console.log(opts.json ? JSON.stringify(rows, null, 2) : rankedTable(rows, { snippets: true }));
    });
  });
}
