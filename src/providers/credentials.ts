import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { systemErrorCode } from '../core/errors.ts';
import type { CredentialStore } from './credential-store.ts';
import type { ProviderSpec } from './provider-spec.ts';

export type CredentialSource = 'env' | 'env-file' | 'secret-file' | 'store' | 'config' | 'prompt' | 'none';

export interface ResolvedCredential {
  value: string | undefined;
  source: CredentialSource;
  /** A short digest to notice a changed key without keeping the key. */
  fingerprint: string;
}

export interface CredentialSources {
  env: Readonly<Record<string, string | undefined>>;
  /** The mounted secrets folder (/run/secrets); injectable for tests. */
  secretsDir: string;
  store: CredentialStore | null;
  /** Asks a person for the key; given only to the CLI on a TTY. */
  prompt?: ((provider: ProviderSpec) => Promise<string | undefined>) | undefined;
  /** Every key found is registered here so it never reaches logs or answers. */
  redact: (secret: string) => void;
}

// A key is resolved about once a second per provider (credential-cache.ts); its digest is worked out once per distinct value (a handful per host).
const fingerprints = new Map<string, string>();

export function fingerprint(value: string | undefined): string {
  if (!value) return 'none';
  let fp = fingerprints.get(value);
  if (fp === undefined) {
    fp = createHash('sha256').update(value).digest('hex').slice(0, 16);
    // Bounded: rotated keys do not pile up.
    if (fingerprints.size >= 64) fingerprints.clear();
    fingerprints.set(value, fp);
  }
  return fp;
}

/**
 * In order: environment variable, `<ENV>_FILE`, the mounted secret file
 * (/run/secrets/<secret> or <env lowercased>), the encrypted store, the config
 * file, and last a prompt (CLI on a TTY only). Callers go through CredentialCache,
 * which asks again at most once a second, so a rotated key is picked up without a
 * restart. Answers without a promise unless it
 * has to ask (an await per call costs the door's path a few thousand instructions).
 */
export function resolveCredential(p: ProviderSpec, src: CredentialSources): ResolvedCredential | Promise<ResolvedCredential> {
  const known = resolveWithoutPrompt(p, src);
  if (known.source !== 'none' || p.credential.none || !src.prompt || p.local) return known;
  return src.prompt(p).then((v) => (v ? found(src, v, 'prompt') : known));
}

function found(src: CredentialSources, value: string | undefined, source: CredentialSource): ResolvedCredential {
  const v = value?.trim();
  if (v) src.redact(v);
  return { value: v, source, fingerprint: fingerprint(v) };
}

function resolveWithoutPrompt(p: ProviderSpec, src: CredentialSources): ResolvedCredential {
  if (p.credential.none) return found(src, undefined, 'none');
  const c = p.credential;
  const fromEnv = src.env[c.env];
  if (fromEnv) return found(src, fromEnv, 'env');
  const envFile = src.env[`${c.env}_FILE`];
  if (envFile) {
    const v = readSecretFile(envFile);
    if (v) return found(src, v, 'env-file');
  }
  // Most hosts have no secrets folder: one check of the folder instead of one per candidate name.
  for (const name of existsSync(src.secretsDir) ? new Set([c.secret, c.env.toLowerCase(), p.name]) : []) {
    if (name.includes('/') || name.startsWith('.')) continue;
    const v = readSecretFile(path.join(src.secretsDir, name));
    if (v) return found(src, v, 'secret-file');
  }
  const stored = src.store?.get(c.secret) ?? (c.secret !== c.env ? src.store?.get(c.env) : undefined);
  if (stored) return found(src, stored, 'store');
  if (c.value) return found(src, c.value, 'config');
  return found(src, undefined, 'none');
}

function readSecretFile(file: string): string | undefined {
  // Checked on every call; a failed read costs an exception, a failed existsSync does not (measured: 4% of a door request).
  if (!existsSync(file)) return undefined;
  try {
    return readFileSync(file, 'utf8').trim() || undefined;
  } catch (err) {
    const code = systemErrorCode(err);
    // A missing or unreadable mount is a normal "not here"; the next source answers.
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EACCES' || code === 'EISDIR') return undefined;
    throw err;
  }
}
