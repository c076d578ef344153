import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { systemErrorCode, NxsError, errorMessage } from '../core/errors.ts';
import { writeFileAtomic } from '../runtime/atomic-write.ts';

export const TOKEN_FILE = 'api-token';

/**
 * The shortest operator token a host starts with, and how many different
 * characters it needs. The token is ADMIN on the API and a bearer secret anyone
 * can try against the port: 32 characters of hex are 128 bits, the least we
 * accept; a generated one is `nxs_` + 32 base64url characters (192 bits). The
 * variety floor turns away "aaaa..." and "abababab..." of any length, and a
 * random 32-character hex string has fewer than 8 different characters about
 * once in a hundred million.
 */
export const MIN_TOKEN_LENGTH = 32;
export const MIN_TOKEN_DISTINCT = 8;

/** A token set by the operator and where it was set (`environment variable NXS_API_TOKEN`, `api_token in <file>`). */
export interface ConfiguredToken {
  value: string;
  source: string;
}

/**
 * Refuses a weak operator token before the host listens with it. The message
 * names where it was set and what is needed, never the token itself.
 */
export function checkTokenStrength(token: string, source: string): void {
  const length = [...token].length;
  const distinct = new Set(token).size;
  if (length >= MIN_TOKEN_LENGTH && distinct >= MIN_TOKEN_DISTINCT) return;
  throw new NxsError(
    'NXS_ERR_TOKEN_WEAK',
    `${source}: the operator token has ${length} characters (${distinct} different); it must have at least ${MIN_TOKEN_LENGTH} with at least ${MIN_TOKEN_DISTINCT} different (128 bits): set one made by \`openssl rand -hex 32\`, or remove it and nxs generates one`,
    { source, length, distinct, minLength: MIN_TOKEN_LENGTH, minDistinct: MIN_TOKEN_DISTINCT },
  );
}

/**
 * The operator's token: NXS_API_TOKEN / `api_token` when set, else the one in
 * `<data>/api-token`, generated (0600) at first start. `nxs` commands read the
 * same file, so they find it themselves. A weak token, set or in the file, is refused.
 */
export function ensureOperatorToken(dataDir: string, configured: ConfiguredToken | undefined): string {
  if (configured) {
    checkTokenStrength(configured.value, configured.source);
    return configured.value;
  }
  const file = path.join(dataDir, TOKEN_FILE);
  const existing = readTokenFile(file);
  if (existing) {
    checkTokenStrength(existing, `the token file ${file}`);
    return existing;
  }
  const token = `nxs_${randomBytes(24).toString('base64url')}`;
  writeFileAtomic(file, token + '\n', 0o600);
  return token;
}

export function readTokenFile(file: string): string | null {
  try {
    const st = statSync(file);
    if ((st.mode & 0o077) !== 0) {
      throw new NxsError('NXS_ERR_DATA_DIR', `${file} is readable by other users (mode ${(st.mode & 0o777).toString(8)}); run: chmod 600 ${file}`);
    }
    const token = readFileSync(file, 'utf8').trim();
    return token || null;
  } catch (err) {
    if (err instanceof NxsError) throw err;
    if (systemErrorCode(err) === 'ENOENT') return null;
    throw new NxsError('NXS_ERR_DATA_DIR', `cannot read ${file}: ${errorMessage(err)}`);
  }
}
