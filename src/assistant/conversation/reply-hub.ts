import { EventEmitter } from 'node:events';
import type { MessageStatus } from './message-store.ts';

export type ReplyEvent = { type: 'status'; status: MessageStatus } | { type: 'delta'; text: string } | { type: 'done'; status: MessageStatus; reply: string | null; error: string | null };

/**
 * In-process fan-out of a reply as it is written, for SSE followers. The store
 * holds the truth; this only carries the deltas between status changes, and
 * the partial text so a follower joining mid-answer starts from it.
 */
export class ReplyHub {
  private readonly emitter = new EventEmitter();
  private readonly partial = new Map<number, string>();
  constructor() {
    this.emitter.setMaxListeners(0);
  }
  status(id: number, status: MessageStatus): void {
    if (status !== 'answering') this.partial.delete(id);
    this.emitter.emit(String(id), { type: 'status', status } satisfies ReplyEvent);
  }
  delta(id: number, text: string): void {
    this.partial.set(id, (this.partial.get(id) ?? '') + text);
    this.emitter.emit(String(id), { type: 'delta', text } satisfies ReplyEvent);
  }
  /** A retried answer starts over: followers are told to discard what they have. */
  reset(id: number): void {
    this.partial.delete(id);
  }
  done(id: number, status: MessageStatus, reply: string | null, error: string | null): void {
    this.partial.delete(id);
    this.emitter.emit(String(id), { type: 'done', status, reply, error } satisfies ReplyEvent);
  }
  partialText(id: number): string {
    return this.partial.get(id) ?? '';
  }
  follow(id: number, listener: (e: ReplyEvent) => void): () => void {
    this.emitter.on(String(id), listener);
    return () => this.emitter.off(String(id), listener);
  }
}
