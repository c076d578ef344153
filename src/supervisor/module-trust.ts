// Whether a file may run as agent code inside the host process. Imported by the
// host (at spawn and at every launch) and by the agent worker (right before its
// import()), so it uses Node builtins only: the worker bundle stays builtins-only.
import { closeSync, constants, fstatSync, lstatSync, openSync, type Stats } from 'node:fs';
import path from 'node:path';

export type ModuleVerdict = { ok: true } | { ok: false; reason: string };

const GROUP_OR_OTHER_WRITE = 0o022;
const STICKY = 0o1000;

/**
 * An agent module runs with everything the host holds (its token, its keys),
 * so its code must be what the operator put there and nobody else can change:
 * `file` lies inside the operator's agents folder `dir`, and every path
 * component from `/` down to the file is a real folder or file (no symbolic
 * link), owned by the host's user `uid` or by root, and not writable by group
 * or others. A folder above `dir` may be world-writable only with the sticky
 * bit (as /tmp is), which stops others renaming our folder away.
 *
 * Root-owned is accepted because root can already replace nxs itself; a
 * packaged /opt or /usr/local folder is root's. Checked on the paths as they
 * are now, with lstat (symlinks are seen, never followed), then the file is
 * opened with O_NOFOLLOW and its inode compared with the one checked. What is
 * left between this check and the loader's own open can be changed only by
 * the host's user or root, who can change the host itself anyway.
 */
export function checkAgentModule(file: string, dir: string, uid: number): ModuleVerdict {
  if (!path.isAbsolute(dir) || !path.isAbsolute(file)) return refuse(`${file} and ${dir} must be absolute paths`);
  const d = path.resolve(dir);
  const f = path.resolve(file);
  if (!isInside(d, f)) return refuse(`${f} is not inside the agents folder ${d}`);
  const parts = f.split(path.sep).filter(Boolean);
  const dirDepth = d.split(path.sep).filter(Boolean).length;
  let last: Stats | null = null;
  for (let i = 0; i <= parts.length; i++) {
    const p = path.sep + parts.slice(0, i).join(path.sep);
    let st: Stats;
    try {
      st = lstatSync(p);
    } catch (err) {
      return refuse(`cannot read ${p} (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
    }
    const isFile = i === parts.length;
    if (st.isSymbolicLink()) return refuse(`${p} is a symbolic link; name the real path (no component may be a symlink)`);
    if (isFile ? !st.isFile() : !st.isDirectory()) return refuse(`${p} is not a ${isFile ? 'regular file' : 'folder'}`);
    if (st.uid !== uid && st.uid !== 0) return refuse(`${p} is owned by uid ${st.uid}, not by the host's user (uid ${uid}) or root`);
    const aboveDir = i < dirDepth;
    if (st.mode & GROUP_OR_OTHER_WRITE && !(aboveDir && st.mode & STICKY)) {
      const who = [st.mode & 0o020 ? 'its group' : '', st.mode & 0o002 ? 'others' : ''].filter(Boolean).join(' and ');
      return refuse(`${p} is writable by ${who} (mode ${(st.mode & 0o7777).toString(8).padStart(4, '0')}); chmod go-w ${p}`);
    }
    last = st;
  }
  return sameInode(f, last!);
}

/** Lexically: `file` is below `dir` (both absolute and normalized). */
export function isInside(dir: string, file: string): boolean {
  const rel = path.relative(dir, file);
  return rel !== '' && rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel);
}

/** The file opened without following a link is the very inode the walk checked. */
function sameInode(file: string, checked: Stats): ModuleVerdict {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (err) {
    return refuse(`cannot open ${file} (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  try {
    const st = fstatSync(fd);
    if (st.dev !== checked.dev || st.ino !== checked.ino) return refuse(`${file} was replaced while it was being checked`);
    return { ok: true };
  } finally {
    closeSync(fd);
  }
}

function refuse(reason: string): ModuleVerdict {
  return { ok: false, reason };
}
