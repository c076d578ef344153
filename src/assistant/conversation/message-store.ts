import type { Db } from '../../store/database.ts';
import type { TextScrubber } from '../../core/secrets-redactor.ts';

export type MessageStatus = 'queued' | 'answering' | 'answered' | 'deferred' | 'failed' | 'ignored';
export type DeliveryState = 'none' | 'pending' | 'delivered' | 'failed';

export interface MessageRow {
  id: number;
  conversationId: string;
  channel: string;
  address: Record<string, unknown>;
  externalId: string | null;
  sender: string | null;
  text: string;
  status: MessageStatus;
  reply: string | null;
  replyCached: boolean;
  error: string | null;
  deferCount: number;
  delivery: DeliveryState;
  createdAt: number;
  answeredAt: number | null;
}

export interface NewMessage {
  conversationId: string;
  channel: string;
  address?: Record<string, unknown>;
  externalId?: string;
  sender?: string;
  text: string;
  status?: MessageStatus;
}

type Raw = Record<string, unknown>;
function toRow(r: Raw): MessageRow {
  return {
    id: r.id as number,
    conversationId: r.conversation_id as string,
    channel: r.channel as string,
    address: JSON.parse(r.address as string) as Record<string, unknown>,
    externalId: r.external_id as string | null,
    sender: r.sender as string | null,
    text: r.text as string,
    status: r.status as MessageStatus,
    reply: r.reply as string | null,
    replyCached: r.reply_cached === 1,
    error: r.error as string | null,
    deferCount: r.defer_count as number,
    delivery: r.delivery as DeliveryState,
    createdAt: r.created_at as number,
    answeredAt: r.answered_at as number | null,
  };
}

/**
 * The conversation history table: one SQL operation per method, each atomic.
 * A reply is scrubbed of registered secrets on its way in: a provider that
 * echoes a key must not have it kept, re-sent as history, or served by GET.
 */
export class MessageStore {
  private readonly db: Db;
  private readonly scrubber: TextScrubber;
  constructor(db: Db, scrubber: TextScrubber) {
    this.db = db;
    this.scrubber = scrubber;
  }

  /** Inserts a message; a repeat of the same channel + external id returns the first (Telegram re-sends, inbox rescans). */
  insert(m: NewMessage, now: number): { row: MessageRow; duplicate: boolean } {
    if (m.externalId) {
      const existing = this.db.prepare('SELECT * FROM assistant_messages WHERE channel = ? AND external_id = ?').get(m.channel, m.externalId) as Raw | undefined;
      if (existing) return { row: toRow(existing), duplicate: true };
    }
    const r = this.db
      .prepare('INSERT INTO assistant_messages (conversation_id, channel, address, external_id, sender, text, status, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING *')
      .get(m.conversationId, m.channel, JSON.stringify(m.address ?? {}), m.externalId ?? null, m.sender ?? null, m.text, m.status ?? 'queued', now) as Raw;
    return { row: toRow(r), duplicate: false };
  }

  get(id: number): MessageRow | null {
    const r = this.db.prepare('SELECT * FROM assistant_messages WHERE id = ?').get(id) as Raw | undefined;
    return r ? toRow(r) : null;
  }

  /** Who wrote a conversation's first message (its channel and sender), or null for a conversation not started yet. */
  starter(conversationId: string): { channel: string; sender: string | null } | null {
    const r = this.db.prepare('SELECT channel, sender FROM assistant_messages WHERE conversation_id = ? ORDER BY id LIMIT 1').get(conversationId) as { channel: string; sender: string | null } | undefined;
    return r ?? null;
  }

  setStatus(id: number, status: MessageStatus, error: string | null = null): void {
    this.db.prepare('UPDATE assistant_messages SET status = ?, error = ? WHERE id = ?').run(status, error, id);
  }

  defer(id: number, reason: string): void {
    this.db.prepare("UPDATE assistant_messages SET status = 'deferred', error = ?, defer_count = defer_count + 1 WHERE id = ?").run(reason, id);
  }

  /** Stores the reply and marks it for delivery in one statement: the durable point after which a crash re-delivers. Returns the reply as stored (scrubbed). */
  saveReply(id: number, reply: string, cached: boolean, now: number, deliver: boolean): string {
    const stored = this.scrubber.scrub(reply);
    this.db
      .prepare("UPDATE assistant_messages SET status = 'answered', reply = ?, reply_cached = ?, error = NULL, answered_at = ?, delivery = ? WHERE id = ?")
      .run(stored, cached ? 1 : 0, now, deliver ? 'pending' : 'none', id);
    return stored;
  }

  setDelivery(id: number, state: DeliveryState, now: number): void {
    this.db.prepare('UPDATE assistant_messages SET delivery = ?, delivered_at = CASE WHEN ? = \'delivered\' THEN ? ELSE delivered_at END WHERE id = ?').run(state, state, now, id);
  }

  /** The last `limit` exchanges of a conversation before message `beforeId`, oldest first. */
  history(conversationId: string, beforeId: number, limit: number): MessageRow[] {
    if (limit <= 0) return [];
    const rows = this.db
      .prepare("SELECT * FROM assistant_messages WHERE conversation_id = ? AND id < ? AND status IN ('answered','ignored') ORDER BY id DESC LIMIT ?")
      .all(conversationId, beforeId, limit) as Raw[];
    return rows.reverse().map(toRow);
  }

  /** Whether an earlier message of the conversation still waits (deferred): a later one must wait behind it. */
  hasEarlierDeferred(conversationId: string, id: number): boolean {
    return this.db.prepare("SELECT 1 FROM assistant_messages WHERE conversation_id = ? AND id < ? AND status = 'deferred' LIMIT 1").get(conversationId, id) !== undefined;
  }

  /** Messages not yet answered, in arrival order (boot recovery, survival recovery). */
  unanswered(statuses: MessageStatus[]): MessageRow[] {
    const marks = statuses.map(() => '?').join(',');
    return (this.db.prepare(`SELECT * FROM assistant_messages WHERE status IN (${marks}) ORDER BY id`).all(...statuses) as Raw[]).map(toRow);
  }

  pendingDeliveries(): MessageRow[] {
    return (this.db.prepare("SELECT * FROM assistant_messages WHERE delivery = 'pending' ORDER BY id").all() as Raw[]).map(toRow);
  }

  counts(): Record<string, number> {
    const rows = this.db.prepare('SELECT status, count(*) AS n FROM assistant_messages GROUP BY status').all() as { status: string; n: number }[];
    return Object.fromEntries(rows.map((r) => [r.status, r.n]));
  }

  getState(key: string): string | null {
    const r = this.db.prepare('SELECT value FROM assistant_state WHERE key = ?').get(key) as { value: string } | undefined;
    return r?.value ?? null;
  }

  setState(key: string, value: string): void {
    this.db.prepare('INSERT INTO assistant_state (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(key, value);
  }
}
