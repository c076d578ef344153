import { describe, test, expect, beforeEach, afterEach } from 'vitest';
import { mkdtempSync, mkdirSync, writeFileSync, symlinkSync, rmSync, readFileSync, existsSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildMountTable, type MountTable } from '../../../src/sandbox/mount-table.ts';
import { resolveToolPath, lexicalInsidePath } from '../../../src/sandbox/tool-path.ts';
import { readFileTool, writeFileTool, listDirTool } from '../../../src/tools/file-ops.ts';
import { NxsError } from '../../../src/core/errors.ts';

let root: string;
let home: string;
let data: string;
let ws: string;
let shared: string;
let outside: string;

beforeEach(() => {
  root = realpathSync(mkdtempSync(path.join(tmpdir(), 'nxs-paths-')));
  home = path.join(root, 'home');
  data = path.join(home, 'data');
  ws = path.join(home, 'workspace');
  // Not under /tmp: a mount target there would overlap the sandbox's private /tmp.
  shared = realpathSync(mkdtempSync('/var/tmp/nxs-shared-'));
  outside = path.join(root, 'outside');
  for (const d of [data, ws, shared, outside]) mkdirSync(d, { recursive: true });
  writeFileSync(path.join(data, 'api-token'), 'nxs_secret_token_value\n', { mode: 0o600 });
  writeFileSync(path.join(home, 'nxs.yaml'), 'api_token: nxs_secret_token_value\n');
  writeFileSync(path.join(outside, 'secret.txt'), 'outside secret');
  writeFileSync(path.join(shared, 'doc.txt'), 'shared doc');
  writeFileSync(path.join(ws, 'hello.txt'), 'hello');
});
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
  rmSync(shared, { recursive: true, force: true });
});

const table = (trust: 'main' | 'other', extra = [{ path: '', writable: false }].slice(0, 0)): MountTable =>
  buildMountTable({ workspace: ws, extra, systemPaths: ['/usr'], dataDir: data, home, trust });

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof NxsError) return err.code;
    throw err;
  }
  return 'OK';
}

describe('mount table', () => {
  test('the workspace is writable for main, read-only for other; extra mounts read-only unless writable and main', () => {
    const m = table('main', [{ path: shared, writable: true }]);
    expect(m.mounts.map((x) => [x.target, x.writable])).toEqual([['/workspace', true], [shared, true]]);
    const o = table('other', [{ path: shared, writable: true }]);
    expect(o.mounts.map((x) => x.writable)).toEqual([false, false]);
  });

  test.each([
    ['the data folder', () => [{ path: data, writable: false }]],
    ['NXS_HOME itself', () => [{ path: home, writable: false }]],
    ['a folder containing NXS_HOME', () => [{ path: path.dirname(home), writable: false }]],
    ['a symlink to the data folder', () => { symlinkSync(data, path.join(root, 'sneaky')); return [{ path: path.join(root, 'sneaky'), writable: false }]; }],
    ['a target overlapping a reserved one', () => [{ path: root, writable: false }]],
    ['a target under a system path', () => [{ path: '/usr/share', writable: false }]],
    ['the same target twice (ambiguous)', () => [{ path: shared, writable: false }, { path: shared, writable: true }]],
    ['a nested target (ambiguous)', () => { mkdirSync(path.join(shared, 'sub')); return [{ path: shared, writable: false }, { path: path.join(shared, 'sub'), writable: false }]; }],
    ['a missing folder', () => [{ path: path.join(root, 'nope'), writable: false }]],
  ])('refuses a mount of %s', (_name, extra) => {
    expect(code(() => table('main', extra()))).toBe('NXS_ERR_PATH_DENIED');
  });

  test('refuses a workspace that is or contains the data folder', () => {
    expect(code(() => buildMountTable({ workspace: home, extra: [], systemPaths: [], dataDir: data, home, trust: 'main' }))).toBe('NXS_ERR_PATH_DENIED');
    expect(code(() => buildMountTable({ workspace: data, extra: [], systemPaths: [], dataDir: data, home, trust: 'main' }))).toBe('NXS_ERR_PATH_DENIED');
  });
});

