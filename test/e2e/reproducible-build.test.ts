import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFileSync } from 'node:child_process';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { arch } from 'node:process';
import path from 'node:path';
import { CORE_CACHE_FILE } from '../../src/runtime/load-core.ts';
import { signRelease } from '../../build/release.ts';
import { ROOT, runNxs, tempDir } from './run-nxs.ts';

// Issue 16: one commit built twice gave two files (payload sha256 c256d54c... and 36338b50...).
// Now every byte is the same but the code cache trained on a real start (app/core.cache), whose
// bytes depend on which functions that start happened to run (docs/reproducible-build.md), and
// a build given that cache (--code-cache) writes the very same file.
// Three builds side by side (--build-dir, --out: none touches .build/ nor dist/), so this lives
// with the e2e suite, which builds anyway. --fast (~15 s each on 2 cores; -19 takes ~60 s): the
// zstd level changes how the same bytes are packed, not which (measured at -19 too: the same
// staged bytes gave the same payload).

const ARCH = arch === 'arm64' ? 'arm64' : 'x64';
// Made in beforeAll: a folder made at import would be left behind by a run that collects this file without running it.
let dir = '';
const builds = ['a', 'b', 'c'] as const;
type Build = (typeof builds)[number];
const stageOf = (b: Build): string => path.join(dir, b, ARCH, 'runtime');
const payloadOf = (b: Build): string => path.join(dir, b, ARCH, 'payload.tar.zst');
const fileOf = (b: Build): string => path.join(dir, b, 'nxs');
// The release key, built into each file as build/release.ts does (--release-pub).
const releaseKey = generateKeyPairSync('ed25519');
const releasePub = (): string => path.join(dir, 'release.pub');

function sha256(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

/** Every file of a staged runtime, relative path -> sha256. */
function fileHashes(root: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const e of readdirSync(root, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) {
      const p = path.join(e.parentPath, e.name);
      out.set(path.relative(root, p), sha256(p));
    }
  }
  return out;
}

/** The tar listing as shipped: order, names, modes, owners, sizes and times. */
function listing(payload: string): string[] {
  const script = 'set -o pipefail; zstd -dc -- "$1" | tar -tv --full-time --numeric-owner -f -';
  return execFileSync('bash', ['-c', script, 'bash', payload], { encoding: 'utf8', maxBuffer: 64 << 20 }).trim().split('\n');
}

/** The single file cut into header, helper and payload, with the values that name the payload masked. */
function parts(file: string): { header: string; helper: Buffer; payload: Buffer } {
  const bytes = readFileSync(file);
  const head = bytes.subarray(0, 64 * 1024).toString('latin1');
  const headerBytes = Number(/^NXS_HEADER_BYTES=(\d+)/m.exec(head)![1]);
  const helperBytes = Number(/^NXS_HELPER_BYTES=(\d+)/m.exec(head)![1]);
  const payloadSha = /^NXS_PAYLOAD_SHA256='([0-9a-f]{64})'/m.exec(head)![1]!;
  const header = bytes
    .subarray(0, headerBytes)
    .toString('latin1')
    .replaceAll(payloadSha, '<payload sha256>')
    .replace(/NXS_HEADER_SHA256=[0-9a-f]{64}/, 'NXS_HEADER_SHA256=<header sha256>')
    .replace(/^NXS_PAYLOAD_BYTES=\d+/m, 'NXS_PAYLOAD_BYTES=<n>')
    .replace(/^NXS_UNPACKED_KB=\d+/m, 'NXS_UNPACKED_KB=<n>');
  return { header, helper: bytes.subarray(headerBytes, headerBytes + helperBytes), payload: bytes.subarray(headerBytes + helperBytes) };
}

describe('the same tree built twice', () => {
  beforeAll(() => {
    dir = tempDir('nxs-repro-');
    writeFileSync(releasePub(), releaseKey.publicKey.export({ type: 'spki', format: 'pem' }));
    for (const b of builds) {
      // c ships a's trained code cache instead of training its own.
      const cache = b === 'c' ? ['--code-cache', path.join(stageOf('a'), CORE_CACHE_FILE)] : [];
      const args = ['--fast', '--arch', ARCH, '--build-dir', path.join(dir, b), '--out', fileOf(b), '--release-pub', releasePub(), ...cache];
      execFileSync(process.execPath, [path.join(ROOT, 'build/build.ts'), ...args], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
    }
  }, 600_000);
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('stages the same bytes except the trained code cache', () => {
    const [a, b] = [fileHashes(stageOf('a')), fileHashes(stageOf('b'))];
    expect([...a.keys()].sort()).toEqual([...b.keys()].sort());
    const differ = [...a].filter(([p, h]) => b.get(p) !== h).map(([p]) => p);
    // An empty list is fine too (two trainings can happen to run the same functions).
    expect(differ.filter((p) => p !== CORE_CACHE_FILE)).toEqual([]);
  });

  it('packs them in the same order, with the same names, modes, owners and times', () => {
    const sizeless = (lines: string[]): string[] => lines.map((l) => (l.endsWith(` ./${CORE_CACHE_FILE}`) ? l.replace(/ \d+ (\d{4}-)/, ' <size> $1') : l));
    expect(sizeless(listing(payloadOf('b')))).toEqual(sizeless(listing(payloadOf('a'))));
  });

  it('given the first build`s code cache (--code-cache), a build writes the first file byte for byte', () => {
    expect(sha256(fileOf('c'))).toBe(sha256(fileOf('a')));
  });

  it('writes the same header and helper; only the values naming the payload differ', () => {
    const [a, b] = [parts(fileOf('a')), parts(fileOf('b'))];
    expect(b.header).toBe(a.header);
    expect(b.helper.equals(a.helper)).toBe(true);
    expect(a.payload.equals(readFileSync(payloadOf('a')))).toBe(true);
  });

  // Issue 16: verify trusted the nxs-release.pub lying next to the download. The built file pins its own key.
  it('nxs verify checks a download against the release key built into the file, never the one beside it', async () => {
    const dl = path.join(dir, 'download');
    mkdirSync(dl);
    copyFileSync(fileOf('b'), path.join(dl, 'nxs'));
    await signRelease([path.join(dl, 'nxs')], releaseKey.privateKey, dl);
    const home = tempDir();
    try {
      const ok = await runNxs(['verify', path.join(dl, 'nxs')], { home, file: fileOf('a') });
      expect(ok.code).toBe(0);
      expect(ok.stdout).toMatch(/^ok: nxs\n.*\nchecked: .* is a valid signature of that list by the release key built into this nxs, fingerprint [0-9a-f]{16}\n$/);
      // Whoever swaps the file can sign a new list with a key of their own and leave it beside the file.
      writeFileSync(path.join(dl, 'nxs'), 'not nxs');
      await signRelease([path.join(dl, 'nxs')], generateKeyPairSync('ed25519').privateKey, dl);
      const swapped = await runNxs(['verify', path.join(dl, 'nxs')], { home, file: fileOf('a') });
      expect(swapped.code).toBe(9);
      expect(swapped.stderr).toMatch(/under the built-in release key [0-9a-f]{16}: the list was altered or signed by another key/);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});
