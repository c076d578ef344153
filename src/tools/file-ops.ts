import { openSync, closeSync, readSync, fstatSync, writeSync, fsyncSync, renameSync, rmSync, mkdirSync, readdirSync, lstatSync, chownSync, fchownSync, constants } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { NxsError, systemErrorCode, errorMessage } from '../core/errors.ts';
import { checkOpenedFd, checkReal, resolveToolPath } from '../sandbox/tool-path.ts';
import type { MountTable } from '../sandbox/mount-table.ts';

type Owner = { uid: number; gid: number } | null;
const MAX_LIST = 1000;

/**
 * File tools run in nxs itself (no process per call), under the same mount
 * view as the sandbox: the path is checked before any open, and the opened
 * descriptor is checked again through /proc/self/fd, so a symlink swapped in
 * between check and open is caught. Final components are opened O_NOFOLLOW.
 */
export function readFileTool(table: MountTable, requested: string, opts: { offset: number; maxBytes: number }): Record<string, unknown> {
  const r = resolveToolPath(table, requested, 'read');
  const fd = openOrDeny(r.host, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK, requested);
  try {
    checkOpenedFd(table, fd, 'read', requested);
    const st = fstatSync(fd);
    if (st.isDirectory()) throw new NxsError('NXS_ERR_TOOL_ARGS', `${r.inside} is a folder; use list_dir`, { path: r.inside });
    if (!st.isFile()) throw new NxsError('NXS_ERR_PATH_DENIED', `${r.inside} is not a regular file`, { path: r.inside });
    const want = Math.max(0, Math.min(opts.maxBytes, st.size - opts.offset));
    const buf = Buffer.alloc(want);
    let got = 0;
    while (got < want) {
      const n = readSync(fd, buf, got, want - got, opts.offset + got);
      if (n === 0) break;
      got += n;
    }
    const data = buf.subarray(0, got);
    const binary = data.includes(0);
    return {
      path: r.inside,
      size: st.size,
      offset: opts.offset,
      bytes: got,
      truncated: opts.offset + got < st.size,
      encoding: binary ? 'base64' : 'utf8',
      content: binary ? data.toString('base64') : data.toString('utf8'),
    };
  } finally {
    closeSync(fd);
  }
}

/**
 * `fits(growth, inside)` throws when a write into the workspace would grow it
 * past its bound (src/sandbox/workspace-quota.ts); other writable mounts are the owner's and not bounded here.
 */
export function writeFileTool(table: MountTable, requested: string, content: string, append: boolean, owner: Owner, fits?: (growth: number, inside: string) => void): Record<string, unknown> {
  const r = resolveToolPath(table, requested, 'write');
  const data = Buffer.from(content, 'utf8');
  if (fits && r.mount.kind === 'workspace') fits(append ? data.length : data.length - sizeOrZero(r.host), r.inside);
  const dir = path.dirname(r.host);
  makeDirs(table, dir, owner, requested);
  if (append && r.exists) {
    const fd = openOrDeny(r.host, constants.O_WRONLY | constants.O_APPEND | constants.O_NOFOLLOW, requested);
    try {
      checkOpenedFd(table, fd, 'write', requested);
      if (!fstatSync(fd).isFile()) throw new NxsError('NXS_ERR_PATH_DENIED', `${r.inside} is not a regular file`, { path: r.inside });
      writeSync(fd, data);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    return { path: r.inside, bytes: data.length, appended: true };
  }
  // Replace atomically: a temp file (O_EXCL, checked by descriptor), then rename
  // over the name. rename never follows a symlink at the destination.
  const tmp = path.join(dir, `.nxs-write-${randomBytes(6).toString('hex')}.tmp`);
  const fd = openOrDeny(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, requested, 0o644);
  try {
    checkOpenedFd(table, fd, 'write', requested);
    writeSync(fd, data);
    fsyncSync(fd);
    if (owner) fchownSync(fd, owner.uid, owner.gid);
  } catch (err) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw err;
  }
  closeSync(fd);
  try {
    renameSync(tmp, r.host);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw new NxsError('NXS_ERR_PATH_DENIED', `${r.inside} cannot be written (${systemErrorCode(err) ?? errorMessage(err)})`, { path: r.inside });
  }
  return { path: r.inside, bytes: data.length, appended: false };
}

