import { EXIT, type ErrorTable } from '../core/errors.ts';

/** Codes owned by src/providers. Each is documented in README.md's error table. */
export const PROVIDERS_ERRORS = {
  NXS_ERR_PROVIDERS_EXHAUSTED: { exit: EXIT.UPSTREAM, http: 503, summary: 'Every LLM provider in the chain failed and no cached answer fits.' },
  NXS_ERR_PROVIDER_CREDENTIAL_REFUSED: { exit: EXIT.UPSTREAM, http: 502, summary: 'A provider refused its credential (HTTP 401 or 403); it is skipped until the credential changes (nxs secrets set).' },
  NXS_ERR_PROVIDER_REJECTED: { exit: EXIT.UPSTREAM, http: 400, summary: 'A provider refused the request itself (a 4xx other than auth, rate limit or context length); retrying cannot help.' },
  NXS_ERR_PROVIDER_ABORTED: { exit: EXIT.FAILURE, http: 499, summary: 'The caller cancelled the LLM call.' },
  NXS_ERR_STREAM_INCOMPLETE: { exit: EXIT.UPSTREAM, http: 502, summary: 'A streamed answer was cut mid-way and could not be finished on another provider.' },
  NXS_ERR_LLM_BAD_REQUEST: { exit: EXIT.USAGE, http: 400, summary: 'The body is not a valid chat-completions request.' },
  NXS_ERR_LLM_MODEL_UNKNOWN: { exit: EXIT.NOT_FOUND, http: 404, summary: 'The requested model is not one /v1/models lists (use one of those, or auto).' },
  NXS_ERR_LLM_MODEL_FORBIDDEN: { exit: EXIT.DENIED, http: 403, summary: "The requested model is not in the calling token's model allowlist (nxs token create --models)." },
  NXS_ERR_LLM_RATE_LIMITED: { exit: EXIT.BUSY, http: 429, summary: "The calling token's requests or tokens per minute at the /v1 door are used up; retry after Retry-After." },
  NXS_ERR_LLM_QUOTA_EXCEEDED: { exit: EXIT.BUSY, http: 429, summary: "The calling token's daily token budget at the /v1 door is spent; it renews at 00:00 UTC (Retry-After)." },
  NXS_ERR_SECRET_STORE: { exit: EXIT.INTEGRITY, http: 500, summary: 'The encrypted credential store or its key cannot be read, written or decrypted.' },
  NXS_ERR_SECRET_NOT_FOUND: { exit: EXIT.NOT_FOUND, http: 404, summary: 'No credential of that name is in the encrypted store.' },
  NXS_ERR_SECRET_INVALID: { exit: EXIT.USAGE, http: 400, summary: 'A credential name or value is not acceptable (empty, multi-line, or a bad name).' },
} as const satisfies ErrorTable;
