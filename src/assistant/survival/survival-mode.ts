import type { Clock, TimerHandle } from '../../core/clock.ts';
import type { EventBus } from '../../core/events.ts';
import type { Logger } from '../../core/logger.ts';
import type { BootLog } from '../../boot/boot-log.ts';
import { probeDelay } from './backoff.ts';

export interface SurvivalStatus {
  active: boolean;
  since: string | null;
  reason: string | null;
  failed_probes: number;
  next_probe_at: string | null;
  entered_count: number;
}

/**
 * Survival mode: entered when every provider is down. While active, one exact
 * timer waits for the next probe (backing off to retryMaxMs); nothing else
 * wakes. `probe` re-offers the oldest deferred message; a real answer ends
 * the mode (`leave`), and the owner re-enqueues everything deferred, in order.
 */
export class SurvivalMode {
  private active = false;
  private since: number | null = null;
  private reason: string | null = null;
  private failedProbes = 0;
  private timer: TimerHandle | null = null;
  private nextAt: number | null = null;
  private entered = 0;
  private readonly deps: { clock: Clock; log: Logger; events: EventBus; bootLog: BootLog; baseMs: number; maxMs: number; probe: () => void; onEnter: (reason: string) => void; onLeave: () => void };

  constructor(deps: SurvivalMode['deps']) {
    this.deps = deps;
  }

  get isActive(): boolean {
    return this.active;
  }

  /** Called on every exhausted answer: the first enters the mode, the later ones count as failed probes. */
  failed(reason: string): void {
    if (!this.active) {
      this.active = true;
      this.since = this.deps.clock.now();
      this.reason = reason;
      this.failedProbes = 0;
      this.entered++;
      this.deps.bootLog.add(`survival mode entered: ${reason}`);
      this.deps.log.warn({ reason }, 'survival mode: every provider is down; messages are queued and answered later');
      // No alert of its own: the fallback client raised NXS_ERR_PROVIDERS_EXHAUSTED for this outage, and the
      // doctor's one providers-exhausted rule hears either signal (two criticals for one outage were issue 16's).
      this.deps.events.emit('assistant.survival', { active: true, reason });
      this.deps.onEnter(reason);
    } else if (this.timer) {
      // A probe is already due: other failures in between say nothing new.
      return;
    } else {
      this.failedProbes++;
    }
    this.schedule();
  }

  /** A provider answered (a real answer, not a cached one). */
  recovered(): void {
    if (!this.active) return;
    const ms = this.deps.clock.now() - (this.since ?? this.deps.clock.now());
    this.active = false;
    this.cancel();
    this.deps.bootLog.add(`survival mode ended after ${Math.round(ms / 1000)} s`);
    this.deps.log.info({ ms }, 'survival mode ended: a provider answers again');
    this.deps.events.emit('assistant.survival', { active: false, reason: 'provider recovered' });
    this.deps.onLeave();
  }

  status(): SurvivalStatus {
    return {
      active: this.active,
      since: this.since && this.active ? new Date(this.since).toISOString() : null,
      reason: this.active ? this.reason : null,
      failed_probes: this.failedProbes,
      next_probe_at: this.nextAt ? new Date(this.nextAt).toISOString() : null,
      entered_count: this.entered,
    };
  }

  stop(): void {
    this.cancel();
  }

  private schedule(): void {
    this.cancel();
    const delay = probeDelay(this.failedProbes, this.deps.baseMs, this.deps.maxMs);
    this.nextAt = this.deps.clock.now() + delay;
    this.timer = this.deps.clock.setTimeout(() => {
      this.timer = null;
      this.nextAt = null;
      if (this.active) this.deps.probe();
    }, delay);
    this.timer.unref();
  }

  private cancel(): void {
    if (this.timer) this.deps.clock.clearTimeout(this.timer);
    this.timer = null;
    this.nextAt = null;
  }
}
