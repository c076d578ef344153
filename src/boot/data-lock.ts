import path from 'node:path';
import { NxsError } from '../core/errors.ts';
import { selfIdentity, tryPidLock } from '../runtime/pid-lock.ts';

export const LOCK_FILE = 'host.lock';

/**
 * One host per data folder. Two hosts on one store would each keep their own
 * view of the queue (group heads, counts) and of the supervisor, and break both.
 * The lock names its holder's process for good (src/runtime/pid-lock.ts), so a
 * SIGKILLed host never blocks the next start.
 */
export function lockDataDir(dataDir: string, self = selfIdentity()): { release(): void } {
  const file = path.join(dataDir, LOCK_FILE);
  const got = tryPidLock(file, self);
  if (got.held) return got.held;
  if (got.holder) {
    throw new NxsError('NXS_ERR_DATA_DIR_IN_USE', `another nxs host (pid ${got.holder.pid}) is running on the data folder ${dataDir}; stop it first (nxs status shows it), or give this one its own --data-dir`, { dataDir, pid: got.holder.pid });
  }
  throw new NxsError('NXS_ERR_DATA_DIR_IN_USE', `cannot take the lock ${file}: another host keeps making it; is a second nxs starting on ${dataDir}?`, { dataDir });
}
