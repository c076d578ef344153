import type { Context } from '../core/context.ts';
import type { JobQueue } from '../queue/types.ts';
import { postWebhook, wants, type Webhook } from './channels/webhook-channel.ts';

export const NOTIFY_QUEUE = 'assistant.notify';
const EVENTS = ['alert', 'channel.down', 'channel.up', 'assistant.survival'] as const;

/**
 * Outgoing webhook notifications: host events become queue jobs (one per
 * hook), so a hook that is down is retried with backoff and nothing blocks
 * the event's emitter. A failing notification raises no alert of its own
 * (that would loop); it is logged and retried.
 */
export function startNotifications(ctx: Context, queue: JobQueue, hooks: Webhook[]): () => void {
  if (hooks.length === 0) return () => {};
  queue.declare({ name: NOTIFY_QUEUE, maxAttempts: 8, backoff: { baseMs: 5_000, maxMs: 300_000 } });
  const stop = queue.process<{ url: string; event: string; payload: unknown; at: number }>(NOTIFY_QUEUE, async (p, job) => {
    await postWebhook(p.url, { event: p.event, at: new Date(p.at).toISOString(), data: p.payload }, job.signal);
  });
  const offs = EVENTS.map((event) =>
    ctx.events.on(event, (payload: unknown) => {
      for (const h of hooks) {
        if (!wants(h, event)) continue;
        queue.enqueue({ queue: NOTIFY_QUEUE, payload: { url: h.url, event, payload: scrub(ctx, payload), at: ctx.clock.now() } });
      }
    }),
  );
  return () => {
    stop();
    for (const off of offs) off();
  };
}

function scrub(ctx: Context, payload: unknown): unknown {
  return JSON.parse(ctx.redactor.scrub(JSON.stringify(payload ?? null))) as unknown;
}
