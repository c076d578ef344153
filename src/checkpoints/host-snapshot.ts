import { readdirSync, readFileSync, lstatSync, rmSync, mkdtempSync } from 'node:fs';
import path from 'node:path';
import { openStore } from '../store/database.ts';
import { ALL_MIGRATIONS } from '../store/migration-registry.ts';
import type { Context } from '../core/context.ts';
import { systemErrorCode } from '../core/errors.ts';
import { CREDENTIAL_TABLE, isRestorableDataFile } from './restorable-files.ts';


/**
 * A consistent copy of the store (SQLite's online backup, so writers keep
 * going), with credential tables dropped and the file vacuumed so their pages
 * are really gone, plus the identity files of the data folder.
 */
export async function snapshotHost(ctx: Context): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  const tmpDir = mkdtempSync(path.join(ctx.config.dataDir, '.ckpt-'));
  try {
    const copy = path.join(tmpDir, 'nxs.db');
    await ctx.db.backup(copy);
    const db = openStore({ file: copy, nativeBinding: ctx.paths.sqliteBinding, synchronous: 'normal', busyTimeoutMs: 1000, migrations: ALL_MIGRATIONS });
    try {
      const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").all() as { name: string }[];
      for (const { name } of tables) if (CREDENTIAL_TABLE.test(name)) db.exec(`DELETE FROM "${name.replace(/"/g, '""')}"`);
      db.pragma('journal_mode = DELETE');
      db.exec('VACUUM');
    } finally {
      db.close();
    }
    files.set('host/nxs.db', readFileSync(copy));
  } finally {
    rmSync(tmpDir, { recursive: true, force: true });
  }
  for (const [rel, data] of identityFiles(ctx.config.dataDir)) files.set(`data/${rel}`, data);
  return files;
}

/**
 * Markdown identity files at the top of the data folder and the text files under
 * <data>/identity: exactly what a restore may write back (restorable-files.ts),
 * so credentials, keys and host.json are never saved.
 */
export function identityFiles(dataDir: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const name of safeList(dataDir)) {
    const p = path.join(dataDir, name);
    if (isRestorableDataFile(name) && lstatSync(p).isFile()) out.set(name, readFileSync(p));
  }
  const walk = (dir: string, rel: string): void => {
    for (const name of safeList(dir)) {
      const p = path.join(dir, name);
      const st = lstatSync(p);
      const r = rel ? `${rel}/${name}` : name;
      // Symlinks are skipped: following one could copy a file from anywhere.
      if (st.isDirectory()) walk(p, r);
      else if (st.isFile() && isRestorableDataFile(`identity/${r}`)) out.set(`identity/${r}`, readFileSync(p));
    }
  };
  walk(path.join(dataDir, 'identity'), '');
  return out;
}

function safeList(dir: string): string[] {
  try {
    return readdirSync(dir).sort();
  } catch (err) {
    if (systemErrorCode(err) === 'ENOENT') return [];
    throw err;
  }
}
