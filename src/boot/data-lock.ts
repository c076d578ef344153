import { openSync, writeSync, closeSync, readFileSync, unlinkSync } from 'node:fs';
import path from 'node:path';
import { NxsError, systemErrorCode } from '../core/errors.ts';

export const LOCK_FILE = 'host.lock';

/**
 * One host per data folder. Two hosts on one store would each keep their own
 * view of the queue (group heads, counts) and of the supervisor, and break both.
 * Node has no flock, so the lock is a file created exclusively (O_EXCL) holding
 * the owner's pid and its start time from /proc: a lock whose process is gone,
 * or whose pid now names another process (a different start time), is stale
 * and taken over; a SIGKILLed host therefore never blocks the next start.
 */
export function lockDataDir(dataDir: string, self = { pid: process.pid, start: startTimeOf(process.pid) }): { release(): void } {
  const file = path.join(dataDir, LOCK_FILE);
  const mine = `${self.pid} ${self.start ?? '?'}\n`;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(file, 'wx', 0o600);
      try {
        writeSync(fd, mine);
      } finally {
        closeSync(fd);
      }
      return {
        release() {
          // Only our own lock: a host that took over a lock we held too long keeps its own.
          if (readOrNull(file) === mine) unlinkSync(file);
        },
      };
    } catch (err) {
      if (systemErrorCode(err) !== 'EEXIST') throw err;
    }
    const holder = parseLock(readOrNull(file));
    if (holder && startTimeOf(holder.pid) === holder.start) {
      throw new NxsError('NXS_ERR_DATA_DIR_IN_USE', `another nxs host (pid ${holder.pid}) is running on the data folder ${dataDir}; stop it first (nxs status shows it), or give this one its own --data-dir`, { dataDir, pid: holder.pid });
    }
    // Stale (its process is gone, or the pid was reused) or unreadable: take it over.
    try {
      unlinkSync(file);
    } catch (err) {
      if (systemErrorCode(err) !== 'ENOENT') throw err;
    }
  }
  throw new NxsError('NXS_ERR_DATA_DIR_IN_USE', `cannot take the lock ${file}: another host keeps making it; is a second nxs starting on ${dataDir}?`, { dataDir });
}

/** `pid start` as written by lockDataDir; null for anything else. */
export function parseLock(text: string | null): { pid: number; start: string } | null {
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

function readOrNull(file: string): string | null {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}
