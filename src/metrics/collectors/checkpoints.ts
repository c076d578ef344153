import type { Db } from '../../store/database.ts';
import type { HostMetrics } from '../host-metrics.ts';

interface Row {
  kind: string;
  n: number;
  bytes: number;
  last: number | null;
}

/**
 * Checkpoints on disk by kind, their size and the newest one made here (imports keep their
 * maker's time, so they are left out of "last success"): one query over the checkpoint index.
 */
export function checkpointsCollector(m: HostMetrics, db: Db): () => void {
  let statement: ReturnType<typeof prepare> | null = null;
  return () => {
    statement ??= prepare(db);
    const rows = new Map<string, Row>(statement.all().map((r) => [r.kind, r]));
    m.checkpointLast.reset();
    for (const kind of ['agent', 'host']) {
      const r = rows.get(kind);
      m.checkpoints.set([kind], r?.n ?? 0);
      m.checkpointBytes.set([kind], r?.bytes ?? 0);
      if (r?.last != null) m.checkpointLast.set([kind], r.last / 1000);
    }
  };
}

function prepare(db: Db) {
  return db.prepare<[], Row>(
    `SELECT kind, COUNT(*) AS n, COALESCE(SUM(bytes), 0) AS bytes, MAX(CASE WHEN origin = 'local' THEN created_at END) AS last FROM checkpoints GROUP BY kind`,
  );
}
