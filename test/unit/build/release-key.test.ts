import { describe, it, expect } from 'vitest';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import { releaseKeyModule, releasePublicKeyPem } from '../../../build/release-key.ts';
import { BUILT_IN_RELEASE_KEY } from '../../../src/install/release-key.ts';
import { REPO_ROOT } from '../../helpers/test-context.ts';

/** What src/install/release-key.ts exports once bundled with the plugin (as build/bundle.ts does). */
async function bundledKey(pem: string | undefined): Promise<unknown> {
  const entry = path.join(REPO_ROOT, 'src/install/release-key.ts');
  const r = await build({ entryPoints: [entry], bundle: true, format: 'cjs', platform: 'node', write: false, logLevel: 'silent', plugins: [releaseKeyModule(pem)] });
  const mod = { exports: {} as Record<string, unknown> };
  new Function('module', 'exports', r.outputFiles[0]!.text)(mod, mod.exports);
  return mod.exports.BUILT_IN_RELEASE_KEY;
}

describe('the release key built into the file (nxs verify pins it)', () => {
  it('is null from source and in a build without --release-pub, and the given key in one with it', async () => {
    expect(BUILT_IN_RELEASE_KEY).toBeNull();
    expect(await bundledKey(undefined)).toBeNull();
    const pub = generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }) as string;
    expect(await bundledKey(pub)).toBe(pub);
  });

  it('--release-pub takes the public key or the private key it derives from, and refuses a non-Ed25519 key', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'nxs-release-pub-'));
    try {
      const { privateKey, publicKey } = generateKeyPairSync('ed25519');
      const pub = publicKey.export({ type: 'spki', format: 'pem' }) as string;
      writeFileSync(path.join(dir, 'key.pem'), privateKey.export({ type: 'pkcs8', format: 'pem' }));
      writeFileSync(path.join(dir, 'key.pub'), pub);
      writeFileSync(path.join(dir, 'rsa.pub'), generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ type: 'spki', format: 'pem' }));
      expect(releasePublicKeyPem(path.join(dir, 'key.pem'))).toBe(pub);
      expect(releasePublicKeyPem(path.join(dir, 'key.pub'))).toBe(pub);
      expect(() => releasePublicKeyPem(path.join(dir, 'rsa.pub'))).toThrow(/is a rsa key; release signatures use Ed25519/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
