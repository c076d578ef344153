import type { Db } from '../store/database.ts';

export interface CheckpointRow {
  id: string;
  kind: 'agent' | 'host';
  agent_id: string | null;
  agent_name: string | null;
  created_at: number;
  bytes: number;
  file: string;
  format: number;
  signer: string;
  origin: string;
}

/** The SQL of the checkpoint index, one statement per operation. */
export function insertRow(db: Db, row: CheckpointRow): void {
  db.prepare(`INSERT INTO checkpoints (id, kind, agent_id, agent_name, created_at, bytes, file, format, signer, origin)
    VALUES (@id, @kind, @agent_id, @agent_name, @created_at, @bytes, @file, @format, @signer, @origin)`).run(row);
}

export function getRow(db: Db, id: string): CheckpointRow | null {
  return (db.prepare('SELECT * FROM checkpoints WHERE id = ?').get(id) as CheckpointRow | undefined) ?? null;
}

export function listRows(db: Db, agentId?: string): CheckpointRow[] {
  return agentId === undefined
    ? (db.prepare('SELECT * FROM checkpoints ORDER BY created_at DESC, id DESC').all() as CheckpointRow[])
    : (db.prepare('SELECT * FROM checkpoints WHERE agent_id = ? ORDER BY created_at DESC, id DESC').all(agentId) as CheckpointRow[]);
}

export function deleteRow(db: Db, id: string): boolean {
  return db.prepare('DELETE FROM checkpoints WHERE id = ?').run(id).changes > 0;
}
