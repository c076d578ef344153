// The passphrase key of portable checkpoints. The parameters come from the
// file, so they are attacker input: a file asking for N=2^20, r=32 made one
// synchronous scrypt call hold the event loop for 42 s. They are bounded to
// what nxs itself writes and checked before any work, and the derivation runs
// on libuv's thread pool (crypto.scrypt), never on the event loop.
import { scrypt } from 'node:crypto';
import { NxsError } from '../core/errors.ts';

export interface ScryptParams {
  N: number;
  r: number;
  p: number;
}

/** What export writes; also the most import accepts. */
export const SCRYPT: Readonly<ScryptParams> = { N: 1 << 15, r: 8, p: 1 };

const SALT_BYTES = { min: 16, max: 64 };

/** Refuses parameters beyond what this host writes, and malformed ones. Pure: checks the header only. */
export function assertScryptParams(kdf: unknown): asserts kdf is { name: 'scrypt'; salt: string } & ScryptParams {
  const k = kdf as Partial<{ name: unknown; salt: unknown; N: unknown; r: unknown; p: unknown }> | null | undefined;
  if (!k || k.name !== 'scrypt') throw new NxsError('NXS_ERR_CHECKPOINT_WRONG_KEY', 'this checkpoint is encrypted with a host key, not a passphrase');
  const { N, r, p } = k;
  const int = (v: unknown, max: number): boolean => Number.isSafeInteger(v) && (v as number) >= 1 && (v as number) <= max;
  if (!int(N, SCRYPT.N) || (N as number) < 2 || ((N as number) & ((N as number) - 1)) !== 0 || !int(r, SCRYPT.r) || !int(p, SCRYPT.p)) {
    throw new NxsError('NXS_ERR_CHECKPOINT_KDF', `the checkpoint asks for scrypt N=${String(N)}, r=${String(r)}, p=${String(p)}; nxs accepts at most N=${SCRYPT.N} (a power of two), r=${SCRYPT.r}, p=${SCRYPT.p}, what it writes itself`, { N, r, p, max: SCRYPT });
  }
  const salt = typeof k.salt === 'string' && /^[A-Za-z0-9+/]+={0,2}$/.test(k.salt) ? Buffer.from(k.salt, 'base64') : null;
  if (!salt || salt.length < SALT_BYTES.min || salt.length > SALT_BYTES.max) {
    throw new NxsError('NXS_ERR_CHECKPOINT_KDF', `the checkpoint's scrypt salt must be ${SALT_BYTES.min} to ${SALT_BYTES.max} bytes of base64`);
  }
}

/** scrypt on the thread pool; the event loop keeps serving while it runs. */
export function passphraseKey(passphrase: string, salt: Buffer, params: ScryptParams = SCRYPT): Promise<Buffer> {
  if (passphrase.length < 8) return Promise.reject(new NxsError('NXS_ERR_CHECKPOINT_PASSPHRASE', 'the passphrase must be at least 8 characters'));
  return new Promise((resolve, reject) => {
    scrypt(passphrase, salt, 32, { ...params, maxmem: 256 * params.N * params.r }, (err, key) => (err ? reject(new NxsError('NXS_ERR_CHECKPOINT_KDF', `scrypt failed: ${err.message}`)) : resolve(key)));
  });
}
