import type { MessageRow } from '../conversation/message-store.ts';

/**
 * Every channel has one shape: it receives (and hands messages to
 * `Assistant.receive`, which stores and enqueues them) and it delivers. A
 * delivery that throws is retried by the queue; the channel stays stateless.
 */
export interface Channel {
  readonly name: string;
  /** Sends a stored reply back where its message came from. Throws NXS_ERR_CHANNEL_DOWN (or any error) to be retried. */
  deliver(message: MessageRow, reply: string, signal: AbortSignal): Promise<void>;
  /** Sends an unsolicited notice (a distress signal); absent when the channel cannot reach anyone unprompted. */
  notify?(text: string, signal: AbortSignal): Promise<void>;
  start?(): Promise<void> | void;
  stop?(): Promise<void> | void;
}

/** What a receiving channel hands the assistant. */
export interface IncomingMessage {
  conversationId: string;
  channel: string;
  text: string;
  /** Where the reply goes (chat id, file name); stored with the message. */
  address?: Record<string, unknown>;
  /** The channel's own id, to drop repeats (Telegram update id, inbox file). */
  externalId?: string;
  sender?: string;
  /** A group chat: without a rule of its own, the group trigger applies. */
  isGroup?: boolean;
  /** The HTTP caller holds ADMIN (may write to the main conversation). */
  privilegedSender?: boolean;
}
