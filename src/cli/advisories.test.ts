/**
 * `vigil advisories list|show` and the advisory sections of `vigil show`, run as a user runs them
 * (a child process) on a copy of the test API's store (the corpus subset with the advisory sample
 * folders); `show --json` must print what the API answers. The OSV range wording is table-tested.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AdvisoryRange } from '../model/advisory.ts';
import type { VulnerabilityView } from '../model/record.ts';
import { startTestApi, type TestApi } from '../testing/api.ts';
import { runCli } from '../testing/cli.ts';
import { hasCorpus } from '../testing/corpus.ts';
import { formatRange } from './advisories.ts';

describe('formatRange', () => {
  it.each([
    ['from 0 to a fix', [{ introduced: '0' }, { fixed: '5.2.20.RELEASE' }], '< 5.2.20.RELEASE'],
    ['from a version to a fix', [{ introduced: '5.3.0' }, { fixed: '5.3.18' }], '>= 5.3.0, < 5.3.18'],
    ['never fixed', [{ introduced: '0' }], 'all versions'],
    ['introduced, never fixed', [{ introduced: '1.4.0' }], '>= 1.4.0'],
    ['last affected', [{ introduced: '2.0' }, { last_affected: '2.3.1' }], '>= 2.0, <= 2.3.1'],
    ['two spans', [{ introduced: '0' }, { fixed: '1.0.1' }, { introduced: '2.0.0' }, { fixed: '2.0.4' }], '< 1.0.1; >= 2.0.0, < 2.0.4'],
    ['a limit', [{ introduced: '0' }, { limit: 'v3' }], '< v3'],
  ] as const)('%s', (_name, events, text) => {
    expect(formatRange({ type: 'ECOSYSTEM', events: [...events] })).toBe(text);
  });

  it('names the repository of a GIT range', () => {
    const r: AdvisoryRange = { type: 'GIT', repo: 'https://github.com/madler/zlib', events: [{ introduced: '0' }, { fixed: '04f42ce' }] };
    expect(formatRange(r)).toBe('git https://github.com/madler/zlib: < 04f42ce');
  });
});

describe.skipIf(!hasCorpus())('vigil advisories', () => {
  let api: TestApi;
  let token: string;
  const vigil = (...args: string[]) => runCli(['--db', api.file, ...args]);

  beforeAll(async () => {
    api = await startTestApi();
    token = await api.login('vic');
  }, 300_000);
  afterAll(async () => api?.close());

  it('list: a table with id, source, kind, published, severity, CVE count and title; filters', async () => {
    const r = await vigil('advisories', 'list', '--cve', 'cve-2021-44228', '--kind', 'package');
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]?.split(/\s{2,}/)).toEqual(['ID', 'SOURCE', 'KIND', 'PUBLISHED', 'SEVERITY', 'CVES', 'TITLE']);
    expect(lines.slice(2).map((l) => l.split(/\s{2,}/))).toEqual([
      ['GHSA-jfh8-c2jp-5v3q', 'osv', 'package', '2021-12-10', 'CRITICAL', '1', 'Remote code injection in Log4j'],
    ]);
  });

  it('list --json: the store list, newest first; an unknown kind is refused', async () => {
    const r = await vigil('advisories', 'list', '--source', 'exploitdb', '--since', '2023-01-01', '--limit', '7', '--json');
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(await api.store.listAdvisories({ source: 'exploitdb', since: '2023-01-01', limit: 7 }));
    expect(JSON.parse(r.stdout)).toHaveLength(7);
    const bad = await vigil('advisories', 'list', '--kind', 'blog');
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/--kind.*expected one of package, bulletin, alert, vendor, vex, exploit/);
  });

  it('show: every part of a package advisory, ranges in words; --json is the API answer', async () => {
    const text = await vigil('advisories', 'show', 'GHSA-36p3-wjmg-h94x');
    expect(text.status, text.stderr).toBe(0);
    const out = text.stdout;
    expect(out.split('\n').slice(0, 2)).toEqual(['GHSA-36p3-wjmg-h94x  package from osv', 'Remote Code Execution in Spring Framework']);
    expect(out).toContain('SEVERITY CRITICAL  CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H (9.8)');
    expect(out).toContain('CVES (1)\n  listed: CVE-2022-22965\n');
    expect(out).toContain('AFFECTED (10)\n');
    expect(out).toContain('  affected            Maven:org.springframework:spring-webmvc: >= 5.3.0, < 5.3.18\n');
    expect(out).toContain('  affected            Maven:org.springframework:spring-webmvc: < 5.2.20.RELEASE\n');
    expect(out).toMatch(/REFERENCES \(16\)\n {2}https:\/\/nvd\.nist\.gov\/vuln\/detail\/CVE-2022-22965 \[ADVISORY\]/);
    expect(out).toMatch(/HISTORY\n {2}2022-06-01T22:15:49\.000Z {2}osv {7}created: ∅ → Remote Code Execution in Spring Framework\n$/);

    const json = await vigil('advisories', 'show', 'GHSA-36p3-wjmg-h94x', '--json');
    const served = await api.app.inject({ url: '/api/v1/advisories/GHSA-36p3-wjmg-h94x', headers: { authorization: `Bearer ${token}` } });
    expect(JSON.parse(json.stdout)).toEqual(served.json());
  });

  it('show: a CERT-FR bulletin with its risks, vendor advisories and revisions', async () => {
    const r = await vigil('advisories', 'show', 'CERTFR-2026-AVI-0191');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('AFFECTED (2)\n  affected            Traefik Traefik: Traefik versions v2.x antérieures à v2.11.37\n');
    expect(r.stdout).toContain('RISKS\n  Contournement de la politique de sécurité\n');
    expect(r.stdout).toContain(
      'VENDOR ADVISORIES (1)\n  https://github.com/traefik/traefik/security/advisories/GHSA-gv8r-9rw9-9697 [Bulletin de sécurité Traefik GHSA-gv8r-9rw9-9697, 2026-02-20]\n',
    );
    expect(r.stdout).toContain('REVISIONS\n  2026-02-20T00:00:00.000Z  Version initiale\n');
  });

  it('show: an unknown id exits 1 and says so', async () => {
    const r = await vigil('advisories', 'show', 'GHSA-0000-0000-0000');
    expect([r.status, r.stdout, r.stderr.trim()]).toEqual([1, '', 'vigil: advisory GHSA-0000-0000-0000 not found']);
  });

  it('vigil show CVE: a CONFLICTS section, one sentence per conflict', async () => {
    await api.store.saveAdvisories([
      {
        id: 'GHSA-h6h6-test-0002',
        source: 'ghsa',
        kind: 'package',
        title: 'A moderate-rated advisory of our own for PAN-OS',
        modified: '2026-12-01T00:00:00.000Z',
        published: '2026-12-01T00:00:00.000Z',
        severity: 'MODERATE',
        aliases: [],
        cves: [{ id: 'CVE-2024-3400', origin: 'listed' }],
        affected: [],
        references: [],
      },
    ]);
    const r = await vigil('show', 'CVE-2024-3400');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(
      /\nADVISORIES \(\d+\)\n(.*\n)* {2}GHSA-h6h6-test-0002 +ghsa +package +2026-12-01 +A moderate-rated advisory of our own for PAN-OS\n/,
    );
    expect(r.stdout).toContain(
      '\nCONFLICTS (1)\n  severity GitHub advisory GHSA-h6h6-test-0002 rates it MODERATE (medium), lower than the primary CVSS 3.1 score 10.0 by palo_alto (CRITICAL).\n',
    );
  });

  it('vigil show CVE: advisories and exploits sections; --json has advisories, exploits and conflicts as the API does', async () => {
    const spring = await vigil('show', 'CVE-2022-22965');
    expect(spring.status, spring.stderr).toBe(0);
    expect(spring.stdout).toMatch(
      /ADVISORIES \(1\)\n {2}ID {19}SOURCE {2}KIND {5}PUBLISHED {3}TITLE\n.*\n {2}GHSA-36p3-wjmg-h94x {2}osv {5}package {2}2022-03-31 {2}Remote Code Execution in Spring Framework\n/,
    );
    expect(spring.stdout).toContain('\nEXPLOITS (0)\n');

    // A CVE an Exploit-DB exploit names (known from EPSS only in this store).
    const exploit = (await api.store.listAdvisories({ kind: 'exploit', limit: 500 })).find((a) => a.cves.length === 1);
    const cveId = exploit?.cves[0] as string;
    const json = await vigil('show', cveId, '--json');
    expect(json.status, json.stderr).toBe(0);
    const v = JSON.parse(json.stdout) as VulnerabilityView;
    const served = (await api.app.inject({ url: `/api/v1/cves/${cveId}`, headers: { authorization: `Bearer ${token}` } })).json() as VulnerabilityView;
    expect({ advisories: v.advisories, exploits: v.exploits, conflicts: v.conflicts }).toEqual({
      advisories: served.advisories,
      exploits: served.exploits,
      conflicts: served.conflicts,
    });
    expect(v.exploits?.map((e) => e.id)).toContain(exploit?.id);
  });
});
