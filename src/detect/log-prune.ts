import { lstatSync, readdirSync, unlinkSync, existsSync } from 'node:fs';
import path from 'node:path';
import type { Db } from '../store/database.ts';
import { errorMessage } from '../core/errors.ts';

const DAY_MS = 24 * 60 * 60 * 1000;

/** A log file in the data folder (nxs's own, e.g. `chat-host.log`), as the planner sees it. */
export interface LogFileInfo {
  path: string;
  mtimeMs: number;
  size: number;
}

export interface PruneInput {
  boots: ReadonlyArray<{ boot_id: string; started_at: number }>;
  currentBootId: string;
  files: readonly LogFileInfo[];
  now: number;
  retentionDays: number;
}

export interface PrunePlan {
  /** Boots whose rows (boot_log and boots) go. */
  boots: string[];
  files: string[];
}

/** `x.log`: written by a running nxs (for `nxs chat` sessions); kept unless stale. */
const LIVE_LOG = /\.log$/;
/** `x.log.1`, `x.log.2.gz`, `x.log.old`, `x.log-20260101`: rotated copies, nothing writes them any more. */
const ROTATED_LOG = /\.log(\.\d+|\.old|[.-]\d{8}[\dT]*)(\.(gz|xz|zst))?$|\.log\.(gz|xz|zst)$/;

/**
 * Pure: what a low disk lets go. Boot-log records of boots that started before
 * the profile's retention, except the current boot and the one before it (the
 * record of what happened just before this start); rotated log files whatever
 * their age; live log files not written within the retention.
 */
export function planLogPrune(input: PruneInput): PrunePlan {
  const cutoff = input.now - input.retentionDays * DAY_MS;
  const newestFirst = [...input.boots].sort((a, b) => b.started_at - a.started_at || (a.boot_id < b.boot_id ? 1 : -1));
  const previous = newestFirst.find((b) => b.boot_id !== input.currentBootId);
  const keep = new Set([input.currentBootId, ...(previous ? [previous.boot_id] : [])]);
  const boots = newestFirst.filter((b) => !keep.has(b.boot_id) && b.started_at < cutoff).map((b) => b.boot_id);
  const files = input.files
    .filter((f) => {
      const name = path.basename(f.path);
      return ROTATED_LOG.test(name) || (LIVE_LOG.test(name) && f.mtimeMs < cutoff);
    })
    .map((f) => f.path);
  return { boots, files };
}

/** Log files nxs may have written: in the data folder and its `logs/` folder, regular files only (never a symlink's target). */
export function listLogFiles(dataDir: string): LogFileInfo[] {
  const out: LogFileInfo[] = [];
  for (const dir of [dataDir, path.join(dataDir, 'logs')]) {
    if (!existsSync(dir)) continue;
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (!e.isFile() || !(LIVE_LOG.test(e.name) || ROTATED_LOG.test(e.name))) continue;
      const p = path.join(dir, e.name);
      try {
        const st = lstatSync(p);
        if (st.isFile()) out.push({ path: p, mtimeMs: st.mtimeMs, size: st.size });
      } catch {
        // Gone between listing and stat: nothing to prune.
      }
    }
  }
  return out;
}

export interface PruneResult {
  boots: number;
  rows: number;
  files: number;
  bytes: number;
  errors: string[];
}

/**
 * Applies a plan: the boot rows in one transaction (all or nothing), then the
 * files one by one (a file that cannot go is reported, the rest still go).
 */
export function pruneLogs(db: Db, opts: { dataDir: string; currentBootId: string; now: number; retentionDays: number }): PruneResult {
  const boots = db.prepare('SELECT boot_id, started_at FROM boots').all() as { boot_id: string; started_at: number }[];
  const files = listLogFiles(opts.dataDir);
  const plan = planLogPrune({ boots, currentBootId: opts.currentBootId, files, now: opts.now, retentionDays: opts.retentionDays });
  const result: PruneResult = { boots: plan.boots.length, rows: 0, files: 0, bytes: 0, errors: [] };
  if (plan.boots.length) {
    const delLog = db.prepare('DELETE FROM boot_log WHERE boot_id = ?');
    const delBoot = db.prepare('DELETE FROM boots WHERE boot_id = ?');
    db.transaction(() => {
      for (const id of plan.boots) {
        result.rows += delLog.run(id).changes;
        delBoot.run(id);
      }
    })();
  }
  const sizes = new Map(files.map((f) => [f.path, f.size]));
  for (const f of plan.files) {
    try {
      unlinkSync(f);
      result.files += 1;
      result.bytes += sizes.get(f) ?? 0;
    } catch (err) {
      result.errors.push(`${f}: ${errorMessage(err)}`);
    }
  }
  return result;
}
