import type { QueueDeclaration } from './types.ts';
import { backoffDelay } from '../core/backoff.ts';

export const DEFAULT_MAX_ATTEMPTS = 5;
export const DEFAULT_BACKOFF = { baseMs: 1_000, maxMs: 5 * 60_000 } as const;

export type RetryDecision = { kind: 'retry'; delayMs: number } | { kind: 'dead'; reason: string };

/**
 * What happens after a failed attempt: pure, so it is tested as a table.
 * Delay = min(max, base * 2^(attempt-1)) scaled by "equal jitter" in [0.5, 1):
 * retries of jobs that failed together spread out, yet never come sooner than
 * half the nominal delay. `random` is injected so tests are deterministic.
 */
export function decideRetry(decl: QueueDeclaration, failure: { code: string | undefined; attempt: number; maxAttempts: number }, random: () => number): RetryDecision {
  const byCode = failure.code !== undefined ? decl.retryByCode?.[failure.code] : undefined;
  if (byCode === false) return { kind: 'dead', reason: `error code ${failure.code} is not retried` };
  if (failure.attempt >= failure.maxAttempts) return { kind: 'dead', reason: `attempt ${failure.attempt} of ${failure.maxAttempts} failed` };
  const { baseMs, maxMs } = byCode ?? decl.backoff ?? DEFAULT_BACKOFF;
  return { kind: 'retry', delayMs: backoffDelay(failure.attempt - 1, { baseMs, maxMs, jitter: 'equal' }, random()) };
}
