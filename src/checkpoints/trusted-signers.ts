// The signers whose checkpoints this host imports: its own key, and keys the
// operator added with `nxs checkpoint trust add`. Kept as one PEM file per key
// in <home>/keys/checkpoint-trusted/, beside the host's own keys: outside the
// data folder, so no checkpoint (whose restore writes only the store and
// identity files) can ever add a signer to this list.
import { createPublicKey, type KeyObject } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { NxsError, errorMessage, systemErrorCode } from '../core/errors.ts';
import { writeFileAtomic } from '../runtime/atomic-write.ts';
import { signerFingerprint } from './keys.ts';

export interface TrustedSigner {
  signer: string;
  public_key_pem: string;
}

const FINGERPRINT = /^[0-9a-f]{16}$/;

/** An Ed25519 public key from PEM (SPKI) or the base64 DER a checkpoint header carries. */
export function parsePublicKey(text: string): { key: KeyObject; signer: string; pem: string } {
  const t = text.trim();
  let key: KeyObject;
  try {
    key = t.startsWith('-----BEGIN') ? createPublicKey(t) : createPublicKey({ key: Buffer.from(t, 'base64'), format: 'der', type: 'spki' });
  } catch {
    throw new NxsError('NXS_ERR_BAD_REQUEST', 'the public key must be an Ed25519 public key as PEM ("-----BEGIN PUBLIC KEY-----", what nxs checkpoint pubkey prints) or base64 SPKI DER');
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new NxsError('NXS_ERR_BAD_REQUEST', `the public key is ${key.asymmetricKeyType ?? 'not an asymmetric key'}; checkpoint signers are Ed25519`);
  const der = key.export({ type: 'spki', format: 'der' });
  return { key, signer: signerFingerprint(der), pem: key.export({ type: 'spki', format: 'pem' }).toString() };
}

export class TrustedSigners {
  readonly dir: string;

  constructor(dir: string) {
    this.dir = dir;
  }

  list(): TrustedSigner[] {
    let names: string[];
    try {
      names = readdirSync(this.dir).sort();
    } catch (err) {
      if (systemErrorCode(err) === 'ENOENT') return [];
      throw new NxsError('NXS_ERR_CHECKPOINT_KEY', `cannot read ${this.dir}: ${errorMessage(err)}`);
    }
    const out: TrustedSigner[] = [];
    for (const name of names) {
      const m = /^([0-9a-f]{16})\.pub$/.exec(name);
      const k = m ? this.read(m[1]!) : null;
      if (k) out.push({ signer: m![1]!, public_key_pem: k.pem });
    }
    return out;
  }

  /** The trusted key with this fingerprint, or null. The file must hold the key it is named after. */
  get(signer: string): KeyObject | null {
    return FINGERPRINT.test(signer) ? (this.read(signer)?.key ?? null) : null;
  }

  add(publicKeyText: string): { signer: string; added: boolean } {
    const { signer, pem } = parsePublicKey(publicKeyText);
    if (this.get(signer)) return { signer, added: false };
    try {
      mkdirSync(this.dir, { recursive: true, mode: 0o700 });
      writeFileAtomic(this.file(signer), pem, 0o600);
    } catch (err) {
      throw new NxsError('NXS_ERR_CHECKPOINT_KEY', `cannot write ${this.file(signer)}: ${errorMessage(err)}`);
    }
    return { signer, added: true };
  }

  remove(signer: string): boolean {
    if (!FINGERPRINT.test(signer)) throw new NxsError('NXS_ERR_BAD_REQUEST', `${JSON.stringify(signer.slice(0, 40))} is not a signer fingerprint (16 hex characters, as nxs checkpoint trust ls shows)`);
    if (!this.get(signer)) return false;
    rmSync(this.file(signer), { force: true });
    return true;
  }

  private file(signer: string): string {
    return path.join(this.dir, `${signer}.pub`);
  }

  // Only the operator may change who is trusted: a key file others can write is refused, not used.
  private read(signer: string): { key: KeyObject; pem: string } | null {
    const file = this.file(signer);
    let text: string;
    try {
      const st = statSync(file);
      if ((st.mode & 0o022) !== 0 || (typeof process.getuid === 'function' && st.uid !== process.getuid())) {
        throw new NxsError('NXS_ERR_CHECKPOINT_KEY', `${file} is writable by other users or owned by another user; remove it and add the key again with nxs checkpoint trust add`, { file });
      }
      text = readFileSync(file, 'utf8');
    } catch (err) {
      if (err instanceof NxsError) throw err;
      if (systemErrorCode(err) === 'ENOENT') return null;
      throw new NxsError('NXS_ERR_CHECKPOINT_KEY', `cannot read ${file}: ${errorMessage(err)}`, { file });
    }
    let parsed: ReturnType<typeof parsePublicKey>;
    try {
      parsed = parsePublicKey(text);
    } catch {
      throw new NxsError('NXS_ERR_CHECKPOINT_KEY', `${file} does not hold an Ed25519 public key; remove it and add the key again`, { file });
    }
    if (parsed.signer !== signer) throw new NxsError('NXS_ERR_CHECKPOINT_KEY', `${file} holds the key ${parsed.signer}, not ${signer}; remove it and add the key again`, { file });
    return { key: parsed.key, pem: parsed.pem };
  }
}
