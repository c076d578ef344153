import { backoffDelay } from '../../core/backoff.ts';

/**
 * Delay before the next probe in survival mode: exponential from `baseMs`,
 * doubling per failed probe, capped at `maxMs` (5 minutes by default, seed 001
 * §5). Deterministic, no jitter: a single host probing, nothing to spread.
 */
export function probeDelay(failedProbes: number, baseMs: number, maxMs: number): number {
  return backoffDelay(failedProbes, { baseMs, maxMs });
}

/** Whether a message may be taken on with this much free disk: small messages always, large ones only above the floor. */
export function admitsWork(freeBytes: number | null, minFreeBytes: number, sizeBytes: number, smallBytes = 2048): boolean {
  if (freeBytes === null) return true;
  return freeBytes >= minFreeBytes || sizeBytes <= smallBytes;
}
