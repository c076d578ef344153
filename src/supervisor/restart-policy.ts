// When an agent stops unexpectedly the supervisor asks `decideRestart` what to do.
// Pure: the crash history, the time and a random draw in, a decision out, so the
// backoff and the crash-loop breaker are tested as a table.
import { backoffDelay } from '../core/backoff.ts';

export type RestartMode = 'always' | 'on-failure' | 'never';

export interface RestartPolicy {
  mode: RestartMode;
  baseMs: number;
  maxMs: number;
  /** 0.2 spreads each delay uniformly over ±20% so agents crashing together do not restart together. */
  jitter: number;
  crashLoopMax: number;
  crashLoopWindowMs: number;
}

export interface RestartHistory {
  policy: RestartPolicy;
  /** Epoch ms of every failure still remembered, the latest included. */
  failures: readonly number[];
  /** True when the agent exited on its own with code 0 (not a failure). */
  cleanExit: boolean;
}

export type RestartDecision =
  | { action: 'restart'; delayMs: number; attempt: number }
  | { action: 'park'; reason: string; failuresInWindow: number }
  | { action: 'stop'; reason: string };

export function decideRestart(history: RestartHistory, now: number, random: () => number = Math.random): RestartDecision {
  const { policy } = history;
  if (policy.mode === 'never') return { action: 'stop', reason: 'restart policy is never' };
  if (history.cleanExit && policy.mode === 'on-failure') return { action: 'stop', reason: 'exited cleanly and the restart policy is on-failure' };
  const recent = history.failures.filter((t) => t > now - policy.crashLoopWindowMs && t <= now).length;
  if (recent >= policy.crashLoopMax) {
    return { action: 'park', reason: `${recent} failures within ${Math.round(policy.crashLoopWindowMs / 1000)} s`, failuresInWindow: recent };
  }
  // The n-th consecutive failure in the window waits base * 2^(n-1), capped, spread by ±jitter.
  const attempt = Math.max(1, recent);
  const delayMs = backoffDelay(attempt - 1, { baseMs: policy.baseMs, maxMs: policy.maxMs, jitter: { spread: policy.jitter } }, random());
  return { action: 'restart', delayMs, attempt };
}
