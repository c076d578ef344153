import { watch, type FSWatcher } from 'node:fs';
import type { Clock, TimerHandle } from '../core/clock.ts';
import type { EventBus } from '../core/events.ts';
import type { Logger } from '../core/logger.ts';
import { errorMessage } from '../core/errors.ts';
import type { TierName } from '../config/schema.ts';
import type { ProfileHolder } from './profile.ts';
import { decideMonitor, initialMonitorState, nextLookInMs, type MonitorAction, type MonitorState, type PressureReading } from './monitor-decision.ts';
import type { TierPolicy } from './tier-policy.ts';

export interface MonitorDeps {
  clock: Clock;
  profile: ProfileHolder;
  events: EventBus;
  log: Logger;
  /** Where every change is written with its reason (the boot log). */
  note: (line: string) => void;
  policy: TierPolicy;
  /** The detected or forced tier; the monitor starts here and never climbs above it. */
  ceiling: TierName;
  read: (tier: TierName) => Promise<PressureReading>;
  /** Applies a tier's profile (fitted to the box) with the reason. */
  applyTier: (tier: TierName, reason: string) => void;
  /** A file whose changes mean "look now" (cgroup v2 memory.events); null when none. */
  watchFile?: string | null;
}

/**
 * The shell around decideMonitor: one timer at the profile's coarse
 * monitorIntervalMs, plus an fs.watch on memory.events where the kernel offers
 * it, so pressure is seen at once without polling faster.
 */
export class ResourceMonitor {
  private state: MonitorState;
  private timer: TimerHandle | null = null;
  private watcher: FSWatcher | null = null;
  private running = false;
  private again = false;
  private stopped = false;
  private idle: Promise<void> = Promise.resolve();
  private lastDiskFreeBytes: number | null = null;
  private readonly d: MonitorDeps;

  constructor(deps: MonitorDeps) {
    this.d = deps;
    this.state = initialMonitorState(deps.ceiling, deps.clock.now());
  }

  start(): void {
    if (this.d.watchFile) {
      try {
        this.watcher = watch(this.d.watchFile, { persistent: false }, () => this.look());
        this.watcher.on('error', (err) => {
          // cgroupfs may refuse inotify; the timer still runs.
          this.d.log.debug({ err: errorMessage(err) }, 'memory.events watch stopped');
          this.watcher?.close();
          this.watcher = null;
        });
      } catch (err) {
        this.d.log.debug({ err: errorMessage(err), file: this.d.watchFile }, 'cannot watch memory.events; the interval alone will do');
      }
    }
    this.look();
  }

  /** Takes a reading now (timer, watch, or a caller that wants fresh numbers). */
  look(): Promise<void> {
    if (this.stopped) return this.idle;
    if (this.running) {
      this.again = true;
      return this.idle;
    }
    this.running = true;
    this.idle = this.loop();
    return this.idle;
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) this.d.clock.clearTimeout(this.timer);
    this.timer = null;
    this.watcher?.close();
    this.watcher = null;
  }

  get current(): Readonly<MonitorState> {
    return this.state;
  }

  diskLow(): boolean {
    return this.state.diskLow;
  }

  /**
   * Free bytes under the data folder at the last look (null before the first, or when it could not be
   * read). Parts that weigh work against free disk read this rather than a statfs of their own.
   */
  diskFreeBytes(): number | null {
    return this.lastDiskFreeBytes;
  }

  private async loop(): Promise<void> {
    try {
      do {
        this.again = false;
        let reading: PressureReading;
        try {
          reading = await this.d.read(this.state.tier);
        } catch (err) {
          this.d.log.warn({ err: errorMessage(err) }, 'resource reading failed; trying again at the next interval');
          break;
        }
        if (this.stopped) return;
        this.lastDiskFreeBytes = reading.diskFreeBytes;
        const { state, actions } = decideMonitor(this.state, reading, this.d.clock.now(), { policy: this.d.policy, diskFloorBytes: this.d.profile.current.diskFloorBytes });
        this.state = state;
        for (const a of actions) this.apply(a);
      } while (this.again && !this.stopped);
    } finally {
      this.running = false;
      this.schedule();
    }
  }

  private schedule(): void {
    if (this.stopped) return;
    if (this.timer) this.d.clock.clearTimeout(this.timer);
    this.timer = this.d.clock.setTimeout(() => {
      this.timer = null;
      void this.look();
    }, nextLookInMs(this.state, this.d.clock.now(), this.d.profile.current.monitorIntervalMs, this.d.policy));
    this.timer.unref();
  }

  private apply(a: MonitorAction): void {
    const { events, log, note } = this.d;
    switch (a.kind) {
      case 'memory.pressure':
        note(`memory pressure at tier ${this.state.tier}: ${a.detail}`);
        log.warn({ detail: a.detail }, 'memory pressure');
        events.emit('memory.pressure', { detail: a.detail, tier: this.state.tier });
        break;
      case 'memory.calm':
        note('memory pressure eased');
        log.info('memory pressure eased');
        break;
      case 'step':
        note(`tier ${a.from} -> ${a.to}: ${a.reason}`);
        log.warn({ from: a.from, to: a.to, reason: a.reason }, 'tier changed');
        this.d.applyTier(a.to, a.reason);
        events.emit('tier.changed', { from: a.from, to: a.to, reason: a.reason });
        break;
      case 'disk.low':
        note(`disk low: ${a.freeBytes} bytes free < floor ${a.floorBytes}; large work refused`);
        log.warn({ freeBytes: a.freeBytes, floorBytes: a.floorBytes }, 'disk low');
        events.emit('disk.low', { freeBytes: a.freeBytes, floorBytes: a.floorBytes });
        break;
      case 'disk.ok':
        note(`disk ok again: ${a.freeBytes} bytes free`);
        log.info({ freeBytes: a.freeBytes }, 'disk ok again');
        events.emit('disk.ok', { freeBytes: a.freeBytes, floorBytes: a.floorBytes });
        break;
    }
  }
}
