/**
 * The thresholds of the adaptation matrix (seed 000 §3.2 and §11, seed 001 §2).
 * Seed 000 puts minimal under 1 GB or at 1 core, standard at 1-2 GB and 2 cores,
 * full above 2 GB with 4+ cores and a GPU; seed 001 calls >4 GB "full" on RAM alone.
 * §11's tier ceilings (512 MB / 1.5 GB / 3 GB of RAM for nxs itself) set the bar
 * for full: a box must hold 3 GB for us with room left, so 3 GB with a GPU and
 * 8 GB without one ("lots of RAM").
 */
export interface TierPolicy {
  /** Below this much (effective) RAM the box is minimal. */
  minimalBelowMemoryMb: number;
  /** At or below this many effective cores the box is minimal. */
  minimalMaxCores: number;
  /** Below this much available RAM at detection time the box is minimal (it is already tight). */
  minimalBelowAvailableMb: number;
  /** Below this much free disk on the data folder the box is minimal (small logs, few checkpoints). */
  minimalBelowFreeDiskMb: number;
  /** Full needs at least this many effective cores... */
  fullMinCores: number;
  /** ...and this much RAM with a GPU... */
  fullMinMemoryMbWithGpu: number;
  /** ...or this much RAM without one. */
  fullMinMemoryMbWithoutGpu: number;
  /** ...and this much free disk. */
  fullMinFreeDiskMb: number;
  /** The monitor steps back up after memory pressure has stayed away this long. */
  stepUpAfterMs: number;
  /** At most one step down per this interval, so one burst does not drop two tiers. */
  stepDownGapMs: number;
  /** PSI `some avg10` (percent) at or above which memory counts as under pressure. */
  psiSomeAvg10Percent: number;
  /** Available memory below this share of the effective total counts as pressure. */
  minAvailablePercent: number;
}

export const DEFAULT_TIER_POLICY: Readonly<TierPolicy> = Object.freeze({
  minimalBelowMemoryMb: 1024,
  minimalMaxCores: 1,
  minimalBelowAvailableMb: 256,
  minimalBelowFreeDiskMb: 512,
  fullMinCores: 4,
  fullMinMemoryMbWithGpu: 3072,
  fullMinMemoryMbWithoutGpu: 8192,
  fullMinFreeDiskMb: 2048,
  stepUpAfterMs: 15 * 60_000,
  stepDownGapMs: 60_000,
  psiSomeAvg10Percent: 20,
  minAvailablePercent: 5,
});

/** Config key (snake_case) of each policy field, for messages that name the key. */
export const POLICY_KEYS: Readonly<Record<keyof TierPolicy, string>> = {
  minimalBelowMemoryMb: 'minimal_below_memory_mb',
  minimalMaxCores: 'minimal_max_cores',
  minimalBelowAvailableMb: 'minimal_below_available_mb',
  minimalBelowFreeDiskMb: 'minimal_below_free_disk_mb',
  fullMinCores: 'full_min_cores',
  fullMinMemoryMbWithGpu: 'full_min_memory_mb_with_gpu',
  fullMinMemoryMbWithoutGpu: 'full_min_memory_mb_without_gpu',
  fullMinFreeDiskMb: 'full_min_free_disk_mb',
  stepUpAfterMs: 'step_up_after_ms',
  stepDownGapMs: 'step_down_gap_ms',
  psiSomeAvg10Percent: 'psi_some_avg10_percent',
  minAvailablePercent: 'min_available_percent',
};
