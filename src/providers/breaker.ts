// A circuit breaker per provider, as pure transitions over a plain record so
// the record can live in the store and every decision is a table test.
import { backoffDelay } from '../core/backoff.ts';

export interface ProviderHealth {
  name: string;
  /** closed: in use; open: resting until openUntil; half-open: one probe may go. */
  state: 'closed' | 'open' | 'half-open';
  /** Failures in a row. */
  failures: number;
  /** Times opened in a row without a success between (grows the cooldown). */
  opens: number;
  openUntil: number;
  /** Fingerprint of the credential a provider refused; skipped while its credential stays the same. */
  credentialFp: string | null;
  lastError: string | null;
  lastOkAt: number | null;
}

export interface BreakerPolicy {
  failuresToOpen: number;
  cooldownBaseMs: number;
  cooldownMaxMs: number;
}

export function freshHealth(name: string): ProviderHealth {
  return { name, state: 'closed', failures: 0, opens: 0, openUntil: 0, credentialFp: null, lastError: null, lastOkAt: null };
}

/** closed -> usable; open before its time -> resting; open past its time -> a half-open probe may go. */
export function availability(h: ProviderHealth, now: number): 'usable' | 'resting' | 'probe' {
  if (h.state === 'closed') return 'usable';
  if (h.state === 'half-open') return 'probe';
  return now >= h.openUntil ? 'probe' : 'resting';
}

/** The n-th opening rests the provider base * 2^(n-1), capped; no jitter: one breaker, nothing to spread. */
export function cooldownFor(opens: number, p: BreakerPolicy): number {
  return backoffDelay(opens - 1, { baseMs: p.cooldownBaseMs, maxMs: p.cooldownMaxMs });
}

export function recordSuccess(h: ProviderHealth, now: number): ProviderHealth {
  return { ...h, state: 'closed', failures: 0, opens: 0, openUntil: 0, lastError: null, lastOkAt: now };
}

/** A failure: opens the breaker at the threshold, or at once when a half-open probe fails (with a longer cooldown). */
export function recordFailure(h: ProviderHealth, now: number, reason: string, p: BreakerPolicy): ProviderHealth {
  const failures = h.failures + 1;
  if (h.state !== 'closed' || failures >= p.failuresToOpen) {
    const opens = h.opens + 1;
    return { ...h, state: 'open', failures, opens, openUntil: now + cooldownFor(opens, p), lastError: reason };
  }
  return { ...h, failures, lastError: reason };
}

/** A 429: rest for the provider's own figure without counting it as broken. */
export function recordRateLimit(h: ProviderHealth, now: number, cooldownMs: number, reason: string): ProviderHealth {
  return { ...h, state: 'open', openUntil: Math.max(h.openUntil, now + cooldownMs), lastError: reason };
}

export function recordCredentialRefused(h: ProviderHealth, fp: string, reason: string): ProviderHealth {
  return { ...h, credentialFp: fp, lastError: reason };
}

/** The credential changed since it was refused: clear the mark. */
export function credentialStillRefused(h: ProviderHealth, fp: string): boolean {
  return h.credentialFp !== null && h.credentialFp === fp;
}
