/**
 * CORS for the /v1 door, so a web app can call nxs from a browser. Off by
 * default (`llm_client.cors_origins: []`): a page on another origin must not
 * be able to use the host's LLM chain unless the operator says so. Pure.
 */

/** Headers a browser script may read: who served, the cache and error markers, the upstream's ids and limits. */
const EXPOSED = [
  'x-nxs-provider', 'x-nxs-model', 'x-nxs-cached', 'x-nxs-mode', 'x-nxs-deferred', 'x-nxs-error-code', 'retry-after', 'x-request-id',
  'x-ratelimit-limit-requests', 'x-ratelimit-limit-tokens', 'x-ratelimit-remaining-requests', 'x-ratelimit-remaining-tokens', 'x-ratelimit-reset-requests', 'x-ratelimit-reset-tokens',
].join(', ');

/** Request headers a preflight may ask for (what the openai SDK, the AI SDK and the nxs headers send). */
const ALLOWED_HEADERS = 'authorization, content-type, accept, x-nxs-defer, x-nxs-config, openai-organization, openai-project, x-stainless-arch, x-stainless-lang, x-stainless-os, x-stainless-package-version, x-stainless-retry-count, x-stainless-runtime, x-stainless-runtime-version, x-stainless-timeout';

/** The headers for an answer to `origin`, or null when that origin is not allowed (the browser then refuses it). */
export function corsHeaders(origin: string | undefined, allowed: readonly string[]): Record<string, string> | null {
  if (!origin || allowed.length === 0) return null;
  const any = allowed.includes('*');
  if (!any && !allowed.includes(origin)) return null;
  // The origin itself rather than `*`: the answer then also works for requests that carry credentials.
  return { 'access-control-allow-origin': origin, vary: 'origin', 'access-control-expose-headers': EXPOSED };
}

/**
 * The answer to a preflight (OPTIONS): the allowed methods and headers, kept by the browser for 10
 * minutes. The headers the browser asks for are granted as asked (the origin is trusted already, and
 * SDKs add their own); without a list, the ones common clients send.
 */
export function preflightHeaders(origin: string | undefined, allowed: readonly string[], methods: string, requested: string | undefined): Record<string, string> | null {
  const base = corsHeaders(origin, allowed);
  if (!base) return null;
  return { ...base, 'access-control-allow-methods': methods, 'access-control-allow-headers': requested?.trim() || ALLOWED_HEADERS, 'access-control-max-age': '600' };
}
