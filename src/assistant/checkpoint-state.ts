import { NxsError } from '../core/errors.ts';
import type { Context } from '../core/context.ts';
import type { StateProvider } from '../checkpoints/state-providers.ts';
import type { Assistant } from './assistant.ts';
import type { MessageRow, MessageStatus } from './conversation/message-store.ts';

export interface SavedMessage {
  conversation_id: string;
  channel: string;
  address: Record<string, unknown>;
  sender: string | null;
  text: string;
  /** answered (history) or queued (still to answer: queued, answering and deferred are all saved as queued). */
  status: 'answered' | 'queued';
  reply: string | null;
  created_at: number;
  answered_at: number | null;
}

interface AssistantState {
  version: 1;
  memory: string;
  messages: SavedMessage[];
}

const MAX_MESSAGES = 20_000;

/**
 * Checkpoint state `assistant`, present only in a checkpoint of the
 * assistant's own agent: MEMORY.md, every message still waiting for an
 * answer, and the recent history of each conversation (as many exchanges as
 * the prompt uses). Restore inserts the messages (skipping ones already
 * here), answers the waiting ones, and writes MEMORY.md once the store has
 * committed.
 */
export function assistantStateProvider(ctx: Context, assistant: Assistant, resyncQueue: () => void): StateProvider {
  const historyPerConversation = Math.max(ctx.config.assistant.historyMessages, 1);
  const memoryLimit = ctx.config.assistant.memoryMaxBytes * 4;
  return {
    export(agentId) {
      if (!assistant.agentIdentity?.isAssistant(agentId)) return undefined;
      const rows = ctx.db
        .prepare(
          `SELECT * FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY conversation_id ORDER BY id DESC) AS n FROM assistant_messages WHERE status = 'answered')
           WHERE n <= ? UNION ALL SELECT *, 0 AS n FROM assistant_messages WHERE status IN ('queued','answering','deferred') ORDER BY id LIMIT ?`,
        )
        .all(historyPerConversation, MAX_MESSAGES) as Record<string, unknown>[];
      const messages = rows.map((r): SavedMessage => {
        const answered = r.status === 'answered';
        return { conversation_id: String(r.conversation_id), channel: String(r.channel), address: JSON.parse(String(r.address)) as Record<string, unknown>, sender: (r.sender as string | null) ?? null, text: String(r.text), status: answered ? 'answered' : 'queued', reply: answered ? (r.reply as string | null) : null, created_at: Number(r.created_at), answered_at: answered ? (r.answered_at as number | null) : null };
      });
      return { version: 1, memory: assistant.memory.read(), messages } satisfies AssistantState;
    },
    validate(data) {
      readState(data, memoryLimit);
    },
    import(_agentId, data) {
      const state = readState(data, memoryLimit);
      const seen = ctx.db.prepare('SELECT 1 FROM assistant_messages WHERE conversation_id = ? AND created_at = ? AND text = ? LIMIT 1');
      const insert = ctx.db.prepare(
        `INSERT INTO assistant_messages (conversation_id, channel, address, sender, text, status, reply, answered_at, delivery, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'none', ?) RETURNING id`,
      );
      const waiting: number[] = [];
      for (const m of state.messages) {
        if (seen.get(m.conversation_id, m.created_at, m.text)) continue;
        const r = insert.get(m.conversation_id, m.channel, JSON.stringify(m.address), m.sender, m.text, m.status satisfies MessageStatus, m.reply, m.answered_at, m.created_at) as { id: number };
        if (m.status === 'queued') waiting.push(r.id);
      }
      for (const id of waiting) assistant.resume(assistant.get(id) as MessageRow);
    },
    afterCommit(_agentId, data) {
      assistant.memory.replace((data as AssistantState).memory);
    },
    onRollback() {
      // Answer jobs enqueued inside the rolled-back transaction are gone with it; the queue's counts must follow.
      resyncQueue();
    },
  };
}

function readState(data: unknown, memoryLimit: number): AssistantState {
  const bad = (what: string): never => {
    throw new NxsError('NXS_ERR_CHECKPOINT_INVALID', `state/assistant.json: ${what}`);
  };
  const s = data as AssistantState;
  if (typeof data !== 'object' || data === null || s.version !== 1 || typeof s.memory !== 'string' || !Array.isArray(s.messages)) bad('expected {version: 1, memory: "...", messages: [...]}');
  if (Buffer.byteLength(s.memory) > memoryLimit) bad(`memory is ${Buffer.byteLength(s.memory)} bytes; at most ${memoryLimit}`);
  if (s.messages.length > MAX_MESSAGES) bad(`at most ${MAX_MESSAGES} messages; got ${s.messages.length}`);
  s.messages.forEach((m, i) => {
    if (typeof m !== 'object' || m === null) bad(`messages.${i} must be an object`);
    if (typeof m.conversation_id !== 'string' || !/^[\w.:@+-]{1,128}$/.test(m.conversation_id)) bad(`messages.${i}.conversation_id must be a conversation id`);
    if (typeof m.channel !== 'string' || typeof m.text !== 'string') bad(`messages.${i} needs channel and text strings`);
    if (m.status !== 'answered' && m.status !== 'queued') bad(`messages.${i}.status must be answered or queued`);
    if (typeof m.address !== 'object' || m.address === null) bad(`messages.${i}.address must be an object`);
    if (!Number.isInteger(m.created_at)) bad(`messages.${i}.created_at must be epoch ms`);
  });
  return s;
}
