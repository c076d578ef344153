import { generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { Header } from 'tar';
import { seal, type ContainerHeader } from '../../../src/checkpoints/container.ts';
import { keyId, signerFingerprint } from '../../../src/checkpoints/keys.ts';
import { sha256 } from '../../../src/checkpoints/open-checkpoint.ts';

export interface Signer {
  privateKey: KeyObject;
  publicKey: KeyObject;
  b64: string;
  id: string;
}

export function newSigner(): Signer {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const der = publicKey.export({ type: 'spki', format: 'der' });
  return { privateKey, publicKey, b64: der.toString('base64'), id: signerFingerprint(der) };
}

export function header(signer: Signer, encKey: Buffer, id = 'ckpt_test'): ContainerHeader {
  return { id, kind: 'agent', agent_id: '1', agent_name: 'a', created_at: 0, enc: { alg: 'aes-256-gcm', key_id: keyId(encKey) }, signer: { alg: 'ed25519', id: signer.id, public_key: signer.b64 } };
}

/** A correctly signed and encrypted checkpoint around any tar bytes (crafted ones included). */
export function sealTar(tar: Buffer, signer: Signer, encKey: Buffer, id = 'ckpt_test'): Buffer {
  return seal({ header: header(signer, encKey, id), plaintext: tar, encKey, signKey: signer.privateKey });
}

/** A valid checkpoint archive: manifest plus files. */
export function validTar(id: string, files: Record<string, string>): Buffer {
  const m = new Map(Object.entries(files).map(([k, v]) => [k, Buffer.from(v)]));
  const manifest = { format: 1, id, kind: 'agent', created_at: 0, nxs_version: 'test', agent: { agent_id: '1', name: 'a', capabilities: [], settings: {} }, files: Object.fromEntries([...m].map(([k, v]) => [k, sha256(v)])) };
  // Built with rawEntry (sync), so a test can make one at describe time; archive.test.ts checks packFiles itself.
  return tarOf(...[['manifest.json', Buffer.from(JSON.stringify(manifest))] as const, ...m].map(([name, data]) => rawEntry({ path: name, type: 'File' }, data)));
}

/** A raw tar entry, bypassing packFiles' own checks, to craft hostile archives. */
export function rawEntry(h: { path: string; type: 'File' | 'SymbolicLink' | 'Link' | 'Directory' | 'CharacterDevice'; linkpath?: string }, data = Buffer.alloc(0)): Buffer {
  const hd = new Header({ mode: 0o644, mtime: new Date(0), size: h.type === 'File' ? data.length : 0, uid: 0, gid: 0, ...h });
  const b = Buffer.alloc(512);
  hd.encode(b, 0);
  const body = h.type === 'File' ? data : Buffer.alloc(0);
  return Buffer.concat([b, body, Buffer.alloc((512 - (body.length % 512)) % 512)]);
}

export function tarOf(...entries: Buffer[]): Buffer {
  return Buffer.concat([...entries, Buffer.alloc(1024)]);
}

export const key32 = (): Buffer => randomBytes(32);
