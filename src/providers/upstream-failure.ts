import type { ProviderFailure } from './classify.ts';

/** A failed provider call, described for classifyProviderError. Never carries the key. */
export class UpstreamFailure extends Error {
  readonly failure: ProviderFailure;
  constructor(failure: ProviderFailure, message: string) {
    super(message);
    this.name = 'UpstreamFailure';
    this.failure = failure;
  }
}

/** The system or undici code of a network error, looking through `cause`. */
export function networkCode(err: unknown): string {
  let e: unknown = err;
  for (let i = 0; i < 4 && e && typeof e === 'object'; i++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && code !== 'UND_ERR_SOCKET') return code;
    e = (e as { cause?: unknown }).cause;
  }
  const top = (err as { code?: unknown } | null)?.code;
  return typeof top === 'string' ? top : 'EUNKNOWN';
}

/** The failure in words; a provider's message is cut to 200 characters (the transport scrubbed it before: see transport.ts). */
export function describeFailure(f: ProviderFailure): string {
  switch (f.kind) {
    case 'http':
      return `HTTP ${f.status}${f.message ? `: ${f.message.slice(0, 200)}` : ''}`;
    case 'network':
      return `network error ${f.code}`;
    case 'timeout':
      return `timed out (${f.phase.replace('_', ' ')})`;
    case 'malformed':
      return `malformed answer (${f.detail})`;
  }
}
