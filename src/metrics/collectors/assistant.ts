import type { Db } from '../../store/database.ts';
import type { HostMetrics } from '../host-metrics.ts';

const PENDING = ['queued', 'answering', 'deferred'] as const;

/**
 * Unanswered messages by channel and status (one query on the partial index of pending
 * messages, so answered history costs nothing), and whether survival mode is on.
 */
export function assistantCollector(m: HostMetrics, db: Db, assistant: () => { survival: { isActive: boolean } } | undefined): () => void {
  let statement: ReturnType<typeof prepare> | null = null;
  return () => {
    const a = assistant();
    m.messages.reset();
    if (!a) return;
    m.survival.set([], a.survival.isActive ? 1 : 0);
    statement ??= prepare(db);
    for (const r of statement.all()) m.messages.set([r.channel, r.status], r.n);
  };
}

function prepare(db: Db) {
  return db.prepare<[], { channel: string; status: string; n: number }>(
    `SELECT channel, status, COUNT(*) AS n FROM assistant_messages WHERE status IN (${PENDING.map((s) => `'${s}'`).join(', ')}) GROUP BY channel, status`,
  );
}
