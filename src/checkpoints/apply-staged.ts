import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, lstatSync } from 'node:fs';
import path from 'node:path';
import { NxsError, errorMessage, systemErrorCode } from '../core/errors.ts';
import { readLiveHostFile } from '../runtime/host-file.ts';
import { openStore } from '../store/database.ts';
import { ALL_MIGRATIONS } from '../store/migration-registry.ts';
import { writeFileAtomic } from '../runtime/atomic-write.ts';
import { assertSafePath } from './archive.ts';
import { CREDENTIAL_TABLE, assertHostArchive } from './restorable-files.ts';

const DB_FILES = ['nxs.db', 'nxs.db-wal', 'nxs.db-shm'];

/** What an apply changed, kept in <staged>/previous/applied.json so it can be undone. */
interface Applied {
  checkpoint_id: string;
  /** Store files moved into previous/ (absent ones are not listed). */
  store: string[];
  /** Data files that existed and were replaced; their old content is in previous/data/. */
  replaced: string[];
  /** Data files the restore created; undo moves them out. */
  created: string[];
}

/**
 * Completes a whole-host restore while the host is stopped. Everything is
 * checked before anything changes: the staged folder holds only what a restore
 * may write (an allowlist: the store and identity files; never a credential or
 * key), the store passes SQLite's checks and has its credential tables emptied.
 * Then everything it replaces is kept in <staged>/previous/ (the store moved,
 * replaced files copied, the list in applied.json), so undoStagedHost puts the
 * host back as it was.
 */
export function applyStagedHost(dataDir: string, checkpointId: string, opts: { sqliteBinding?: string | undefined } = {}): { previous: string; files: string[]; replaced: string[]; created: string[] } {
  const staged = stagedDir(dataDir, checkpointId);
  const stagedDb = path.join(staged, 'host', 'nxs.db');
  if (!existsSync(stagedDb)) {
    throw new NxsError('NXS_ERR_CHECKPOINT_NOT_FOUND', `nothing staged for ${checkpointId} in ${staged}; run nxs checkpoint restore ${checkpointId} while the host runs first`);
  }
  const previous = path.join(staged, 'previous');
  if (existsSync(previous)) {
    throw new NxsError('NXS_ERR_CHECKPOINT_EXISTS', `${previous} already holds what an earlier apply replaced; move it somewhere safe (or undo with --undo-apply) before applying again`);
  }
  const dataFiles = stagedDataFiles(staged);
  prepareStore(stagedDb, checkpointId, opts.sqliteBinding);

  // Keep the old state first; only then change anything.
  mkdirSync(path.join(previous, 'data'), { recursive: true, mode: 0o700 });
  const applied: Applied = { checkpoint_id: checkpointId, store: DB_FILES.filter((f) => existsSync(path.join(dataDir, f))), replaced: [], created: [] };
  for (const rel of dataFiles) {
    const target = path.join(dataDir, rel);
    if (!existsSync(target)) {
      applied.created.push(rel);
      continue;
    }
    if (!lstatSync(target).isFile()) throw new NxsError('NXS_ERR_DATA_DIR', `${target} is not a regular file; a restore only replaces files, move it away first`);
    const keep = path.join(previous, 'data', rel);
    mkdirSync(path.dirname(keep), { recursive: true, mode: 0o700 });
    copyFileSync(target, keep);
    applied.replaced.push(rel);
  }
  writeFileAtomic(path.join(previous, 'applied.json'), JSON.stringify(applied, null, 2) + '\n', 0o600);

  for (const f of applied.store) moveOrFail(path.join(dataDir, f), path.join(previous, f));
  renameSync(stagedDb, path.join(dataDir, 'nxs.db'));
  for (const rel of dataFiles) {
    const target = path.join(dataDir, rel);
    mkdirSync(path.dirname(target), { recursive: true, mode: 0o700 });
    writeFileAtomic(target, readFileSync(path.join(staged, 'data', rel)), 0o600);
  }
  return { previous, files: ['nxs.db', ...dataFiles], replaced: applied.replaced, created: applied.created };
}

/**
 * Undoes an apply with the host stopped: the restored store and the files the
 * restore created move to <staged>/undone/ (nothing is deleted), the previous
 * store moves back and the replaced files get their old content again.
 */
