// The checkpoint file, one self-describing blob:
//   prefix  magic "NXSCKPT\n" (8) | format u16 BE | header length u32 BE | ciphertext length u64 BE   (22 bytes)
//   header  JSON (id, kind, key id, signer public key, kdf for portable files)
//   sig     Ed25519 over prefix + header + iv + tag + ciphertext                                      (64)
//   iv (12) | tag (16) | ciphertext: AES-256-GCM of a tar archive, with prefix + header as AAD
// Lengths sit in the binary prefix so truncation is named before any parsing,
// and the signature is checked before the header is trusted or anything decrypted.
import { createCipheriv, createDecipheriv, createPublicKey, randomBytes, sign, verify, type KeyObject } from 'node:crypto';
import { NxsError } from '../core/errors.ts';

export const MAGIC = Buffer.from('NXSCKPT\n', 'latin1');
export const FORMAT_VERSION = 1;
const PREFIX = 22;
const SIG = 64;
const IV = 12;
const TAG = 16;

export interface ContainerHeader {
  id: string;
  kind: 'agent' | 'host';
  agent_id: string | null;
  agent_name: string | null;
  created_at: number;
  enc: { alg: 'aes-256-gcm'; key_id: string; kdf?: { name: 'scrypt'; salt: string; N: number; r: number; p: number } };
  signer: { alg: 'ed25519'; id: string; public_key: string };
}

export interface SealInput {
  header: ContainerHeader;
  plaintext: Buffer;
  encKey: Buffer;
  signKey: KeyObject;
}

export function seal({ header, plaintext, encKey, signKey }: SealInput): Buffer {
  const headerBytes = Buffer.from(JSON.stringify(header), 'utf8');
  const iv = randomBytes(IV);
  const prefix = Buffer.alloc(PREFIX);
  MAGIC.copy(prefix, 0);
  prefix.writeUInt16BE(FORMAT_VERSION, 8);
  prefix.writeUInt32BE(headerBytes.length, 10);
  // GCM keeps the length, so the ciphertext length is known before encrypting.
  prefix.writeBigUInt64BE(BigInt(plaintext.length), 14);
  const cipher = createCipheriv('aes-256-gcm', encKey, iv);
  cipher.setAAD(Buffer.concat([prefix, headerBytes]));
  const ct = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  const tag = cipher.getAuthTag();
  const signature = sign(null, Buffer.concat([prefix, headerBytes, iv, tag, ct]), signKey);
  return Buffer.concat([prefix, headerBytes, signature, iv, tag, ct]);
}

export interface ParsedContainer {
  version: number;
  prefix: Buffer;
  headerBytes: Buffer;
  signature: Buffer;
  iv: Buffer;
  tag: Buffer;
  ciphertext: Buffer;
}

/** Structure only: magic, format, lengths. Nothing here is trusted yet. */
export function parseContainer(buf: Buffer, what = 'the file'): ParsedContainer {
  if (buf.length < MAGIC.length || !buf.subarray(0, MAGIC.length).equals(MAGIC)) {
    if (buf.length < MAGIC.length && MAGIC.subarray(0, buf.length).equals(buf)) throw truncated(what, buf.length, PREFIX);
    throw new NxsError('NXS_ERR_CHECKPOINT_INVALID', `${what} is not an nxs checkpoint (no NXSCKPT header)`);
  }
  if (buf.length < PREFIX) throw truncated(what, buf.length, PREFIX);
  const version = buf.readUInt16BE(8);
  if (version > FORMAT_VERSION) {
    throw new NxsError('NXS_ERR_CHECKPOINT_FORMAT', `${what} is checkpoint format ${version}; this nxs reads format ${FORMAT_VERSION} and older: upgrade nxs to restore it`, { format: version, supported: FORMAT_VERSION });
  }
  if (version < 1) throw new NxsError('NXS_ERR_CHECKPOINT_INVALID', `${what} claims checkpoint format ${version}, which never existed`);
  const headerLen = buf.readUInt32BE(10);
  const ctLen = buf.readBigUInt64BE(14);
  const expected = BigInt(PREFIX + headerLen + SIG + IV + TAG) + ctLen;
  if (BigInt(buf.length) < expected) throw truncated(what, buf.length, expected);
  if (BigInt(buf.length) > expected) {
    throw new NxsError('NXS_ERR_CHECKPOINT_TAMPERED', `${what} has ${BigInt(buf.length) - expected} bytes more than its header says; refusing it`);
  }
  let o = PREFIX;
  const take = (n: number): Buffer => buf.subarray(o, (o += n));
  return { version, prefix: buf.subarray(0, PREFIX), headerBytes: take(headerLen), signature: take(SIG), iv: take(IV), tag: take(TAG), ciphertext: buf.subarray(o) };
}

