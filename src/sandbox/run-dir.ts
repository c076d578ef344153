import { chmodSync, lstatSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { parseLock, staleness, startTimeOf, tryPidLock } from '../runtime/pid-lock.ts';
import { NxsError } from '../core/errors.ts';

/**
 * The host's private temp folders (`nxs-egress-*` for the proxy's sockets,
 * `nxs-fwd-*` for the forwarder script). Each holds a pid lock naming the host
 * that made it, so a folder left by a host that was SIGKILLed, or died with the
 * box, can be told from one in use and removed by the next start.
 */
export const RUN_DIR_PREFIXES = ['nxs-egress-', 'nxs-fwd-'] as const;
export type RunDirPrefix = (typeof RUN_DIR_PREFIXES)[number];

const OWNER_FILE = 'owner.lock';

export interface RunDir {
  path: string;
  /** Removes the folder and all in it; later calls do nothing. */
  dispose(): void;
}

/** The temp root as os.tmpdir() would pick it, but from the context's env rather than process.env. */
export function tempRoot(env: Readonly<Record<string, string | undefined>>): string {
  const dir = env.TMPDIR || env.TMP || env.TEMP || '/tmp';
  return dir.length > 1 ? dir.replace(/\/+$/, '') : dir;
}

/**
 * A fresh `<tmp>/<prefix>XXXXXX`, mode 0711: a uid told a name inside (the
 * sandbox user, when nxs is root) can reach it, but nobody can list it.
 */
export function makeRunDir(tmp: string, prefix: RunDirPrefix): RunDir {
  const dir = mkdtempSync(path.join(tmp, prefix));
  chmodSync(dir, 0o711);
  const lock = tryPidLock(path.join(dir, OWNER_FILE));
  if (!lock.held) {
    rmSync(dir, { recursive: true, force: true });
    throw new NxsError('NXS_ERR_SANDBOX_FAILED', `cannot mark the temp folder ${dir} as this host's`, { path: dir });
  }
  let gone = false;
  return {
    path: dir,
    dispose() {
      if (gone) return;
      gone = true;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Removes the run folders under `tmp` that a dead host left: only a real
 * folder (not a link) owned by `uid`, whose lock names a process that is gone
 * (or a pid now reused by another process). A folder without a readable lock
 * is kept, since nothing says it is unused: one being made this instant, or one
 * of an nxs from before the lock. Hosts starting at once take the stale lock
 * over before removing, so only one removes each folder and none removes a live one.
 * Returns the folders removed.
 */
export function sweepStaleRunDirs(tmp: string, uid: number): string[] {
  let names: string[];
  try {
    names = readdirSync(tmp);
  } catch {
    // No temp root to sweep: there is nothing of ours in it either.
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    if (!RUN_DIR_PREFIXES.some((p) => name.startsWith(p))) continue;
    const dir = path.join(tmp, name);
    if (!ownedFolder(dir, uid)) continue;
    const lockFile = path.join(dir, OWNER_FILE);
    const holder = parseLock(readOrNull(lockFile));
    if (holder === null || staleness(holder, startTimeOf(holder.pid)) === 'live') continue;
    if (!tryPidLock(lockFile).held) continue;
    rmSync(dir, { recursive: true, force: true });
    removed.push(dir);
  }
  return removed;
}

function ownedFolder(dir: string, uid: number): boolean {
  try {
    const st = lstatSync(dir);
    return st.isDirectory() && st.uid === uid;
  } catch {
    return false;
  }
}

function readOrNull(file: string): string | null {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}
