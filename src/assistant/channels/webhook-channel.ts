import { NxsError, errorMessage } from '../../core/errors.ts';
import type { Channel } from './channel.ts';
import type { MessageRow } from '../conversation/message-store.ts';

export interface Webhook {
  url: string;
  /** Event names this hook wants; empty means all. */
  events: string[];
}

/** POSTs one JSON notice; a non-2xx answer or no answer is NXS_ERR_CHANNEL_DOWN (retried by the queue). */
export async function postWebhook(url: string, body: unknown, signal: AbortSignal, timeoutMs = 10_000): Promise<void> {
  let res: Response;
  try {
    res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'user-agent': 'nxs' }, body: JSON.stringify(body), signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]) });
  } catch (err) {
    throw new NxsError('NXS_ERR_CHANNEL_DOWN', `webhook ${new URL(url).host} did not answer: ${errorMessage(err)}`);
  }
  await res.arrayBuffer().catch(() => undefined);
  if (!res.ok) throw new NxsError('NXS_ERR_CHANNEL_DOWN', `webhook ${new URL(url).host} answered HTTP ${res.status}`);
}

export function wants(hook: Webhook, event: string): boolean {
  return hook.events.length === 0 || hook.events.includes(event);
}

/**
 * Outgoing webhooks: notifications (alerts, survival mode, channel down) and
 * replies of scheduled prompts addressed to `webhook`. Receives nothing.
 */
export class WebhookChannel implements Channel {
  readonly name = 'webhook';
  private readonly hooks: Webhook[];
  constructor(hooks: Webhook[]) {
    this.hooks = hooks;
  }

  get configured(): boolean {
    return this.hooks.length > 0;
  }

  async deliver(message: MessageRow, reply: string, signal: AbortSignal): Promise<void> {
    const targets = this.hooks.filter((h) => wants(h, 'reply'));
    if (!targets.length) throw new NxsError('NXS_ERR_CHANNEL_DOWN', 'no webhook takes replies (assistant.webhooks[].events lacks "reply")');
    await Promise.all(targets.map((h) => postWebhook(h.url, { event: 'reply', conversation_id: message.conversationId, message_id: message.id, prompt: message.text, reply }, signal)));
  }

  /** Succeeds when at least one hook took the notice. */
  async notify(text: string, signal: AbortSignal, event = 'distress'): Promise<void> {
    const targets = this.hooks.filter((h) => wants(h, event));
    if (!targets.length) throw new NxsError('NXS_ERR_CHANNEL_DOWN', `no webhook takes "${event}" notices`);
    const results = await Promise.allSettled(targets.map((h) => postWebhook(h.url, { event, text }, signal)));
    const ok = results.some((r) => r.status === 'fulfilled');
    if (!ok) throw (results[0] as PromiseRejectedResult).reason;
  }

  urls(): string[] {
    return this.hooks.map((h) => h.url);
  }
}
