/**
 * `vigil show <CVE-ID>`: the merged record with its sources, EPSS, KEV, SSVC, priority and history,
 * the advisories and public exploits naming it, and where they disagree with it.
 */
import type { Command } from 'commander';
import { formatPriority } from '../analysis/priority-format.ts';
import { loadCveView } from '../analysis/view.ts';
import { VigilError } from '../errors.ts';
import type { VulnerabilityView } from '../model/record.ts';
import { withContext } from './context.ts';
import { advisoryRows, exploitRows, table } from './format.ts';

const CVE_ID = /^CVE-\d{4}-\d{4,}$/;

/** Renders a view for people. */
export function formatView(v: VulnerabilityView): string {
  const out: string[] = [];
  out.push(`${v.id}  ${v.state}${v.vulnStatus ? ` (NVD: ${v.vulnStatus})` : ''}`);
  if (v.title) out.push(v.title);
  out.push(`published ${v.published ?? '?'}  last modified ${v.lastModified}  assigner ${v.assigner ?? '?'}`);
  out.push('', v.description ?? '(no description)', '');
  out.push(`PRIORITY ${formatPriority(v.priority.score)}/100`);
  for (const f of v.priority.factors) out.push(`  ${f.name.padEnd(10)} +${f.contribution.toFixed(2).padStart(6)}  ${f.explanation}`);
  out.push('', `SEVERITY ${v.severity ?? 'unknown'}${v.primaryCvss ? ` (CVSS ${v.primaryCvss.version} ${v.primaryCvss.baseScore} by ${v.primaryCvss.scorer})` : ''}`);
  if (v.cvss.length) {
    out.push(
      table(
        ['VERSION', 'SCORE', 'SEVERITY', 'SCORER', 'FEED', 'VECTOR'],
        v.cvss.map((m) => [m.version, m.baseScore.toFixed(1), m.baseSeverity, m.scorer, m.source, m.vector]),
      ),
    );
  }
  out.push('', `KEV: ${v.kev ? `added ${v.kev.dateAdded}, due ${v.kev.dueDate || '?'}, ransomware ${v.kev.knownRansomwareCampaignUse}${v.kev.requiredAction ? `\n  action: ${v.kev.requiredAction}` : ''}` : 'no'}`);
  out.push(
    `EPSS: ${v.epss ? `${(v.epss.score * 100).toFixed(2)}% (percentile ${(v.epss.percentile * 100).toFixed(1)}) on ${v.epss.date}; history ${v.epss.history.map((h) => `${h.date} ${(h.score * 100).toFixed(2)}%`).join(', ')}` : 'none'}`,
  );
  out.push(`SSVC: ${v.ssvc ? `${v.ssvc.decision} (Exploitation ${v.ssvc.exploitation}, Automatable ${v.ssvc.automatable}, Technical Impact ${v.ssvc.technicalImpact}, Mission & Well-being ${v.ssvc.missionWellbeing})` : 'no CISA ADP inputs'}`);
  if (v.cwes.length) out.push(`CWE: ${v.cwes.map((c) => `${c.id}${c.name ? ` ${c.name}` : ''}`).join('; ')}`);
  if (v.products.length) out.push(`PRODUCTS: ${v.products.map((p) => `${p.vendor} ${p.product}`).join('; ')}`);
  if (v.unaffectedProducts?.length) out.push(`NOT AFFECTED: ${v.unaffectedProducts.map((p) => `${p.vendor} ${p.product}`).join('; ')}`);
  const ranges = v.cpes.filter((c) => c.vulnerable).slice(0, 10);
  for (const c of ranges) {
    const r = [
      c.versionStartIncluding && `>= ${c.versionStartIncluding}`,
      c.versionStartExcluding && `> ${c.versionStartExcluding}`,
      c.versionEndIncluding && `<= ${c.versionEndIncluding}`,
      c.versionEndExcluding && `< ${c.versionEndExcluding}`,
    ].filter(Boolean);
    out.push(`  CPE ${c.vendor}:${c.product}:${c.version}${r.length ? ` (${r.join(', ')})` : ''}`);
  }
  out.push(
    v.recordImported === false
      ? `SOURCES: no CVE record (CVE 5 or NVD) imported yet; known from ${[v.kev && 'CISA KEV', v.epss && 'FIRST EPSS', v.advisories?.length && 'advisories', v.exploits?.length && 'exploits'].filter(Boolean).join(' and ')}`
      : `SOURCES: ${v.sources.map((s) => `${s.source} (${s.lastModified}${s.vulnStatus ? `, ${s.vulnStatus}` : ''})`).join(', ')}`,
  );
  out.push(`PROVENANCE: ${Object.entries(v.provenance).map(([k, s]) => `${k}←${s}`).join(' ')}`);
  if (v.references.length) out.push(`REFERENCES (${v.references.length}):`, ...v.references.slice(0, 10).map((r) => `  ${r.url}${r.tags.length ? ` [${r.tags.join(', ')}]` : ''}`));
  if (v.advisories) {
    out.push('', `ADVISORIES (${v.advisories.length})`);
    if (v.advisories.length) out.push(indent(table(['ID', 'SOURCE', 'KIND', 'PUBLISHED', 'TITLE'], advisoryRows(v.advisories))));
  }
  if (v.exploits) {
    out.push('', `EXPLOITS (${v.exploits.length})`);
    if (v.exploits.length) out.push(indent(table(['ID', 'VERIFIED', 'TYPE', 'PLATFORM', 'PUBLISHED', 'URL'], exploitRows(v.exploits))));
  }
  if (v.conflicts?.length) {
    out.push('', `CONFLICTS (${v.conflicts.length})`);
    for (const c of v.conflicts) out.push(`  ${c.kind.padEnd(8)} ${c.detail}`);
  }
  if (v.history.length) {
    out.push('', 'HISTORY');
    for (const h of v.history.slice(-20)) out.push(`  ${h.at}  ${h.source.padEnd(5)} ${h.field}: ${h.old ?? '∅'} → ${h.new ?? '∅'}`);
  }
  return out.join('\n');
}

/** Indents every line of a block by two spaces. */
function indent(text: string): string {
  return text
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n');
}

export function registerShow(program: Command): void {
  program
    .command('show')
    .description('the merged record of one CVE: sources, CVSS, EPSS history, KEV, SSVC, priority explanation, change history, advisories, exploits and conflicts')
    .argument('<cve-id>', 'e.g. CVE-2024-3400')
    .option('--json', 'print JSON')
    .action(async (id: string, opts: { json?: boolean }, cmd: Command) => {
      const cveId = id.trim().toUpperCase();
      if (!CVE_ID.test(cveId)) throw new VigilError('VIGIL_INVALID_CVE_ID', [id]);
      await withContext(cmd, async ({ store, config }) => {
        const view = await loadCveView(store, cveId, config.ssvc);
        if (!view) throw new VigilError('VIGIL_NOT_FOUND', [cveId]);
        console.log(opts.json ? JSON.stringify(view, null, 2) : formatView(view));
      });
    });
}
