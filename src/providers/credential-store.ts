import { readFileSync, mkdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { randomBytes, createCipheriv, createDecipheriv } from 'node:crypto';
import { NxsError, errorMessage, systemErrorCode } from '../core/errors.ts';
import { writeFileAtomic } from '../runtime/atomic-write.ts';

export const CREDENTIALS_FILE = 'credentials.enc';
export const CREDENTIALS_KEY_FILE = 'credentials.key';

export interface CredentialStorePaths {
  /** <dataDir>/credentials.enc: the sealed names and values. */
  file: string;
  /** <home>/keys/credentials.key: 32 random bytes, 0600, kept apart from the data folder (a copy of the data alone reveals nothing). */
  keyFile: string;
}

export function credentialStorePaths(home: string, dataDir: string): CredentialStorePaths {
  return { file: path.join(dataDir, CREDENTIALS_FILE), keyFile: path.join(home, 'keys', CREDENTIALS_KEY_FILE) };
}

interface Sealed {
  v: 1;
  alg: 'aes-256-gcm';
  iv: string;
  tag: string;
  data: string;
}

const NAME = /^[A-Za-z_][A-Za-z0-9_.-]{0,127}$/;

/**
 * seed 001's credentials.enc: one AES-256-GCM sealed JSON map of name -> value.
 * The whole file is resealed with a fresh IV on each change and replaced
 * atomically, so a crash leaves the old store or the new, never half.
 */
export class CredentialStore {
  readonly paths: CredentialStorePaths;
  private cached: { stamp: string; all: Record<string, string> } | null = null;
  constructor(paths: CredentialStorePaths) {
    this.paths = paths;
  }

  list(): string[] {
    return Object.keys(this.readAll()).sort();
  }

  /** Read on every provider call: the decrypted map is reused while the file's mtime and size stay the same. */
  get(name: string): string | undefined {
    const st = statSync(this.paths.file, { throwIfNoEntry: false });
    if (!st) {
      this.cached = null;
      return undefined;
    }
    const stamp = `${st.mtimeMs}:${st.size}:${st.ino}`;
    if (this.cached?.stamp !== stamp) this.cached = { stamp, all: this.readAll() };
    return this.cached.all[name];
  }

  set(name: string, value: string): void {
    if (!NAME.test(name)) throw new NxsError('NXS_ERR_SECRET_INVALID', `credential name ${JSON.stringify(name.slice(0, 40))} is not valid: use letters, digits, _ . - (starting with a letter or _)`);
    if (value.length === 0 || /[\r\n]/.test(value)) throw new NxsError('NXS_ERR_SECRET_INVALID', `the value for ${name} must be one non-empty line`);
    const all = this.readAll();
    all[name] = value;
    this.writeAll(all);
  }

  remove(name: string): void {
    const all = this.readAll();
    if (!(name in all)) throw new NxsError('NXS_ERR_SECRET_NOT_FOUND', `no credential named ${name} in ${this.paths.file} (see: nxs secrets ls)`);
    delete all[name];
    this.writeAll(all);
  }

  exists(): boolean {
    try {
      statSync(this.paths.file);
      return true;
    } catch {
      return false;
    }
  }

  private readAll(): Record<string, string> {
    let text: string;
    try {
      text = readFileSync(this.paths.file, 'utf8');
    } catch (err) {
      if (systemErrorCode(err) === 'ENOENT') return {};
      throw new NxsError('NXS_ERR_SECRET_STORE', `cannot read ${this.paths.file}: ${errorMessage(err)}`);
    }
    const key = this.readKey(false);
    if (!key) throw new NxsError('NXS_ERR_SECRET_STORE', `${this.paths.file} exists but its key ${this.paths.keyFile} is missing; restore the key or remove the store and set the credentials again`);
    try {
      const sealed = JSON.parse(text) as Sealed;
      if (sealed.v !== 1 || sealed.alg !== 'aes-256-gcm') throw new Error(`unknown format ${String(sealed.v)}/${String(sealed.alg)}`);
      const d = createDecipheriv('aes-256-gcm', key, Buffer.from(sealed.iv, 'base64'));
      d.setAuthTag(Buffer.from(sealed.tag, 'base64'));
      const plain = Buffer.concat([d.update(Buffer.from(sealed.data, 'base64')), d.final()]).toString('utf8');
      return JSON.parse(plain) as Record<string, string>;
    } catch (err) {
      throw new NxsError('NXS_ERR_SECRET_STORE', `${this.paths.file} cannot be decrypted with ${this.paths.keyFile} (wrong key or damaged file: ${errorMessage(err)})`);
    }
  }

  private writeAll(all: Record<string, string>): void {
    const key = this.readKey(true)!;
    const iv = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', key, iv);
    const data = Buffer.concat([c.update(JSON.stringify(all), 'utf8'), c.final()]);
    const sealed: Sealed = { v: 1, alg: 'aes-256-gcm', iv: iv.toString('base64'), tag: c.getAuthTag().toString('base64'), data: data.toString('base64') };
    try {
      mkdirSync(path.dirname(this.paths.file), { recursive: true, mode: 0o700 });
      writeFileAtomic(this.paths.file, JSON.stringify(sealed) + '\n', 0o600);
    } catch (err) {
      throw new NxsError('NXS_ERR_SECRET_STORE', `cannot write ${this.paths.file}: ${errorMessage(err)}`);
    }
  }

  private readKey(create: boolean): Buffer | null {
    try {
      const st = statSync(this.paths.keyFile);
      if ((st.mode & 0o077) !== 0) throw new NxsError('NXS_ERR_SECRET_STORE', `${this.paths.keyFile} is readable by other users; run: chmod 600 ${this.paths.keyFile}`);
      const key = Buffer.from(readFileSync(this.paths.keyFile, 'utf8').trim(), 'base64');
      if (key.length !== 32) throw new NxsError('NXS_ERR_SECRET_STORE', `${this.paths.keyFile} does not hold a 32-byte key`);
      return key;
    } catch (err) {
      if (err instanceof NxsError) throw err;
      if (systemErrorCode(err) !== 'ENOENT') throw new NxsError('NXS_ERR_SECRET_STORE', `cannot read ${this.paths.keyFile}: ${errorMessage(err)}`);
      if (!create) return null;
    }
    const key = randomBytes(32);
    try {
      mkdirSync(path.dirname(this.paths.keyFile), { recursive: true, mode: 0o700 });
      writeFileAtomic(this.paths.keyFile, key.toString('base64') + '\n', 0o600);
    } catch (err) {
      throw new NxsError('NXS_ERR_SECRET_STORE', `cannot create ${this.paths.keyFile}: ${errorMessage(err)}`);
    }
    return key;
  }
}
