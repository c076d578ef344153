import { randomBytes } from 'node:crypto';
import type { Db } from '../store/database.ts';
import type { Clock } from '../core/clock.ts';
import type { BootLogEntry } from '../store/boot-records.ts';

/**
 * Seed 004's boot log: timestamped lines per boot id, kept in the store. Entries
 * made before the store is open (config, data folder) wait in memory and are
 * written when `attach` gives the log its database.
 */
export class BootLog {
  readonly bootId: string;
  private db: Db | null = null;
  private seq = 0;
  private pending: BootLogEntry[] = [];

  private readonly clock: Clock;

  constructor(clock: Clock, bootId?: string) {
    this.clock = clock;
    this.bootId = bootId ?? newBootId(clock.now());
  }

  attach(db: Db, meta: { version: string; pid: number; startedAt: number }): void {
    db.prepare('INSERT INTO boots (boot_id, started_at, version, pid) VALUES (?, ?, ?, ?)').run(this.bootId, meta.startedAt, meta.version, meta.pid);
    this.db = db;
    for (const e of this.pending) this.write(e);
    this.pending = [];
  }

  add(entry: string): void {
    const e = { ts: this.clock.now(), entry: oneLine(entry) };
    if (this.db) this.write(e);
    else this.pending.push(e);
  }

  /** Records a boot phase with its duration, e.g. `phase store: 4.2 ms`. */
  phase(name: string, ms: number, detail?: string): void {
    this.add(`phase ${name}: ${ms.toFixed(1)} ms${detail ? ` (${detail})` : ''}`);
  }

  markReady(): void {
    this.db?.prepare('UPDATE boots SET ready_at = ? WHERE boot_id = ?').run(this.clock.now(), this.bootId);
  }

  markStopped(): void {
    this.db?.prepare('UPDATE boots SET stopped_at = ? WHERE boot_id = ?').run(this.clock.now(), this.bootId);
  }

  private write(e: BootLogEntry): void {
    this.seq += 1;
    this.db!.prepare('INSERT INTO boot_log (boot_id, seq, ts, entry) VALUES (?, ?, ?, ?)').run(this.bootId, this.seq, e.ts, e.entry);
  }
}

/** Boot ids sort by time: `boot_<ms>_<random>`. */
export function newBootId(now: number): string {
  return `boot_${now}_${randomBytes(3).toString('hex')}`;
}

function oneLine(s: string): string {
  return s.replace(/[\r\n]+/g, ' ').slice(0, 4000);
}