export function undoStagedHost(dataDir: string, checkpointId: string): { restored: string[]; undone: string } {
  const staged = stagedDir(dataDir, checkpointId);
  const previous = path.join(staged, 'previous');
  const record = path.join(previous, 'applied.json');
  let applied: Applied;
  try {
    applied = JSON.parse(readFileSync(record, 'utf8')) as Applied;
  } catch (err) {
    throw new NxsError('NXS_ERR_CHECKPOINT_NOT_FOUND', `no applied restore of ${checkpointId} to undo (${record}: ${errorMessage(err)})`);
  }
  const undone = path.join(staged, 'undone');
  if (existsSync(undone)) throw new NxsError('NXS_ERR_CHECKPOINT_EXISTS', `${undone} exists: this restore was undone already; move it away to undo again`);
  // The record is ours (0700 folder), but its names still go through the same checks as a checkpoint's.
  for (const rel of [...applied.replaced, ...applied.created]) assertHostArchive([`data/${assertSafePath(rel)}`]);
  mkdirSync(path.join(undone, 'data'), { recursive: true, mode: 0o700 });
  for (const f of DB_FILES) if (existsSync(path.join(dataDir, f))) moveOrFail(path.join(dataDir, f), path.join(undone, f));
  for (const f of applied.store.filter((x) => DB_FILES.includes(x))) moveOrFail(path.join(previous, f), path.join(dataDir, f));
  for (const rel of applied.created) {
    if (!existsSync(path.join(dataDir, rel))) continue;
    mkdirSync(path.dirname(path.join(undone, 'data', rel)), { recursive: true, mode: 0o700 });
    moveOrFail(path.join(dataDir, rel), path.join(undone, 'data', rel));
  }
  for (const rel of applied.replaced) {
    const current = path.join(dataDir, rel);
    if (existsSync(current)) {
      mkdirSync(path.dirname(path.join(undone, 'data', rel)), { recursive: true, mode: 0o700 });
      copyFileSync(current, path.join(undone, 'data', rel));
    }
    writeFileAtomic(current, readFileSync(path.join(previous, 'data', rel)), 0o600);
  }
  renameSync(record, path.join(undone, 'applied.json'));
  return { restored: [...applied.store, ...applied.replaced], undone };
}

function stagedDir(dataDir: string, checkpointId: string): string {
  const host = readLiveHostFile(dataDir);
  if (host) {
    throw new NxsError('NXS_ERR_CHECKPOINT_HOST_RUNNING', `a host (pid ${host.pid}) is running on ${dataDir}; stop it first, then run this again`, { pid: host.pid });
  }
  return path.join(dataDir, 'restore', assertSafePath(checkpointId));
}

/** The data files to write, relative to the data folder; refuses the whole apply if the staged folder holds anything else. */
function stagedDataFiles(staged: string): string[] {
  const names: string[] = [];
  const walk = (dir: string, rel: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const r = rel ? `${rel}/${name}` : name;
      const st = lstatSync(path.join(dir, name));
      if (st.isDirectory()) walk(path.join(dir, name), r);
      else if (st.isFile()) names.push(r);
      else throw new NxsError('NXS_ERR_CHECKPOINT_FORBIDDEN_FILE', `the staged restore holds ${r}, which is not a regular file`, { entry: r });
    }
  };
  walk(staged, '');
  assertHostArchive(names);
  return names.filter((n) => n.startsWith('data/')).map((n) => n.slice('data/'.length));
}

function prepareStore(stagedDb: string, checkpointId: string, sqliteBinding: string | undefined): void {
  try {
    // Opening migrates the copy to this version's schema and refuses a newer one.
    const db = openStore({ file: stagedDb, nativeBinding: sqliteBinding, synchronous: 'full', busyTimeoutMs: 1000, migrations: ALL_MIGRATIONS });
    try {
      const check = db.pragma('integrity_check', { simple: true });
      if (check !== 'ok') throw new NxsError('NXS_ERR_CHECKPOINT_INVALID', `the staged store of ${checkpointId} fails SQLite's integrity check: ${String(check)}`);
      // A host checkpoint never carries credentials (the snapshot empties these
      // tables); a crafted one could carry token digests of its own. Empty them
      // again so no credential is ever restored from a checkpoint.
      const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").all() as { name: string }[];
      for (const { name } of tables) if (CREDENTIAL_TABLE.test(name)) db.exec(`DELETE FROM "${name.replace(/"/g, '""')}"`);
      db.pragma('wal_checkpoint(TRUNCATE)');
      db.pragma('journal_mode = DELETE');
    } finally {
      db.close();
    }
  } catch (err) {
    if (err instanceof NxsError && err.code !== 'NXS_ERR_STORE') throw err;
    throw new NxsError('NXS_ERR_CHECKPOINT_INVALID', `the staged store of ${checkpointId} cannot be opened: ${errorMessage(err)}`);
  }
}

function moveOrFail(from: string, to: string): void {
  try {
    renameSync(from, to);
  } catch (err) {
    if (systemErrorCode(err) !== 'ENOENT') throw new NxsError('NXS_ERR_DATA_DIR', `cannot move ${from} to ${to}: ${errorMessage(err)}`);
  }
}
