import type { Database } from 'better-sqlite3';

/**
 * One schema change. Ids are `<part>/<NNN>-<what>` and never change once shipped;
 * each runs once, inside a transaction with its bookkeeping row.
 */
export interface Migration {
  id: string;
  up(db: Database): void;
}
