/**
 * `vigil users`, `vigil watch`, `vigil alerts` and start-up checks of `vigil run`, as a user
 * types them, on a store holding the real CVE 5 records. Bad input gets a clear error naming what
 * is wrong, and changes nothing. On the back end under test.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { otherSourcesOff } from '../testing/sources.ts';
import { runCli } from '../testing/cli.ts';
import { corpusPath, hasCorpus } from '../testing/corpus.ts';
import { testDatabase } from '../testing/store.ts';

describe.skipIf(!hasCorpus())('vigil users / watch / alerts', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'vigil-watch-'));
  const config = path.join(dir, 'vigil.config.yaml');
  const target = testDatabase();
  const vigil = (...args: string[]) => runCli(['--config', config, ...args]);

  beforeAll(async () => {
    writeFileSync(
      config,
      `database: "${target.database}"
sources:
  cve5: { enabled: false }
  nvd: { enabled: false }
  kev: { enabled: false }
  epss: { enabled: false }
${otherSourcesOff(['cve5', 'nvd', 'kev', 'epss'])}alerts:
  channels:
    mail: { type: email, host: 127.0.0.1, port: 9, from: vigil@example.org }
  onceMaxWaitSeconds: 0
`,
    );
    const imported = await vigil('import', 'cve5', corpusPath('cve5', 'records'));
    expect(imported.status, imported.stderr).toBe(0);
  }, 120_000);
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await target.drop();
  });

  it('adds users and a watchlist, tests it on the stored CVEs, lists and removes entries', async () => {
    expect((await vigil('users', 'add', 'alice', '--email', 'alice@example.org', '--telegram', '123456')).status).toBe(0);
    const bad = await vigil('users', 'add', 'bob', '--email', 'not-an-address');
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/user bob.*not an email address/);
    expect(JSON.parse((await vigil('users', 'list', '--json')).stdout).users).toEqual([{ name: 'alice', email: 'alice@example.org', handles: { telegram: '123456' }, role: null, disabled: null }]);

    const noOwner = await vigil('watch', 'add', 'edge', '--keyword', 'GlobalProtect');
    expect(noOwner.stderr).toMatch(/edge.*--owner/);
    const added = await vigil('watch', 'add', 'edge', '--owner', 'alice', '--product', 'paloaltonetworks:pan-os', '--product-version', '10.2.5', '--min-severity', 'HIGH');
    expect(added.status, added.stderr).toBe(0);
    expect(added.stdout).toMatch(/entry #1/);
    // Adding the same entry again is a no-op (same id).
    expect((await vigil('watch', 'add', 'edge', '--product', 'paloaltonetworks:pan-os', '--product-version', '10.2.5', '--min-severity', 'HIGH')).stdout).toMatch(/entry #1/);
    expect((await vigil('watch', 'add', 'edge', '--keyword', 'GlobalProtect')).stdout).toMatch(/entry #2/);
    expect((await vigil('watch', 'subscribe', 'edge', '--channel', 'mail', '--mode', 'daily', '--quiet-hours', '22:00-07:00', '--timezone', 'Europe/Paris')).status).toBe(0);

    const test = JSON.parse((await vigil('watch', 'test', 'edge', '--json')).stdout) as { results: { cveId: string; entry: number; passes: boolean; reasons: { field: string; version?: string }[] }[] };
    const panos = test.results.filter((r) => r.cveId === 'CVE-2024-3400');
    expect(panos.map((r) => r.entry).sort()).toEqual([1, 2]);
    expect(panos.every((r) => r.passes)).toBe(true);
    expect(panos.find((r) => r.entry === 1)?.reasons.some((x) => x.version?.startsWith('10.2.5 in'))).toBe(true);
    const text = (await vigil('watch', 'test', 'edge', '--entry', '2')).stdout;
    expect(text).toMatch(/CVE-2024-3400/);
    expect(text).toMatch(/GlobalProtect/);

    const list = (await vigil('watch', 'list')).stdout;
    expect(list).toMatch(/edge \(owner: user alice\)/);
    expect(list).toMatch(/entry #1 .*pan-os.*10\.2\.5.*minSeverity=HIGH/);
    expect(list).toMatch(/subscription #1 +→ mail .*daily quiet 22:00-07:00 Europe\/Paris/);
    expect((await vigil('watch', 'remove', 'edge', '--entry', '2')).status).toBe(0);
    expect((await vigil('watch', 'remove', 'edge', '--entry', '2')).stderr).toMatch(/entry #2 in watchlist edge not found/);
    expect(JSON.parse((await vigil('watch', 'list', '--json')).stdout)[0].entries).toHaveLength(1);
  }, 300_000);

  it.each([
    [['--regex', '(a'], /entry.*regex.*\(a/i],
    [['--regex', '(a)\\1'], /entry.*regex/i],
    [['--cpe', 'cpe:2.3:o:paloaltonetworks'], /entry.*cpe/i],
    [['--purl', 'lodash@4.17.20'], /entry.*purl/i],
    [['--cve', 'CVE-24-1'], /entry.*CVE-24-1/],
    [['--product', 'pan-os', '--product-version', '>=10.2 <'], /entry.*version/i],
  ])('refuses the invalid entry %j, naming it, and stores nothing', async (args, message) => {
    const before = (await vigil('watch', 'list', '--json')).stdout;
    const r = await vigil('watch', 'add', 'edge', ...(args as string[]));
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(message as RegExp);
    expect((await vigil('watch', 'list', '--json')).stdout).toBe(before);
  }, 180_000);

  it('watch test shows the advisories a purl entry matches, in its ecosystem\'s version order (Spring4Shell)', async () => {
    expect((await vigil('import', 'osv', corpusPath('ghsa', 'advisories'))).status).toBe(0);
    expect((await vigil('users', 'add', 'sam', '--email', 'sam@example.org')).status).toBe(0);
    expect((await vigil('watch', 'add', 'spring-old', '--owner', 'sam', '--purl', 'pkg:maven/org.springframework/spring-webmvc@5.3.17')).status).toBe(0);
    expect((await vigil('watch', 'add', 'spring-new', '--owner', 'sam', '--purl', 'pkg:maven/org.springframework/spring-webmvc@5.3.18')).status).toBe(0);
    const old = JSON.parse((await vigil('watch', 'test', 'spring-old', '--json')).stdout) as { advisories: { results: { advisoryId: string; reasons: { version?: string }[] }[] } };
    expect(old.advisories.results.map((m) => m.advisoryId)).toEqual(['GHSA-36p3-wjmg-h94x']);
    expect(old.advisories.results[0]?.reasons.some((r) => r.version?.startsWith('5.3.17 in [5.3.0, 5.3.18)'))).toBe(true);
    const text = (await vigil('watch', 'test', 'spring-old')).stdout;
    expect(text).toMatch(/1 advisory match\(es\)/);
    expect(text).toMatch(/GHSA-36p3-wjmg-h94x +osv +package/);
    const fixed = JSON.parse((await vigil('watch', 'test', 'spring-new', '--json')).stdout) as { advisories: { matches: number } };
    expect(fixed.advisories.matches).toBe(0);
  }, 120_000);

  it('refuses a subscription to an unknown channel or time zone', async () => {
    expect((await vigil('watch', 'subscribe', 'edge', '--channel', 'pager')).stderr).toMatch(/unknown channel "pager" \(configured: mail, inbox\)/);
    expect((await vigil('watch', 'subscribe', 'edge', '--channel', 'mail', '--timezone', 'Mars/Olympus')).stderr).toMatch(/unknown time zone "Mars\/Olympus"/);
  });

  it('imports a YAML file idempotently; a bad entry names its place in the file and nothing is stored', async () => {
    const file = path.join(dir, 'watch.yaml');
    writeFileSync(file, 'teams:\n  - { name: secops, members: [alice] }\nwatchlists:\n  - name: team-list\n    owner: { team: secops }\n    entries:\n      - { vendor: Fortinet }\n      - { cve: CVE-2026-99999 }\n    subscriptions:\n      - { channel: mail, events: [new, kev_added] }\n');
    expect((await vigil('watch', 'import', file)).stdout).toMatch(/1 watchlist\(s\), 2 entries, 1 subscription/);
    expect((await vigil('watch', 'import', file)).status).toBe(0);
    const lists = JSON.parse((await vigil('watch', 'list', '--json')).stdout) as { name: string; entries: unknown[]; subscriptions: unknown[] }[];
    expect(lists.find((w) => w.name === 'team-list')).toMatchObject({ entries: [{}, {}], subscriptions: [{}] });

    writeFileSync(file, 'watchlists:\n  - name: broken\n    owner: { user: alice }\n    entries:\n      - { vendor: Fortinet }\n      - { regex: "[unclosed" }\n');
    const r = await vigil('watch', 'import', file);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/watchlists\.broken\.entries\.1/);
    expect(r.stderr).toContain(file);
    expect((await vigil('watch', 'list')).stdout).not.toMatch(/broken/);
    writeFileSync(file, 'watchlists:\n  - name: broken\n    owner: { user: alice }\n    entries:\n      - { vendor: Fortinet, keyword: both }\n');
    expect((await vigil('watch', 'import', file)).stderr).toMatch(/exactly one of/);
  });

  it('holds at most 200 entries per watchlist, through import and add (issue 10 item 15)', async () => {
    const file = path.join(dir, 'huge.yaml');
    const yaml = (n: number) => `users:\n  - { name: hugo }\nwatchlists:\n  - name: huge\n    owner: { user: hugo }\n    entries:\n${Array.from({ length: n }, (_, i) => `      - { cve: CVE-2026-${10000 + i} }\n`).join('')}`;
    writeFileSync(file, yaml(201));
    const over = await vigil('watch', 'import', file);
    expect(over.status).toBe(1);
    expect(over.stderr).toContain(`Invalid watchlist huge (in ${file}): it would hold 201 entries (limit 200): split it into several watchlists`);
    expect((await vigil('watch', 'list')).stdout).not.toMatch(/huge/);
    writeFileSync(file, yaml(200));
    expect((await vigil('watch', 'import', file)).status).toBe(0);
    expect((await vigil('watch', 'add', 'huge', '--cve', 'CVE-2026-10000')).status).toBe(0); // already there: still 200
    const add = await vigil('watch', 'add', 'huge', '--cve', 'CVE-2026-77777');
    expect(add.status).toBe(1);
    expect(add.stderr).toContain('Invalid watchlist huge: it would hold 201 entries (limit 200)');
  });

  it('reports channel problems at start-up: a bad setting stops `vigil run`, an unreachable server is warned about', async () => {
    const bad = path.join(dir, 'bad.yaml');
    writeFileSync(bad, `database: "${target.database}"\nalerts:\n  channels:\n    mail: { type: email, host: 127.0.0.1, from: not-an-address }\n`);
    const r = await runCli(['--config', bad, 'run', '--once']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/alerts\.channels\.mail.*"mail" is misconfigured: from/);
    const unknownKey = path.join(dir, 'bad2.yaml');
    writeFileSync(unknownKey, `alerts:\n  channels:\n    hook: { type: webhook, url: "https://example.org/x", secret: "0123456789abcdef", sign: true }\n`);
    expect((await runCli(['--config', unknownKey, 'status'])).stderr).toMatch(/"hook" is misconfigured: sign: unknown key/);
    const noSecret = path.join(dir, 'bad3.yaml');
    writeFileSync(noSecret, `alerts:\n  channels:\n    hook: { type: webhook, url: "https://example.org/x", secret: "\${VIGIL_TEST_UNSET_SECRET}" }\n`);
    expect((await runCli(['--config', noSecret, 'status'])).stderr).toMatch(/alerts\.channels\.hook\.secret: environment variable VIGIL_TEST_UNSET_SECRET is not set/);

    // The configured SMTP server (port 9) is down: `vigil run --once` says so before anything else, and goes on.
    const once = await vigil('run', '--once');
    expect(once.stderr).toMatch(/warning: channel mail: .*(ECONNREFUSED|connect)/i);
    const status = JSON.parse((await vigil('status', '--json')).stdout) as { alerting: { startupProblems: string[] } };
    expect(status.alerting.startupProblems[0]).toMatch(/channel mail/);
  });
});
