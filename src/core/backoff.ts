// One backoff for the whole host. Provider retries, queue retries, agent restarts, breaker cooldowns and
// survival probes each keep their own table (base, cap, jitter) next to the decision that uses it; the
// arithmetic is here, once. Pure: the draw from [0, 1) is passed in, so each table is tested exactly.

/**
 * How a delay is spread so that many waiters that failed together do not come back together.
 * - `none`: the nominal delay (one waiter, nothing to spread: survival probes, breaker cooldowns).
 * - `equal`: half fixed, half random, in [d/2, d): spread out, yet never sooner than half (retries).
 * - `{ spread }`: uniform over d ± spread·d, still capped at `maxMs` (agent restarts, spread 0.2).
 */
export type Jitter = 'none' | 'equal' | { spread: number };

export interface BackoffTable {
  /** The first delay (step 0). */
  baseMs: number;
  /** No delay exceeds this, jitter included. */
  maxMs: number;
  /** Growth per step; 2 doubles. */
  factor?: number;
  jitter?: Jitter;
}

// Past this many steps every table is at its cap; clamping keeps base * factor^step finite.
const MAX_STEP = 64;
// `equal` jitter never reaches d itself, even for a draw of exactly 1.
const MAX_DRAW = 0.999999;

/** The delay before retry number `step + 1`: step 0 waits `baseMs`, each later step `factor` times more, capped. */
export function backoffDelay(step: number, table: BackoffTable, random = 0): number {
  const n = Math.min(Math.max(0, Math.floor(step)), MAX_STEP);
  const nominal = Math.min(table.maxMs, table.baseMs * (table.factor ?? 2) ** n);
  const jitter = table.jitter ?? 'none';
  if (jitter === 'none') return nominal;
  if (jitter === 'equal') {
    const r = Math.min(Math.max(random, 0), MAX_DRAW);
    return Math.round(nominal / 2 + (nominal / 2) * r);
  }
  const spread = nominal * jitter.spread * (random * 2 - 1);
  return Math.max(0, Math.round(Math.min(table.maxMs, nominal + spread)));
}
