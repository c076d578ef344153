import type { TierName } from '../config/schema.ts';
import { DEFAULT_TIER_POLICY } from '../detect/tier-policy.ts';

/**
 * systemd resource limits per tier, so an installed nxs cannot starve the box
 * it is meant to keep alive. MemoryHigh throttles (reclaim) before MemoryMax
 * kills; figures leave room for the tier's agents (profile agentMemoryMb x
 * maxAgents would overshoot on minimal, where 4 x 64 MiB heaps are rarely live at once).
 */
export interface UnitLimits {
  memoryHigh: string;
  memoryMax: string;
  /** Percent of one CPU; undefined means no quota. */
  cpuQuota: string | undefined;
  tasksMax: number;
  nofile: number;
}

export const TIER_LIMITS: Readonly<Record<TierName, UnitLimits>> = {
  minimal: { memoryHigh: '320M', memoryMax: '384M', cpuQuota: '100%', tasksMax: 64, nofile: 4096 },
  standard: { memoryHigh: '1536M', memoryMax: '2G', cpuQuota: '200%', tasksMax: 512, nofile: 16384 },
  // A primary host: percentages of the machine, no CPU quota.
  full: { memoryHigh: '70%', memoryMax: '80%', cpuQuota: undefined, tasksMax: 4096, nofile: 65536 },
};

/**
 * The tier to size the unit for when none is given: detection's default memory
 * thresholds (GPU aside, which only raises a tier and does not change limits much).
 */
export function tierForMachine(totalMemBytes: number, policy = DEFAULT_TIER_POLICY): TierName {
  const mb = totalMemBytes / 1048576;
  if (mb < policy.minimalBelowMemoryMb) return 'minimal';
  if (mb >= policy.fullMinMemoryMbWithoutGpu) return 'full';
  return 'standard';
}
