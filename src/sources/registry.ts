/**
 * Every source Vigil knows, with everything the rest of Vigil needs to know about it: its config
 * schema, secrets, default schedule, import formats and help, corpus files and (record sources)
 * merge precedence. Adding a source is its folder plus one line here; the CLI help, the daemon,
 * the corpus import and the merge read this list, so nothing else names a source.
 * Order is the order `vigil sync` and the corpus import run them in: record sources first, then
 * the catalogs that annotate them (KEV, EPSS), then advisories (which join to stored CVEs).
 * Modelled on Renovate's datasource registry (lib/modules/datasource/api.ts).
 */
import path from 'node:path';
import type { z } from 'zod';
import { CerteuConfigSchema, certeuSource } from './certeu/index.ts';
import { CertfrConfigSchema, certfrSource } from './certfr/index.ts';
import { CirclConfigSchema, circlSource } from './circl/index.ts';
import { CsafConfigSchema, csafSource } from './csaf/index.ts';
import { Cve5ConfigSchema, cve5Source } from './cve5/index.ts';
import { EpssConfigSchema, epssSource } from './epss/index.ts';
import { ExploitdbConfigSchema, exploitdbSource } from './exploitdb/index.ts';
import { GhsaConfigSchema, ghsaSource } from './ghsa/index.ts';
import { KevConfigSchema, kevSource } from './kev/index.ts';
import { NvdConfigSchema, nvdSource } from './nvd/index.ts';
import { OsvConfigSchema, osvSource } from './osv/index.ts';
import type { ImportOptions, Source } from './types.ts';
import type { VigilConfig } from '../config.ts';
import { VigilError } from '../errors.ts';

/** One corpus import step: files of the corpus folder a source imports (`vigil serve`'s first start, `vigil demo`). */
export interface CorpusFiles {
  /** Paths relative to the corpus folder (files or folders). */
  paths: string[];
  options?: ImportOptions;
}

/** A source and what the rest of Vigil needs to know about it. */
export interface RegisteredSource<C = unknown> {
  source: Source<C>;
  configSchema: z.ZodType<C>;
  /** Secrets read from the environment (never from the config file), e.g. `NVD_API_KEY`. */
  secretsFromEnv?: (env: NodeJS.ProcessEnv) => Record<string, unknown>;
  /** Default cron schedule of live syncs (UTC, 5 fields), chosen from the upstream's publishing rhythm and rules. */
  schedule: string;
  /** Whether the source is enabled when the config does not say (default true). */
  enabledByDefault?: boolean;
  /** `vigil import <id>` help: the formats it reads, one sentence. */
  importHelp: string;
  /**
   * Record sources only (those yielding `vulns` events): merge precedence, lower first. Where two
   * feeds state the same field, the lower one's value is taken (analysis/merge.ts).
   */
  mergePrecedence?: number;
  /** The corpus files this source imports, in order (none: it has no corpus data). */
  corpus?: CorpusFiles[];
}

function entry<C>(e: RegisteredSource<C>): RegisteredSource {
  return e as unknown as RegisteredSource;
}

const token = (name: string, key = 'token') => (env: NodeJS.ProcessEnv) => (env[name] ? { [key]: env[name] } : {});

