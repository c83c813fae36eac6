/**
 * `vigil advisories list` and `vigil advisories show <id>`: the stored advisories (package
 * advisories, CERT bulletins and alerts, vendor CSAF and VEX documents, public exploits).
 * `show --json` prints what `GET /api/v1/advisories/{id}` answers.
 */
import { type Command, InvalidArgumentError } from 'commander';
import { type AdvisoryDetail, advisoryView } from '../analysis/view.ts';
import { VigilError } from '../errors.ts';
import { ADVISORY_KINDS, type AdvisoryAffected, type AdvisoryKind, type AdvisoryRange, type AdvisoryReference } from '../model/advisory.ts';
import type { AdvisoryQuery } from '../store/types.ts';
import { numberIn, withContext } from './context.ts';
import { advisoryTable } from './format.ts';

interface ListOptions {
  source?: string;
  kind?: AdvisoryKind;
  cve?: string;
  vendor?: string;
  since?: string;
  limit?: number;
  json?: boolean;
}

const CVE_ID = /^CVE-\d{4}-\d{4,}$/;

function kind(value: string): AdvisoryKind {
  const k = ADVISORY_KINDS.find((x) => x === value);
  if (!k) throw new InvalidArgumentError(`expected one of ${ADVISORY_KINDS.join(', ')}`);
  return k;
}

function cve(value: string): string {
  const id = value.trim().toUpperCase();
  if (!CVE_ID.test(id)) throw new InvalidArgumentError('expected a CVE id such as CVE-2024-3400');
  return id;
}

function date(value: string): string {
  if (Number.isNaN(Date.parse(value))) throw new InvalidArgumentError('expected YYYY-MM-DD or an ISO 8601 time');
  return value;
}

/**
 * One OSV range in words, one span per introduced event: `>= 2.13.0, < 2.15.0`; `introduced: 0`
 * is no lower bound (`< 2.3.1`); an introduced version never fixed is `>= 5.0` (`all versions` from 0).
 * @example formatRange({ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '5.2.20' }] }) // '< 5.2.20'
 */
export function formatRange(r: AdvisoryRange): string {
  const spans: string[] = [];
  let open = false;
  let lower: string | null = null;
  const close = (upper: string | null) => {
    spans.push([lower, upper].filter(Boolean).join(', ') || 'all versions');
    open = false;
    lower = null;
  };
  for (const e of r.events) {
    if (e.introduced !== undefined) {
      if (open) close(null);
      open = true;
      lower = e.introduced === '0' ? null : `>= ${e.introduced}`;
    }
    const upper =
      e.fixed !== undefined ? `< ${e.fixed}` : e.last_affected !== undefined ? `<= ${e.last_affected}` : e.limit !== undefined ? `< ${e.limit}` : null;
    if (upper) close(upper);
  }
  if (open) close(null);
  return `${r.type === 'GIT' ? `git ${r.repo ?? ''}: ` : ''}${spans.join('; ')}`;
}

/** One affected entry in one line: status, what, which versions. */
function formatAffected(a: AdvisoryAffected): string {
  const what =
    [a.vendor, a.product, a.ecosystem && a.packageName ? `${a.ecosystem}:${a.packageName}` : a.packageName].filter(Boolean).join(' ') ||
    a.purl ||
    a.cpes?.[0] ||
    '?';
  const scope = [
    ...(a.ranges ?? []).map(formatRange),
    ...(a.versions?.length ? [`versions ${a.versions.slice(0, 8).join(', ')}${a.versions.length > 8 ? ` (+${a.versions.length - 8})` : ''}`] : []),
    ...(a.description ? [a.description] : []),
  ];
  const extra = [a.scada ? 'SCADA' : '', a.cves?.length ? a.cves.join(' ') : ''].filter(Boolean);
  return `  ${a.status.padEnd(19)} ${what}${scope.length ? `: ${scope.join('; ')}` : ''}${extra.length ? ` [${extra.join('; ')}]` : ''}`;
}

function formatLink(r: AdvisoryReference): string {
  const label = [r.type, r.title, r.published].filter(Boolean).join(', ');
  return `  ${r.url}${label ? ` [${label}]` : ''}`;
}

