import { scrubStrings, type TextScrubber } from '../core/secrets-redactor.ts';

export const MASK = '********';

// Names of places, not secrets: where a secret lives (secretsDir, tokenEnv) stays readable.
const NOT_SECRET = /(Dir|Path|File|Env)$/;

// Keys whose values are secrets wherever they sit in the config (the operator token, provider keys,
// channel bot tokens, passwords in URLs kept apart): the value is masked, the key stays visible.
const SECRET_KEY = /(token|secret|password|passphrase|api_?key|apikey|credential|authorization|^key$)/i;

/**
 * The effective config as the console shows it: every value under a secret-named key masked, then
 * every string scrubbed of the registered secrets (a key pasted into a URL or a header elsewhere).
 * Sets and maps become arrays and objects; functions are left out.
 */
export function maskedConfig(config: unknown, scrubber: TextScrubber): unknown {
  return scrubStrings(mask(config, false), scrubber);
}

function mask(value: unknown, secret: boolean): unknown {
  if (value === null || value === undefined) return value ?? null;
  if (typeof value === 'function') return undefined;
  // Only text can hold a secret: flags and numbers under such keys (max_tokens, credential.none) stay readable.
  if (typeof value !== 'object') return secret && typeof value === 'string' ? MASK : value;
  if (value instanceof Set) return [...value].map((v) => mask(v, secret));
  if (Array.isArray(value)) return value.map((v) => mask(v, secret));
  const entries = value instanceof Map ? [...value.entries()] : Object.entries(value);
  const out: Record<string, unknown> = {};
  for (const [k, v] of entries) {
    const m = mask(v, secret || (SECRET_KEY.test(String(k)) && !NOT_SECRET.test(String(k))));
    if (m !== undefined) out[String(k)] = m;
  }
  return out;
}