export function listDirTool(table: MountTable, requested: string): Record<string, unknown> {
  const r = resolveToolPath(table, requested, 'read');
  const fd = openOrDeny(r.host, constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW, requested);
  let real: string;
  try {
    real = checkOpenedFd(table, fd, 'read', requested);
  } finally {
    closeSync(fd);
  }
  const names = readdirSync(real).sort();
  const entries = names.slice(0, MAX_LIST).map((name) => {
    try {
      const st = lstatSync(path.join(real, name));
      const type = st.isDirectory() ? 'dir' : st.isFile() ? 'file' : st.isSymbolicLink() ? 'symlink' : 'other';
      return { name, type, size: st.isFile() ? st.size : undefined };
    } catch {
      return { name, type: 'gone' };
    }
  });
  return { path: r.inside, entries, total: names.length, truncated: names.length > MAX_LIST };
}

/** mkdir -p, one level at a time, each existing level checked after symlink resolution. */
function makeDirs(table: MountTable, dir: string, owner: Owner, requested: string): void {
  const missing: string[] = [];
  let p = dir;
  for (;;) {
    try {
      const st = lstatSync(p);
      if (!st.isDirectory() && !st.isSymbolicLink()) throw new NxsError('NXS_ERR_PATH_DENIED', `${requested}: a parent is not a folder`, { path: requested });
      break;
    } catch (err) {
      if (err instanceof NxsError) throw err;
      if (systemErrorCode(err) !== 'ENOENT') throw new NxsError('NXS_ERR_PATH_DENIED', `${requested}: cannot check a parent folder (${systemErrorCode(err)})`, { path: requested });
      missing.unshift(p);
      p = path.dirname(p);
    }
  }
  for (const m of missing) {
    const fd0 = openOrDeny(path.dirname(m), constants.O_RDONLY | constants.O_DIRECTORY, requested);
    try {
      checkOpenedFd(table, fd0, 'write', requested);
    } finally {
      closeSync(fd0);
    }
    mkdirSync(m, { mode: 0o755 });
    if (owner) chownSync(m, owner.uid, owner.gid);
    checkReal(table, m, 'write', requested);
  }
}

/** The size a write replaces: a file's bytes, 0 for none (or for anything else, which the write refuses later). */
function sizeOrZero(p: string): number {
  try {
    const st = lstatSync(p);
    return st.isFile() ? st.size : 0;
  } catch (err) {
    // No file yet (ENOENT): nothing is replaced.
    if (systemErrorCode(err) === undefined) throw err;
    return 0;
  }
}

function openOrDeny(p: string, flags: number, requested: string, mode?: number): number {
  try {
    return openSync(p, flags, mode);
  } catch (err) {
    const code = systemErrorCode(err);
    if (code === 'ENOENT') throw new NxsError('NXS_ERR_PATH_NOT_FOUND', `${requested} does not exist`, { path: requested });
    if (code === 'ELOOP') throw new NxsError('NXS_ERR_PATH_DENIED', `${requested} is a symbolic link, which is not followed here`, { path: requested });
    if (code === 'ENOTDIR') throw new NxsError('NXS_ERR_PATH_DENIED', `${requested}: not a folder`, { path: requested });
    if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') throw new NxsError('NXS_ERR_PATH_DENIED', `${requested}: permission denied (${code})`, { path: requested });
    throw new NxsError('NXS_ERR_PATH_DENIED', `${requested} cannot be opened (${code ?? errorMessage(err)})`, { path: requested });
  }
}
