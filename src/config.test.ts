import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.ts';

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
      ['databse: typo.db\n', /databse|Unrecognized key/],
      ['sources:\n  kev:\n    enabled: "yes"\n', /sources\.kev\.enabled/],
      ['sources: [unclosed\n', /cannot read .*bad-5\.yaml/],
    ];
    rows.forEach(([text, pattern], i) => {
      const p = file(`bad-${i}.yaml`, text);
      expect(() => loadConfig(p, {}), text).toThrow(pattern);
    });
  });
});
