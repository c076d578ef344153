import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { systemErrorCode, NxsError, errorMessage } from '../core/errors.ts';
import { writeFileAtomic } from '../runtime/atomic-write.ts';

export const TOKEN_FILE = 'api-token';

/**
 * The operator's token: NXS_API_TOKEN / `api_token` when set, else the one in
 * `<data>/api-token`, generated (0600) at first start. `nxs` commands read the
 * same file, so they find it themselves.
 */
export function ensureOperatorToken(dataDir: string, configured: string | undefined): string {
  if (configured) return configured;
  const file = path.join(dataDir, TOKEN_FILE);
  const existing = readTokenFile(file);
  if (existing) return existing;
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
