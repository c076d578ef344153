import { describe, it, expect } from 'vitest';
import { unpackFiles, packFiles, assertSafePath, assertLinkInside } from '../../../src/checkpoints/archive.ts';
import { openCheckpoint } from '../../../src/checkpoints/open-checkpoint.ts';
import { rawEntry, tarOf, newSigner, sealTar, key32 } from './fixtures.ts';

const limits = { maxEntries: 100, maxBytes: 1 << 20 };
const file = (p: string, text = 'x') => rawEntry({ path: p, type: 'File' }, Buffer.from(text));

describe('checkpoint archive unpacking', () => {
  it('reads back what packFiles wrote', async () => {
    const files = await unpackFiles(await packFiles(new Map([['a.json', Buffer.from('1')], ['dir/b.json', Buffer.from('2')]])), limits);
    expect([...files.keys()].sort()).toEqual(['a.json', 'dir/b.json']);
  });

  it.each([
    ['a ".." entry', [file('../evil')], /"\.\." segment/],
    ['a nested ".." entry', [file('state/../../evil')], /"\.\." segment/],
    ['an absolute path', [file('/etc/cron.d/evil')], /absolute path/],
    ['a symlink leaving the root', [rawEntry({ path: 'l', type: 'SymbolicLink', linkpath: '../../etc' })], /outside the archive/],
    ['a symlink to an absolute path', [rawEntry({ path: 'l', type: 'SymbolicLink', linkpath: '/etc/passwd' })], /absolute path/],
    ['a symlink climbing from a subfolder', [rawEntry({ path: 'a/b/l', type: 'SymbolicLink', linkpath: '../../../x' })], /outside the archive/],
    ['a hard link leaving the root', [rawEntry({ path: 'h', type: 'Link', linkpath: '../secret' })], /outside the archive/],
    ['a hard link to an absolute path', [rawEntry({ path: 'h', type: 'Link', linkpath: '/etc/shadow' })], /absolute path/],
    ['a device node', [rawEntry({ path: 'dev', type: 'CharacterDevice' })], /unsupported type/],
  ])('refuses %s', async (_name, entries, message) => {
    await expect(unpackFiles(tarOf(...entries), limits)).rejects.toMatchObject({ code: 'NXS_ERR_CHECKPOINT_UNSAFE_ENTRY', message: expect.stringMatching(message) });
  });

  it('refuses the whole archive when a bad entry follows good ones (nothing is returned)', async () => {
    await expect(unpackFiles(tarOf(file('ok.json'), file('../evil')), limits)).rejects.toMatchObject({ code: 'NXS_ERR_CHECKPOINT_UNSAFE_ENTRY' });
  });

  it('resolves a link inside the root to a copy of its target', async () => {
    const files = await unpackFiles(tarOf(file('a/real.json', 'data'), rawEntry({ path: 'a/alias.json', type: 'SymbolicLink', linkpath: 'real.json' })), limits);
    expect(files.get('a/alias.json')!.toString()).toBe('data');
  });

  it('refuses unsafe entries even inside a validly signed and encrypted checkpoint', async () => {
    const signer = newSigner();
    const key = key32();
    const blob = sealTar(tarOf(file('manifest.json', '{}'), rawEntry({ path: 'l', type: 'SymbolicLink', linkpath: '../../home' })), signer, key);
    await expect(openCheckpoint(blob, signer.publicKey, { key }, { maxBytes: 1 << 20 })).rejects.toMatchObject({ code: 'NXS_ERR_CHECKPOINT_UNSAFE_ENTRY' });
  });

  it('refuses archives that unpack beyond the size limit', async () => {
    await expect(unpackFiles(tarOf(file('big', 'x'.repeat(5000))), { maxEntries: 10, maxBytes: 1000 })).rejects.toMatchObject({ code: 'NXS_ERR_CHECKPOINT_INVALID' });
  });

  it('path checks as a table', () => {
    expect(assertSafePath('state/a.json')).toBe('state/a.json');
    expect(assertSafePath('./state//a.json')).toBe('state/a.json');
    expect(() => assertSafePath('C:\\windows')).toThrow(/absolute/);
    expect(() => assertSafePath('a\\..\\..\\b')).toThrow(/\.\./);
    expect(assertLinkInside('a/b/l', '../c', false)).toBe('a/c');
    expect(assertLinkInside('l', 'a/b', true)).toBe('a/b');
    expect(() => assertLinkInside('a/l', '../../c', false)).toThrow(/outside/);
  });
});
