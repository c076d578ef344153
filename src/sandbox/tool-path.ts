import { realpathSync, lstatSync, readlinkSync } from 'node:fs';
import path from 'node:path';
import { NxsError, systemErrorCode, errorMessage } from '../core/errors.ts';
import { isInside, WORKSPACE_TARGET, type MountEntry, type MountTable } from './mount-table.ts';

export type PathMode = 'read' | 'write';

export interface ResolvedPath {
  /** The path as the model sees it (inside the sandbox). */
  inside: string;
  /** The host path, symlinks resolved (for writes: the parent resolved, the name appended). */
  host: string;
  mount: MountEntry;
  exists: boolean;
}

/**
 * Checks a path the model asked for, in order: form (no NUL, no `..`), which
 * mount it names, that mount's write permission, then the real path after
 * symlink resolution, which must stay inside a mount that allows the access
 * and outside the secret folders. Everything here happens before any I/O on
 * the target itself.
 */
export function lexicalInsidePath(requested: string): string {
  if (requested.length === 0) throw denied('the path is empty; expected a path such as /workspace/notes.txt or notes.txt', requested);
  if (requested.length > 4096) throw denied('the path is longer than 4096 characters', requested);
  if (requested.includes('\0')) throw denied('the path contains a NUL byte', requested);
  const absolute = requested.startsWith('/') ? requested : `${WORKSPACE_TARGET}/${requested}`;
  if (absolute.split('/').includes('..')) throw denied(`"${requested}" uses .. (relative traversal is refused); give the path without ..`, requested);
  return path.posix.normalize(absolute).replace(/(.)\/+$/, '$1');
}

export function mountFor(table: MountTable, inside: string): MountEntry | undefined {
  return table.mounts.filter((m) => isInside(inside, m.target)).sort((a, b) => b.target.length - a.target.length)[0];
}

export function resolveToolPath(table: MountTable, requested: string, mode: PathMode): ResolvedPath {
  const inside = lexicalInsidePath(requested);
  const mount = mountFor(table, inside);
  if (!mount) {
    throw denied(`${inside} is outside the sandbox; allowed: ${table.mounts.map((m) => m.target).join(', ')}`, requested);
  }
  if (mode === 'write' && !mount.writable) {
    throw denied(`${mount.target} is read-only ${table.trust === 'main' ? 'by configuration' : 'for this conversation (not the main one)'}`, requested);
  }
  const lexicalHost = mount.source + inside.slice(mount.target.length);
  if (mode === 'read') {
    const real = realpathOrNull(lexicalHost);
    if (real === null) throw new NxsError('NXS_ERR_PATH_NOT_FOUND', `${inside} does not exist`, { path: inside });
    checkReal(table, real, mode, requested);
    return { inside, host: real, mount, exists: true };
  }
  if (inside === mount.target) throw denied(`${inside} is a mount point, not a file`, requested);
  // Write: the parent must resolve inside a writable mount; the name itself must not be a symlink.
  const parentReal = realpathOrNull(path.dirname(lexicalHost));
  const host = parentReal === null ? lexicalHost : path.join(parentReal, path.basename(lexicalHost));
  if (parentReal !== null) checkReal(table, parentReal, mode, requested);
  let exists = false;
  try {
    const st = lstatSync(host);
    if (st.isSymbolicLink()) throw denied(`${inside} is a symbolic link; writes through links are refused`, requested);
    if (st.isDirectory()) throw denied(`${inside} is a folder, not a file`, requested);
    exists = true;
  } catch (err) {
    if (err instanceof NxsError) throw err;
    if (systemErrorCode(err) !== 'ENOENT') throw denied(`${inside} cannot be checked (${systemErrorCode(err) ?? errorMessage(err)})`, requested);
  }
  if (parentReal === null) checkMissingAncestors(table, lexicalHost, requested);
  return { inside, host, mount, exists };
}

/** Resolves the deepest existing ancestor of a path whose parents are missing, and checks it. */
function checkMissingAncestors(table: MountTable, lexicalHost: string, requested: string): void {
  let p = path.dirname(lexicalHost);
  while (realpathOrNull(p) === null && p !== '/') p = path.dirname(p);
  const real = realpathOrNull(p);
  if (real === null) throw denied(`no existing folder above ${requested}`, requested);
  checkReal(table, real, 'write', requested);
}

/** The real path must lie in a mount allowing the access, and outside every secret folder. */
export function checkReal(table: MountTable, real: string, mode: PathMode, requested: string): void {
  for (const f of table.forbidden) {
    // The workspace may live under NXS_HOME (its default): inside a mount, the mount decides.
    const viaMount = table.mounts.some((m) => isInside(m.source, f) && isInside(real, m.source));
    if (isInside(real, f) && !viaMount) throw denied(`${requested} resolves into a folder the sandbox never shows (nxs's data or home)`, requested);
  }
  const ok = table.mounts.some((m) => isInside(real, m.source) && (mode === 'read' || m.writable));
  if (!ok) throw denied(`${requested} resolves (through a symbolic link) outside the sandbox's ${mode === 'write' ? 'writable ' : ''}mounts`, requested);
}

/** After open: the kernel's view of what the descriptor really is, so a symlink swapped in after the check is caught. */
export function checkOpenedFd(table: MountTable, fd: number, mode: PathMode, requested: string): string {
  const real = readlinkSync(`/proc/self/fd/${fd}`);
  checkReal(table, real, mode, requested);
  return real;
}

function realpathOrNull(p: string): string | null {
  try {
    return realpathSync(p);
  } catch (err) {
    if (systemErrorCode(err) === 'ENOENT' || systemErrorCode(err) === 'ENOTDIR') return null;
    throw denied(`${p} cannot be resolved (${systemErrorCode(err) ?? errorMessage(err)})`, p);
  }
}

function denied(message: string, p: string): NxsError {
  return new NxsError('NXS_ERR_PATH_DENIED', message, { path: p });
}
