/**
 * `vigil intel …`: threat-intel sources an analyst defines (feeds and scraped pages, optionally
 * through SOCKS5/Tor), their collection, and the documents collected.
 *
 * - `vigil intel sources add|list|show|test|remove|enable|disable|import-opml|export-opml|defaults`
 * - `vigil intel collect [name…]` (the daemon also collects sources whose interval has passed)
 * - `vigil intel list [--source S] [--since DATE] [--cve ID] [--cluster ID] [--search WORDS] [--json]`
 * - `vigil intel show <id> [--json]`
 */
import { readFileSync, writeFileSync } from 'node:fs';
import cliProgress from 'cli-progress';
import { type Command, InvalidArgumentError } from 'commander';
import { VigilError } from '../errors.ts';
import type { CollectReport } from '../intel/collect.ts';
import { addSource, collectSources, type IntelServices, intelStateName, requireSource, testSource, updateSource } from '../intel/service.ts';
import { defaultSources } from '../intel/sources/defaults.ts';
import { sourcesFromOpml, sourcesToOpml } from '../intel/sources/opml.ts';
import type { IntelQuery, IntelSource, StoredIntelDocument } from '../intel/types.ts';
import { documentAnalyser } from '../iocs/analyse.ts';
import { type CliContext, numberIn, withContext } from './context.ts';
import { table } from './format.ts';

const CVE_ID = /^CVE-\d{4}-\d{4,}$/;

function cve(value: string): string {
  const id = value.trim().toUpperCase();
  if (!CVE_ID.test(id)) throw new InvalidArgumentError('expected a CVE id such as CVE-2024-3400');
  return id;
}

function date(value: string): string {
  if (Number.isNaN(Date.parse(value))) throw new InvalidArgumentError('expected YYYY-MM-DD or an ISO 8601 time');
  return value;
}

