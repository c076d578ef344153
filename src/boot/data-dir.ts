import { mkdirSync, accessSync, constants, statSync, lstatSync, chmodSync, readdirSync, type Stats } from 'node:fs';
import path from 'node:path';
import { NxsError, errorMessage } from '../core/errors.ts';

/** What preparing the data folder changed, for the one log line that says so. */
export interface DataDirRepair {
  /** The folder's mode before (octal text), when it was open to group or others. */
  wasMode: string;
  /** Entries inside whose group/other bits were removed. */
  tightened: number;
}

/**
 * Creates the data folder (0700), or checks the one that exists: it holds the
 * store, the operator token, credentials and the assistant's memory. A folder
 * that belongs to another user is refused (that user could read or swap any of
 * it). One that is ours but open to group or others (made by hand, or by an
 * older tool with umask 022) left nxs.db and MEMORY.md world-readable: it is
 * tightened to 0700 and everything in it to owner-only, once, and the caller
 * logs it. A start on a private folder costs one stat.
 */
export function prepareDataDir(dir: string, uid = process.getuid?.() ?? 0): DataDirRepair | null {
  let st: Stats;
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    st = statSync(dir);
    accessSync(dir, constants.W_OK | constants.R_OK);
  } catch (err) {
    throw new NxsError('NXS_ERR_DATA_DIR', `the data folder ${dir} cannot be created or written (${errorMessage(err)}); choose another with --data-dir or NXS_HOME`, { dataDir: dir });
  }
  refuseForeign(dir, st, uid);
  if ((st.mode & 0o077) === 0) return null;
  const wasMode = (st.mode & 0o777).toString(8);
  chmodSync(dir, 0o700);
  return { wasMode, tightened: tightenTree(dir, uid) };
}

function refuseForeign(file: string, st: Stats, uid: number): void {
  if (st.uid === uid) return;
  throw new NxsError('NXS_ERR_DATA_DIR_UNSAFE', `${file} belongs to uid ${st.uid}, not to uid ${uid} that runs nxs: its owner could read or replace the store and tokens; chown it to this user or choose another folder with --data-dir`, { path: file, owner: st.uid });
}

/**
 * Removes group/other access below `dir`. While the folder was open, others may
 * have planted entries: one that is not ours is refused rather than trusted.
 * Links are not followed (lstat, and a link's own mode means nothing).
 */
function tightenTree(dir: string, uid: number): number {
  let count = 0;
  for (const name of readdirSync(dir)) {
    const file = path.join(dir, name);
    const st = lstatSync(file);
    refuseForeign(file, st, uid);
    if (st.isSymbolicLink()) continue;
    if ((st.mode & 0o077) !== 0) {
      chmodSync(file, st.mode & 0o700);
      count++;
    }
    if (st.isDirectory()) count += tightenTree(file, uid);
  }
  return count;
}
