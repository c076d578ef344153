import type { Db } from '../store/database.ts';
import type { Clock } from '../core/clock.ts';
import type { JobQueue } from '../queue/types.ts';
import type { AgentMessage } from './protocol.ts';
import type { IpcMessageIn } from './ipc-types.ts';
import { NxsError } from '../core/errors.ts';
import { decideIpcRoom, type InboxUsage, type IpcBound } from './ipc-bound.ts';

export const IPC_QUEUE = 'ipc';

interface Row {
  message_id: number;
  from_agent: string;
  to_agent: string;
  intent: string | null;
  type: string;
  data: string;
  created_at: number;
  delivered_at: number | null;
}

/**
 * The inbox of each agent lives in its own table (so it reads the same with or
 * without the queue). Delivery to a running agent goes through the durable
 * queue when the host has one, one group per recipient so its messages arrive
 * in order; without a queue it is handed over at once. A message for an agent
 * that is not running waits in the inbox and is handed over when it starts.
 * Each inbox is bounded by the tier (`bound`, read per send so a step down
 * applies at once): delivered history gives way oldest first, and a full
 * backlog refuses the sender with a 429.
 */
export class Mailbox {
  private readonly db: Db;
  private readonly clock: Clock;
  private readonly queue: JobQueue | null;
  private readonly handOver: (to: string, m: AgentMessage) => boolean;
  private readonly bound: () => IpcBound;

  constructor(db: Db, clock: Clock, queue: JobQueue | null, handOver: (to: string, m: AgentMessage) => boolean, bound: () => IpcBound) {
    this.db = db;
    this.clock = clock;
    this.queue = queue;
    this.handOver = handOver;
    this.bound = bound;
    if (queue) queue.declare({ name: IPC_QUEUE, maxAttempts: 5, backoff: { baseMs: 500, maxMs: 30_000 } });
  }

  /** Starts delivering; returns the stop function (the queue's) or a no-op. */
  start(): () => void {
    if (!this.queue) return () => {};
    return this.queue.process<{ message_id: number }>(IPC_QUEUE, async (payload) => {
      this.deliver(payload.message_id);
    });
  }

  send(m: IpcMessageIn): AgentMessage {
    const now = this.clock.now();
    const data = JSON.stringify(m.data);
    const size = Buffer.byteLength(data) + Buffer.byteLength(m.intent ?? '');
    const id = this.db.transaction(() => {
      this.makeRoom(m.to, size);
      const r = this.db
        .prepare('INSERT INTO ipc_messages (from_agent, to_agent, intent, type, data, created_at, size_bytes) VALUES (?, ?, ?, ?, ?, ?, ?)')
        .run(m.from, m.to, m.intent, m.type, data, now, size);
      return Number(r.lastInsertRowid);
    })();
    if (this.queue) this.queue.enqueue({ queue: IPC_QUEUE, group: `agent:${m.to}`, payload: { message_id: id }, idempotencyKey: `ipc:${id}` });
    else this.deliver(id);
    return this.read(id)!;
  }

  /** Refuses a message the agent's inbox cannot hold, else drops the oldest delivered history it displaces. */
  private makeRoom(to: string, size: number): void {
    const bound = this.bound();
    const usage = this.db
      .prepare(
        `SELECT COUNT(*) AS messages, COALESCE(SUM(size_bytes), 0) AS bytes,
                COALESCE(SUM(delivered_at IS NULL), 0) AS pendingMessages,
                COALESCE(SUM(CASE WHEN delivered_at IS NULL THEN size_bytes END), 0) AS pendingBytes
           FROM ipc_messages WHERE to_agent = ?`,
      )
      .get(to) as InboxUsage;
    const room = decideIpcRoom(usage, size, bound);
    if (room.kind === 'too-large') {
      throw new NxsError('NXS_ERR_IPC_TOO_LARGE', `the message is ${size} bytes; an agent's inbox holds at most ${bound.maxBytes} bytes at this tier`, { size, limit: bound.maxBytes });
    }
    if (room.kind === 'full') {
      const held = room.reason === 'messages' ? `${usage.pendingMessages} undelivered messages (the bound is ${bound.maxMessages})` : `${usage.pendingBytes} undelivered bytes (the bound is ${bound.maxBytes})`;
      throw new NxsError('NXS_ERR_IPC_BACKLOG_FULL', `agent ${to}'s inbox holds ${held}; retry once it has taken them`, { agentId: to, reason: room.reason });
    }
    if (room.dropMessages === 0 && room.dropBytes === 0) return;
    // Oldest delivered first, until both the count and the bytes fit.
    let messages = 0;
    let bytes = 0;
    let upTo = 0;
    const rows = this.db.prepare('SELECT message_id, size_bytes FROM ipc_messages WHERE to_agent = ? AND delivered_at IS NOT NULL ORDER BY message_id').iterate(to) as IterableIterator<{ message_id: number; size_bytes: number }>;
    for (const r of rows) {
      if (messages >= room.dropMessages && bytes >= room.dropBytes) break;
      messages++;
      bytes += r.size_bytes;
      upTo = r.message_id;
    }
    this.db.prepare('DELETE FROM ipc_messages WHERE to_agent = ? AND delivered_at IS NOT NULL AND message_id <= ?').run(to, upTo);
  }

  inbox(agentId: string, opts: { afterId?: number; limit?: number } = {}): AgentMessage[] {
    const rows = this.db
      .prepare('SELECT * FROM ipc_messages WHERE to_agent = ? AND message_id > ? ORDER BY message_id LIMIT ?')
      .all(agentId, opts.afterId ?? 0, opts.limit ?? 100) as Row[];
    return rows.map(toMessage);
  }

  /** Hands over what waited for this agent (it just started). */
  flush(agentId: string): number {
    const rows = this.db.prepare('SELECT message_id FROM ipc_messages WHERE to_agent = ? AND delivered_at IS NULL ORDER BY message_id').all(agentId) as { message_id: number }[];
    let n = 0;
    for (const r of rows) if (this.deliver(r.message_id)) n++;
    return n;
  }

  private deliver(id: number): boolean {
    const m = this.read(id);
    if (!m || m.delivered) return false;
    if (!this.handOver(String(m.to), m)) return false;
    this.db.prepare('UPDATE ipc_messages SET delivered_at = ? WHERE message_id = ? AND delivered_at IS NULL').run(this.clock.now(), id);
    return true;
  }

  private read(id: number): (AgentMessage & { delivered: boolean }) | null {
    const row = this.db.prepare('SELECT * FROM ipc_messages WHERE message_id = ?').get(id) as Row | undefined;
    return row ? toMessage(row) : null;
  }
}

function toMessage(r: Row): AgentMessage & { delivered: boolean } {
  return {
    message_id: r.message_id,
    from: Number(r.from_agent),
    to: Number(r.to_agent),
    intent: r.intent,
    type: r.type,
    data: JSON.parse(r.data) as unknown,
    timestamp: r.created_at,
    delivered: r.delivered_at !== null,
  };
}
