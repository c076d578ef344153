import type { UpstreamHeaders } from './types.ts';

/**
 * The upstream headers the door passes on to its caller: the provider's
 * request id (what its support asks for; the openai SDK reads `x-request-id`
 * into `_request_id`) and its rate-limit figures (`x-ratelimit-*`, which
 * clients use to pace themselves). Nothing else: cookies, auth challenges and
 * hop-by-hop headers are the provider's business.
 */
export function passedOnHeaders(h: UpstreamHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!h) return out;
  for (const name in h) {
    if (name !== 'x-request-id' && !name.startsWith('x-ratelimit-')) continue;
    const v = h[name];
    if (typeof v === 'string') out[name] = v;
    else if (Array.isArray(v) && v.length) out[name] = v[0]!;
  }
  return out;
}
