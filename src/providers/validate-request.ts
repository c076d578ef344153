import { NxsError } from '../core/errors.ts';
import type { ChatRequest } from './types.ts';
import type { EmbeddingsRequest } from './embeddings-call.ts';

const ROLES = new Set(['system', 'user', 'assistant', 'tool', 'developer', 'function']);

/**
 * Checks a body is a chat-completions request before any provider sees it, so
 * a bad one is a 400 naming the field (OpenAI's error shape at the door)
 * rather than a provider's complaint relayed after failover.
 */
export function validateChatRequest(body: unknown): ChatRequest & { stream?: boolean } {
  // `openaiCode` is OpenAI's own code for the mistake (door-errors.ts puts it and `param` in the error object).
  const bad = (param: string, expected: string, openaiCode: 'missing_required_parameter' | 'invalid_type' | 'invalid_value' = 'invalid_type'): never => {
    throw new NxsError('NXS_ERR_LLM_BAD_REQUEST', `${param} must be ${expected}`, { param: param === 'the body' ? null : param, openaiCode });
  };
  if (!body || typeof body !== 'object' || Array.isArray(body)) bad('the body', 'a JSON object with "messages" (a chat-completions request)');
  const b = body as Record<string, unknown>;
  if (b.model !== undefined && (typeof b.model !== 'string' || b.model === '')) bad('model', 'a model name from /v1/models, or "auto"');
  if (b.messages === undefined) bad('messages', 'a non-empty list of {role, content} objects', 'missing_required_parameter');
  if (!Array.isArray(b.messages) || b.messages.length === 0) bad('messages', 'a non-empty list of {role, content} objects', Array.isArray(b.messages) ? 'invalid_value' : 'invalid_type');
  (b.messages as unknown[]).forEach((m, i) => {
    if (!m || typeof m !== 'object' || Array.isArray(m)) bad(`messages[${i}]`, 'an object with role and content');
    const msg = m as Record<string, unknown>;
    if (typeof msg.role !== 'string' || !ROLES.has(msg.role)) bad(`messages[${i}].role`, `one of ${[...ROLES].join(', ')}`, typeof msg.role === 'string' ? 'invalid_value' : 'invalid_type');
    const c = msg.content;
    const hasToolCalls = Array.isArray(msg.tool_calls) && msg.tool_calls.length > 0;
    if (!(typeof c === 'string' || Array.isArray(c) || ((c === null || c === undefined) && (msg.role === 'assistant' && hasToolCalls)))) {
      bad(`messages[${i}].content`, 'a string or a list of content parts');
    }
    if (msg.role === 'tool' && typeof msg.tool_call_id !== 'string') bad(`messages[${i}].tool_call_id`, 'the id of the tool call this answers', msg.tool_call_id === undefined ? 'missing_required_parameter' : 'invalid_type');
  });
  if (b.stream !== undefined && typeof b.stream !== 'boolean') bad('stream', 'true or false');
  if (b.tools !== undefined && !Array.isArray(b.tools)) bad('tools', 'a list of tool definitions');
  if (b.response_format !== undefined && (typeof b.response_format !== 'object' || b.response_format === null)) bad('response_format', 'an object such as {"type": "json_object"}');
  for (const k of ['temperature', 'top_p', 'max_tokens', 'max_completion_tokens', 'n', 'presence_penalty', 'frequency_penalty']) {
    if (b[k] !== undefined && b[k] !== null && (typeof b[k] !== 'number' || !Number.isFinite(b[k]))) bad(k, 'a number');
  }
  return b as ChatRequest & { stream?: boolean };
}

/**
 * An embeddings request as OpenAI takes it: `input` a string, a list of strings, a list of token
 * ids, or a list of such lists (never empty); `model` as for chat; other fields pass through.
 */
export function validateEmbeddingsRequest(body: unknown): EmbeddingsRequest {
  const bad = (param: string, expected: string, openaiCode: 'missing_required_parameter' | 'invalid_type' | 'invalid_value' = 'invalid_type'): never => {
    throw new NxsError('NXS_ERR_LLM_BAD_REQUEST', `${param} must be ${expected}`, { param: param === 'the body' ? null : param, openaiCode });
  };
  if (!body || typeof body !== 'object' || Array.isArray(body)) bad('the body', 'a JSON object with "input" (an embeddings request)');
  const b = body as Record<string, unknown>;
  if (b.model !== undefined && (typeof b.model !== 'string' || b.model === '')) bad('model', 'a model name from /v1/models, or "auto"');
  const INPUT = 'a string, a list of strings, a list of token ids, or a list of lists of token ids';
  const input = b.input;
  if (input === undefined) bad('input', INPUT, 'missing_required_parameter');
  const tokens = (v: unknown): boolean => Array.isArray(v) && v.length > 0 && v.every((t) => Number.isInteger(t) && (t as number) >= 0);
  const ok = typeof input === 'string'
    ? input !== ''
    : Array.isArray(input) && input.length > 0 && (input.every((x) => typeof x === 'string' && x !== '') || tokens(input) || input.every(tokens));
  if (!ok) bad('input', `${INPUT} (none of them empty)`, Array.isArray(input) || typeof input === 'string' ? 'invalid_value' : 'invalid_type');
  if (b.encoding_format !== undefined && b.encoding_format !== 'float' && b.encoding_format !== 'base64') bad('encoding_format', '"float" or "base64"', 'invalid_value');
  if (b.dimensions !== undefined && (!Number.isInteger(b.dimensions) || (b.dimensions as number) < 1)) bad('dimensions', 'a positive integer');
  return b as EmbeddingsRequest;
}
