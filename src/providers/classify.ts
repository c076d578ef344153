// What to do after a provider call fails. Pure: the failure, the attempt
// number and the time left in; a decision out. The client does the I/O.
import { backoffDelay } from '../core/backoff.ts';

export type ProviderFailure =
  | { kind: 'http'; status: number; retryAfterMs?: number | undefined; errorCode?: string | undefined; errorType?: string | undefined; errorParam?: string | undefined; message?: string | undefined; headers?: Record<string, string> | undefined }
  | { kind: 'network'; code: string }
  | { kind: 'timeout'; phase: 'connect' | 'first_byte' | 'total' | 'stall' }
  | { kind: 'malformed'; detail: string };

export type Decision =
  /** Try the same provider again after `waitMs`. */
  | { action: 'retry'; waitMs: number; reason: string }
  /** Go to the next provider; `cooldownMs` rests this one (only a 429 sets it); `needsLargerContext` skips providers no larger. */
  | { action: 'failover'; reason: string; cooldownMs?: number; needsLargerContext?: boolean; countsAgainstBreaker: boolean }
  /** The credential is refused: skip the provider until its credential changes, and alert. */
  | { action: 'credential'; reason: string }
  /** The request itself is wrong: the caller gets the error, no other provider is tried. */
  | { action: 'return'; reason: string };

export interface ClassifyInput {
  failure: ProviderFailure;
  /** 1 for the first try. */
  attempt: number;
  /** The provider's configured retries (tries = retries + 1). */
  retries: number;
  /** Milliseconds left of the caller's latency budget. */
  budgetLeftMs: number;
  retryBaseMs: number;
  /** A number in [0, 1) for jitter; injected so tests are exact. */
  random: number;
}

/** A 429 without Retry-After rests the provider this long. */
export const DEFAULT_RATE_LIMIT_COOLDOWN_MS = 10_000;
const BACKOFF_CAP_MS = 10_000;

/** Retries of one provider: doubling from `retry_base_ms`, capped, with "equal jitter" (spread, never collapsing to 0). */
export function backoffMs(attempt: number, baseMs: number, random: number, capMs = BACKOFF_CAP_MS): number {
  return backoffDelay(attempt - 1, { baseMs, maxMs: capMs, jitter: 'equal' }, random);
}

const TRANSIENT_NETWORK = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ENETDOWN',
  'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CLOSED',
]);

/** An upstream 400 that says the prompt is longer than the model's context. */
export function isContextLengthError(f: ProviderFailure): boolean {
  if (f.kind !== 'http' || (f.status !== 400 && f.status !== 413)) return false;
  if (f.errorCode === 'context_length_exceeded' || f.errorCode === 'string_above_max_length') return true;
  // Providers disagree on codes; the wording is the only signal some of them give.
  return /context.{0,20}(length|window)|maximum context|too many tokens|prompt is too long|reduce the length/i.test(f.message ?? '');
}

export function classifyProviderError(input: ClassifyInput): Decision {
  const { failure: f, attempt, retries, budgetLeftMs } = input;
  const canRetry = attempt <= retries;
  const retryOrFailover = (reason: string): Decision => {
    const waitMs = backoffMs(attempt, input.retryBaseMs, input.random);
    if (canRetry && waitMs < budgetLeftMs) return { action: 'retry', waitMs, reason };
    return { action: 'failover', reason, countsAgainstBreaker: true };
  };

  if (f.kind === 'network') {
    // Nothing listens: a retry moments later almost never helps, and failover speed matters more.
    if (f.code === 'ECONNREFUSED') return { action: 'failover', reason: 'connection refused', countsAgainstBreaker: true };
    return retryOrFailover(TRANSIENT_NETWORK.has(f.code) ? `network error ${f.code}` : `network error (${f.code})`);
  }
  if (f.kind === 'timeout') {
    // A whole-request timeout has used the provider's budget: another try would blow the caller's.
    if (f.phase === 'total') return { action: 'failover', reason: 'timed out (whole request)', countsAgainstBreaker: true };
    return retryOrFailover(`timed out (${f.phase.replace('_', ' ')})`);
  }
  if (f.kind === 'malformed') return retryOrFailover(`malformed answer: ${f.detail}`);

  const s = f.status;
  if (s === 401 || s === 403) return { action: 'credential', reason: `credential refused (HTTP ${s})` };
  if (s === 429) {
    // Never wait here: the next provider may answer now (a Retry-After of 30 s held callers 60 s on
    // one provider while the next was healthy). The provider rests for its own figure; the chain
    // runner waits for it only when no other provider can answer and the wait fits the budget.
    const wait = f.retryAfterMs;
    return { action: 'failover', reason: `rate limited (HTTP 429${wait !== undefined ? `, Retry-After ${Math.ceil(wait / 1000)} s` : ''})`, cooldownMs: wait ?? DEFAULT_RATE_LIMIT_COOLDOWN_MS, countsAgainstBreaker: false };
  }
  if (isContextLengthError(f)) return { action: 'failover', reason: 'prompt longer than the model\'s context', needsLargerContext: true, countsAgainstBreaker: false };
  if (s === 408 || s === 409 || s === 425) return retryOrFailover(`HTTP ${s}`);
  if (s >= 500) return retryOrFailover(`server error (HTTP ${s})`);
  if (s === 404) {
    // A wrong model or path on this provider; another provider may well serve it.
    return { action: 'failover', reason: 'not found (HTTP 404: model or path unknown to this provider)', countsAgainstBreaker: true };
  }
  if (s >= 400) return { action: 'return', reason: `request refused (HTTP ${s})` };
  return retryOrFailover(`unexpected HTTP ${s}`);
}

/** Retry-After in milliseconds: seconds or an HTTP date (relative to `now`). */
export function parseRetryAfter(value: string | undefined, now: number): number | undefined {
  if (!value) return undefined;
  const v = value.trim();
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
