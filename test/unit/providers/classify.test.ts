import { describe, it, expect } from 'vitest';
import { classifyProviderError, backoffMs, parseRetryAfter, type ProviderFailure, type Decision } from '../../../src/providers/classify.ts';

const base = { attempt: 1, retries: 2, budgetLeftMs: 60_000, retryBaseMs: 200, random: 0.5 };
const http = (status: number, extra: Partial<Extract<ProviderFailure, { kind: 'http' }>> = {}): ProviderFailure => ({ kind: 'http', status, ...extra });

const cases: [string, ProviderFailure, Partial<typeof base>, Partial<Decision> & { action: Decision['action'] }][] = [
  ['401 is a refused credential', http(401), {}, { action: 'credential' }],
  ['403 is a refused credential', http(403), {}, { action: 'credential' }],
  ['401 even with retries left is not retried', http(401), { attempt: 1, retries: 5 }, { action: 'credential' }],
  // Issue 15: a 429 never waits on the provider that said it; the chain runner waits only when no other can answer.
  ['429 with Retry-After inside the budget moves on at once, resting the provider that long', http(429, { retryAfterMs: 2000 }), {}, { action: 'failover', cooldownMs: 2000, countsAgainstBreaker: false }],
  ['429 with Retry-After past the budget fails over with that cooldown', http(429, { retryAfterMs: 90_000 }), {}, { action: 'failover', cooldownMs: 90_000, countsAgainstBreaker: false }],
  ['429 without Retry-After fails over with the default cooldown', http(429), {}, { action: 'failover', cooldownMs: 10_000 }],
  ['429 with retries used up fails over', http(429, { retryAfterMs: 1000 }), { attempt: 3, retries: 2 }, { action: 'failover', cooldownMs: 1000 }],
  ['500 retries with backoff', http(500), {}, { action: 'retry', waitMs: 150 }],
  ['503 on the second attempt backs off longer', http(503), { attempt: 2 }, { action: 'retry', waitMs: 300 }],
  ['502 with retries used up fails over', http(502), { attempt: 3, retries: 2 }, { action: 'failover', countsAgainstBreaker: true }],
  ['500 when the backoff exceeds the budget fails over', http(500), { budgetLeftMs: 10 }, { action: 'failover' }],
  ['connection refused fails over at once', { kind: 'network', code: 'ECONNREFUSED' }, {}, { action: 'failover', countsAgainstBreaker: true }],
  ['socket reset retries', { kind: 'network', code: 'ECONNRESET' }, {}, { action: 'retry' }],
  ['DNS failure retries', { kind: 'network', code: 'ENOTFOUND' }, {}, { action: 'retry' }],
  ['first-byte timeout retries', { kind: 'timeout', phase: 'first_byte' }, {}, { action: 'retry' }],
  ['whole-request timeout fails over', { kind: 'timeout', phase: 'total' }, {}, { action: 'failover' }],
  ['a stall retries', { kind: 'timeout', phase: 'stall' }, { retries: 0 }, { action: 'failover' }],
  ['malformed JSON retries', { kind: 'malformed', detail: 'x' }, {}, { action: 'retry' }],
  ['context-length 400 by code fails over to a larger context', http(400, { errorCode: 'context_length_exceeded' }), {}, { action: 'failover', needsLargerContext: true }],
  ['context-length 400 by wording', http(400, { message: "This model's maximum context length is 8192 tokens" }), {}, { action: 'failover', needsLargerContext: true }],
  ['other 400 returns to the caller', http(400, { message: 'temperature must be <= 2' }), {}, { action: 'return' }],
  ['422 returns to the caller', http(422), {}, { action: 'return' }],
  ['404 (model unknown here) fails over', http(404), {}, { action: 'failover' }],
  ['408 retries', http(408), {}, { action: 'retry' }],
];

describe('classifyProviderError', () => {
  it.each(cases)('%s', (_name, failure, over, expected) => {
    const d = classifyProviderError({ ...base, ...over, failure });
    expect(d).toMatchObject(expected);
  });
});

describe('backoffMs', () => {
  it.each([
    [1, 200, 0, 100],
    [1, 200, 0.999, 200],
    [3, 200, 0.5, 600],
    [20, 200, 1, 10_000],
  ])('attempt %i base %i random %f -> %i', (attempt, baseMs, random, want) => {
    expect(backoffMs(attempt, baseMs, random)).toBe(want);
  });
});

describe('parseRetryAfter', () => {
  const now = Date.UTC(2026, 0, 1);
  it.each([
    ['3', 3000],
    ['0.5', 500],
    [new Date(now + 7000).toUTCString(), 7000],
    ['soon', undefined],
    [undefined, undefined],
  ])('%s -> %s', (v, want) => expect(parseRetryAfter(v, now)).toBe(want));
});
