import { NxsError } from '../core/errors.ts';
import type { AttemptRecord } from './types.ts';
import type { ChainExhausted } from './chain-runner.ts';

/**
 * Why no provider answered, as the caller should hear it: every one asked to
 * wait (a rate limit), every one found the prompt too long (the request's own
 * fault, retrying cannot help), or they are down (an outage).
 */
export type ExhaustedCause = 'rate_limit' | 'context_length' | 'unavailable';

/** Pure: decided from the attempts' causes (never their text); one plain failure among them makes it an outage. */
export function exhaustedCause(attempts: readonly AttemptRecord[]): ExhaustedCause {
  const failed = attempts.filter((a) => a.outcome === 'failover' || a.outcome === 'skipped');
  if (failed.length === 0) return 'unavailable';
  if (failed.every((a) => a.cause === 'rate_limit')) return 'rate_limit';
  if (failed.every((a) => a.cause === 'context_length')) return 'context_length';
  return 'unavailable';
}

const LEAD: Record<ExhaustedCause, string> = {
  rate_limit: 'every LLM provider that serves this model is rate limited',
  context_length: 'the prompt is longer than the context of every LLM provider that serves this model',
  unavailable: 'no LLM provider could answer',
};

/**
 * NXS_ERR_PROVIDERS_EXHAUSTED for a chain that ran out: the code stays the one
 * every caller branches on (the assistant's survival mode, the deferred
 * worker); `cause` and `retryAfterSeconds` let the /v1 door answer as OpenAI
 * clients expect (door-errors.ts).
 */
export function exhaustedError(e: ChainExhausted): NxsError {
  const cause = exhaustedCause(e.attempts);
  const detail = e.attempts.map((a) => `${a.provider}: ${a.reason ?? a.outcome}`).join('; ') || 'no provider is configured for it';
  const retryAfterSeconds = e.retryAfterMs === undefined ? undefined : Math.max(1, Math.ceil(e.retryAfterMs / 1000));
  return new NxsError('NXS_ERR_PROVIDERS_EXHAUSTED', `${LEAD[cause]} (${detail})`, { attempts: e.attempts, mode: 'emergency', cause, ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}) });
}
