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
  /** Default: nxs-release.pub next to the file. Pass one from a trusted channel. */
  key?: string | undefined;
}

export interface VerifyResult {
  file: string;
  name: string;
  sha256: string;
  sums: string;
  key: string;
  keyFingerprint: string;
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

function readPublicKey(file: string): KeyObject {
  const pem = readInput(file, 'public key');
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch (err) {
    throw new NxsError('NXS_ERR_VERIFY_INPUT', `${file} is not a PEM public key (${errorMessage(err)})`, { file });
  }
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new NxsError('NXS_ERR_VERIFY_INPUT', `${file} is a ${key.asymmetricKeyType ?? 'unknown'} key; release signatures use Ed25519`, { file });
  }
  return key;
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
 * Signature first (is SHA256SUMS what the key holder signed?), then the file's
 * hash against its line. Throws NXS_ERR_VERIFY_FAILED saying which check failed.
 */
export async function verifyRelease(input: VerifyInput): Promise<VerifyResult> {
  const dir = path.dirname(path.resolve(input.file));
  const sumsFile = path.resolve(input.sums ?? path.join(dir, 'SHA256SUMS'));
  const sigFile = path.resolve(input.sig ?? `${sumsFile}.sig`);
  const keyFile = path.resolve(input.key ?? path.join(dir, 'nxs-release.pub'));
  const key = readPublicKey(keyFile);
  const sumsBytes = readInput(sumsFile, 'checksum list');
  const sig = readSignature(sigFile);
  const fp = keyFingerprint(key);
  if (!verifySignature(null, sumsBytes, key, sig)) {
    throw new NxsError('NXS_ERR_VERIFY_FAILED', `the signature ${sigFile} does not match ${sumsFile} under key ${fp} (${keyFile}): the list was altered or signed by another key`, { sums: sumsFile, key: fp });
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
  return { file: input.file, name, sha256: got, sums: sumsFile, key: keyFile, keyFingerprint: fp };
}
