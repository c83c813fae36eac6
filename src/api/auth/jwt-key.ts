/**
 * The JWT signing key from the environment, so that it need not live in the store: a reader of
 * `vigil.db` could otherwise sign an administrator's token. `VIGIL_JWT_KEY` holds the key itself,
 * `VIGIL_JWT_KEY_FILE` names a file holding it (a Docker or systemd secret; one trailing newline
 * is dropped). With neither, the key is made at the first start and kept in the store
 * (`settings` key `jwt.key`), which must then be readable by its owner only (0600).
 */
import { readFileSync } from 'node:fs';
import { VigilError } from '../../errors.ts';

/** Shortest key accepted, in characters (HS256 wants at least 256 bits; 32 random characters is about that). */
export const MIN_JWT_KEY_LENGTH = 32;

/**
 * The key from `VIGIL_JWT_KEY` or the file named by `VIGIL_JWT_KEY_FILE`, or `undefined` when
 * neither is set.
 * @throws {VigilError} VIGIL_CONFIG_INVALID when both are set, the file cannot be read, or the key
 *   is shorter than {@link MIN_JWT_KEY_LENGTH} characters.
 * @example VIGIL_JWT_KEY_FILE=/run/secrets/vigil-jwt vigil serve
 */
export function jwtKeyFromEnv(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const inline = env.VIGIL_JWT_KEY;
  const file = env.VIGIL_JWT_KEY_FILE;
  if (inline && file) throw new VigilError('VIGIL_CONFIG_INVALID', ['set VIGIL_JWT_KEY or VIGIL_JWT_KEY_FILE, not both']);
  let key: string;
  let from: string;
  if (inline) {
    key = inline;
    from = 'VIGIL_JWT_KEY';
  } else if (file) {
    try {
      key = readFileSync(file, 'utf8').replace(/\r?\n$/, '');
    } catch (cause) {
      throw new VigilError('VIGIL_CONFIG_INVALID', [`VIGIL_JWT_KEY_FILE ${file}: ${(cause as Error).message}`], { cause });
    }
    from = `VIGIL_JWT_KEY_FILE (${file})`;
  } else {
    return undefined;
  }
  if (key.length < MIN_JWT_KEY_LENGTH) throw new VigilError('VIGIL_CONFIG_INVALID', [`${from}: the JWT key needs at least ${MIN_JWT_KEY_LENGTH} characters (openssl rand -base64 48)`]);
  return key;
}
