import { chmodSync, closeSync, fstatSync, ftruncateSync, openSync, readlinkSync, realpathSync, constants } from 'node:fs';
import { lstat, opendir } from 'node:fs/promises';
import type { Dir } from 'node:fs';
import path from 'node:path';
import { systemErrorCode } from '../core/errors.ts';
import { isInside } from './mount-table.ts';

/** One regular file, known by device and inode so a rename inside the workspace is not taken for a new file. */
export interface FileMark {
  rel: string;
  size: number;
}

export interface WorkspaceUsage {
  /**
   * What the bound counts: the apparent size (st_size) of every entry below the
   * root, each file once however many hard links it has. Apparent size, not
   * blocks: it is what RLIMIT_FSIZE limits, and a sparse file counts in full.
   */
  bytes: number;
  /** Regular files by `dev:ino`. */
  files: Map<string, FileMark>;
  /** Folders (relative) that could not be read: what they hold is unknown, so the bound counts as reached. */
  unreadable: string[];
}

/**
 * Walks the workspace without following links. Asynchronous, so a large
 * workspace does not stall the host's other requests while it is measured.
 * Entries that vanish during the walk (a command still running elsewhere) are skipped.
 */
export async function measureWorkspace(root: string): Promise<WorkspaceUsage> {
  const usage: WorkspaceUsage = { bytes: 0, files: new Map(), unreadable: [] };
  const pending = [''];
  while (pending.length > 0) {
    const rel = pending.pop()!;
    const dir = await openFolder(path.join(root, rel));
    if (dir === 'gone') continue;
    if (dir === 'unreadable') {
      usage.unreadable.push(rel || '.');
      continue;
    }
    for await (const entry of dir) {
      const childRel = rel ? `${rel}/${entry.name}` : entry.name;
      let st;
      try {
        st = await lstat(path.join(root, childRel));
      } catch (err) {
        // Removed between the listing and the look: it takes no room.
        if (systemErrorCode(err) === undefined) throw err;
        continue;
      }
      if (st.isFile()) {
        const key = `${st.dev}:${st.ino}`;
        if (usage.files.has(key)) continue;
        usage.files.set(key, { rel: childRel, size: st.size });
      } else if (st.isDirectory()) {
        pending.push(childRel);
      }
      usage.bytes += st.size;
    }
  }
  return usage;
}

async function openFolder(dir: string): Promise<Dir | 'gone' | 'unreadable'> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await opendir(dir);
    } catch (err) {
      const code = systemErrorCode(err);
      if (code === undefined) throw err;
      if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'ELOOP') return 'gone';
      if (code !== 'EACCES' || attempt > 0 || !restoreOwnerAccess(dir)) return 'unreadable';
    }
  }
}

/** A file to cut back: to 0 when the run made it, to its old size when the run grew it. */
export interface Cut {
  key: string;
  rel: string;
  size: number;
  toSize: number;
}

/** Pure: what a run wrote, by comparing the files before and after it. */
export function planGiveBack(before: ReadonlyMap<string, FileMark>, after: ReadonlyMap<string, FileMark>): Cut[] {
  const cuts: Cut[] = [];
  for (const [key, f] of after) {
    const toSize = before.get(key)?.size ?? 0;
    if (f.size > toSize) cuts.push({ key, rel: f.rel, size: f.size, toSize });
  }
  return cuts;
}

/**
 * Cuts the files back and returns the bytes given back. Each file is opened
 * by O_PATH without following a final link and checked by descriptor (same
 * inode, real path inside the workspace); it is then reopened for writing
 * through /proc/self/fd, which names that inode and no path. So a folder
 * swapped for a link by a command still running cannot redirect the cut.
 * Files are cut, not unlinked: Node has no unlinkat, and a path-based unlink
 * could be redirected in the same way.
 */
export function giveBack(root: string, cuts: readonly Cut[]): number {
  const realRoot = realpathSync(root);
  let freed = 0;
  for (const cut of cuts) {
    const fd = openPath(path.join(root, cut.rel), 0);
    if (fd === null) continue;
    try {
      const st = fstatSync(fd);
      if (!st.isFile() || `${st.dev}:${st.ino}` !== cut.key) continue;
      if (!isInside(readlinkSync(`/proc/self/fd/${fd}`), realRoot)) continue;
      // A command may have made its file read-only; as its owner nxs may make it writable again.
      if ((st.mode & 0o200) === 0 && st.uid === process.getuid?.()) chmodSync(`/proc/self/fd/${fd}`, (st.mode & 0o7777) | 0o200);
      const w = openSync(`/proc/self/fd/${fd}`, constants.O_WRONLY);
      try {
        ftruncateSync(w, cut.toSize);
        freed += st.size - cut.toSize;
      } finally {
        closeSync(w);
      }
    } catch (err) {
      // One file that cannot be cut (EPERM on an immutable file) does not stop the others.
      if (systemErrorCode(err) === undefined) throw err;
    } finally {
      closeSync(fd);
    }
  }
  return freed;
}

/**
 * A folder the command made unsearchable (chmod 000) would hide what it holds
 * from the count when nxs and the sandbox share a uid (nxs not root). Its owner
 * may restore the owner's bits: done on the exact inode (O_PATH, no link
 * followed), and only for a folder of nxs's own uid. True when restored.
 */
function restoreOwnerAccess(dir: string): boolean {
  const fd = openPath(dir, constants.O_DIRECTORY);
  if (fd === null) return false;
  try {
    const st = fstatSync(fd);
    if (!st.isDirectory() || st.uid !== process.getuid?.() || (st.mode & 0o700) === 0o700) return false;
    chmodSync(`/proc/self/fd/${fd}`, (st.mode & 0o7777) | 0o700);
    return true;
  } catch (err) {
    if (systemErrorCode(err) === undefined) throw err;
    return false;
  } finally {
    closeSync(fd);
  }
}

/** Linux's O_PATH (not in Node's constants): a handle on the inode itself, needing no permission on it. */
const O_PATH = 0o10000000;

function openPath(p: string, extra: number): number | null {
  try {
    return openSync(p, O_PATH | constants.O_NOFOLLOW | extra);
  } catch (err) {
    // Gone, or turned into a link, since the walk: nothing of ours to touch.
    if (systemErrorCode(err) === undefined) throw err;
    return null;
  }
}
