import type { Clock, TimerHandle } from '../core/clock.ts';

/**
 * The queue's one timer: armed at the earliest due time it is told of, and
 * cleared when nothing is due, so an idle queue holds no timer at all.
 */
export class WakeTimer {
  private readonly clock: Clock;
  private readonly onWake: () => void;
  private handle: TimerHandle | null = null;
  private at = Infinity;

  constructor(clock: Clock, onWake: () => void) {
    this.clock = clock;
    this.onWake = onWake;
  }

  /** Wakes at `at` unless already due to wake earlier. */
  atLeastBy(at: number): void {
    if (this.handle && this.at <= at) return;
    this.set(at);
  }

  /** Wakes exactly at `at` (Infinity: not at all). */
  set(at: number): void {
    if (this.handle && this.at === at) return;
    this.clear();
    if (at === Infinity) return;
    this.at = at;
    this.handle = this.clock.setTimeout(() => {
      this.handle = null;
      this.at = Infinity;
      this.onWake();
    }, at - this.clock.now());
    this.handle.unref();
  }

  clear(): void {
    if (this.handle) this.clock.clearTimeout(this.handle);
    this.handle = null;
    this.at = Infinity;
  }

  get dueAt(): number | null {
    return this.handle ? this.at : null;
  }
}
