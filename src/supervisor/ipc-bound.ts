/** How much one agent's inbox may hold: the tier's `ipc` bound (src/detect/profile.ts). */
export interface IpcBound {
  maxMessages: number;
  maxBytes: number;
}

/** What an agent's inbox holds now; `pending` counts what it has not been handed yet. */
export interface InboxUsage {
  messages: number;
  bytes: number;
  pendingMessages: number;
  pendingBytes: number;
}

export type IpcRoom =
  /** Store it after dropping this much of the oldest delivered history (zero when there is room). */
  | { kind: 'fits'; dropMessages: number; dropBytes: number }
  /** One message larger than the whole inbox may hold. */
  | { kind: 'too-large' }
  /** Undelivered messages alone fill the bound: the sender must wait for the agent to take them. */
  | { kind: 'full'; reason: 'messages' | 'bytes' };

/**
 * Whether one more message of `size` bytes fits an agent's inbox. Delivered messages are history
 * (GET /api/ipc/inbox shows them) and give way, oldest first; undelivered ones are the backlog, and
 * a full backlog refuses the sender rather than losing a message nobody has read. Without a bound an
 * ALLOC_MEMORY token wrote 290 MiB into the store.
 */
export function decideIpcRoom(usage: InboxUsage, size: number, bound: IpcBound): IpcRoom {
  if (size > bound.maxBytes) return { kind: 'too-large' };
  if (usage.pendingMessages + 1 > bound.maxMessages) return { kind: 'full', reason: 'messages' };
  if (usage.pendingBytes + size > bound.maxBytes) return { kind: 'full', reason: 'bytes' };
  return { kind: 'fits', dropMessages: Math.max(0, usage.messages + 1 - bound.maxMessages), dropBytes: Math.max(0, usage.bytes + size - bound.maxBytes) };
}
