import { NxsError } from '../core/errors.ts';

/**
 * What a token may do at the /v1 door (the OpenAI-compatible gateway), set when it is made
 * (`nxs token create --models --rpm --tpm --daily-tokens`). null: no bound of that kind.
 */
export interface DoorLimits {
  /** Model names the token may ask for (`auto` only when listed); null: any the door serves. */
  models: string[] | null;
  requestsPerMinute: number | null;
  /** Prompt plus completion tokens per minute. */
  tokensPerMinute: number | null;
  /** Prompt plus completion tokens per UTC day. */
  dailyTokens: number | null;
}

export const NO_DOOR_LIMITS: DoorLimits = Object.freeze({ models: null, requestsPerMinute: null, tokensPerMinute: null, dailyTokens: null });

/** The limits as POST /api/tokens and nxs token ls show them. */
/** How the supervisor step, which makes the tokens, hands the /v1 door (an earlier step) each token's bounds. */
export type UseDoorLimits = (limitsOf: (principalId: string) => DoorLimits) => void;

export interface DoorLimitsJson {
  models: string[] | null;
  limits: { requests_per_minute: number | null; tokens_per_minute: number | null; daily_tokens: number | null };
}

const LIMIT_KEYS = ['requests_per_minute', 'tokens_per_minute', 'daily_tokens'] as const;
const MAX_LIMIT = 1e12;

/**
 * Reads `models` and `limits` of a token request body: `{"models": ["fast"], "limits":
 * {"requests_per_minute": 60, "tokens_per_minute": 40000, "daily_tokens": 1000000}}`. Each is optional.
 */
export function parseDoorLimits(models: unknown, limits: unknown): DoorLimits {
  const bad = (field: string, expected: string, got: unknown): never => {
    throw new NxsError('NXS_ERR_TOKEN_INVALID', `${field} must be ${expected}; got ${JSON.stringify(got)?.slice(0, 80)}`, { field });
  };
  let list: string[] | null = null;
  if (models !== undefined && models !== null) {
    const raw = typeof models === 'string' ? models.split(',').map((s) => s.trim()).filter(Boolean) : models;
    if (!Array.isArray(raw) || raw.length === 0 || raw.length > 1000) bad('models', 'a non-empty list of model names (as /v1/models lists them; auto for the whole chain)', models);
    for (const m of raw as unknown[]) if (typeof m !== 'string' || m === '' || m.length > 200) bad('models', 'model names (non-empty strings of at most 200 characters)', m);
    list = [...new Set(raw as string[])];
  }
  const out: DoorLimits = { models: list, requestsPerMinute: null, tokensPerMinute: null, dailyTokens: null };
  if (limits === undefined || limits === null) return out;
  if (typeof limits !== 'object' || Array.isArray(limits)) bad('limits', `an object with ${LIMIT_KEYS.join(', ')}`, limits);
  const l = limits as Record<string, unknown>;
  for (const k of Object.keys(l)) if (!(LIMIT_KEYS as readonly string[]).includes(k)) bad(`limits.${k}`, `absent: the limits are ${LIMIT_KEYS.join(', ')}`, l[k]);
  const n = (k: (typeof LIMIT_KEYS)[number]): number | null => {
    const v = l[k];
    if (v === undefined || v === null) return null;
    if (!Number.isInteger(v) || (v as number) < 1 || (v as number) > MAX_LIMIT) bad(`limits.${k}`, 'a positive integer', v);
    return v as number;
  };
  return { models: list, requestsPerMinute: n('requests_per_minute'), tokensPerMinute: n('tokens_per_minute'), dailyTokens: n('daily_tokens') };
}

export function doorLimitsJson(d: DoorLimits): DoorLimitsJson {
  return { models: d.models, limits: { requests_per_minute: d.requestsPerMinute, tokens_per_minute: d.tokensPerMinute, daily_tokens: d.dailyTokens } };
}

/** True when the token has no door bound at all (the fast path: nothing to look up per request). */
export function unlimited(d: DoorLimits): boolean {
  return d.models === null && d.requestsPerMinute === null && d.tokensPerMinute === null && d.dailyTokens === null;
}
