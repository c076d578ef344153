import { describe, it, expect } from 'vitest';
import { type ProviderHealth, availability, cooldownFor, freshHealth, recordFailure, recordRateLimit, recordSuccess, credentialStillRefused, recordCredentialRefused } from '../../../src/providers/breaker.ts';

const policy = { failuresToOpen: 3, cooldownBaseMs: 1000, cooldownMaxMs: 8000 };
const t0 = 1_000_000;

describe('breaker', () => {
  it('opens after the threshold and rests for the base cooldown', () => {
    let h = freshHealth('p');
    h = recordFailure(h, t0, 'x', policy);
    h = recordFailure(h, t0, 'x', policy);
    expect(h.state).toBe('closed');
    h = recordFailure(h, t0, 'x', policy);
    expect(h).toMatchObject({ state: 'open', opens: 1, openUntil: t0 + 1000 });
    expect(availability(h, t0 + 999)).toBe('resting');
    expect(availability(h, t0 + 1000)).toBe('probe');
  });

  it('a failed half-open probe re-opens at once with a doubled cooldown', () => {
    let h: ProviderHealth = { ...freshHealth('p'), state: 'half-open', failures: 3, opens: 1 };
    h = recordFailure(h, t0, 'x', policy);
    expect(h).toMatchObject({ state: 'open', opens: 2, openUntil: t0 + 2000 });
  });

  it.each([[1, 1000], [2, 2000], [3, 4000], [4, 8000], [9, 8000]])('cooldown after %i opens is %i ms', (opens, ms) => {
    expect(cooldownFor(opens, policy)).toBe(ms);
  });

  it('a success closes and resets', () => {
    const h = recordSuccess({ ...freshHealth('p'), state: 'open', failures: 5, opens: 3, openUntil: t0 + 5 }, t0);
    expect(h).toMatchObject({ state: 'closed', failures: 0, opens: 0, lastOkAt: t0 });
  });

  it('a rate limit rests without counting a failure', () => {
    const h = recordRateLimit(freshHealth('p'), t0, 5000, '429');
    expect(h).toMatchObject({ state: 'open', failures: 0, openUntil: t0 + 5000 });
  });

  it('a refused credential holds until the fingerprint changes', () => {
    const h = recordCredentialRefused(freshHealth('p'), 'fp1', '401');
    expect(credentialStillRefused(h, 'fp1')).toBe(true);
    expect(credentialStillRefused(h, 'fp2')).toBe(false);
  });
});