describe('tool paths: traversal and symlink attacks are refused before any I/O', () => {
  test.each([
    ['../data/api-token'],
    ['/workspace/../home/data/api-token'],
    ['a/../../x'],
    ['/etc/passwd'],
    ['/'],
    ['/proc/self/environ'],
    ['with\0nul'],
    [''],
  ])('%j is denied', (p) => {
    expect(code(() => resolveToolPath(table('main'), p, 'read'))).toBe('NXS_ERR_PATH_DENIED');
  });

  test('relative paths are under /workspace; ./ and // are normalised', () => {
    expect(lexicalInsidePath('a//b/./c.txt')).toBe('/workspace/a/b/c.txt');
    expect(resolveToolPath(table('main'), 'hello.txt', 'read').host).toBe(path.join(ws, 'hello.txt'));
  });

  test('a symlink in the workspace to the token file, the data folder, home or outside is refused', () => {
    symlinkSync(path.join(data, 'api-token'), path.join(ws, 'token'));
    symlinkSync(data, path.join(ws, 'datadir'));
    symlinkSync(path.join(home, 'nxs.yaml'), path.join(ws, 'config'));
    symlinkSync(outside, path.join(ws, 'out'));
    symlinkSync('../../outside/secret.txt', path.join(ws, 'rel'));
    const t = table('main');
    for (const p of ['token', 'datadir/api-token', 'config', 'out/secret.txt', 'rel']) {
      expect(code(() => readFileTool(t, p, { offset: 0, maxBytes: 100 })), p).toBe('NXS_ERR_PATH_DENIED');
    }
    expect(code(() => listDirTool(t, 'datadir'))).toBe('NXS_ERR_PATH_DENIED');
  });

  test('writes through a symlinked file or a symlinked parent are refused and touch nothing outside', () => {
    symlinkSync(path.join(outside, 'secret.txt'), path.join(ws, 'link.txt'));
    symlinkSync(outside, path.join(ws, 'outdir'));
    symlinkSync(data, path.join(ws, 'datadir'));
    const t = table('main');
    expect(code(() => writeFileTool(t, 'link.txt', 'pwned', false, null))).toBe('NXS_ERR_PATH_DENIED');
    expect(code(() => writeFileTool(t, 'outdir/new.txt', 'pwned', false, null))).toBe('NXS_ERR_PATH_DENIED');
    expect(code(() => writeFileTool(t, 'outdir/deeper/new.txt', 'pwned', false, null))).toBe('NXS_ERR_PATH_DENIED');
    expect(code(() => writeFileTool(t, 'datadir/api-token', 'pwned', false, null))).toBe('NXS_ERR_PATH_DENIED');
    expect(readFileSync(path.join(outside, 'secret.txt'), 'utf8')).toBe('outside secret');
    expect(existsSync(path.join(outside, 'new.txt'))).toBe(false);
    expect(existsSync(path.join(outside, 'deeper'))).toBe(false);
    expect(readFileSync(path.join(data, 'api-token'), 'utf8')).toBe('nxs_secret_token_value\n');
  });

  test('a relative symlink that stays inside the workspace works', () => {
    mkdirSync(path.join(ws, 'docs'));
    writeFileSync(path.join(ws, 'docs', 'a.md'), 'A');
    symlinkSync('docs/a.md', path.join(ws, 'alias.md'));
    expect(readFileTool(table('main'), 'alias.md', { offset: 0, maxBytes: 10 })).toMatchObject({ content: 'A', path: '/workspace/alias.md' });
  });

  test('other conversations cannot write, even to the workspace; read-only extra mounts cannot be written', () => {
    expect(code(() => writeFileTool(table('other'), 'x.txt', 'x', false, null))).toBe('NXS_ERR_PATH_DENIED');
    expect(code(() => writeFileTool(table('main', [{ path: shared, writable: false }]), path.join(shared, 'doc.txt'), 'x', false, null))).toBe('NXS_ERR_PATH_DENIED');
    expect(readFileSync(path.join(shared, 'doc.txt'), 'utf8')).toBe('shared doc');
  });

  test('the allowed paths work: write (atomic, creating folders), append, read with offset, list', () => {
    const t = table('main', [{ path: shared, writable: false }]);
    expect(writeFileTool(t, 'notes/today.txt', 'one\n', false, null)).toMatchObject({ path: '/workspace/notes/today.txt', bytes: 4 });
    writeFileTool(t, '/workspace/notes/today.txt', 'two\n', true, null);
    expect(readFileSync(path.join(ws, 'notes/today.txt'), 'utf8')).toBe('one\ntwo\n');
    expect(readFileTool(t, 'notes/today.txt', { offset: 4, maxBytes: 100 })).toMatchObject({ content: 'two\n', size: 8, truncated: false });
    expect(readFileTool(t, 'notes/today.txt', { offset: 0, maxBytes: 3 })).toMatchObject({ content: 'one', truncated: true });
    expect(readFileTool(t, path.join(shared, 'doc.txt'), { offset: 0, maxBytes: 100 })).toMatchObject({ content: 'shared doc' });
    const listed = listDirTool(t, '/workspace') as { entries: { name: string; type: string }[] };
    expect(listed.entries).toEqual(expect.arrayContaining([{ name: 'hello.txt', type: 'file', size: 5 }, { name: 'notes', type: 'dir', size: undefined }]));
    expect(code(() => readFileTool(t, 'missing.txt', { offset: 0, maxBytes: 1 }))).toBe('NXS_ERR_PATH_NOT_FOUND');
  });
});
