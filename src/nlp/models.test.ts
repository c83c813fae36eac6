import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ModelRepository, stampLabel } from './models.ts';

const dirs: string[] = [];
function repo(): ModelRepository {
  const dir = mkdtempSync(path.join(tmpdir(), 'vigil-models-'));
  dirs.push(dir);
  return new ModelRepository(dir);
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const trained = (w: number) => ({ payload: { w }, metrics: { 'valid.f1': 0.5 }, data: { files: ['x.json'], train: 10, valid: 2 } });

describe('ModelRepository', () => {
  it('stores versions 1, 2, … and makes the newest current', () => {
    const models = repo();
    expect(models.load('techniques')).toBeNull();
    const first = models.save('techniques', trained(1), new Date('2026-12-01T00:00:00Z'));
    const second = models.save('techniques', trained(2));
    expect([first.version, second.version]).toEqual([1, 2]);
    expect(models.versions('techniques')).toEqual([1, 2]);
    expect(models.load<{ w: number }>('techniques')?.payload.w).toBe(2);
    expect(models.load<{ w: number }>('techniques', 1)?.payload.w).toBe(1);
    expect(models.list().map(stampLabel)).toEqual(['techniques@2']);
  });

  it('follows the current pointer (a rollback) and falls back to the newest file when it is stale', () => {
    const models = repo();
    models.save('severity', trained(1));
    models.save('severity', trained(2));
    writeFileSync(path.join(models.dir, 'severity', 'current'), '1\n');
    expect(models.load<{ w: number }>('severity')?.payload.w).toBe(1);
    writeFileSync(path.join(models.dir, 'severity', 'current'), '9\n');
    expect(models.currentVersion('severity')).toBe(2);
  });

  it('hashes the payload: the same weights give the same hash', () => {
    const models = repo();
    const a = models.save('m', trained(1));
    const b = models.save('m', trained(1));
    const c = models.save('m', trained(3));
    expect(a.payloadSha256).toBe(b.payloadSha256);
    expect(c.payloadSha256).not.toBe(a.payloadSha256);
  });

  it('names the file and field of a damaged model', () => {
    const models = repo();
    models.save('m', trained(1));
    const file = path.join(models.dir, 'm', '1.json');
    writeFileSync(file, readFileSync(file, 'utf8').slice(0, 20));
    expect(() => models.load('m')).toThrow(/1\.json/);
    writeFileSync(file, JSON.stringify({ format: 1, name: 'm', version: 'one' }));
    expect(() => models.load('m')).toThrow(/version/);
  });

  it('refuses a name that is not file-safe', () => {
    expect(() => repo().save('../evil', trained(1))).toThrow(/model name/);
  });
});
