import type { Logger } from './logger.ts';
import { errorMessage } from './errors.ts';

/**
 * Cleanup in reverse order: each part registers its own stop as it starts,
 * and `shutdown` runs them last-first, each within the shared deadline.
 */
export class Lifecycle {
  private readonly stops: { name: string; stop: () => Promise<void> | void }[] = [];
  private stopping: Promise<void> | null = null;

  onStop(name: string, stop: () => Promise<void> | void): void {
    this.stops.push({ name, stop });
  }

  get isStopping(): boolean {
    return this.stopping !== null;
  }

  shutdown(log: Logger, deadlineMs: number): Promise<void> {
    this.stopping ??= this.runStops(log, deadlineMs);
    return this.stopping;
  }

  private async runStops(log: Logger, deadlineMs: number): Promise<void> {
    const deadline = performance.now() + deadlineMs;
    for (const { name, stop } of this.stops.reverse()) {
      const began = performance.now();
      const left = Math.max(1, deadline - began);
      let timer: ReturnType<typeof setTimeout> | undefined;
      try {
        await Promise.race([
          Promise.resolve().then(stop),
          new Promise<void>((resolve) => {
            timer = setTimeout(() => {
              log.warn({ part: name }, 'stop took too long; moving on');
              resolve();
            }, left);
          }),
        ]);
      } catch (err) {
        log.error({ part: name, err: errorMessage(err) }, 'stop failed');
      } finally {
        clearTimeout(timer);
        log.debug({ part: name, ms: Math.round(performance.now() - began) }, 'stopped');
      }
    }
  }
}
