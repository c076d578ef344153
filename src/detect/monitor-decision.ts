import { TIERS, type TierName } from '../config/schema.ts';
import type { TierPolicy } from './tier-policy.ts';

/** One look at the box: why memory is under pressure (null when calm) and the free disk. */
export interface PressureReading {
  memoryPressure: string | null;
  diskFreeBytes: number | null;
}

export interface MonitorState {
  tier: TierName;
  /** The detected or forced tier: the monitor never steps above it. */
  ceiling: TierName;
  underPressure: boolean;
  lastStepDownAt: number | null;
  /** Since when memory has been calm (null while under pressure). */
  calmSince: number | null;
  diskLow: boolean;
}

export type MonitorAction =
  | { kind: 'memory.pressure'; detail: string }
  | { kind: 'memory.calm' }
  | { kind: 'step'; from: TierName; to: TierName; reason: string }
  | { kind: 'disk.low'; freeBytes: number; floorBytes: number }
  | { kind: 'disk.ok'; freeBytes: number; floorBytes: number };

export function initialMonitorState(tier: TierName, now: number): MonitorState {
  return { tier, ceiling: tier, underPressure: false, lastStepDownAt: null, calmSince: now, diskLow: false };
}

/** Free disk must climb this far above the floor before "low" clears, so it does not flap at the line. */
const DISK_CLEAR_FACTOR = 1.25;

/**
 * What the monitor should do with a reading. Pure: state, reading and time in;
 * the next state and the actions out. Under pressure step down one tier (at most
 * once per stepDownGapMs); after stepUpAfterMs of calm step back up one tier,
 * never above the ceiling.
 */
export function decideMonitor(state: MonitorState, reading: PressureReading, now: number, opts: { policy: TierPolicy; diskFloorBytes: number }): { state: MonitorState; actions: MonitorAction[] } {
  const s: MonitorState = { ...state };
  const actions: MonitorAction[] = [];
  const rank = TIERS.indexOf(s.tier);

  if (reading.memoryPressure !== null) {
    if (!s.underPressure) actions.push({ kind: 'memory.pressure', detail: reading.memoryPressure });
    s.underPressure = true;
    s.calmSince = null;
    const gapOk = s.lastStepDownAt === null || now - s.lastStepDownAt >= opts.policy.stepDownGapMs;
    if (rank > 0 && gapOk) {
      const to = TIERS[rank - 1]!;
      actions.push({ kind: 'step', from: s.tier, to, reason: `memory pressure: ${reading.memoryPressure}` });
      s.tier = to;
      s.lastStepDownAt = now;
    }
  } else {
    if (s.underPressure) {
      actions.push({ kind: 'memory.calm' });
      s.underPressure = false;
      s.calmSince = now;
    }
    s.calmSince ??= now;
    const calmFor = now - s.calmSince;
    if (rank < TIERS.indexOf(s.ceiling) && calmFor >= opts.policy.stepUpAfterMs) {
      const to = TIERS[rank + 1]!;
      actions.push({ kind: 'step', from: s.tier, to, reason: `no memory pressure for ${Math.round(calmFor / 60_000)} min` });
      s.tier = to;
      // Each further step up needs its own calm period.
      s.calmSince = now;
    }
  }

  if (reading.diskFreeBytes !== null) {
    if (!s.diskLow && reading.diskFreeBytes < opts.diskFloorBytes) {
      s.diskLow = true;
      actions.push({ kind: 'disk.low', freeBytes: reading.diskFreeBytes, floorBytes: opts.diskFloorBytes });
    } else if (s.diskLow && reading.diskFreeBytes >= opts.diskFloorBytes * DISK_CLEAR_FACTOR) {
      s.diskLow = false;
      actions.push({ kind: 'disk.ok', freeBytes: reading.diskFreeBytes, floorBytes: opts.diskFloorBytes });
    }
  }
  return { state: s, actions };
}

/**
 * When the monitor should look next: the profile's interval, or sooner when a step back up falls
 * due first (calm, below the ceiling). Without it the step up waited for the next interval after
 * the calm period had passed: the survival drill saw a tier come back 2 minutes after the pressure
 * went at minimal (60 s interval) with step_up_after_ms at 2 s.
 */
export function nextLookInMs(s: MonitorState, now: number, intervalMs: number, policy: TierPolicy): number {
  if (s.underPressure || s.calmSince === null || TIERS.indexOf(s.tier) >= TIERS.indexOf(s.ceiling)) return intervalMs;
  return Math.min(intervalMs, Math.max(0, s.calmSince + policy.stepUpAfterMs - now));
}
