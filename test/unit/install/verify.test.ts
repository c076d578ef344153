import { describe, it, expect } from 'vitest';
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { signRelease } from '../../../build/release.ts';
import { verifyRelease } from '../../../src/install/verify.ts';
import { parseSums, formatSums } from '../../../src/install/sums.ts';
import { realSystemctl } from '../../../src/install/installer.ts';

function pem(key: KeyObject): string {
  return key.export({ type: 'spki', format: 'pem' }) as string;
}

function release(): { dir: string; file: string; other: string; [Symbol.dispose](): void } {
  const dir = mkdtempSync(path.join(tmpdir(), 'nxs-verify-'));
  const file = path.join(dir, 'nxs');
  const other = path.join(dir, 'nxs-arm64');
  writeFileSync(file, Buffer.concat([Buffer.from('#!/bin/sh\n# nxs\n'), Buffer.alloc(70_000, 7)]));
  writeFileSync(other, 'arm64 build');
  return { dir, file, other, [Symbol.dispose]: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A release signed by the release key, whose public half is what a built nxs carries (`builtInKey`). */
async function signed(): Promise<ReturnType<typeof release> & { builtInKey: string }> {
  const r = release();
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  await signRelease([r.file, r.other], privateKey, r.dir);
  return Object.assign(r, { builtInKey: pem(publicKey) });
}

describe('nxs verify against a signed SHA256SUMS', () => {
  it('accepts an untouched file signed by the built-in release key, and says it checked the signature', async () => {
    using r = await signed();
    const res = await verifyRelease({ file: r.file, builtInKey: r.builtInKey });
    expect(res).toMatchObject({ name: 'nxs', checked: 'checksum+signature', signature: { keySource: 'built-in', keyFile: null } });
    expect(res.signature?.keyFingerprint).toMatch(/^[0-9a-f]{16}$/);
    expect((await verifyRelease({ file: r.other, builtInKey: r.builtInKey })).name).toBe('nxs-arm64');
  });

  // Issue 16: verify read nxs-release.pub next to the file, so whoever replaced the download could
  // replace the list, the signature and the key beside it, and verify printed "signed".
  it('never trusts a key lying next to the file: a swapped list, signature and key fail against the built-in key', async () => {
    using r = await signed();
    writeFileSync(r.file, 'evil');
    await signRelease([r.file], generateKeyPairSync('ed25519').privateKey, r.dir);
    await expect(verifyRelease({ file: r.file, builtInKey: r.builtInKey })).rejects.toMatchObject({ code: 'NXS_ERR_VERIFY_FAILED', message: expect.stringMatching(/under the built-in release key [0-9a-f]{16}: the list was altered or signed by another key/) });
  });

  it('with no key built in and none given, checks the checksum only and says so', async () => {
    using r = await signed();
    const res = await verifyRelease({ file: r.file, builtInKey: null });
    expect(res).toMatchObject({ name: 'nxs', checked: 'checksum', signature: null });
    // The signature file is not even read: a missing one changes nothing, since nothing was pinned to check it with.
    await expect(verifyRelease({ file: r.file, sig: path.join(r.dir, 'missing.sig') })).resolves.toMatchObject({ checked: 'checksum' });
  });

  it('a key given with --key wins over the built-in one', async () => {
    using r = await signed();
    const given = path.join(r.dir, 'trusted.pub');
    writeFileSync(given, r.builtInKey);
    const other = pem(generateKeyPairSync('ed25519').publicKey);
    await expect(verifyRelease({ file: r.file, key: given, builtInKey: other })).resolves.toMatchObject({ checked: 'checksum+signature', signature: { keySource: 'file', keyFile: given } });
  });

  it('rejects a file with one flipped byte', async () => {
    using r = await signed();
    const bytes = readFileSync(r.file);
    bytes.writeUInt8(bytes.readUInt8(40_000) ^ 0x01, 40_000);
    writeFileSync(r.file, bytes);
    await expect(verifyRelease({ file: r.file, builtInKey: r.builtInKey })).rejects.toMatchObject({ code: 'NXS_ERR_VERIFY_FAILED', message: expect.stringMatching(/does not match the signed checksum/) });
  });

  it('rejects a signature made by another key', async () => {
    using r = await signed();
    const wrong = path.join(r.dir, 'other.pub');
    writeFileSync(wrong, generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }));
    await expect(verifyRelease({ file: r.file, key: wrong, builtInKey: r.builtInKey })).rejects.toMatchObject({ code: 'NXS_ERR_VERIFY_FAILED', message: expect.stringMatching(/signature .* does not match/) });
  });

  it('rejects a tampered SHA256SUMS even when the file matches the new line', async () => {
    using r = await signed();
    writeFileSync(r.file, 'evil');
    const sums = path.join(r.dir, 'SHA256SUMS');
    const evilHash = '5c8e2c2b1e3c9e0e8d1e3c4b0d7b4d8b5f8f3b2f6a1e0c9d8b7a6f5e4d3c2b1a';
    writeFileSync(sums, readFileSync(sums, 'utf8').replace(/^[0-9a-f]{64}(?=  nxs\n)/m, evilHash));
    await expect(verifyRelease({ file: r.file, builtInKey: r.builtInKey })).rejects.toMatchObject({ code: 'NXS_ERR_VERIFY_FAILED' });
  });

  it('rejects a file the signed list does not name', async () => {
    using r = await signed();
    const stray = path.join(r.dir, 'nxs-riscv');
    writeFileSync(stray, 'x');
    await expect(verifyRelease({ file: stray, builtInKey: r.builtInKey })).rejects.toMatchObject({ code: 'NXS_ERR_VERIFY_FAILED', message: expect.stringMatching(/no line for nxs-riscv/) });
  });

  it('accepts a base64 signature; missing or malformed inputs are NXS_ERR_VERIFY_INPUT', async () => {
    using r = await signed();
    const sig = path.join(r.dir, 'SHA256SUMS.sig');
    writeFileSync(path.join(r.dir, 'b64.sig'), readFileSync(sig).toString('base64') + '\n');
    const k = { builtInKey: r.builtInKey };
    await expect(verifyRelease({ file: r.file, sig: path.join(r.dir, 'b64.sig'), ...k })).resolves.toMatchObject({ name: 'nxs', checked: 'checksum+signature' });
    await expect(verifyRelease({ file: r.file, sig: path.join(r.dir, 'missing.sig'), ...k })).rejects.toMatchObject({ code: 'NXS_ERR_VERIFY_INPUT' });
    writeFileSync(path.join(r.dir, 'short.sig'), 'abc');
    await expect(verifyRelease({ file: r.file, sig: path.join(r.dir, 'short.sig'), ...k })).rejects.toMatchObject({ code: 'NXS_ERR_VERIFY_INPUT', message: expect.stringMatching(/64 bytes/) });
    const rsa = path.join(r.dir, 'rsa.pub');
    writeFileSync(rsa, generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ type: 'spki', format: 'pem' }));
    await expect(verifyRelease({ file: r.file, key: rsa })).rejects.toMatchObject({ code: 'NXS_ERR_VERIFY_INPUT', message: expect.stringMatching(/Ed25519/) });
  });

  it('a correctly signed but malformed list is an input error naming the line', async () => {
    using r = release();
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const text = `${'a'.repeat(64)}  nxs\nnot a checksum line\n`;
    writeFileSync(path.join(r.dir, 'SHA256SUMS'), text);
    writeFileSync(path.join(r.dir, 'SHA256SUMS.sig'), sign(null, Buffer.from(text), privateKey));
    await expect(verifyRelease({ file: r.file, builtInKey: pem(publicKey) })).rejects.toMatchObject({ code: 'NXS_ERR_VERIFY_INPUT', message: expect.stringMatching(/SHA256SUMS:2 is not a sha256sum line/) });
  });
});

