import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Plugin } from 'esbuild';

/**
 * The release public key to build into the file, as SPKI PEM: read from `file`, which may hold the
 * public key or the private one it is derived from. Only Ed25519, as `nxs verify` checks.
 */
export function releasePublicKeyPem(file: string): string {
  const pem = readFileSync(file, 'utf8');
  let key: KeyObject;
  try {
    key = pem.includes('PRIVATE KEY') ? createPublicKey(createPrivateKey(pem)) : createPublicKey(pem);
  } catch (err) {
    throw new Error(`build: --release-pub ${file} is not a PEM key (${err instanceof Error ? err.message : String(err)})`);
  }
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new Error(`build: --release-pub ${file} is a ${key.asymmetricKeyType ?? 'unknown'} key; release signatures use Ed25519`);
  }
  return key.export({ type: 'spki', format: 'pem' }) as string;
}

/**
 * Builds the release key into the bundle: src/install/release-key.ts (null when run from source) is
 * replaced by a module holding `pem`. Without a key the file is left as it is, and that build's
 * `nxs verify` checks signatures only against a key given with --key.
 */
export function releaseKeyModule(pem: string | undefined): Plugin {
  return {
    name: 'release-key',
    setup(b) {
      if (pem === undefined) return;
      const contents = `export const BUILT_IN_RELEASE_KEY = ${JSON.stringify(pem)};`;
      b.onLoad({ filter: /[\\/]src[\\/]install[\\/]release-key\.ts$/ }, () => ({ contents, loader: 'js' }));
    },
  };
}