export const registry: RegisteredSource[] = [
  // cvelistV5 publishes hourly deltas.
  entry({ source: cve5Source, configSchema: Cve5ConfigSchema, schedule: '10 * * * *', mergePrecedence: 0,
    importHelp: 'a CVE 5 record, a cvelistV5 folder tree, JSON Lines, release zips (daily full, hourly delta)',
    corpus: [{ paths: ['cve5/records', 'cve5/vulnrichment-2024-cve5.jsonl.gz'] }] }),
  // NVD asks API users to sync no more than once every two hours.
  entry({ source: nvdSource, configSchema: NvdConfigSchema, secretsFromEnv: token('NVD_API_KEY', 'apiKey'), schedule: '15 */2 * * *', mergePrecedence: 1,
    importHelp: 'API 2.0 pages or records, legacy JSON 1.1 yearly feeds (nvdcve-1.1-YYYY.json.gz)',
    corpus: [{ paths: ['nvd/nvdcve-1.1-2018.json.gz', 'nvd/nvdcve-1.1-2025.json.gz', 'nvd/nvdcve-1.1-recent.json.gz', 'nvd/api2'] }] }),
  // KEV changes a few times a week.
  entry({ source: kevSource, configSchema: KevConfigSchema, schedule: '20 * * * *',
    importHelp: 'the CISA KEV JSON catalog or CSV feed',
    corpus: [{ paths: ['cisa-kev/known_exploited_vulnerabilities-2025.08.18.json', 'cisa-kev/known_exploited_vulnerabilities.json'] }] }),
  // EPSS publishes once a day.
  entry({ source: epssSource, configSchema: EpssConfigSchema, schedule: '30 */6 * * *',
    importHelp: 'epss_scores-YYYY-MM-DD.csv.gz, EPSS API JSON, semicolon files (date from the name or --date)',
    corpus: [{ paths: ['epss/emba-epss-2026-06-14.ssv.gz', 'epss/emba-epss-2026-08-09.ssv.gz', 'epss/emba-epss-2026-08-16.ssv.gz'] }] }),
  // osv.dev exports are rebuilt continuously; modified_id.csv makes an hourly poll cheap.
  entry({ source: osvSource, configSchema: OsvConfigSchema, schedule: '40 * * * *',
    importHelp: 'OSV JSON files, folders (e.g. the GHSA repository tree), JSON Lines, osv.dev all.zip',
    corpus: [{ paths: ['osv/go-vulndb-osv-all.jsonl.gz', 'ghsa/advisories'] }] }),
  // GitHub REST: 60 requests/hour without a token, 5,000 with one; off unless configured.
  entry({ source: ghsaSource, configSchema: GhsaConfigSchema, secretsFromEnv: token('GITHUB_TOKEN'), schedule: '45 * * * *', enabledByDefault: false,
    importHelp: 'GitHub advisory JSON as the REST API answers it (the GHSA repository files are OSV: import them with osv)' }),
  // Exploit-DB's repository changes a few times a day; the CSV is fetched with a conditional GET.
  entry({ source: exploitdbSource, configSchema: ExploitdbConfigSchema, schedule: '50 */6 * * *',
    importHelp: 'files_exploits.csv of the Exploit-DB repository',
    corpus: [{ paths: ['exploitdb/files_exploits-sample.csv'] }] }),
  // ANSSI publishes bulletins on working days.
  entry({ source: certfrSource, configSchema: CertfrConfigSchema, schedule: '5 * * * *',
    importHelp: 'per-bulletin JSON (…/avis/<REF>/json/), folders of them, JSON Lines (gzip detected)',
    corpus: [{ paths: ['cert-fr/certfr-avis-all-2000-2026.DERIVED.jsonl.gz'] }] }),
  entry({ source: certeuSource, configSchema: CerteuConfigSchema, schedule: '25 */3 * * *',
    importHelp: 'CERT-EU security advisory JSON (…/security-advisories/<YYYY-NNN>/json), folders, JSON Lines',
    corpus: [{ paths: ['cert-eu/certeu-security-advisories-2017-2026.DERIVED.jsonl.gz'] }] }),
  // CSAF providers are polled through their ROLIE feeds (CSAF 2.0 §7.1.20).
  entry({ source: csafSource, configSchema: CsafConfigSchema, schedule: '35 */3 * * *',
    importHelp: 'CSAF 2.0 JSON documents and folders of them, ROLIE feed JSON',
    corpus: [{ paths: ['csaf/cisagov/csaf_files', 'csaf/redhat'] }] }),
  // An alternative upstream and a look-up service: off unless configured.
  entry({ source: circlSource, configSchema: CirclConfigSchema, schedule: '55 */2 * * *', enabledByDefault: false,
    importHelp: 'CIRCL vulnerability-lookup API JSON responses (one CVE, last, search)' }),
];

/**
 * Finds a registered source by id.
 * @throws {VigilError} VIGIL_UNKNOWN_SOURCE
 */
export function findSource(id: string): RegisteredSource {
  const found = registry.find((r) => r.source.id === id);
  if (!found) throw new VigilError('VIGIL_UNKNOWN_SOURCE', [id, registry.map((r) => r.source.id).join(', ')]);
  return found;
}

/** Ids of the sources `config` enables, in registry order (the order a full sync runs them). */
export function enabledSources(config: Pick<VigilConfig, 'sources'>): string[] {
  return registry.map((r) => r.source.id).filter((id) => config.sources[id]?.enabled);
}

/** The corpus import plan: each source's corpus files under `dataDir`, in registry order. */
export function corpusPlan(dataDir: string): { source: string; paths: string[]; options?: ImportOptions }[] {
  return registry.flatMap((r) =>
    (r.corpus ?? []).map((c) => ({ source: r.source.id, paths: c.paths.map((p) => path.join(dataDir, ...p.split('/'))), ...(c.options ? { options: c.options } : {}) })),
  );
}

/** The `vigil import` help text: one line per source with its formats. */
export function importHelpText(): string {
  return registry.map((r) => `${r.source.id} — ${r.importHelp}`).join('\n');
}
