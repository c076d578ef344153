import type { Context } from '../../core/context.ts';
import { NxsError, errorMessage } from '../../core/errors.ts';
import type { JobContext } from '../../queue/types.ts';
import type { AssistantConfig } from '../config.ts';
import type { Channel } from '../channels/channel.ts';
import type { MessageStore } from './message-store.ts';

export interface DeliverDeps {
  store: MessageStore;
  channels: ReadonlyMap<string, Channel>;
  /** Consecutive failures per channel (in memory: a restart gives a channel a fresh start). */
  failures: Map<string, number>;
  ctx: Context;
  cfg: AssistantConfig;
}

/**
 * The `assistant.deliver` job: sends a stored reply on its channel. A throw
 * hands the retry to the queue; the Nth consecutive failure of a channel
 * raises `channel.down` and an alert (the doctor listens), its next success
 * `channel.up`.
 */
export async function deliverReply(id: number, job: JobContext, deps: DeliverDeps): Promise<void> {
  const row = deps.store.get(id);
  if (!row || row.delivery !== 'pending' || row.reply === null) return;
  const channel = deps.channels.get(row.channel);
  const { ctx, cfg } = deps;
  try {
    if (!channel) throw new NxsError('NXS_ERR_CHANNEL_DOWN', `channel ${row.channel} is not running on this host`);
    await channel.deliver(row, row.reply, job.signal);
    deps.store.setDelivery(id, 'delivered', ctx.clock.now());
    if ((deps.failures.get(row.channel) ?? 0) >= cfg.channelDownAfter) ctx.events.emit('channel.up', { channel: row.channel });
    deps.failures.set(row.channel, 0);
  } catch (err) {
    const n = (deps.failures.get(row.channel) ?? 0) + 1;
    deps.failures.set(row.channel, n);
    const message = ctx.redactor.scrub(errorMessage(err));
    ctx.log.warn({ channel: row.channel, message: id, attempt: job.attempt, err: message }, 'delivery failed; the queue will retry');
    if (n === cfg.channelDownAfter) {
      ctx.events.emit('channel.down', { channel: row.channel, failures: n, error: message });
      ctx.events.emit('alert', { source: 'assistant', code: 'NXS_ERR_CHANNEL_DOWN', message: `channel ${row.channel} is down: ${message}`, severity: 'warning' });
    }
    if (job.attempt >= job.job.maxAttempts) deps.store.setDelivery(id, 'failed', ctx.clock.now());
    throw err;
  }
}
