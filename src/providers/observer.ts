import type { AttemptRecord, StreamAccepted, StreamOutcome } from './types.ts';

/**
 * What the fallback client tells an onlooker (the host's metrics) about its calls. Passed in
 * from the composition root; the client works the same without one. Labels it gets are the
 * configured provider names, never a prompt, a key or an id.
 */
export interface ProviderObserver {
  /** One attempt at one provider ended; `seconds` is how long it took (0 for a skip). */
  attempt(provider: string, outcome: AttemptRecord['outcome'], seconds: number): void;
  /** A streamed call was accepted by `provider` (its event stream's headers) `seconds` after the call began. */
  firstByte(provider: string, seconds: number): void;
  /** A call gave up on `from` and moved on to the next provider (or the cache). */
  failover(from: string): void;
  /** Tokens the provider reported in an answer's usage. */
  tokens(provider: string, input: number, output: number): void;
}

/** One observer that tells each of `observers` in turn (the host's metrics and the latency window). */
export function observeAll(...observers: (ProviderObserver | undefined)[]): ProviderObserver {
  const all = observers.filter((o): o is ProviderObserver => o !== undefined);
  return {
    attempt: (provider, outcome, seconds) => all.forEach((o) => o.attempt(provider, outcome, seconds)),
    firstByte: (provider, seconds) => all.forEach((o) => o.firstByte(provider, seconds)),
    failover: (from) => all.forEach((o) => o.failover(from)),
    tokens: (provider, input, output) => all.forEach((o) => o.tokens(provider, input, output)),
  };
}

/** Reports a finished call's attempts (chat or stream, won or exhausted). */
export function observeAttempts(observer: ProviderObserver | undefined, attempts: readonly AttemptRecord[] | undefined): void {
  if (!observer || !attempts) return;
  for (const a of attempts) {
    observer.attempt(a.provider, a.outcome, a.ms / 1000);
    if (a.outcome === 'failover') observer.failover(a.provider);
  }
}

/** Reports the usage block of an OpenAI answer, when it has one. */
export function observeUsage(observer: ProviderObserver | undefined, provider: string, usage: unknown): void {
  if (!observer || typeof usage !== 'object' || usage === null) return;
  const u = usage as { prompt_tokens?: unknown; completion_tokens?: unknown };
  const input = typeof u.prompt_tokens === 'number' && u.prompt_tokens >= 0 ? u.prompt_tokens : 0;
  const output = typeof u.completion_tokens === 'number' && u.completion_tokens >= 0 ? u.completion_tokens : 0;
  if (input > 0 || output > 0) observer.tokens(provider, input, output);
}

/** The attempts an error carries in its details (NXS_ERR_PROVIDERS_EXHAUSTED, NXS_ERR_PROVIDER_REJECTED...). */
export function attemptsOf(err: unknown): AttemptRecord[] | undefined {
  const details = (err as { details?: { attempts?: unknown } } | null)?.details;
  return Array.isArray(details?.attempts) ? (details.attempts as AttemptRecord[]) : undefined;
}

/**
 * Reports a streamed call: the time until a provider accepted it (its stream opened), then its
 * attempts once the outcome settles, won or not. Only listens; the stream is not touched.
 */
export function observeStream(observer: ProviderObserver | undefined, stream: { accepted: Promise<StreamAccepted>; outcome: Promise<StreamOutcome> }, monotonic: () => number): void {
  if (!observer) return;
  const t0 = monotonic();
  stream.accepted.then(
    (a) => a.cached || observer.firstByte(a.provider, (monotonic() - t0) / 1000),
    () => undefined,
  );
  stream.outcome.then(
    (o) => observeAttempts(observer, o.attempts),
    (err: unknown) => observeAttempts(observer, attemptsOf(err)),
  );
}
