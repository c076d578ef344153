import { readFileSync, statSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { NxsError, errorMessage, systemErrorCode } from '../core/errors.ts';
import { writeFileAtomic } from '../runtime/atomic-write.ts';
import type { Context } from '../core/context.ts';

export interface CheckpointKeys {
  /** AES-256-GCM key. */
  encKey: Buffer;
  /** Short fingerprint of encKey, stored in headers so a wrong key is named as such. */
  encKeyId: string;
  signPrivate: KeyObject;
  signPublic: KeyObject;
  /** The public key as base64 SPKI DER, and its fingerprint (sha256, hex, 16 chars). */
  publicKeyB64: string;
  signerId: string;
}

export function keyId(key: Buffer): string {
  return createHash('sha256').update('nxs-checkpoint-key\0').update(key).digest('hex').slice(0, 16);
}

export function signerFingerprint(publicKeyDer: Buffer): string {
  return createHash('sha256').update(publicKeyDer).digest('hex').slice(0, 16);
}

/** 64 hex characters or base64 of 32 bytes; anything else is refused by the caller. */
export function parseKeyText(text: string): Buffer | null {
  const t = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(t)) return Buffer.from(t, 'hex');
  const b = Buffer.from(t, 'base64');
  return b.length === 32 && /^[A-Za-z0-9+/=_-]+$/.test(t) ? b : null;
}

/**
 * The encryption key comes from config (`checkpoints.key`), then NXS_CHECKPOINT_KEY,
 * then the key file (generated 0600 at first start under <home>/keys/). The
 * signing pair is always a file pair made at first start. Every key is
 * registered with the redactor before anything can log it.
 */
export function loadCheckpointKeys(ctx: Context): CheckpointKeys {
  const keysDir = path.join(ctx.config.home, 'keys');
  const cfg = ctx.config.checkpoints;
  let encKey: Buffer | null;
  if (cfg.key) {
    encKey = parseKeyText(cfg.key);
    if (!encKey) throw new NxsError('NXS_ERR_CHECKPOINT_KEY', 'checkpoints.key must be 32 bytes as 64 hex characters or base64');
  } else if (ctx.env.NXS_CHECKPOINT_KEY) {
    encKey = parseKeyText(ctx.env.NXS_CHECKPOINT_KEY);
    if (!encKey) throw new NxsError('NXS_ERR_CHECKPOINT_KEY', 'NXS_CHECKPOINT_KEY must be 32 bytes as 64 hex characters or base64');
  } else {
    const file = cfg.keyFile ? path.resolve(ctx.config.home, cfg.keyFile) : path.join(keysDir, 'checkpoint.key');
    encKey = readOrCreate(file, () => randomBytes(32).toString('hex') + '\n', (text) => parseKeyText(text));
  }
  const privFile = path.join(keysDir, 'checkpoint-sign.pem');
  const signPrivate = readOrCreate(
    privFile,
    () => generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    (text) => {
      try {
        const k = createPrivateKey(text);
        return k.asymmetricKeyType === 'ed25519' ? k : null;
      } catch {
        return null;
      }
    },
  );
  const signPublic = createPublicKey(signPrivate);
  const der = signPublic.export({ type: 'spki', format: 'der' });
  ctx.redactor.add(encKey.toString('hex'));
  ctx.redactor.add(encKey.toString('base64'));
  return { encKey, encKeyId: keyId(encKey), signPrivate, signPublic, publicKeyB64: der.toString('base64'), signerId: signerFingerprint(der) };
}

function readOrCreate<T>(file: string, make: () => string, parse: (text: string) => T | null): T {
  let text: string | null = null;
  try {
    const st = statSync(file);
    if ((st.mode & 0o077) !== 0) {
      throw new NxsError('NXS_ERR_CHECKPOINT_KEY', `${file} is readable by other users (mode ${(st.mode & 0o777).toString(8)}); run: chmod 600 ${file}`, { file });
    }
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if (err instanceof NxsError) throw err;
    if (systemErrorCode(err) !== 'ENOENT') throw new NxsError('NXS_ERR_CHECKPOINT_KEY', `cannot read ${file}: ${errorMessage(err)}`, { file });
  }
  if (text === null) {
    text = make();
    try {
      mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
      writeFileAtomic(file, text, 0o600);
    } catch (err) {
      throw new NxsError('NXS_ERR_CHECKPOINT_KEY', `cannot create ${file}: ${errorMessage(err)}`, { file });
    }
  }
  const value = parse(text);
  if (value === null) throw new NxsError('NXS_ERR_CHECKPOINT_KEY', `${file} does not hold a valid key; move it away to have a new one generated (old checkpoints then need the old key)`, { file });
  return value;
}