function truncated(what: string, got: number, expected: number | bigint): NxsError {
  return new NxsError('NXS_ERR_CHECKPOINT_TRUNCATED', `${what} is truncated: ${got} bytes where ${expected} were written`, { bytes: got, expected: Number(expected) });
}

/** The header as written; call only after `verifySignature`, or to read an embedded key (then verify with it). */
export function readHeader(p: ParsedContainer): ContainerHeader {
  let h: unknown;
  try {
    h = JSON.parse(p.headerBytes.toString('utf8'));
  } catch {
    throw new NxsError('NXS_ERR_CHECKPOINT_TAMPERED', 'the checkpoint header is not readable; the file was altered');
  }
  const x = h as Partial<ContainerHeader>;
  if (typeof x?.id !== 'string' || typeof x.enc?.key_id !== 'string' || typeof x.signer?.public_key !== 'string' || (x.kind !== 'agent' && x.kind !== 'host')) {
    throw new NxsError('NXS_ERR_CHECKPOINT_INVALID', 'the checkpoint header lacks id, kind, key id or signer');
  }
  assertCheckpointId(x.id, 'the checkpoint header');
  if (!Number.isSafeInteger(x.created_at)) throw new NxsError('NXS_ERR_CHECKPOINT_INVALID', 'the checkpoint header has no created_at time (milliseconds)');
  return x as ContainerHeader;
}

/**
 * What nxs writes (`ckpt_<time base36>_<10 hex>`), loosely: `ckpt_` then groups of
 * lowercase letters and digits joined by `_`. The id names the file in the
 * checkpoints folder, so a `/`, `.` or `..` must never get through.
 */
export const CHECKPOINT_ID = /^ckpt_[a-z0-9]{1,32}(?:_[a-z0-9]{1,32}){0,3}$/;

export function assertCheckpointId(id: unknown, where: string): string {
  if (typeof id !== 'string' || !CHECKPOINT_ID.test(id)) {
    throw new NxsError('NXS_ERR_CHECKPOINT_INVALID', `${where} names the checkpoint ${JSON.stringify(String(id).slice(0, 80))}; a checkpoint id is ckpt_ followed by lowercase letters, digits and single underscores (no dots or slashes)`, { id: String(id).slice(0, 80) });
  }
  return id;
}

export function publicKeyFromB64(b64: string): KeyObject {
  try {
    return createPublicKey({ key: Buffer.from(b64, 'base64'), format: 'der', type: 'spki' });
  } catch {
    throw new NxsError('NXS_ERR_CHECKPOINT_TAMPERED', 'the signer key in the checkpoint header is not an Ed25519 public key');
  }
}

export function verifySignature(p: ParsedContainer, publicKey: KeyObject, what = 'the checkpoint'): void {
  const ok = verify(null, Buffer.concat([p.prefix, p.headerBytes, p.iv, p.tag, p.ciphertext]), publicKey, p.signature);
  if (!ok) {
    throw new NxsError('NXS_ERR_CHECKPOINT_TAMPERED', `${what} does not match its signature: it was altered after it was written, or signed by another host's key`);
  }
}

export function decrypt(p: ParsedContainer, header: ContainerHeader, key: Buffer, keyIdOf: (k: Buffer) => string): Buffer {
  if (keyIdOf(key) !== header.enc.key_id) {
    throw new NxsError('NXS_ERR_CHECKPOINT_WRONG_KEY', `the checkpoint was encrypted with key ${header.enc.key_id}, not with the key given (${keyIdOf(key)})`, { expected: header.enc.key_id });
  }
  try {
    const d = createDecipheriv('aes-256-gcm', key, p.iv);
    d.setAAD(Buffer.concat([p.prefix, p.headerBytes]));
    d.setAuthTag(p.tag);
    return Buffer.concat([d.update(p.ciphertext), d.final()]);
  } catch {
    throw new NxsError('NXS_ERR_CHECKPOINT_WRONG_KEY', 'the checkpoint does not decrypt with the key given');
  }
}
