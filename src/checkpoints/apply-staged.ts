import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, lstatSync } from 'node:fs';
import path from 'node:path';
import { NxsError, errorMessage, systemErrorCode } from '../core/errors.ts';
import { readLiveHostFile } from '../boot/host-file.ts';
import { openStore } from '../store/database.ts';
import { ALL_MIGRATIONS } from '../store/migration-registry.ts';
import { writeFileAtomic } from '../runtime/atomic-write.ts';
import { assertSafePath } from './archive.ts';

const DB_FILES = ['nxs.db', 'nxs.db-wal', 'nxs.db-shm'];

/**
 * Completes a whole-host restore while the host is stopped: the staged store
 * (verified when it was staged) is checked again by SQLite, the current store
 * moves aside into the staging folder (so the swap can be undone by hand), and
 * the staged store and identity files move into the data folder.
 */
export function applyStagedHost(dataDir: string, checkpointId: string, opts: { sqliteBinding?: string | undefined } = {}): { previous: string; files: string[] } {
  const host = readLiveHostFile(dataDir);
  if (host) {
    throw new NxsError('NXS_ERR_CHECKPOINT_HOST_RUNNING', `a host (pid ${host.pid}) is running on ${dataDir}; stop it first, then run this again`, { pid: host.pid });
  }
  const staged = path.join(dataDir, 'restore', assertSafePath(checkpointId));
  const stagedDb = path.join(staged, 'host', 'nxs.db');
  if (!existsSync(stagedDb)) {
    throw new NxsError('NXS_ERR_CHECKPOINT_NOT_FOUND', `nothing staged for ${checkpointId} in ${staged}; run nxs checkpoint restore ${checkpointId} while the host runs first`);
  }
  try {
    // Opening migrates the copy to this version's schema and refuses a newer one.
    const db = openStore({ file: stagedDb, nativeBinding: opts.sqliteBinding, synchronous: 'full', busyTimeoutMs: 1000, migrations: ALL_MIGRATIONS });
    try {
      const check = db.pragma('integrity_check', { simple: true });
      if (check !== 'ok') throw new NxsError('NXS_ERR_CHECKPOINT_INVALID', `the staged store of ${checkpointId} fails SQLite's integrity check: ${String(check)}`);
      db.pragma('wal_checkpoint(TRUNCATE)');
      db.pragma('journal_mode = DELETE');
    } finally {
      db.close();
    }
  } catch (err) {
    if (err instanceof NxsError && err.code !== 'NXS_ERR_STORE') throw err;
    throw new NxsError('NXS_ERR_CHECKPOINT_INVALID', `the staged store of ${checkpointId} cannot be opened: ${errorMessage(err)}`);
  }
  const previous = path.join(staged, 'previous');
  mkdirSync(previous, { recursive: true, mode: 0o700 });
  for (const f of DB_FILES) {
    try {
      renameSync(path.join(dataDir, f), path.join(previous, f));
    } catch (err) {
      if (systemErrorCode(err) !== 'ENOENT') throw new NxsError('NXS_ERR_DATA_DIR', `cannot move ${f} aside: ${errorMessage(err)}`);
    }
  }
  renameSync(stagedDb, path.join(dataDir, 'nxs.db'));
  const files: string[] = ['nxs.db'];
  const walk = (dir: string, rel: string): void => {
    for (const name of existsSync(dir) ? readdirSync(dir) : []) {
      const p = path.join(dir, name);
      const r = rel ? `${rel}/${name}` : name;
      if (lstatSync(p).isDirectory()) walk(p, r);
      else if (lstatSync(p).isFile()) {
        const target = path.join(dataDir, assertSafePath(r));
        mkdirSync(path.dirname(target), { recursive: true, mode: 0o700 });
        writeFileAtomic(target, readFileSync(p), 0o600);
        files.push(r);
      }
    }
  };
  walk(path.join(staged, 'data'), '');
  return { previous, files };
}

