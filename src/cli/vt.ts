/** `vigil vt lookup <value> [--type T] [--json] [--refresh]`: a VirusTotal v3 look-up, cached in the store. */
import { isIP } from 'node:net';
import type { Command } from 'commander';
import { VigilError } from '../errors.ts';
import { isVtType, VirusTotalClient, VT_TYPES, type VtSummary, type VtType } from '../virustotal/client.ts';
import { withContext } from './context.ts';

/**
 * The indicator type of a value typed by a person: hash by length, URL by scheme, IP, else domain.
 * @example guessVtType('8.8.8.8') // 'ipv4'
 */
export function guessVtType(value: string): VtType {
  if (/^[0-9a-f]{32}$/i.test(value)) return 'md5';
  if (/^[0-9a-f]{40}$/i.test(value)) return 'sha1';
  if (/^[0-9a-f]{64}$/i.test(value)) return 'sha256';
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) return 'url';
  const ip = isIP(value);
  if (ip === 4) return 'ipv4';
  if (ip === 6) return 'ipv6';
  return 'domain';
}

/** The normalised value (lowercase hashes and domains; URLs as typed). */
function normalise(type: VtType, value: string): string {
  return type === 'url' ? value : value.toLowerCase();
}

/** Lines for people. */
function formatSummary(s: VtSummary): string {
  const head = `${s.type} ${s.value}  (${s.cached ? 'cached' : 'fetched'} ${s.fetched})`;
  if (!s.found) return `${head}\nnot known to VirusTotal\n${s.link}`;
  const lines = [head];
  if (s.stats)
    lines.push(`detections: ${s.stats.malicious} malicious, ${s.stats.suspicious} suspicious, ${s.stats.harmless} harmless, ${s.stats.undetected} undetected`);
  if (s.reputation !== null) lines.push(`reputation: ${s.reputation}`);
  if (s.lastAnalysisDate) lines.push(`last analysis: ${s.lastAnalysisDate}`);
  if (s.categories.length) lines.push(`categories: ${s.categories.join('; ')}`);
  if (s.tags.length) lines.push(`tags: ${s.tags.join(', ')}`);
  lines.push(s.link);
  return lines.join('\n');
}

/** Registers `vigil vt`. */
export function registerVirusTotal(program: Command): void {
  const vt = program.command('vt').description('VirusTotal API v3 look-ups (virustotal.apiKey; 4/min and 500/day on a public key)');
  vt.command('lookup')
    .description('look a hash, URL, domain or IP address up on VirusTotal (cached for virustotal.cacheTtlSeconds)')
    .argument('<value>', 'MD5/SHA-1/SHA-256, URL, domain or IP address')
    .option('--type <type>', `one of ${VT_TYPES.join(', ')} (default: guessed from the value)`)
    .option('--json', 'print JSON')
    .option('--refresh', 'ask VirusTotal even when a cached answer is still fresh')
    .action(async (raw: string, opts: { type?: string; json?: boolean; refresh?: boolean }, cmd: Command) => {
      const value = raw.trim();
      if (opts.type !== undefined && !isVtType(opts.type))
        throw new VigilError('VIGIL_BAD_REQUEST', [`--type ${opts.type}: VirusTotal looks up ${VT_TYPES.join(', ')}`]);
      const type = opts.type ?? guessVtType(value);
      await withContext(cmd, async ({ config, stores }) => {
        const client = new VirusTotalClient({ config: config.virustotal, iocs: stores.iocs });
        const summary = await client.lookup(type, normalise(type, value), { refresh: opts.refresh ?? false });
        console.log(opts.json ? JSON.stringify(summary, null, 2) : formatSummary(summary));
      });
    });
}
