import Database from 'better-sqlite3';
import type { Database as Db } from 'better-sqlite3';
import { NxsError, errorMessage } from '../core/errors.ts';
import type { Migration } from './migration.ts';

export type { Db };

export interface OpenStoreOptions {
  file: string;
  /** Path to better_sqlite3.node when it is not in node_modules (the single file). */
  nativeBinding?: string | undefined;
  synchronous: 'normal' | 'full';
  busyTimeoutMs: number;
  migrations: readonly Migration[];
}

/**
 * Opens the store: WAL (readers never block the writer, and a crash loses at most
 * the last transactions under synchronous=NORMAL, never integrity), a busy timeout
 * for the CLI reading while the host writes, then every pending migration.
 */
export function openStore(opts: OpenStoreOptions): Db {
  let db: Db;
  try {
    // @types/better-sqlite3 types nativeBinding as a path only; the library also takes the addon object.
    db = new Database(opts.file, { nativeBinding: loadAddon(opts.nativeBinding) as string | undefined, timeout: opts.busyTimeoutMs });
  } catch (err) {
    throw new NxsError('NXS_ERR_STORE', `cannot open the store at ${opts.file}: ${errorMessage(err)}`, { file: opts.file }, { cause: err });
  }
  try {
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${opts.synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
    db.pragma('foreign_keys = ON');
    db.pragma(`busy_timeout = ${opts.busyTimeoutMs}`);
    migrate(db, opts.migrations);
  } catch (err) {
    db.close();
    if (err instanceof NxsError) throw err;
    throw new NxsError('NXS_ERR_STORE', `cannot prepare the store at ${opts.file}: ${errorMessage(err)}`, { file: opts.file }, { cause: err });
  }
  return db;
}

// The single executable cannot `require` a file from disk, so the addon is
// loaded with process.dlopen and handed to better-sqlite3 as an object.
const addonCache = new Map<string, object>();
function loadAddon(file: string | undefined): object | undefined {
  if (!file) return undefined;
  let addon = addonCache.get(file);
  if (!addon) {
    const mod = { exports: {} as object };
    process.dlopen(mod, file);
    addon = mod.exports;
    addonCache.set(file, addon);
  }
  return addon;
}

/** Applies each migration not yet applied, each in its own transaction. Returns the ids applied. */
export function migrate(db: Db, migrations: readonly Migration[]): string[] {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (id TEXT PRIMARY KEY, applied_at INTEGER NOT NULL) WITHOUT ROWID`);
  const applied = new Set((db.prepare('SELECT id FROM schema_migrations').all() as { id: string }[]).map((r) => r.id));
  const known = new Set(migrations.map((m) => m.id));
  const unknown = [...applied].filter((id) => !known.has(id));
  if (unknown.length > 0) {
    throw new NxsError(
      'NXS_ERR_STORE',
      `the store was written by a newer nxs (it has migration ${unknown[0]} that this version does not know); run the newer binary or point --data-dir elsewhere`,
      { unknown },
    );
  }
  const record = db.prepare('INSERT INTO schema_migrations (id, applied_at) VALUES (?, ?)');
  const done: string[] = [];
  for (const m of migrations) {
    if (applied.has(m.id)) continue;
    db.transaction(() => {
      m.up(db);
      record.run(m.id, Date.now());
    })();
    done.push(m.id);
  }
  return done;
}
