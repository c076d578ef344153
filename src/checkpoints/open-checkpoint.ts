import { createHash, type KeyObject } from 'node:crypto';
import { NxsError } from '../core/errors.ts';
import { parseContainer, readHeader, verifySignature, decrypt, publicKeyFromB64, type ContainerHeader } from './container.ts';
import { unpackFiles } from './archive.ts';
import { keyId, signerFingerprint } from './keys.ts';
import { assertScryptParams, passphraseKey } from './kdf.ts';

export { SCRYPT, passphraseKey } from './kdf.ts';

export interface Manifest {
  format: 1;
  id: string;
  kind: 'agent' | 'host';
  created_at: number;
  nxs_version: string;
  agent: { agent_id: string; name: string; capabilities: string[]; settings: Record<string, unknown> } | null;
  /** sha256 (hex) of every other file in the archive. */
  files: Record<string, string>;
}

export interface OpenedCheckpoint {
  header: ContainerHeader;
  manifest: Manifest;
  files: Map<string, Buffer>;
  /** Fingerprint of the key the signature verified with. */
  signer: string;
}

export type KeySource = { key: Buffer } | { passphrase: string };

/**
 * The key to verify with, or (portable files) a check on the key the file
 * carries: it gets that key's fingerprint, computed here rather than read from
 * the header, and the key itself; it throws to refuse it before anything is
 * decrypted.
 */
export type SignerPolicy = KeyObject | ((signer: string, key: KeyObject) => void);

export interface OpenLimits {
  /** Most bytes the archive inside may have; checked from the length prefix before decrypting. */
  maxBytes: number;
  /** The id the file must carry: `verify A` must not accept checkpoint B's file. */
  expectId?: string;
  /** Runs once the signature verified, before any key derivation or decryption. */
  beforeDecrypt?: (header: ContainerHeader, signer: string) => void;
}

/**
 * Every cheap check before any expensive one, and nothing written anywhere:
 * structure and lengths, the signer and its signature (with the header's id
 * checked before it is used), the scrypt parameters, then the key derivation
 * (off the event loop), decryption, the archive and the manifest, each
 * refusing with its own code.
 */
export async function openCheckpoint(buf: Buffer, signer: SignerPolicy, keys: KeySource, limits: OpenLimits): Promise<OpenedCheckpoint> {
  const parsed = parseContainer(buf);
  if (parsed.ciphertext.length > limits.maxBytes) {
    throw new NxsError('NXS_ERR_CHECKPOINT_TOO_LARGE', `the checkpoint archive is ${parsed.ciphertext.length} bytes; at most ${limits.maxBytes} are accepted here`, { bytes: parsed.ciphertext.length, budget: limits.maxBytes });
  }
  let header: ContainerHeader;
  let fingerprint: string;
  if (typeof signer === 'function') {
    // The key is in the header: read it (the id is checked there), let the caller refuse it, then verify with it.
    header = readHeader(parsed);
    const publicKey = publicKeyFromB64(header.signer.public_key);
    fingerprint = signerFingerprint(publicKey.export({ type: 'spki', format: 'der' }));
    if (header.signer.id !== fingerprint) throw new NxsError('NXS_ERR_CHECKPOINT_TAMPERED', `the checkpoint header names signer ${String(header.signer.id).slice(0, 40)} but carries the key ${fingerprint}`);
    signer(fingerprint, publicKey);
    verifySignature(parsed, publicKey);
  } else {
    verifySignature(parsed, signer);
    header = readHeader(parsed);
    fingerprint = signerFingerprint(signer.export({ type: 'spki', format: 'der' }));
  }
  if (limits.expectId !== undefined && header.id !== limits.expectId) {
    throw new NxsError('NXS_ERR_CHECKPOINT_INVALID', `the file of checkpoint ${limits.expectId} holds checkpoint ${header.id}; it was swapped or renamed`, { expected: limits.expectId, found: header.id });
  }
  if ('passphrase' in keys) assertScryptParams(header.enc.kdf);
  limits.beforeDecrypt?.(header, fingerprint);
  let key: Buffer;
  if ('key' in keys) {
    key = keys.key;
  } else {
    const kdf = header.enc.kdf!;
    key = await passphraseKey(keys.passphrase, Buffer.from(kdf.salt, 'base64'), kdf);
  }
  const tarball = decrypt(parsed, header, key, keyId);
  const files = await unpackFiles(tarball, { maxEntries: 10_000, maxBytes: limits.maxBytes });
  const manifest = readManifest(files, header);
  return { header, manifest, files, signer: fingerprint };
}

function readManifest(files: Map<string, Buffer>, header: ContainerHeader): Manifest {
  const raw = files.get('manifest.json');
  if (!raw) throw new NxsError('NXS_ERR_CHECKPOINT_INVALID', 'the checkpoint archive has no manifest.json');
  let m: Manifest;
  try {
    m = JSON.parse(raw.toString('utf8')) as Manifest;
  } catch {
    throw new NxsError('NXS_ERR_CHECKPOINT_INVALID', 'the checkpoint manifest is not valid JSON');
  }
  if (m.id !== header.id || m.kind !== header.kind || typeof m.files !== 'object' || m.files === null) {
    throw new NxsError('NXS_ERR_CHECKPOINT_INVALID', 'the checkpoint manifest does not match its header');
  }
  for (const name of files.keys()) if (name !== 'manifest.json' && !(name in m.files)) throw new NxsError('NXS_ERR_CHECKPOINT_INVALID', `${name} is in the archive but not in the manifest`);
  for (const [name, sum] of Object.entries(m.files)) {
    const data = files.get(name);
    if (!data) throw new NxsError('NXS_ERR_CHECKPOINT_INVALID', `${name} is in the manifest but missing from the archive`);
    if (sha256(data) !== sum) throw new NxsError('NXS_ERR_CHECKPOINT_INVALID', `${name} does not match its manifest checksum`);
  }
  return m;
}

export function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}
