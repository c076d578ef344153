import type { Clock } from '../core/clock.ts';
import type { Logger } from '../core/logger.ts';
import { NxsError } from '../core/errors.ts';
import type { DoorLimits } from '../supervisor/token-limits.ts';
import { unlimited } from '../supervisor/token-limits.ts';
import { takeFrom, debit, type Bucket } from './token-bucket.ts';
import { msToNextUtcDay, type UsageStore } from './usage-store.ts';

export interface QuotaDeps {
  clock: Clock;
  log: Logger;
  usage: UsageStore;
  /** A principal's bounds (the token store's; none for the operator). */
  limitsOf(principalId: string): DoorLimits;
}

/** A request let in: who, and the bounds it was let in under (read once per request). */
export interface Admission {
  principal: string;
  limits: DoorLimits | null;
}

/**
 * A door token's bounds, enforced per request (token-limits.ts): the model allowlist (403), the
 * daily token budget (429 insufficient_quota until 00:00 UTC), tokens and requests per minute
 * (429 rate_limit_exceeded, Retry-After when the bucket will hold enough). Buckets are computed
 * on demand on the injected clock (token-bucket.ts); they live in memory, so a restart refills
 * them, while the daily budget is read from the recorded usage and survives it. Requests already
 * in flight are not counted until they are answered: a burst may overshoot a budget by those.
 */
export class DoorQuota {
  private readonly d: QuotaDeps;
  private readonly buckets = new Map<string, { requests?: Bucket; tokens?: Bucket }>();

  constructor(d: QuotaDeps) {
    this.d = d;
  }

  /** The models `principal` may ask for; null: any. */
  allowedModels(principal: string): string[] | null {
    return this.d.limitsOf(principal).models;
  }

  /** Lets a request for `model` in, or throws the NxsError the door answers with. */
  admit(principal: string, model: string): Admission {
    const limits = this.d.limitsOf(principal);
    if (unlimited(limits)) return { principal, limits: null };
    if (limits.models && !limits.models.includes(model)) {
      throw new NxsError('NXS_ERR_LLM_MODEL_FORBIDDEN', `this token may not use model ${JSON.stringify(model)}; it may use ${limits.models.join(', ')}`, { param: 'model' });
    }
    const now = this.d.clock.now();
    if (limits.dailyTokens !== null) {
      const spent = this.d.usage.spentToday(principal);
      if (spent >= limits.dailyTokens) {
        throw new NxsError('NXS_ERR_LLM_QUOTA_EXCEEDED', `this token's daily budget of ${limits.dailyTokens} tokens is spent (${spent} used today); it renews at 00:00 UTC`, { retryAfterSeconds: Math.ceil(msToNextUtcDay(now) / 1000) });
      }
    }
    const b = this.buckets.get(principal) ?? {};
    // Tokens first: a refusal must not use up a request.
    if (limits.tokensPerMinute !== null) {
      const t = takeFrom(b.tokens, now, limits.tokensPerMinute, 0, 1);
      if (!t.ok) throw rateLimited('tokens', limits.tokensPerMinute, t.waitMs);
    }
    if (limits.requestsPerMinute !== null) {
      const r = takeFrom(b.requests, now, limits.requestsPerMinute, 1);
      if (!r.ok) throw rateLimited('requests', limits.requestsPerMinute, r.waitMs);
      b.requests = r.bucket;
    }
    this.buckets.set(principal, b);
    return { principal, limits };
  }

  /** An answered request: its tokens recorded (llm_usage) and taken from the token's per-minute bucket. */
  spent(a: Admission, provider: string, promptTokens: number, completionTokens: number): void {
    try {
      this.d.usage.record(a.principal, provider, promptTokens, completionTokens);
    } catch (err) {
      // The answer is already the caller's: a store that cannot take the count must not turn it into an error.
      this.d.log.error({ err: err instanceof Error ? err.message : String(err) }, 'could not record LLM usage');
    }
    const tpm = a.limits?.tokensPerMinute ?? null;
    if (tpm === null) return;
    const b = this.buckets.get(a.principal) ?? {};
    b.tokens = debit(b.tokens, this.d.clock.now(), tpm, promptTokens + completionTokens);
    this.buckets.set(a.principal, b);
  }
}

function rateLimited(kind: 'requests' | 'tokens', perMinute: number, waitMs: number): NxsError {
  const retryAfterSeconds = Math.max(1, Math.ceil(waitMs / 1000));
  return new NxsError('NXS_ERR_LLM_RATE_LIMITED', `this token's limit of ${perMinute} ${kind} per minute is reached; retry in ${retryAfterSeconds} s`, { retryAfterSeconds, limit: kind, perMinute, resetMs: waitMs });
}
