import type { Clock, TimerHandle } from '../../src/core/clock.ts';

interface Timer {
  id: number;
  at: number;
  fn: () => void;
}

/**
 * A clock tests move by hand. `advance` fires due timers in time order, each
 * seeing `now()` at its own due time; timers set while advancing fire too if due.
 */
export class FakeClock implements Clock {
  private t: number;
  private mono = 0;
  private nextId = 1;
  private timers: Timer[] = [];
  private timerWaiters: { at: number; resolve: () => void }[] = [];

  constructor(start = Date.UTC(2026, 0, 1)) {
    this.t = start;
  }

  now(): number {
    return this.t;
  }

  monotonic(): number {
    return this.mono;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const timer = { id: this.nextId++, at: this.t + Math.max(0, ms), fn };
    this.timers.push(timer);
    const due = this.timerWaiters.filter((w) => w.at === timer.at);
    this.timerWaiters = this.timerWaiters.filter((w) => w.at !== timer.at);
    for (const w of due) w.resolve();
    return { unref() {}, id: timer.id } as TimerHandle & { id: number };
  }

  clearTimeout(handle: TimerHandle): void {
    const id = (handle as TimerHandle & { id: number }).id;
    this.timers = this.timers.filter((t) => t.id !== id);
  }

  /** Timers still pending (an idle part should hold none, or exactly one). */
  get pending(): number {
    return this.timers.length;
  }

  /**
   * Resolves once a timer is due exactly `ms` from now: one already set, or the next one set.
   * How a test waits for a part to arm its timer (a backoff, a settle delay) without counting
   * turns of the event loop.
   */
  timerDue(ms: number): Promise<void> {
    const at = this.t + ms;
    if (this.timers.some((t) => t.at === at)) return Promise.resolve();
    return new Promise((resolve) => this.timerWaiters.push({ at, resolve }));
  }

  /** The due time of the next timer, if any. */
  get nextDue(): number | undefined {
    return this.timers.reduce<number | undefined>((m, t) => (m === undefined || t.at < m ? t.at : m), undefined);
  }

  /** Moves time forward by `ms`, firing due timers in order, and lets promise callbacks run between them. */
  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    for (;;) {
      const due = this.timers.filter((t) => t.at <= end).sort((a, b) => a.at - b.at || a.id - b.id)[0];
      if (!due) break;
      this.timers = this.timers.filter((t) => t !== due);
      this.mono += due.at - this.t;
      this.t = due.at;
      due.fn();
      await flushMicrotasks();
    }
    this.mono += end - this.t;
    this.t = end;
    await flushMicrotasks();
  }

  /** Jumps the wall clock (as after a host was down), firing nothing. */
  jump(ms: number): void {
    this.t += ms;
  }
}

export async function flushMicrotasks(): Promise<void> {
  for (let i = 0; i < 10; i++) await new Promise<void>((r) => setImmediate(r));
}
