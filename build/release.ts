// npm run release: both architectures, each with the release public key built in (what
// `nxs verify` trusts), then SHA256SUMS and its detached Ed25519 signature.
//   NXS_RELEASE_KEY=/path/key.pem node build/release.ts [--skip-build]
// Without NXS_RELEASE_KEY a key is generated once into .build/release-key.pem
// (mode 0600, never in dist/). The public half is also written to dist/nxs-release.pub for
// openssl users to compare with a copy from a channel they trust; `nxs verify` never reads it.
import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { sha256File } from './payload.ts';
import { formatSums } from '../src/install/sums.ts';
import { keyFingerprint } from '../src/install/verify.ts';
import { TARGETS } from './targets.ts';

const root = path.resolve(import.meta.dirname, '..');
const dist = path.join(root, 'dist');

/** The signing key: NXS_RELEASE_KEY (PEM file) or the generated development key. */
export function loadOrCreateKey(env: Readonly<Record<string, string | undefined>>, devKeyFile: string): { key: KeyObject; source: string } {
  const file = env.NXS_RELEASE_KEY;
  if (file) {
    const key = createPrivateKey(readFileSync(file));
    if (key.asymmetricKeyType !== 'ed25519') throw new Error(`release: NXS_RELEASE_KEY ${file} is a ${key.asymmetricKeyType} key; expected an Ed25519 private key (openssl genpkey -algorithm ed25519)`);
    return { key, source: file };
  }
  if (!existsSync(devKeyFile)) {
    mkdirSync(path.dirname(devKeyFile), { recursive: true });
    const { privateKey } = generateKeyPairSync('ed25519');
    writeFileSync(devKeyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600, flag: 'wx' });
  }
  return { key: createPrivateKey(readFileSync(devKeyFile)), source: devKeyFile };
}

/** Writes through a temp name and a rename so a reader never sees half a file. */
function writeAtomic(file: string, data: string | Buffer): void {
  writeFileSync(`${file}.tmp`, data);
  renameSync(`${file}.tmp`, file);
}

/** SHA256SUMS over `files` (basenames), its signature, and the public key, all in `outDir`. */
export async function signRelease(files: readonly string[], key: KeyObject, outDir: string): Promise<{ sums: string; fingerprint: string }> {
  const entries: Array<[string, string]> = [];
  for (const f of files) entries.push([path.basename(f), await sha256File(f)]);
  const sums = formatSums(entries);
  const pub = createPublicKey(key);
  writeAtomic(path.join(outDir, 'nxs-release.pub'), pub.export({ type: 'spki', format: 'pem' }) as string);
  writeAtomic(path.join(outDir, 'SHA256SUMS'), sums);
  writeAtomic(path.join(outDir, 'SHA256SUMS.sig'), sign(null, Buffer.from(sums), key));
  return { sums, fingerprint: keyFingerprint(pub) };
}

if (import.meta.main) {
  const { values } = parseArgs({ options: { 'skip-build': { type: 'boolean', default: false } } });
  const { key, source } = loadOrCreateKey(process.env, path.join(root, '.build/release-key.pem'));
  const outputs: string[] = [];
  for (const t of Object.values(TARGETS)) {
    if (!values['skip-build']) execFileSync(process.execPath, [path.join(root, 'build/build.ts'), '--arch', t.arch, '--release-pub', source], { stdio: 'inherit', cwd: root });
    outputs.push(path.join(dist, t.output));
  }
  const { sums, fingerprint } = await signRelease(outputs, key, dist);
  process.stderr.write(sums);
  console.error(`release: signed SHA256SUMS with ${source} (key ${fingerprint}); ${values['skip-build'] ? 'the files in dist/ were not rebuilt: they trust the key they were built with' : 'the files trust this key'}; public key dist/nxs-release.pub`);
  console.log(JSON.stringify({ files: outputs.map((f) => path.relative(root, f)), key: fingerprint, signed_with: path.relative(root, source) }));
}
