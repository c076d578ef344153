import type { Db } from './database.ts';

// Reading the boot records (tables of store/core-migrations.ts) is shared: the host's routes and the
// doctor's review of the previous boot. Writing them is the host's BootLog (src/boot/boot-log.ts).

export interface BootLogEntry {
  ts: number;
  entry: string;
}

export function formatBootLine(e: BootLogEntry): string {
  return `[${new Date(e.ts).toISOString()}] ${e.entry}`;
}

export interface BootSummary {
  boot_id: string;
  started_at: number;
  version: string;
  pid: number;
  ready_at: number | null;
  stopped_at: number | null;
}

export function listBoots(db: Db, limit = 50): BootSummary[] {
  return db.prepare('SELECT boot_id, started_at, version, pid, ready_at, stopped_at FROM boots ORDER BY started_at DESC, boot_id DESC LIMIT ?').all(limit) as BootSummary[];
}

/** The boot's log in seed 004's line format, or null when no such boot exists. */
export function readBootLog(db: Db, bootId: string | undefined): { bootId: string; log: string } | null {
  const id = bootId ?? (db.prepare('SELECT boot_id FROM boots ORDER BY started_at DESC, boot_id DESC LIMIT 1').get() as { boot_id: string } | undefined)?.boot_id;
  if (!id) return null;
  const exists = db.prepare('SELECT 1 FROM boots WHERE boot_id = ?').get(id);
  if (!exists) return null;
  const rows = db.prepare('SELECT ts, entry FROM boot_log WHERE boot_id = ? ORDER BY seq').all(id) as BootLogEntry[];
  return { bootId: id, log: rows.map(formatBootLine).join('\n') + (rows.length ? '\n' : '') };
}
