import { createHash, createPublicKey, verify as verifySignature, type KeyObject } from 'node:crypto';
import { createReadStream, readFileSync } from 'node:fs';
import path from 'node:path';
import { NxsError, errorMessage } from '../core/errors.ts';
import { parseSums } from './sums.ts';

export interface VerifyInput {
  file: string;
  /** Default: SHA256SUMS next to the file. */
  sums?: string | undefined;
  /** Default: <sums>.sig. */
  sig?: string | undefined;
  /** A public key file given explicitly (--key), from a channel the user trusts. Never looked for next to the file. */
  key?: string | undefined;
  /** The release key built into this nxs (src/install/release-key.ts), used when no key file is given. */
  builtInKey?: string | null | undefined;
}

/** What was checked: the signature only with a pinned key (built in, or given with --key). */
export type VerifySignature = { keyFingerprint: string; keySource: 'built-in' | 'file'; keyFile: string | null; sig: string };

export interface VerifyResult {
  file: string;
  name: string;
  sha256: string;
  sums: string;
  /** `checksum`: the file's sha256 is on its line of the list, and nothing says who wrote the list. */
  checked: 'checksum' | 'checksum+signature';
  signature: VerifySignature | null;
}

/** An Ed25519 signature is 64 bytes; also accept it base64-encoded (88 chars) for copy-paste. */
function readSignature(file: string): Buffer {
  const raw = readInput(file, 'signature');
  if (raw.length === 64) return raw;
  const text = raw.toString('latin1').trim();
  if (/^[A-Za-z0-9+/]{86}==$/.test(text)) return Buffer.from(text, 'base64');
  throw new NxsError('NXS_ERR_VERIFY_INPUT', `${file} is not an Ed25519 signature (expected 64 bytes, or 88 base64 characters); got ${raw.length} bytes`, { file });
}

function readInput(file: string, what: string): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    throw new NxsError('NXS_ERR_VERIFY_INPUT', `cannot read the ${what} ${file} (${errorMessage(err)})`, { file });
  }
}

/** `what` names the key in messages: its file, or `the built-in release key`. */
function publicKeyOf(pem: Buffer | string, what: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch (err) {
    throw new NxsError('NXS_ERR_VERIFY_INPUT', `${what} is not a PEM public key (${errorMessage(err)})`, { key: what });
  }
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new NxsError('NXS_ERR_VERIFY_INPUT', `${what} is a ${key.asymmetricKeyType ?? 'unknown'} key; release signatures use Ed25519`, { key: what });
  }
  return key;
}

/** The pinned key: --key when given, else the built-in one, else none (no key next to the file is ever trusted). */
function pinnedKey(input: VerifyInput): { key: KeyObject; source: 'built-in' | 'file'; file: string | null } | null {
  if (input.key !== undefined) {
    const file = path.resolve(input.key);
    return { key: publicKeyOf(readInput(file, 'public key'), file), source: 'file', file };
  }
  if (input.builtInKey) return { key: publicKeyOf(input.builtInKey, 'the built-in release key'), source: 'built-in', file: null };
  return null;
}

/** A short, stable name for a key: sha256 of its DER, first 16 hex digits. */
export function keyFingerprint(key: KeyObject): string {
  return createHash('sha256').update(key.export({ type: 'spki', format: 'der' })).digest('hex').slice(0, 16);
}

export function sha256OfFile(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256');
    createReadStream(file)
      .on('data', (c) => h.update(c))
      .on('end', () => resolve(h.digest('hex')))
      .on('error', (err) => reject(new NxsError('NXS_ERR_VERIFY_INPUT', `cannot read ${file} (${errorMessage(err)})`, { file })));
  });
}

/**
 * Signature first (is SHA256SUMS what the holder of the pinned key signed?), then the file's
 * hash against its line. The key is pinned: built into this nxs, or given with --key; a key
 * lying next to the download proves nothing about who made it, so it is never read. With no
 * pinned key only the checksum is checked, and the result says so (`checked: 'checksum'`).
 * Throws NXS_ERR_VERIFY_FAILED saying which check failed.
 */
export async function verifyRelease(input: VerifyInput): Promise<VerifyResult> {
  const dir = path.dirname(path.resolve(input.file));
  const sumsFile = path.resolve(input.sums ?? path.join(dir, 'SHA256SUMS'));
  const pinned = pinnedKey(input);
  const sumsBytes = readInput(sumsFile, 'checksum list');
  let signature: VerifySignature | null = null;
  if (pinned) {
    const sigFile = path.resolve(input.sig ?? `${sumsFile}.sig`);
    const sig = readSignature(sigFile);
    const fp = keyFingerprint(pinned.key);
    const whose = pinned.file ? `key ${fp} (${pinned.file})` : `the built-in release key ${fp}`;
    if (!verifySignature(null, sumsBytes, pinned.key, sig)) {
      const what = `the signature ${sigFile} does not match ${sumsFile} under ${whose}: the list was altered or signed by another key`;
      throw new NxsError('NXS_ERR_VERIFY_FAILED', what, { sums: sumsFile, key: fp });
    }
    signature = { keyFingerprint: fp, keySource: pinned.source, keyFile: pinned.file, sig: sigFile };
  }
  const sums = parseSums(sumsBytes.toString('utf8'), sumsFile);
  const name = path.basename(input.file);
  const want = sums.get(name);
  if (!want) {
    throw new NxsError('NXS_ERR_VERIFY_FAILED', `${sumsFile} has no line for ${name} (it lists ${[...sums.keys()].join(', ')})`, { name });
  }
  const got = await sha256OfFile(input.file);
  if (got !== want) {
    throw new NxsError('NXS_ERR_VERIFY_FAILED', `${input.file} does not match the signed checksum: sha256 ${got}, expected ${want}; download it again`, { name, got, want });
  }
  return { file: input.file, name, sha256: got, sums: sumsFile, checked: signature ? 'checksum+signature' : 'checksum', signature };
}
