import type { NxsError } from '../core/errors.ts';
import { httpStatusFor } from '../error-registry.ts';
import { ERROR_CODE_HEADER } from '../http/respond.ts';

/** OpenAI's error object, as every OpenAI client parses it. */
export interface OpenAiError {
  error: { message: string; type: string; code: string | null; param: string | null };
}

export interface DoorErrorAnswer {
  status: number;
  body: OpenAiError;
  headers: Record<string, string>;
}

interface Upstream {
  status?: number;
  code?: string;
  type?: string;
  param?: string;
  headers?: Record<string, string>;
}

/**
 * How the door tells an OpenAI client what went wrong: the status and code
 * that client libraries act on (a 429 is retried after Retry-After, a 503 is
 * an outage, model_not_found and context_length_exceeded are the caller's to
 * fix), `param` for a bad field, and an upstream refusal passed on as the
 * provider said it. Codes with no OpenAI counterpart keep their NXS_ERR_*
 * name; the NXS code is always in the x-nxs-error-code header. Pure.
 */
export function doorError(err: NxsError, scrub: (text: string) => string): DoorErrorAnswer {
  const d = err.details ?? {};
  const headers: Record<string, string> = { [ERROR_CODE_HEADER]: err.code };
  if (typeof d.retryAfterSeconds === 'number') headers['retry-after'] = String(d.retryAfterSeconds);
  const message = scrub(err.message);
  const answer = (status: number, code: string | null, param: string | null = null, type = typeFor(status)): DoorErrorAnswer => ({ status, body: { error: { message, type, code, param } }, headers });
  switch (err.code) {
    case 'NXS_ERR_PROVIDERS_EXHAUSTED':
      if (d.cause === 'rate_limit') return answer(429, 'rate_limit_exceeded');
      if (d.cause === 'context_length') return answer(400, 'context_length_exceeded', 'messages');
      return answer(503, err.code);
    case 'NXS_ERR_PROVIDER_REJECTED': {
      const up = (d.upstream ?? {}) as Upstream;
      Object.assign(headers, up.headers);
      const status = typeof up.status === 'number' && up.status >= 400 && up.status < 500 ? up.status : httpStatusFor(err);
      return answer(status, up.code ?? null, up.param ?? null, up.type ?? typeFor(status));
    }
    case 'NXS_ERR_LLM_MODEL_UNKNOWN':
      return answer(404, 'model_not_found', 'model', 'invalid_request_error');
    case 'NXS_ERR_LLM_MODEL_FORBIDDEN':
      return answer(403, 'model_not_allowed', 'model', 'permission_error');
    case 'NXS_ERR_LLM_RATE_LIMITED': {
      // A door token's own limit, in OpenAI's words: type names the limit, x-ratelimit-* say when it resets.
      const kind = d.limit === 'tokens' ? 'tokens' : 'requests';
      headers[`x-ratelimit-limit-${kind}`] = String(d.perMinute);
      headers[`x-ratelimit-remaining-${kind}`] = '0';
      headers[`x-ratelimit-reset-${kind}`] = `${Math.max(1, Math.ceil(Number(d.resetMs ?? 0) / 1000))}s`;
      return answer(429, 'rate_limit_exceeded', null, kind);
    }
    case 'NXS_ERR_LLM_QUOTA_EXCEEDED':
      return answer(429, 'insufficient_quota', null, 'insufficient_quota');
    case 'NXS_ERR_LLM_BAD_REQUEST':
      return answer(400, typeof d.openaiCode === 'string' ? d.openaiCode : 'invalid_value', typeof d.param === 'string' ? d.param : null);
    default:
      return answer(httpStatusFor(err), err.code, typeof d.param === 'string' ? d.param : null);
  }
}

function typeFor(status: number): string {
  if (status === 401) return 'authentication_error';
  if (status === 403) return 'permission_error';
  if (status === 404) return 'not_found_error';
  if (status === 429) return 'rate_limit_error';
  if (status >= 500) return 'server_error';
  return 'invalid_request_error';
}
