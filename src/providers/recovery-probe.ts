import type { Clock, TimerHandle } from '../core/clock.ts';
import type { Logger } from '../core/logger.ts';
import type { ProviderSpec } from './provider-spec.ts';
import type { HealthStore } from './health-store.ts';
import { backoffDelay, type BackoffTable } from '../core/backoff.ts';

export const RECOVERY_FIRST_MS = 1_000;
/** The cap: a dead chain is still probed at least every 5 minutes. */
export const RECOVERY_MAX_MS = 300_000;
const RECOVERY_BACKOFF: BackoffTable = { baseMs: RECOVERY_FIRST_MS, maxMs: RECOVERY_MAX_MS };

export interface RecoveryDeps {
  clock: Clock;
  log: Logger;
  probe(p: ProviderSpec): Promise<{ ok: boolean }>;
  /** Who to probe now, best first (empty: nothing to recover). */
  candidates(): ProviderSpec[];
  onWin(p: ProviderSpec): void;
}

/**
 * Moves the client back up the chain. One exact timer, only while something is
 * degraded: at the earliest moment a resting provider may be probed, and never
 * sooner than an exponential backoff (1 s doubling to 5 min) since the last
 * fruitless probe. Idle and healthy, it holds no timer at all.
 */
export class RecoveryProbe {
  private readonly deps: RecoveryDeps;
  private timer: TimerHandle | null = null;
  /** Probes in a row that found no provider: the backoff's step. */
  private fruitless = 0;
  private running = false;
  private health: HealthStore | null = null;

  constructor(deps: RecoveryDeps) {
    this.deps = deps;
  }

  /** Nothing degraded: drop the timer and reset the backoff. Otherwise arm it for the next due probe. */
  reschedule(health: HealthStore, degraded: boolean): void {
    this.health = health;
    if (!degraded || this.deps.candidates().length === 0) {
      this.clear();
      this.fruitless = 0;
      return;
    }
    this.arm();
  }

  enterEmergency(): void {
    if (!this.timer && !this.running) this.arm();
  }

  stop(): void {
    this.clear();
  }

  /** When the next probe is due (tests and status). */
  get nextDelayMs(): number {
    return backoffDelay(this.fruitless, RECOVERY_BACKOFF);
  }

  private arm(): void {
    if (this.running) return;
    this.clear();
    const now = this.deps.clock.now();
    let due = now + this.nextDelayMs;
    if (this.health) {
      const restingUntil = this.deps.candidates().map((p) => this.health!.get(p.name)).map((h) => (h.state === 'open' ? h.openUntil : now));
      if (restingUntil.length) due = Math.max(due, Math.min(...restingUntil));
    }
    this.timer = this.deps.clock.setTimeout(() => void this.fire(), due - now);
    this.timer.unref();
  }

  private clear(): void {
    if (this.timer) this.deps.clock.clearTimeout(this.timer);
    this.timer = null;
  }

  private async fire(): Promise<void> {
    this.timer = null;
    this.running = true;
    try {
      for (const p of this.deps.candidates()) {
        const r = await this.deps.probe(p);
        if (r.ok) {
          this.fruitless = 0;
          this.running = false;
          this.deps.onWin(p);
          return;
        }
      }
      this.fruitless += 1;
      this.deps.log.debug({ nextMs: this.nextDelayMs }, 'recovery probe: no provider answers yet');
    } finally {
      this.running = false;
    }
    if (this.deps.candidates().length) this.arm();
  }
}
