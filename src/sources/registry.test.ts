/**
 * The registry is the one place a source is named: these tests hold it to that (every field the
 * daemon, the import help, the corpus import and the merge read is there and well formed), and
 * check that a record source the merge does not know is merged last instead of dropped.
 */
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Cron } from 'croner';
import { describe, expect, it } from 'vitest';
import { mergeVulnerability } from '../analysis/merge.ts';
import { loadConfig } from '../config.ts';
import type { VulnObservation } from '../model/vulnerability.ts';
import { corpusDir, hasCorpus } from '../testing/corpus.ts';
import { corpusPlan, findSource, importHelpText, registry } from './registry.ts';

describe('source registry', () => {
  it('names each source once, with a valid default schedule and import help', () => {
    const ids = registry.map((r) => r.source.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const r of registry) {
      expect(() => new Cron(r.schedule, { paused: true }), r.source.id).not.toThrow();
      expect(r.importHelp.length, r.source.id).toBeGreaterThan(10);
      expect(importHelpText()).toContain(`${r.source.id} — `);
      expect(findSource(r.source.id)).toBe(r);
    }
  });

  it('gives record sources distinct merge precedences (cve5 before nvd)', () => {
    const ranked = registry.filter((r) => r.mergePrecedence !== undefined);
    expect(ranked.map((r) => r.source.id).sort()).toEqual(['cve5', 'nvd']);
    expect(new Set(ranked.map((r) => r.mergePrecedence)).size).toBe(ranked.length);
    expect(findSource('cve5').mergePrecedence).toBeLessThan(findSource('nvd').mergePrecedence as number);
  });

  it('enables sources by their registry default, and a config can turn one on', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'vigil-registry-'));
    const file = path.join(dir, 'vigil.config.yaml');
    writeFileSync(file, 'sources:\n  kev:\n    schedule: "0 3 * * *"\n');
    const config = loadConfig(file, {});
    for (const r of registry) expect(config.sources[r.source.id]?.enabled, r.source.id).toBe(r.enabledByDefault ?? true);
    expect(config.sources.ghsa?.enabled).toBe(false);
    writeFileSync(file, 'sources:\n  ghsa:\n    enabled: true\n');
    expect(loadConfig(file, {}).sources.ghsa?.enabled).toBe(true);
  });

  it.skipIf(!hasCorpus())('plans corpus files that exist, in registry order', () => {
    const plan = corpusPlan(corpusDir);
    const order = registry.map((r) => r.source.id);
    const steps = plan.map((s) => order.indexOf(s.source));
    expect(steps).toEqual([...steps].sort((a, b) => a - b));
    for (const step of plan) for (const p of step.paths) expect(existsSync(p), p).toBe(true);
    expect(new Set(plan.map((s) => s.source))).toEqual(new Set(['cve5', 'nvd', 'kev', 'epss', 'osv', 'exploitdb', 'certfr', 'certeu', 'csaf']));
  });
});

describe('merge precedence from the registry', () => {
  const base = (source: string, title: string, lastModified: string): VulnObservation => ({
    cveId: 'CVE-2024-0001', source, state: 'PUBLISHED', title, description: `${source} words`, lastModified,
    cvss: [], cwes: [], cpeMatches: [], affected: [], references: [],
  });

  it('takes the lower precedence source first, whatever the arrival order', () => {
    const a = mergeVulnerability([base('nvd', 'from nvd', '2024-02-01T00:00:00.000Z'), base('cve5', 'from cve5', '2024-01-01T00:00:00.000Z')]);
    const b = mergeVulnerability([base('cve5', 'from cve5', '2024-01-01T00:00:00.000Z'), base('nvd', 'from nvd', '2024-02-01T00:00:00.000Z')]);
    expect(a.vulnerability.description).toBe('cve5 words');
    expect(b.vulnerability).toEqual(a.vulnerability);
  });

  it('merges a record source without a precedence last instead of dropping it', () => {
    const only = mergeVulnerability([base('newfeed', 'new feed title', '2024-01-01T00:00:00.000Z')]);
    expect(only.vulnerability.description).toBe('newfeed words');
    const both = mergeVulnerability([base('newfeed', 'x', '2024-03-01T00:00:00.000Z'), base('nvd', 'y', '2024-01-01T00:00:00.000Z')]);
    expect(both.vulnerability.description).toBe('nvd words');
  });
});
