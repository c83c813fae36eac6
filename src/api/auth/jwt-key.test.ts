/** The JWT signing key from the environment (issue 10 item 17): VIGIL_JWT_KEY, VIGIL_JWT_KEY_FILE, or none. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { jwtKeyFromEnv } from './jwt-key.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'vigil-jwt-key-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const key = 'k'.repeat(48);
const file = path.join(dir, 'jwt.key');
writeFileSync(file, `${key}\n`);

describe('jwtKeyFromEnv', () => {
  it.each([
    ['neither', {}, undefined],
    ['VIGIL_JWT_KEY', { VIGIL_JWT_KEY: key }, key],
    ['VIGIL_JWT_KEY_FILE (trailing newline dropped)', { VIGIL_JWT_KEY_FILE: file }, key],
  ])('%s', (_, env, expected) => {
    expect(jwtKeyFromEnv(env)).toBe(expected);
  });

  it.each([
    ['both set', { VIGIL_JWT_KEY: key, VIGIL_JWT_KEY_FILE: file }, /set VIGIL_JWT_KEY or VIGIL_JWT_KEY_FILE, not both/],
    ['a short key', { VIGIL_JWT_KEY: 'short' }, /VIGIL_JWT_KEY: the JWT key needs at least 32 characters/],
    ['a missing file', { VIGIL_JWT_KEY_FILE: path.join(dir, 'nope') }, /VIGIL_JWT_KEY_FILE .*nope: ENOENT/],
  ])('refuses %s', (_, env, message) => {
    expect(() => jwtKeyFromEnv(env)).toThrow(message);
  });
});
