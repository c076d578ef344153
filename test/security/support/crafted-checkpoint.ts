import { randomBytes } from 'node:crypto';
import { seal, type ContainerHeader } from '../../../src/checkpoints/container.ts';
import { keyId } from '../../../src/checkpoints/keys.ts';
import { passphraseKey, SCRYPT, type ScryptParams } from '../../../src/checkpoints/kdf.ts';
import { sha256 } from '../../../src/checkpoints/open-checkpoint.ts';
import { newSigner, rawEntry, tarOf, type Signer } from '../../unit/checkpoints/fixtures.ts';

export const PASSPHRASE = 'correct horse battery';

export interface Crafted {
  id?: string;
  kind?: 'agent' | 'host';
  agentId?: string;
  createdAt?: number;
  files?: Record<string, string | Buffer>;
  /** scrypt parameters written in the header; when given, no key is derived (nxs must refuse before it would). */
  kdf?: ScryptParams;
  signer?: Signer;
  /** The signer id written in the header (default: the real fingerprint of `signer`). */
  claimSigner?: string;
}

/**
 * A portable checkpoint file as an attacker would make it: any id, kind, files
 * and scrypt parameters, signed by any key. The archive is built with raw tar
 * entries, so nothing in nxs's own writer filters it.
 */
export async function craftPortable(c: Crafted = {}): Promise<Buffer> {
  const signer = c.signer ?? newSigner();
  const id = c.id ?? `ckpt_crafted_${randomBytes(5).toString('hex')}`;
  const kind = c.kind ?? 'agent';
  const createdAt = c.createdAt ?? 0;
  const files = new Map(Object.entries(c.files ?? {}).map(([k, v]) => [k, Buffer.from(v)]));
  const agent = kind === 'agent' ? { agent_id: c.agentId ?? '1', name: 'keeper', capabilities: [], settings: {} } : null;
  const manifest = { format: 1, id, kind, created_at: createdAt, nxs_version: 'crafted', agent, files: Object.fromEntries([...files].map(([k, v]) => [k, sha256(v)])) };
  const tar = tarOf(rawEntry({ path: 'manifest.json', type: 'File' }, Buffer.from(JSON.stringify(manifest))), ...[...files].map(([k, v]) => rawEntry({ path: k, type: 'File' }, v)));
  const salt = randomBytes(16);
  const params = c.kdf ?? SCRYPT;
  const key = c.kdf ? randomBytes(32) : await passphraseKey(PASSPHRASE, salt, params);
  const header: ContainerHeader = {
    id,
    kind,
    agent_id: agent?.agent_id ?? null,
    agent_name: agent?.name ?? null,
    created_at: createdAt,
    enc: { alg: 'aes-256-gcm', key_id: keyId(key), kdf: { name: 'scrypt', salt: salt.toString('base64'), ...params } },
    signer: { alg: 'ed25519', id: c.claimSigner ?? signer.id, public_key: signer.b64 },
  };
  return seal({ header, plaintext: tar, encKey: key, signKey: signer.privateKey });
}

export { newSigner, type Signer };
