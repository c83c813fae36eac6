/** The ranked table of `vigil top` / `vigil search`: priorities as the dashboard prints them, titles cut between words. */
import { describe, expect, it } from 'vitest';
import type { RankedVulnerability } from '../model/record.ts';
import { rankedTable } from './format.ts';

function row(over: Partial<RankedVulnerability>): RankedVulnerability {
  return {
    id: 'CVE-2024-0012',
    state: 'PUBLISHED',
    published: '2024-11-18T16:15:00.000Z',
    severity: 'CRITICAL',
    cvssScore: 9.8,
    cvssVersion: '3.1',
    epss: 0.94,
    percentile: 0.99,
    kev: true,
    ransomware: false,
    priority: 99.99,
    // NVD's description of CVE-2024-0012 (no CVE 5 record in the corpus), as analysis/title.ts derives it.
    title: 'An authentication bypass in Palo Alto Networks PAN-OS software enables an unauthenticated attacker with network access…',
    snippet: '…to the management web interface to gain PAN-OS administrator privileges to perform administrative actions, tamper with the configuration, or exploit other authenticated privilege escalation…',
    vendors: ['Palo Alto Networks'],
    exploits: 0,
    ...over,
  };
}

describe('rankedTable', () => {
  it('prints 99.99 below a true 100 (one decimal, rounded down, as the dashboard)', () => {
    const lines = rankedTable([row({ id: 'CVE-2024-0001', priority: 100 }), row({ priority: 99.99 })]).split('\n');
    expect(lines[2]).toMatch(/CVE-2024-0001\s+100\.0\s/);
    expect(lines[3]).toMatch(/CVE-2024-0012\s+99\.9\s/);
  });

  it('cuts the TITLE column between words', () => {
    const lines = rankedTable([row({})]).split('\n');
    const title = (lines[2] as string).slice((lines[0] as string).indexOf('TITLE'));
    expect(title).toBe('An authentication bypass in Palo Alto Networks PAN-OS…');
  });

  it('adds each row’s snippet under it for search results, and only then', () => {
    expect(rankedTable([row({})]).split('\n')).toHaveLength(3);
    const lines = rankedTable([row({}), row({ id: 'CVE-2024-0002', snippet: null })], { snippets: true }).split('\n');
    expect(lines).toHaveLength(5);
    expect(lines[3]).toBe('    …to the management web interface to gain PAN-OS administrator privileges to perform administrative actions…');
    expect(lines[4]).toContain('CVE-2024-0002');
  });
});