/** Renders one advisory for people: every field, CVEs marked listed or found in the text. */
export function formatAdvisory(a: AdvisoryDetail): string {
  const out: string[] = [];
  out.push(`${a.id}  ${a.kind} from ${a.source}${a.withdrawn ? `  WITHDRAWN ${a.withdrawn}` : ''}`);
  out.push(a.title);
  out.push(`published ${a.published ?? '?'}  modified ${a.modified}  first seen here ${a.firstSeen}${a.tlp ? `  TLP:${a.tlp}` : ''}`);
  if (a.url) out.push(a.url);
  if (a.severity || a.cvss.length) {
    out.push(
      `SEVERITY ${a.severity ?? '(not stated)'}${a.cvss.length ? `  ${a.cvss.map((c) => `${c.vector}${c.score === null ? '' : ` (${c.score})`}`).join('  ')}` : ''}`,
    );
  }
  if (a.aliases.length) out.push(`ALIASES: ${a.aliases.join(', ')}`);
  if (a.cwes.length) out.push(`CWE: ${a.cwes.join(', ')}`);
  if (a.exploit) {
    const e = a.exploit;
    out.push(
      `EXPLOIT: ${e.type} on ${e.platform}${e.port ? `, port ${e.port}` : ''}, by ${e.author}, ${e.verified ? 'verified' : 'not verified'} by Exploit-DB; file ${e.file}${e.tags.length ? `; tags ${e.tags.join(', ')}` : ''}`,
    );
  }
  if (a.summary && a.summary !== a.title) out.push('', a.summary);
  if (a.details && a.details !== a.summary) out.push('', a.details.length > 2000 ? `${a.details.slice(0, 2000)}… (--json for all)` : a.details);
  const listed = a.cveDetails.filter((c) => c.origin === 'listed').map((c) => c.id);
  const text = a.cveDetails.filter((c) => c.origin === 'text').map((c) => c.id);
  out.push('', `CVES (${a.cves.length})`);
  if (listed.length) out.push(`  listed: ${listed.join(' ')}`);
  if (text.length) out.push(`  found in the text only: ${text.join(' ')}`);
  if (a.affected.length) out.push('', `AFFECTED (${a.affected.length})`, ...a.affected.map(formatAffected));
  if (a.risks.length) out.push('', 'RISKS', ...a.risks.map((r) => `  ${r}`));
  if (a.vendorAdvisories.length) out.push('', `VENDOR ADVISORIES (${a.vendorAdvisories.length})`, ...a.vendorAdvisories.map(formatLink));
  if (a.references.length) out.push('', `REFERENCES (${a.references.length})`, ...a.references.map(formatLink));
  if (a.revisions.length) out.push('', 'REVISIONS', ...a.revisions.map((r) => `  ${r.date}  ${r.description}`));
  if (a.history.length) out.push('', 'HISTORY', ...a.history.map((h) => `  ${h.at}  ${h.source.padEnd(9)} ${h.field}: ${h.old ?? '∅'} → ${h.new ?? '∅'}`));
  return out.join('\n');
}

function toQuery(o: ListOptions): AdvisoryQuery {
  return {
    ...(o.source !== undefined ? { source: o.source } : {}),
    ...(o.kind !== undefined ? { kind: o.kind } : {}),
    ...(o.cve !== undefined ? { cve: o.cve } : {}),
    ...(o.vendor !== undefined ? { vendor: o.vendor } : {}),
    ...(o.since !== undefined ? { since: o.since } : {}),
    limit: o.limit ?? 20,
  };
}

export function registerAdvisories(program: Command): void {
  const advisories = program
    .command('advisories')
    .description('stored advisories: package advisories (OSV, GHSA), CERT bulletins and alerts, vendor CSAF and VEX documents, public exploits');

  advisories
    .command('list')
    .description('advisories with filters, newest first')
    .option('--source <S>', 'Vigil source id (osv, ghsa, certfr, certeu, csaf, exploitdb, circl)')
    .option('--kind <K>', `one of ${ADVISORY_KINDS.join(', ')}`, kind)
    .option('--cve <ID>', 'only advisories naming this CVE', cve)
    .option('--vendor <V>', "vendor name (case-insensitive; affected entries' vendor or product, or the title)")
    .option('--since <DATE>', 'published on or after DATE', date)
    .option('--limit <N>', 'rows to show (default 20, at most 500)', numberIn(1, 500))
    .option('--json', 'print JSON')
    .action(async (opts: ListOptions, cmd: Command) => {
      await withContext(cmd, async ({ store }) => {
        const rows = await store.listAdvisories(toQuery(opts));
        console.log(opts.json ? JSON.stringify(rows, null, 2) : advisoryTable(rows));
      });
    });

  advisories
    .command('show')
    .description('one advisory: every field, its CVEs (listed or found in its text), affected products, references, revisions and history')
    .argument('<id>', 'e.g. GHSA-36p3-wjmg-h94x, CERTFR-2024-AVI-0321, EDB-40839')
    .option('--json', 'print JSON (as GET /api/v1/advisories/{id})')
    .action(async (id: string, opts: { json?: boolean }, cmd: Command) => {
      await withContext(cmd, async ({ store }) => {
        const stored = await store.getAdvisory(id.trim());
        if (!stored) throw new VigilError('VIGIL_NOT_FOUND', [`advisory ${id.trim()}`]);
        const view = advisoryView(stored);
        console.log(opts.json ? JSON.stringify(view, null, 2) : formatAdvisory(view));
      });
    });
}
