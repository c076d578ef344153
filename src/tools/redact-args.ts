import type { SecretRedactor } from '../core/secrets-redactor.ts';

const MAX_AUDIT_STRING = 2000;
/** Header and field names whose values are credentials whatever they contain. */
const SECRET_KEY = /^(authorization|proxy-authorization|cookie|set-cookie|x-api-key|api[-_]?key|token|password|secret)$/i;

/**
 * Arguments as the audit trail keeps them: known secrets scrubbed (every
 * credential nxs holds is registered with the redactor), credential-named
 * fields replaced, long strings cut so a written file does not bloat the trail.
 */
export function redactArgs(redactor: SecretRedactor, value: unknown, key = ''): unknown {
  if (typeof value === 'string') {
    if (SECRET_KEY.test(key)) return '[REDACTED]';
    const s = redactor.scrub(value);
    return s.length > MAX_AUDIT_STRING ? `${s.slice(0, MAX_AUDIT_STRING)}… (${s.length} chars)` : s;
  }
  if (Array.isArray(value)) return value.map((v) => redactArgs(redactor, v));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = redactArgs(redactor, v, k);
    return out;
  }
  return value;
}
