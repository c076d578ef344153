import type { ServerResponse } from 'node:http';
import type { ErrorStyle } from './route.ts';

/** Writes `body` as JSON; with `redactor`, registered secrets are scrubbed from the text first (Route.scrubAnswer). */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}, redactor?: { scrub(text: string): string }): void {
  const text = redactor ? redactor.scrub(JSON.stringify(body)) : JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

const OPENAI_TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  405: 'invalid_request_error',
  413: 'invalid_request_error',
  429: 'rate_limit_error',
};

/** OpenAI's own code where nxs's has one, so OpenAI clients recognise it (the NXS code stays in the header). */
const OPENAI_CODES: Record<string, string> = {
  NXS_ERR_UNAUTHORIZED: 'invalid_api_key',
};

/** Every error response names its NXS_ERR_* code in this header, whatever the body's shape. */
export const ERROR_CODE_HEADER = 'x-nxs-error-code';

/**
 * The error body in the route's style. `message` has already been scrubbed of secrets.
 * The nxs style is seed 004's body exactly (`{success:false,error}`); the code travels
 * in ERROR_CODE_HEADER so clients can branch on it without changing that contract.
 */
export function errorBody(style: ErrorStyle, status: number, code: string, message: string): unknown {
  if (style === 'openai') {
    return { error: { message, type: OPENAI_TYPES[status] ?? 'api_error', code: OPENAI_CODES[code] ?? code, param: null } };
  }
  return { success: false, error: message };
}
