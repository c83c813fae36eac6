import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.ts';
import { registry } from './sources/registry.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'vigil-config-'));
function file(name: string, text: string): string {
  const p = path.join(dir, name);
  writeFileSync(p, text);
  return p;
}

describe('config', () => {
  it('has working defaults without a file', () => {
    const c = loadConfig(undefined, {});
    expect(c.database).toBe('vigil.db');
    expect(c.ssvc.missionWellbeing).toBe('medium');
    for (const id of ['nvd', 'cve5', 'epss', 'kev']) expect(c.sources[id]?.enabled, id).toBe(true);
  });

  it('reads YAML, applies per-source settings and takes secrets from the environment', () => {
    const p = file('ok.yaml', 'database: x.db\nsources:\n  nvd:\n    windowDays: 30\n  epss:\n    enabled: false\n');
    const c = loadConfig(p, { NVD_API_KEY: 'secret-key', VIGIL_DB: 'env.db' });
    expect(c.database).toBe('env.db');
    expect(c.sources.nvd?.config).toMatchObject({ windowDays: 30, apiKey: 'secret-key' });
    expect(c.sources.epss?.enabled).toBe(false);
  });

  it('names the key and the file of a wrong value', () => {
    const rows: [string, RegExp][] = [
      ['sources:\n  nvd:\n    windowDays: 500\n', /sources\.nvd\.windowDays: .*in .*bad-0\.yaml/],
      ['sources:\n  nvdd: {}\n', /sources\.nvdd: unknown source/],
      ['ssvc:\n  missionWellbeing: huge\n', /ssvc\.missionWellbeing/],
      ['databse: typo.db\n', /Invalid configuration: databse: unknown key \(did you mean "database"\?\)/],
      ['sources:\n  kev:\n    enabled: "yes"\n', /sources\.kev\.enabled/],
      ['sources: [unclosed\n', /cannot read .*bad-5\.yaml/],
    ];
    rows.forEach(([text, pattern], i) => {
      const p = file(`bad-${i}.yaml`, text);
      expect(() => loadConfig(p, {}), text).toThrow(pattern);
    });
  });

  it('rejects a misspelt key in every section, naming it and the key meant (issue 10, item 9)', () => {
    const rows: [string, RegExp][] = [
      ['sources:\n  nvd:\n    enabeld: false\n', /sources\.nvd\.enabeld: unknown key \(did you mean "enabled"\?\)/],
      ['sources:\n  nvd:\n    windowDay: 30\n', /sources\.nvd\.windowDay: unknown key \(did you mean "windowDays"\?\)/],
      ['sources:\n  nvd:\n    rateLimit: { requests: 5, perSecond: 30 }\n', /sources\.nvd\.rateLimit\.perSecond: unknown key \(did you mean "perSeconds"\?\)/],
      ['sources:\n  kev:\n    feed: https://example.org/kev.json\n', /sources\.kev\.feed: unknown key \(known: enabled, schedule, url\)/],
      ['server:\n  prot: 8081\n', /server\.prot: unknown key \(did you mean "port"\?\)/],
      ['alerts:\n  retry: { maxAttempt: 3 }\n', /alerts\.retry\.maxAttempt: unknown key \(did you mean "maxAttempts"\?\)/],
      ['alerts:\n  channels:\n    ops: { type: slack, url: "https://hooks.slack.com/services/T/B/x", channel: "#ops" }\n', /alerts\.channels\.ops: .*channel/],
    ];
    rows.forEach(([text, pattern], i) => {
      const p = file(`strict-${i}.yaml`, text);
      expect(() => loadConfig(p, {}), text).toThrow(pattern);
    });
  });

  it('is strict for every registered source, whatever its schema (a source added later included)', () => {
    for (const { source } of registry) {
      const p = file(`strict-${source.id}.yaml`, `sources:\n  ${source.id}:\n    enabeld: false\n`);
      expect(() => loadConfig(p, {}), source.id).toThrow(new RegExp(`sources\\.${source.id}\\.enabeld: unknown key`));
    }
  });

  it('reports every problem at once, each with its key', () => {
    const p = file('many.yaml', 'databse: x.db\nserver:\n  port: -1\nsources:\n  nvd:\n    enabeld: false\n  epss:\n    maxDays: 0\n  kev:\n    enabled: "yes"\n');
    let message = '';
    try {
      loadConfig(p, {});
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/^Invalid configuration: 5 problems \(in .*many\.yaml\):\n/);
    for (const key of ['databse', 'server.port', 'sources.nvd.enabeld', 'sources.epss.maxDays', 'sources.kev.enabled']) expect(message).toContain(`\n  ${key}: `);
  });
});

describe('database', () => {
  it.each([
    ['a file path', 'data/vigil.db', 'data/vigil.db'],
    ['a PostgreSQL URL, kept as written (never resolved as a path)', 'postgres://vigil@db.example:5432/vigil?schema=team_a', 'postgres://vigil@db.example:5432/vigil?schema=team_a'],
    ['postgresql:// as libpq spells it', 'postgresql://db/vigil', 'postgresql://db/vigil'],
  ])('takes %s', (_name, value, expected) => {
    const p = file(`db-${value.length}.yaml`, `database: "${value}"\n`);
    expect(loadConfig(p, {}).database).toBe(expected);
    expect(loadConfig(undefined, { VIGIL_DB: value }).database).toBe(expected);
  });

  // biome-ignore lint/suspicious/noTemplateCurlyInString: the config's own ${NAME} syntax
  it('reads ${NAME} in database: from the environment (a password stays out of the file)', () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the config's own ${NAME} syntax
    const p = file('db-env.yaml', 'database: "postgres://vigil:${VIGIL_PG_PASSWORD}@db/vigil"\n');
    expect(loadConfig(p, { VIGIL_PG_PASSWORD: 's3cret' }).database).toBe('postgres://vigil:s3cret@db/vigil');
    expect(() => loadConfig(p, {})).toThrow(/database: environment variable VIGIL_PG_PASSWORD is not set/);
  });

  it.each([
    ['database: "postgres://db/vigil?schema=Team-A"\n', {}, /database: invalid schema "Team-A"/],
    ['database: "mysql://db/vigil"\n', {}, /database: unsupported database URL scheme "mysql"/],
    ['', { VIGIL_DB: 'postgres://u:pw@db/vigil?schema=1x' }, /VIGIL_DB: invalid schema "1x"/],
  ])('refuses a database URL it cannot use: %s %o', (text, env, message) => {
    const p = file(`db-bad-${text.length}-${Object.keys(env).length}.yaml`, text);
    expect(() => loadConfig(p, env)).toThrow(message);
  });

  it('never shows a password in a problem', () => {
    const p = file('db-bad-pw.yaml', 'database: "postgres://u:s3cret@db/vigil?schema=No"\n');
    expect(() => loadConfig(p, {})).toThrow(/database: invalid schema/);
    try {
      loadConfig(p, {});
    } catch (err) {
      expect((err as Error).message).not.toContain('s3cret');
    }
  });
});
