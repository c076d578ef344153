import { createHash, scryptSync, type KeyObject } from 'node:crypto';
import { NxsError } from '../core/errors.ts';
import { parseContainer, readHeader, verifySignature, decrypt, publicKeyFromB64, type ContainerHeader } from './container.ts';
import { unpackFiles } from './archive.ts';
import { keyId } from './keys.ts';

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
}

export type KeySource = { key: Buffer } | { passphrase: string };

export const SCRYPT = { N: 1 << 15, r: 8, p: 1 } as const;

export function passphraseKey(passphrase: string, salt: Buffer, params: { N: number; r: number; p: number } = SCRYPT): Buffer {
  if (passphrase.length < 8) throw new NxsError('NXS_ERR_CHECKPOINT_PASSPHRASE', 'the passphrase must be at least 8 characters');
  return scryptSync(passphrase, salt, 32, { ...params, maxmem: 256 * params.N * params.r });
}

/**
 * Verify, then decrypt, then unpack and check the manifest: each step refuses
 * with its own code and nothing is written anywhere. `signer` is the public
 * key to trust; `embedded` trusts the key in the header (portable files, whose
 * signer the caller then shows or pins).
 */
export async function openCheckpoint(buf: Buffer, signer: KeyObject | 'embedded', keys: KeySource, limits: { maxBytes: number }): Promise<OpenedCheckpoint> {
  const parsed = parseContainer(buf);
  const publicKey = signer === 'embedded' ? publicKeyFromB64(readHeader(parsed).signer.public_key) : signer;
  verifySignature(parsed, publicKey);
  const header = readHeader(parsed);
  let key: Buffer;
  if ('key' in keys) {
    key = keys.key;
  } else {
    const kdf = header.enc.kdf;
    if (!kdf || kdf.name !== 'scrypt') throw new NxsError('NXS_ERR_CHECKPOINT_WRONG_KEY', 'this checkpoint is encrypted with a host key, not a passphrase');
    if (kdf.N > 1 << 20 || kdf.r > 32 || kdf.p > 16) throw new NxsError('NXS_ERR_CHECKPOINT_INVALID', 'the checkpoint asks for scrypt parameters beyond what nxs accepts');
    key = passphraseKey(keys.passphrase, Buffer.from(kdf.salt, 'base64'), kdf);
  }
  const tarball = decrypt(parsed, header, key, keyId);
  const files = await unpackFiles(tarball, { maxEntries: 10_000, maxBytes: limits.maxBytes });
  const manifest = readManifest(files, header);
  return { header, manifest, files };
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