describe('SHA256SUMS format', () => {
  it('round-trips, sorted, in sha256sum -c form, with binary-mode lines accepted', () => {
    const a = 'ab'.repeat(32);
    const b = 'CD'.repeat(32);
    const text = formatSums([['nxs-arm64', b.toLowerCase()], ['nxs', a]]);
    expect(text).toBe(`${a}  nxs\n${b.toLowerCase()}  nxs-arm64\n`);
    expect([...parseSums(`${b} *nxs-arm64\r\n${a}  nxs\n\n`, 'S')]).toEqual([['nxs-arm64', b.toLowerCase()], ['nxs', a]]);
    expect(() => parseSums(`${a}  nxs\n${a}  nxs\n`, 'S')).toThrow(/second time/);
    expect(() => parseSums('\n', 'S')).toThrow(/lists no files/);
  });
});

describe('realSystemctl', () => {
  it('turns a failing command into NXS_ERR_INSTALL_SYSTEMCTL naming the command', () => {
    expect(() => realSystemctl(['sh', '-c', 'echo Unit nxs.service not found >&2; exit 5'])).toThrow(
      expect.objectContaining({ code: 'NXS_ERR_INSTALL_SYSTEMCTL', message: expect.stringMatching(/sh -c .* failed: Unit nxs.service not found/) }),
    );
  });
});
