import { describe, it, expect } from 'vitest';
import { openCheckpoint } from '../../../src/checkpoints/open-checkpoint.ts';
import { FORMAT_VERSION } from '../../../src/checkpoints/container.ts';
import { newSigner, sealTar, validTar, key32 } from './fixtures.ts';

const limits = { maxBytes: 1 << 20 };

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    return (err as { code: string }).code;
  }
  return 'no error';
}

describe('checkpoint container', () => {
  const signer = newSigner();
  const key = key32();
  const good = sealTar(validTar('ckpt_test', { 'state/memory.json': '{"facts":["sky is blue"]}' }), signer, key);

  it('round-trips: verify, decrypt, unpack, manifest checks', async () => {
    const opened = await openCheckpoint(good, signer.publicKey, { key }, limits);
    expect(opened.header.id).toBe('ckpt_test');
    expect(opened.files.get('state/memory.json')!.toString()).toBe('{"facts":["sky is blue"]}');
    // The plaintext never appears in the file.
    expect(good.includes(Buffer.from('sky is blue'))).toBe(false);
  });

  it('refuses a flipped byte in the ciphertext (tampered)', async () => {
    const bad = Buffer.from(good);
    bad[bad.length - 5]! ^= 0x01;
    expect(await codeOf(openCheckpoint(bad, signer.publicKey, { key }, limits))).toBe('NXS_ERR_CHECKPOINT_TAMPERED');
  });

  it('refuses a flipped byte in the header (tampered)', async () => {
    const bad = Buffer.from(good);
    bad[30]! ^= 0x01; // inside the JSON header, after the 22-byte prefix
    expect(await codeOf(openCheckpoint(bad, signer.publicKey, { key }, limits))).toBe('NXS_ERR_CHECKPOINT_TAMPERED');
  });

  it('refuses a flipped byte in the signature (tampered)', async () => {
    const headerLen = good.readUInt32BE(10);
    const bad = Buffer.from(good);
    bad[22 + headerLen + 3]! ^= 0x80;
    expect(await codeOf(openCheckpoint(bad, signer.publicKey, { key }, limits))).toBe('NXS_ERR_CHECKPOINT_TAMPERED');
  });

  it.each([[good.length - 1], [good.length - 100], [40], [21], [3]])('refuses a file truncated to %i bytes', async (n) => {
    expect(await codeOf(openCheckpoint(good.subarray(0, n), signer.publicKey, { key }, limits))).toBe('NXS_ERR_CHECKPOINT_TRUNCATED');
  });

  it('refuses extra bytes after the end', async () => {
    expect(await codeOf(openCheckpoint(Buffer.concat([good, Buffer.from('x')]), signer.publicKey, { key }, limits))).toBe('NXS_ERR_CHECKPOINT_TAMPERED');
  });

  it('refuses the wrong encryption key, naming it', async () => {
    await expect(openCheckpoint(good, signer.publicKey, { key: key32() }, limits)).rejects.toMatchObject({ code: 'NXS_ERR_CHECKPOINT_WRONG_KEY', message: expect.stringMatching(/encrypted with key [0-9a-f]{16}/) });
  });

  it('refuses a checkpoint signed by another key', async () => {
    const other = sealTar(validTar('ckpt_test', {}), newSigner(), key);
    expect(await codeOf(openCheckpoint(other, signer.publicKey, { key }, limits))).toBe('NXS_ERR_CHECKPOINT_TAMPERED');
  });

  it('refuses a newer format with a message to upgrade', async () => {
    const newer = Buffer.from(good);
    newer.writeUInt16BE(FORMAT_VERSION + 1, 8);
    await expect(openCheckpoint(newer, signer.publicKey, { key }, limits)).rejects.toMatchObject({ code: 'NXS_ERR_CHECKPOINT_FORMAT', message: expect.stringMatching(/upgrade nxs/) });
  });

  it('refuses a file that is not a checkpoint', async () => {
    expect(await codeOf(openCheckpoint(Buffer.from('SQLite format 3\0 and more bytes here'), signer.publicKey, { key }, limits))).toBe('NXS_ERR_CHECKPOINT_INVALID');
  });

  it('refuses an archive whose file does not match the manifest checksum', async () => {
    const tar = validTar('ckpt_test', { 'state/a.json': '{"x":1}' });
    const i = tar.indexOf(Buffer.from('{"x":1}'));
    tar.write('{"x":2}', i);
    const blob = sealTar(tar, signer, key);
    await expect(openCheckpoint(blob, signer.publicKey, { key }, limits)).rejects.toMatchObject({ code: 'NXS_ERR_CHECKPOINT_INVALID', message: expect.stringMatching(/checksum/) });
  });
});
