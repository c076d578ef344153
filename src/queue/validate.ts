import { NxsError } from '../core/errors.ts';
import type { EnqueueInput, QueueDeclaration } from './types.ts';

const NAME = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;
export const MAX_PAYLOAD_BYTES = 1024 * 1024;

function invalid(field: string, expected: string, got: string): never {
  throw new NxsError('NXS_ERR_QUEUE_INVALID', `${field} must be ${expected}; got ${got}`, { field, expected });
}

export function checkQueueName(name: unknown, field = 'queue'): string {
  if (typeof name !== 'string' || !NAME.test(name)) invalid(field, 'a name of 1-64 letters, digits, ".", "_", ":" or "-"', JSON.stringify(name) ?? String(name));
  return name;
}

export function checkDeclaration(decl: QueueDeclaration): void {
  checkQueueName(decl.name, 'name');
  if (decl.leaseMs !== undefined && !(Number.isInteger(decl.leaseMs) && decl.leaseMs >= 1)) invalid('leaseMs', 'a positive integer of milliseconds', String(decl.leaseMs));
  if (decl.maxAttempts !== undefined && !(Number.isInteger(decl.maxAttempts) && decl.maxAttempts >= 1)) invalid('maxAttempts', 'an integer of at least 1', String(decl.maxAttempts));
  type Backoff = { baseMs: number; maxMs: number } | false | undefined;
  const backoffs: [string, Backoff][] = [['backoff', decl.backoff], ...Object.entries(decl.retryByCode ?? {}).map(([code, b]): [string, Backoff] => [`retryByCode.${code}`, b])];
  for (const [field, b] of backoffs) {
    if (b === undefined || b === false) continue;
    if (typeof b !== 'object' || b === null || !(Number.isFinite(b.baseMs) && b.baseMs >= 0 && Number.isFinite(b.maxMs) && b.maxMs >= b.baseMs)) {
      invalid(field, '{baseMs, maxMs} with 0 <= baseMs <= maxMs', JSON.stringify(b));
    }
  }
}

/**
 * Serialises the payload with JSON's own rules (a plain JSON.stringify: a
 * replacer would cost more than the insert), naming the field when the value
 * cannot be stored at all (BigInt, a cycle, undefined or a function); nothing is
 * written then. NaN and Infinity become null, as JSON has them.
 */
export function serialisePayload(payload: unknown, field = 'payload'): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(payload);
  } catch (err) {
    invalid(field, 'a JSON-serialisable value', err instanceof Error ? err.message : String(err));
  }
  if (text === undefined) invalid(field, 'a JSON-serialisable value', typeof payload);
  if (text.length > MAX_PAYLOAD_BYTES) invalid(field, `at most ${MAX_PAYLOAD_BYTES} bytes of JSON`, `${text.length} bytes`);
  return text;
}

/** Checks the optional fields of an enqueue; throws naming the first bad one. */
export function checkEnqueueFields(input: EnqueueInput): void {
  if (typeof input !== 'object' || input === null) invalid('job', 'an object {queue, payload, ...}', String(input));
  if (input.group !== undefined && (typeof input.group !== 'string' || input.group.length === 0 || input.group.length > 200)) {
    invalid('group', 'a string of 1-200 characters', JSON.stringify(input.group));
  }
  if (input.priority !== undefined && !(Number.isInteger(input.priority) && Math.abs(input.priority) <= 1_000_000)) {
    invalid('priority', 'an integer from -1000000 to 1000000', String(input.priority));
  }
  if (input.runAt !== undefined && !(Number.isInteger(input.runAt) && input.runAt >= 0)) invalid('runAt', 'epoch milliseconds (a non-negative integer)', String(input.runAt));
  if (input.idempotencyKey !== undefined && (typeof input.idempotencyKey !== 'string' || input.idempotencyKey.length === 0 || input.idempotencyKey.length > 500)) {
    invalid('idempotencyKey', 'a string of 1-500 characters', JSON.stringify(input.idempotencyKey));
  }
  if (input.maxAttempts !== undefined && !(Number.isInteger(input.maxAttempts) && input.maxAttempts >= 1 && input.maxAttempts <= 1000)) {
    invalid('maxAttempts', 'an integer from 1 to 1000', String(input.maxAttempts));
  }
  if (input.createdBy !== undefined && (typeof input.createdBy !== 'string' || input.createdBy.length === 0 || input.createdBy.length > 200)) {
    invalid('createdBy', 'a principal id of 1-200 characters', JSON.stringify(input.createdBy));
  }
}
