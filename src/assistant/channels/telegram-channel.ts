import type { Clock } from '../../core/clock.ts';
import { sleep } from '../../core/clock.ts';
import type { Logger } from '../../core/logger.ts';
import { NxsError, errorMessage } from '../../core/errors.ts';
import type { Channel, IncomingMessage } from './channel.ts';
import type { MessageRow } from '../conversation/message-store.ts';
import { probeDelay } from '../survival/backoff.ts';

// Telegram refuses messages over 4096 characters; longer replies go in parts.
const TELEGRAM_MAX = 4096;

interface Update {
  update_id: number;
  message?: { message_id: number; text?: string; chat: { id: number; type: string }; from?: { username?: string; first_name?: string } };
  [kind: string]: unknown;
}

export interface TelegramDeps {
  apiBase: string;
  token: string;
  pollTimeoutS: number;
  ownerChatId: string | undefined;
  clock: Clock;
  log: Logger;
  receive: (m: IncomingMessage) => MessageRow;
  loadOffset: () => number;
  saveOffset: (offset: number) => void;
}

/** Splits text into Telegram-sized parts, preferring line breaks. */
export function splitForTelegram(text: string, max = TELEGRAM_MAX): string[] {
  const parts: string[] = [];
  let rest = text;
  while (rest.length > max) {
    const cut = rest.lastIndexOf('\n', max);
    const at = cut > max / 2 ? cut : max;
    parts.push(rest.slice(0, at));
    rest = rest.slice(at).replace(/^\n/, '');
  }
  parts.push(rest);
  return parts.filter((p) => p.length > 0);
}

/**
 * The Telegram Bot API over long polling: getUpdates waits on Telegram's side
 * (so the host makes one request per poll_timeout_s when idle and needs no
 * inbound port). The offset is stored after each batch, so a restart neither
 * loses nor repeats updates (repeats are also dropped by update id).
 */
export class TelegramChannel implements Channel {
  readonly name = 'telegram';
  private readonly stopping = new AbortController();
  private loop: Promise<void> | null = null;
  private readonly deps: TelegramDeps;

  constructor(deps: TelegramDeps) {
    this.deps = deps;
  }

  start(): void {
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.stopping.abort(new Error('host stopping'));
    await this.loop;
  }

  async deliver(message: MessageRow, reply: string, signal: AbortSignal): Promise<void> {
    const chatId = message.address.chatId;
    for (const [i, part] of splitForTelegram(reply).entries()) {
      await this.call('sendMessage', { chat_id: chatId, text: part, ...(i === 0 && message.address.messageId ? { reply_to_message_id: message.address.messageId } : {}) }, signal);
    }
  }

  async notify(text: string, signal: AbortSignal): Promise<void> {
    if (!this.deps.ownerChatId) throw new NxsError('NXS_ERR_CHANNEL_DOWN', 'no assistant.telegram.owner_chat_id to notify');
    await this.call('sendMessage', { chat_id: Number(this.deps.ownerChatId), text }, signal);
  }

  private async run(): Promise<void> {
    let failures = 0;
    let offset = this.deps.loadOffset();
    const signal = this.stopping.signal;
    while (!signal.aborted) {
      try {
        const updates = (await this.call('getUpdates', { offset, timeout: this.deps.pollTimeoutS, allowed_updates: ['message'] }, signal, (this.deps.pollTimeoutS + 15) * 1000)) as Update[];
        failures = 0;
        for (const u of updates) {
          this.handle(u);
          offset = Math.max(offset, u.update_id + 1);
        }
        if (updates.length) this.deps.saveOffset(offset);
      } catch (err) {
        if (signal.aborted) break;
        const delay = probeDelay(failures++, 1_000, 300_000);
        this.deps.log.warn({ err: errorMessage(err), retryInMs: delay }, 'telegram getUpdates failed; retrying');
        await sleep(this.deps.clock, delay, signal).catch(() => undefined);
      }
    }
  }

  private handle(u: Update): void {
    const m = u.message;
    if (!m || typeof m.text !== 'string') {
      const kind = Object.keys(u).find((k) => k !== 'update_id') ?? 'empty';
      this.deps.log.info({ update_id: u.update_id, kind: m ? 'message without text' : kind }, 'telegram update of a kind the assistant does not handle; skipped');
      return;
    }
    const isGroup = m.chat.type === 'group' || m.chat.type === 'supergroup';
    try {
      this.deps.receive({
        conversationId: `tg:${m.chat.id}`,
        channel: this.name,
        text: m.text,
        address: { chatId: m.chat.id, messageId: m.message_id, isGroup },
        externalId: String(u.update_id),
        sender: m.from?.username ?? m.from?.first_name,
        isGroup,
      });
    } catch (err) {
      // Refused (too long, disk full): tell the sender instead of dropping it silently.
      this.deps.log.warn({ update_id: u.update_id, err: errorMessage(err) }, 'telegram message refused');
      void this.call('sendMessage', { chat_id: m.chat.id, text: `Not accepted: ${errorMessage(err)}`, reply_to_message_id: m.message_id }, this.stopping.signal).catch(() => undefined);
    }
  }

  private async call(method: string, body: Record<string, unknown>, signal: AbortSignal, timeoutMs = 30_000): Promise<unknown> {
    const timeout = AbortSignal.timeout(timeoutMs);
    let res: Response;
    try {
      res = await fetch(`${this.deps.apiBase}/bot${this.deps.token}/${method}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.any([signal, timeout]) });
    } catch (err) {
      throw new NxsError('NXS_ERR_CHANNEL_DOWN', `telegram ${method} did not answer: ${errorMessage(err)}`);
    }
    const data = (await res.json().catch(() => null)) as { ok?: boolean; result?: unknown; description?: string } | null;
    if (!res.ok || !data?.ok) throw new NxsError('NXS_ERR_CHANNEL_DOWN', `telegram ${method} failed: HTTP ${res.status} ${data?.description ?? ''}`.trim());
    return data.result;
  }
}
