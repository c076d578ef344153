import type { Logger } from '../../core/logger.ts';
import { errorMessage } from '../../core/errors.ts';
import type { Channel } from '../channels/channel.ts';

/**
 * The distress signal goes out on the first channel that works, in order:
 * webhook, Telegram, a file in outbox/, and the log (which always works).
 * Returns the name of the channel that took it.
 */
export async function sendDistress(text: string, channels: readonly (Channel | undefined)[], log: Logger, timeoutMs = 15_000): Promise<string> {
  for (const ch of channels) {
    if (!ch?.notify) continue;
    try {
      await ch.notify(text, AbortSignal.timeout(timeoutMs));
      log.warn({ channel: ch.name }, `distress signal sent: ${text}`);
      return ch.name;
    } catch (err) {
      log.info({ channel: ch.name, err: errorMessage(err) }, 'distress signal could not go out on this channel; trying the next');
    }
  }
  log.error({ channel: 'log' }, `DISTRESS: ${text}`);
  return 'log';
}