function services(ctx: CliContext): IntelServices {
  return {
    intel: ctx.stores.intel,
    store: ctx.stores.store,
    config: ctx.config.intel,
    log: ctx.log,
    now: () => new Date(),
    analyse: documentAnalyser(ctx.config, ctx.stores.iocs, ctx.log, { stores: ctx.stores }),
  };
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** A header option `Name: value`. */
function header(value: string, previous: Record<string, string> = {}): Record<string, string> {
  const i = value.indexOf(':');
  if (i < 1) throw new InvalidArgumentError('expected "Name: value"');
  return { ...previous, [value.slice(0, i).trim()]: value.slice(i + 1).trim() };
}

interface AddOptions {
  kind: string;
  url: string;
  selectorTitle?: string;
  selectorContent?: string;
  selectorDate?: string;
  selectorLinks?: string;
  follow?: string;
  maxPages?: number;
  maxDepth?: number;
  minLength?: number;
  proxy?: string;
  interval?: number;
  delay?: number;
  header?: Record<string, string>;
  tag?: string[];
  robots?: string;
  articles?: string;
  disabled?: boolean;
}

/** The source input of `sources add` options (validated by the service). */
function sourceInput(name: string, o: AddOptions): Record<string, unknown> {
  const selectors = { title: o.selectorTitle, content: o.selectorContent, date: o.selectorDate, links: o.selectorLinks };
  const defined = <T extends object>(x: T) => Object.fromEntries(Object.entries(x).filter(([, v]) => v !== undefined));
  return defined({
    name,
    kind: o.kind,
    url: o.url,
    enabled: o.disabled ? false : undefined,
    intervalSeconds: o.interval,
    proxy: o.proxy,
    headers: o.header,
    minDelaySeconds: o.delay,
    robots: o.robots,
    fetchArticles: o.articles,
    selectors: Object.values(selectors).some((v) => v !== undefined) ? defined(selectors) : undefined,
    follow: o.follow,
    maxPages: o.maxPages,
    maxDepth: o.maxDepth,
    minContentLength: o.minLength,
    tags: o.tag,
  });
}

function formatSource(s: IntelSource): string {
  const lines = [
    `${s.name}  ${s.kind}  ${s.enabled ? 'enabled' : 'disabled'}`,
    `url        ${s.url}`,
    `every      ${s.intervalSeconds} s   proxy ${s.proxy}   robots.txt ${s.robots}   min delay ${s.minDelaySeconds ?? 'default'} s`,
  ];
  if (s.kind === 'feed') lines.push(`articles   ${s.fetchArticles} (item pages fetched)`);
  else {
    const sel = Object.entries(s.selectors).map(([k, v]) => `${k}=${v}`);
    lines.push(`selectors  ${sel.length ? sel.join('  ') : '(readability)'}`);
    lines.push(`follow     ${s.follow ?? '(same host)'}   max pages ${s.maxPages}   max depth ${s.maxDepth}`);
  }
  lines.push(`min text   ${s.minContentLength} characters   tags ${s.tags.join(', ') || '-'}`);
  if (Object.keys(s.headers).length) lines.push(`headers    ${Object.keys(s.headers).join(', ')}`);
  return lines.join('\n');
}

function formatReport(r: CollectReport, opts: { preview?: boolean } = {}): string {
  const out = [
    opts.preview
      ? `${r.source}: ${r.documents} document(s) would be stored (${r.requests} request(s), ${r.notModified} not modified); nothing was stored`
      : `${r.source}: ${r.created} new, ${r.changed} changed, ${r.unchanged} unchanged (${r.requests} request(s), ${r.notModified} not modified)`,
  ];
  for (const d of r.preview ?? []) {
    out.push(
      '',
      `  ${d.title}`,
      `    ${d.url}`,
      `    ${d.published ?? 'no date'}  ${d.language ?? '?'}  ${d.text.length} characters${d.cves.length ? `  ${d.cves.join(' ')}` : ''}`,
    );
    out.push(`    ${d.text.slice(0, 200).replace(/\s+/g, ' ')}${d.text.length > 200 ? '…' : ''}`);
  }
  if (r.skipped.length) out.push('', `skipped (${r.skipped.length})`, ...r.skipped.slice(0, 20).map((s) => `  ${s.url}: ${s.reason}`));
  if (r.errors.length) out.push('', `errors (${r.errors.length})`, ...r.errors.slice(0, 20).map((e) => `  ${e.url}: ${e.code} ${e.message}`));
  return out.join('\n');
}

function formatDocument(d: StoredIntelDocument): string {
  const out = [
    `${d.id}  from ${d.source}${d.clusterSize > 1 ? `  story of ${d.clusterSize} documents (cluster ${d.cluster})` : ''}`,
    d.title,
    d.url,
    `published ${d.published ?? '?'}  fetched ${d.fetchedAt}  first seen ${d.firstSeen}  language ${d.language ?? '?'}`,
  ];
  if (d.tags.length) out.push(`tags: ${d.tags.join(', ')}`);
  if (d.cves.length) out.push(`CVEs: ${d.cves.join(' ')}`);
  out.push('', d.text);
  if (d.history.length > 1) out.push('', 'HISTORY', ...d.history.map((h) => `  ${h.at}  ${h.kind}  ${h.contentHash.slice(0, 12)}  ${h.title}`));
  return out.join('\n');
}

/** A progress bar per source on stderr (silent when stderr is not a terminal). */
function sourceBar(): { start: (name: string) => void; update: (done: number, total: number) => void; stop: () => void } {
  if (!process.stderr.isTTY) return { start: () => {}, update: () => {}, stop: () => {} };
  const bar = new cliProgress.SingleBar(
    { stream: process.stderr, format: '{name} [{bar}] {value}/{total}', hideCursor: true },
    cliProgress.Presets.shades_classic,
  );
  let running = false;
  return {
    start: (name) => {
      if (running) bar.stop();
      bar.start(1, 0, { name: name.padEnd(16) });
      running = true;
    },
    update: (done, total) => {
      bar.setTotal(Math.max(total, 1));
      bar.update(done);
    },
    stop: () => {
      if (running) bar.stop();
      running = false;
    },
  };
}

export function registerIntel(program: Command): void {
  const intel = program
    .command('intel')
    .description('threat-intel collection: news/blog/CERT feeds and scraped pages (optionally through SOCKS5/Tor), their documents');
  const sources = intel.command('sources').description('the sources an analyst defines (feeds, scraped pages)');

  sources
    .command('add')
    .description(
      'add a source (its URL is checked by the SSRF guard: private, loopback and link-local addresses are refused unless intel.allowHosts lists them)',
    )
    .argument('<name>', 'lowercase letters, digits, . _ - (e.g. bleepingcomputer)')
    .requiredOption('--kind <KIND>', 'feed (RSS, Atom, RDF, JSON Feed) or page (HTML pages read with CSS selectors)')
    .requiredOption('--url <URL>', 'the feed, or the first page to read')
    .option('--selector-title <CSS>', 'page: the title')
    .option('--selector-content <CSS>', 'page: the main content (default: readability finds it)')
    .option('--selector-date <CSS>', 'page: the publication date')
    .option('--selector-links <CSS>', 'page: links to follow (default every a[href])')
    .option('--follow <REGEX>', 'page: follow links matching this RE2 regular expression (default: same host)')
    .option('--max-pages <N>', 'page: pages per collection (default 20)', numberIn(1, 500))
    .option('--max-depth <N>', 'page: link depth (default 1)', numberIn(0, 5))
    .option('--min-length <N>', 'skip documents with less main text, characters (default 200)', numberIn(0, 100_000))
    .option('--proxy <PROXY>', 'none (default), tor (intel.torProxy), or socks5h://host:port (the proxy resolves names; needed for .onion)')
    .option('--interval <SECONDS>', 'seconds between collections by the daemon (default 3600)', numberIn(300, 7 * 86_400))
    .option('--delay <SECONDS>', 'minimum delay between requests to one host (default intel.minDelaySeconds)', numberIn(0, 3600))
    .option('--header <NAME: VALUE>', 'extra request header (repeatable)', header)
    .option('--tag <TAG>', 'label for every document (repeatable)', collect)
    .option('--robots <POLICY>', 'obey (default) or ignore robots.txt')
    .option('--articles <WHEN>', 'feed: fetch item pages auto (default: when the feed has only a summary), always or never')
    .option('--disabled', 'add it disabled (the daemon skips it)')
    .action(async (name: string, opts: AddOptions, cmd: Command) => {
      await withContext(cmd, async (ctx) => {
        const source = await addSource(services(ctx), sourceInput(name, opts));
        console.log(`added\n${formatSource(source)}\n\nnext: vigil intel sources test ${source.name}   (fetches once, stores nothing)`);
      });
    });

  sources
    .command('list')
    .description('the sources with their documents and last collection')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      await withContext(cmd, async (ctx) => {
        const list = await ctx.stores.intel.listSources();
        const counts = new Map((await ctx.stores.intel.sourceCounts()).map((c) => [c.source, c]));
        const states = new Map((await ctx.store.listSourceStates()).map((s) => [s.source, s]));
        const rows = list.map((s) => ({ ...s, documents: counts.get(s.name)?.documents ?? 0, state: states.get(intelStateName(s.name)) ?? null }));
        if (opts.json) return console.log(JSON.stringify(rows, null, 2));
        if (!rows.length) return console.log('no intel sources: vigil intel sources add NAME --kind feed --url URL, or vigil intel sources defaults');
        console.log(
          table(
            ['name', 'kind', 'on', 'documents', 'last collected', 'url', 'last error'],
            rows.map((r) => [
              r.name,
              r.kind,
              r.enabled ? 'yes' : 'no',
              String(r.documents),
              r.state?.lastSuccess?.slice(0, 16) ?? '-',
              r.url.length > 60 ? `${r.url.slice(0, 59)}…` : r.url,
              (r.state?.lastError ?? '').slice(0, 60),
            ]),
          ),
        );
      });
    });

  sources
    .command('show')
    .argument('<name>')
    .option('--json', 'print JSON')
    .description('one source, every setting')
    .action(async (name: string, opts: { json?: boolean }, cmd: Command) => {
      await withContext(cmd, async (ctx) => {
        const source = await requireSource(ctx.stores.intel, name);
        console.log(opts.json ? JSON.stringify(source, null, 2) : formatSource(source));
      });
    });

  sources
    .command('test')
    .argument('<name>')
    .option('--json', 'print the report as JSON')
    .description('fetch once and print what would be stored (stores nothing)')
    .action(async (name: string, opts: { json?: boolean }, cmd: Command) => {
      await withContext(cmd, async (ctx) => {
        const report = await testSource(services(ctx), await requireSource(ctx.stores.intel, name));
        console.log(opts.json ? JSON.stringify(report, null, 2) : formatReport(report, { preview: true }));
      });
    });

  sources
    .command('remove')
    .argument('<name>')
    .description('remove a source (its documents stay)')
    .action(async (name: string, _opts: unknown, cmd: Command) => {
      await withContext(cmd, async (ctx) => {
        if (!(await ctx.stores.intel.deleteSource(name))) throw new VigilError('VIGIL_NOT_FOUND', [`intel source "${name}"`]);
        console.log(`removed ${name} (its documents stay)`);
      });
    });

  for (const [verb, enabled] of [
    ['enable', true],
    ['disable', false],
  ] as const) {
    sources
      .command(verb)
      .argument('<name...>')
      .description(`${verb} sources (the daemon collects enabled ones)`)
      .action(async (names: string[], _opts: unknown, cmd: Command) => {
        await withContext(cmd, async (ctx) => {
          for (const n of names) await updateSource(services(ctx), n, { enabled });
          console.log(`${verb}d ${names.join(', ')}`);
        });
      });
  }

  sources
    .command('defaults')
    .description('add the curated default list (security news, national CERTs, vendor research), disabled; existing names are kept')
    .action(async (_opts: unknown, cmd: Command) => {
      await withContext(cmd, async (ctx) => {
        let added = 0;
        for (const s of defaultSources(new Date())) {
          if (await ctx.stores.intel.getSource(s.name)) continue;
          await ctx.stores.intel.saveSource(s);
          added++;
        }
        console.log(`added ${added} default source(s), disabled: vigil intel sources enable NAME…`);
      });
    });

  sources
    .command('import-opml')
    .argument('<file>', 'an OPML 1.0/2.0 feed list')
    .option('--enable', 'add them enabled (default: disabled)')
    .description('add the feeds of an OPML list as feed sources; existing names are kept; refused URLs are listed')
    .action(async (file: string, opts: { enable?: boolean }, cmd: Command) => {
      await withContext(cmd, async (ctx) => {
        let text: string;
        try {
          text = readFileSync(file, 'utf8');
        } catch (cause) {
          throw new VigilError('VIGIL_INPUT_UNREADABLE', [file, (cause as Error).message], { cause });
        }
        const { sources: found, rejected } = sourcesFromOpml(
          text,
          file,
          { allowHosts: ctx.config.intel.allowHosts, torProxy: ctx.config.intel.torProxy },
          new Date(),
        );
        let added = 0;
        for (const s of found) {
          if (await ctx.stores.intel.getSource(s.name)) continue;
          await ctx.stores.intel.saveSource({ ...s, enabled: Boolean(opts.enable) });
          added++;
        }
        console.log(
          `${found.length} feed(s) read, ${added} added${opts.enable ? '' : ' (disabled)'}, ${found.length - added} already there, ${rejected.length} refused`,
        );
        for (const r of rejected.slice(0, 50)) console.log(`  refused ${r.where.record ?? ''}: ${r.reason}`);
      });
    });

  sources
    .command('export-opml')
    .argument('[file]', 'write here (default: standard output)')
    .description('the feed sources as OPML 2.0 (page sources are left out)')
    .action(async (file: string | undefined, _opts: unknown, cmd: Command) => {
      await withContext(cmd, async (ctx) => {
        const opml = sourcesToOpml(await ctx.stores.intel.listSources());
        if (file) writeFileSync(file, opml);
        else process.stdout.write(opml);
      });
    });

  intel
    .command('collect')
    .argument('[names...]', 'sources to collect (default: every enabled source)')
    .option('--json', 'print the reports as JSON')
    .description('collect sources now: fetch, extract, store new and changed documents (a second run stores nothing new)')
    .action(async (names: string[], opts: { json?: boolean }, cmd: Command) => {
      await withContext(cmd, async (ctx) => {
        const bar = sourceBar();
        const outcomes = await collectSources(services(ctx), names, { onSource: (s) => bar.start(s.name), onProgress: bar.update });
        bar.stop();
        if (opts.json)
          return console.log(
            JSON.stringify(
              outcomes.map((o) => ({ source: o.source, report: o.report, error: o.error?.message })),
              null,
              2,
            ),
          );
        if (!outcomes.length) console.log('no enabled intel source: vigil intel sources add …, or vigil intel sources enable NAME');
        for (const o of outcomes) console.log(o.report ? formatReport(o.report) : `${o.source}: FAILED ${o.error.message}`);
        if (outcomes.some((o) => o.error)) process.exitCode = 1;
      });
    });

  intel
    .command('list')
    .description('collected documents, newest first')
    .option('--source <S>', 'one source')
    .option('--since <DATE>', 'published (else fetched) on or after DATE', date)
    .option('--cve <ID>', 'documents naming this CVE', cve)
    .option('--cluster <ID>', 'documents of one story')
    .option('--search <WORDS>', 'words in title and text (ANDed)')
    .option('--limit <N>', 'rows (default 20, at most 500)', numberIn(1, 500))
    .option('--json', 'print JSON')
    .action(async (o: { source?: string; since?: string; cve?: string; cluster?: string; search?: string; limit?: number; json?: boolean }, cmd: Command) => {
      await withContext(cmd, async (ctx) => {
        const query: IntelQuery = { source: o.source, since: o.since, cve: o.cve, cluster: o.cluster, text: o.search, limit: o.limit ?? 20 };
        const rows = await ctx.stores.intel.listDocuments(query);
        if (o.json) return console.log(JSON.stringify(rows, null, 2));
        const total = await ctx.stores.intel.countDocuments(query);
        console.log(
          table(
            ['id', 'published', 'source', 'title', 'CVEs', 'story'],
            rows.map((r) => [
              r.id,
              (r.published ?? r.fetchedAt).slice(0, 10),
              r.source,
              r.title.length > 70 ? `${r.title.slice(0, 69)}…` : r.title,
              r.cves.slice(0, 3).join(' ') + (r.cves.length > 3 ? ` +${r.cves.length - 3}` : ''),
              r.clusterSize > 1 ? `${r.clusterSize} docs` : '',
            ]),
          ),
        );
        console.log(`${rows.length} of ${total}`);
      });
    });

  intel
    .command('show')
    .argument('<id>', 'a document id (intel-…)')
    .option('--json', 'print JSON: {id, source, url, title, published, text, cves, cluster, …}')
    .description('one document: its main text, CVEs, story cluster and history')
    .action(async (id: string, opts: { json?: boolean }, cmd: Command) => {
      await withContext(cmd, async (ctx) => {
        const d = await ctx.stores.intel.getDocument(id.trim());
        if (!d) throw new VigilError('VIGIL_NOT_FOUND', [`intel document ${id.trim()}`]);
        console.log(opts.json ? JSON.stringify(d, null, 2) : formatDocument(d));
      });
    });
}
