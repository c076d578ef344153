import { linkSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync, writeSync, closeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { systemErrorCode } from '../core/errors.ts';

/**
 * A lock file that names its holder for good: `pid start\n`, the start being
 * field 22 of /proc/<pid>/stat. Node has no flock, so the lock is a file that
 * only one process can create; a lock whose process is gone, or whose pid now
 * names another process (a different start time), is stale and taken over, so
 * a SIGKILLed holder never blocks the next one. Used for the host's data folder
 * (src/boot/data-lock.ts) and for the build's staging folder (build/build-lock.ts).
 */
export interface LockHolder {
  pid: number;
  start: string;
}

/** What was in a lock taken over, and why it counted as stale. */
export interface StaleLock {
  holder: LockHolder | null;
  why: Exclude<Staleness, 'live'>;
}

export interface HeldLock {
  /** Removes the lock if it is still ours; later calls do nothing. */
  release(): void;
  /** The stale lock this one replaced, if any (callers may say so). */
  tookOver: StaleLock | null;
}

/** `held` when taken; otherwise the live holder, or null when others kept racing for it. */
export type LockAttempt = { held: HeldLock } | { held: null; holder: LockHolder | null };

export type Staleness = 'live' | 'gone' | 'reused' | 'unreadable';

/** Pure: is a lock naming `holder` still held, given the start time its pid has now (null: no such process)? */
export function staleness(holder: LockHolder | null, currentStart: string | null): Staleness {
  if (!holder) return 'unreadable';
  if (currentStart === null) return 'gone';
  return currentStart === holder.start ? 'live' : 'reused';
}

export function selfIdentity(): { pid: number; start: string | null } {
  return { pid: process.pid, start: startTimeOf(process.pid) };
}

/** One non-blocking try: take `file`, or report who holds it. Throws only on I/O errors (EACCES, EROFS...). */
export function tryPidLock(file: string, self: { pid: number; start: string | null } = selfIdentity()): LockAttempt {
  const mine = `${self.pid} ${self.start ?? '?'}\n`;
  let tookOver: StaleLock | null = null;
  for (let attempt = 0; attempt < 3; attempt++) {
    const ino = createExclusive(file, mine);
    if (ino !== null) return { held: { release: releaser(file, mine, ino), tookOver } };
    const text = readOrNull(file);
    const holder = parseLock(text);
    const why = staleness(holder, holder && startTimeOf(holder.pid));
    if (why === 'live') return { held: null, holder };
    if (removeIfUnchanged(file, text) === 'removed') tookOver = { holder, why };
  }
  return { held: null, holder: null };
}

/**
 * Creates `file` holding `content` only if it does not exist; returns its inode, or null if it exists.
 * The content is written to a private file first and hard-linked into place, so the lock
 * never exists empty: a taker that read an empty lock half-written by a racing creator
 * would judge it stale and remove it, and both would then hold it (two builds started at once).
 */
function createExclusive(file: string, content: string): number | null {
  const tmp = `${file}.${process.pid}-${randomBytes(4).toString('hex')}`;
  writeFileSync(tmp, content, { mode: 0o600, flag: 'wx' });
  let linked: boolean | 'unsupported';
  try {
    linkSync(tmp, file);
    linked = true;
  } catch (err) {
    if (systemErrorCode(err) === 'EEXIST') linked = false;
    else if (NO_HARD_LINKS.has(systemErrorCode(err) ?? '')) linked = 'unsupported';
    else throw err;
  } finally {
    unlinkSync(tmp);
  }
  if (linked === 'unsupported') return createWithOExcl(file, content);
  return linked ? statSync(file).ino : null;
}

// vfat (a USB stick) has no hard links: link(2) fails with EPERM there.
const NO_HARD_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS']);

/** The fallback: O_EXCL, with the short empty window described above. */
function createWithOExcl(file: string, content: string): number | null {
  let fd: number;
  try {
    fd = openSync(file, 'wx', 0o600);
  } catch (err) {
    if (systemErrorCode(err) === 'EEXIST') return null;
    throw err;
  }
  try {
    writeSync(fd, content);
  } finally {
    closeSync(fd);
  }
  return statSync(file).ino;
}

function releaser(file: string, mine: string, ino: number): () => void {
  let done = false;
  return () => {
    if (done) return;
    done = true;
    // Only our own lock: one that took over a lock we held too long keeps its own.
    if (readOrNull(file) === mine && inodeOf(file) === ino) unlinkSync(file);
  };
}

/**
 * Removes a stale lock only if it still holds `text`: `changed` if it changed meanwhile,
 * `absent` if it was already gone.
 * Two takers can judge the same stale lock at once: if the slower one simply unlinked it,
 * it would remove the lock the faster one had just made. Renaming is atomic, so the
 * lock is moved aside first and checked; a fresh lock moved by mistake is linked back.
 */
export function removeIfUnchanged(file: string, text: string | null): 'removed' | 'absent' | 'changed' {
  const aside = `${file}.stale-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    renameSync(file, aside);
  } catch (err) {
    if (systemErrorCode(err) === 'ENOENT') return 'absent';
    throw err;
  }
  const moved = readOrNull(aside);
  if (moved !== text) {
    try {
      linkSync(aside, file);
    } catch (err) {
      const code = systemErrorCode(err);
      // EEXIST: a third taker made a new lock in the instant it was aside; it holds now.
      if (NO_HARD_LINKS.has(code ?? '')) renameSync(aside, file);
      else if (code !== 'EEXIST') throw err;
    }
  }
  try {
    unlinkSync(aside);
  } catch (err) {
    if (systemErrorCode(err) !== 'ENOENT') throw err;
  }
  return moved === text ? 'removed' : 'changed';
}

/** `pid start` as written by tryPidLock; null for anything else. */
export function parseLock(text: string | null): LockHolder | null {
  const m = /^(\d{1,10}) (\d{1,20})\n?$/.exec(text ?? '');
  return m ? { pid: Number(m[1]), start: m[2]! } : null;
}

/** Field 22 of /proc/<pid>/stat (start time in clock ticks since boot): with the pid, names one process for good. */
export function startTimeOf(pid: number): string | null {
  const stat = readOrNull(`/proc/${pid}/stat`);
  if (stat === null) return null;
  // The command name (field 2) may hold spaces and parentheses: count from the last ')'.
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
}

function inodeOf(file: string): number | null {
  try {
    return statSync(file).ino;
  } catch {
    return null;
  }
}

function readOrNull(file: string): string | null {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}
