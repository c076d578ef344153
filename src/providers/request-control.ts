import { NxsError } from '../core/errors.ts';
import type { ModelRoute } from './model-routes.ts';
import type { ProviderSpec } from './provider-spec.ts';

/** The request header a caller sets to steer one request's fallbacks, retries and timeout (docs/providers.md). */
export const CONFIG_HEADER = 'x-nxs-config';

/** One request's own say over the chain, from the `x-nxs-config` header; unset fields keep the config's. */
export interface RequestControl {
  /** Retries per provider (`retry.attempts`), replacing each provider's `retries`. */
  retries?: number;
  /** `strategy.mode: single`: the first provider of the route only, no fallback. */
  fallback: boolean;
  /** `targets`: only these providers, in this order (each must serve the model). */
  providers?: string[];
  /** `request_timeout` in ms: caps each provider's first-byte and total timeouts, and the wait for a Retry-After. */
  timeoutMs?: number;
}

const KEYS = ['retry', 'request_timeout', 'strategy', 'targets'];
const MAX_TIMEOUT_MS = 600_000;

/**
 * Reads the header, modelled on Portkey's `x-portkey-config` (the same key names, so a config written
 * for it reads the same here): `{"retry": {"attempts": 1}, "request_timeout": 8000, "strategy": {"mode":
 * "fallback" | "single"}, "targets": ["groq", {"provider": "together"}]}`. Pure; anything it does not
 * understand is a 400 naming the key and the expected form, never ignored (a caller who asked for no
 * fallback must not silently get one). `known` are the chain's provider names.
 */
export function parseRequestControl(raw: string | string[] | undefined, known: readonly string[]): RequestControl | undefined {
  if (raw === undefined) return undefined;
  const text = Array.isArray(raw) ? raw.join(',') : raw;
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw bad('', 'a JSON object such as {"retry": {"attempts": 1}, "request_timeout": 8000, "strategy": {"mode": "single"}}', text.slice(0, 80));
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw bad('', 'a JSON object', v);
  const o = v as Record<string, unknown>;
  for (const k of Object.keys(o)) if (!KEYS.includes(k)) throw bad(k, `absent: the keys are ${KEYS.join(', ')}`, o[k]);
  const c: RequestControl = { fallback: true };
  if (o.retry !== undefined) {
    const r = o.retry as Record<string, unknown> | null;
    if (!r || typeof r !== 'object' || Array.isArray(r) || Object.keys(r).some((k) => k !== 'attempts')) throw bad('retry', '{"attempts": <0-10>}', o.retry);
    if (!Number.isInteger(r.attempts) || (r.attempts as number) < 0 || (r.attempts as number) > 10) throw bad('retry.attempts', 'an integer from 0 to 10', r.attempts);
    c.retries = r.attempts as number;
  }
  if (o.request_timeout !== undefined) {
    const t = o.request_timeout;
    if (!Number.isInteger(t) || (t as number) < 1 || (t as number) > MAX_TIMEOUT_MS) throw bad('request_timeout', `milliseconds, an integer from 1 to ${MAX_TIMEOUT_MS}`, t);
    c.timeoutMs = t as number;
  }
  if (o.strategy !== undefined) {
    const s = o.strategy as Record<string, unknown> | null;
    if (!s || typeof s !== 'object' || Array.isArray(s) || Object.keys(s).some((k) => k !== 'mode')) throw bad('strategy', '{"mode": "fallback" | "single"}', o.strategy);
    if (s.mode !== 'fallback' && s.mode !== 'single') throw bad('strategy.mode', '"fallback" (the chain, the default) or "single" (the first provider only)', s.mode);
    c.fallback = s.mode === 'fallback';
  }
  if (o.targets !== undefined) {
    if (!Array.isArray(o.targets) || o.targets.length === 0) throw bad('targets', 'a non-empty list of provider names (or {"provider": name})', o.targets);
    c.providers = o.targets.map((t, i) => {
      const name = typeof t === 'string' ? t : t && typeof t === 'object' && !Array.isArray(t) && Object.keys(t).length === 1 ? (t as { provider?: unknown }).provider : undefined;
      if (typeof name !== 'string' || !known.includes(name)) throw bad(`targets[${i}]`, `the name of a provider in the chain (${known.join(', ') || 'none configured'})`, t);
      return name;
    });
  }
  return c;
}

/**
 * The route narrowed by a request's control: its targets (in their order), one provider for
 * `single`, and the retries and timeouts it set. Such a route is never the whole chain: its
 * failure is this caller's choice, not the host's emergency. Pure.
 */
export function controlledRoute(route: ModelRoute, c: RequestControl | undefined): ModelRoute {
  if (!c) return route;
  let providers: ProviderSpec[] = [...route.providers];
  if (c.providers) providers = c.providers.map((n) => providers.find((p) => p.name === n)).filter((p): p is ProviderSpec => p !== undefined);
  if (!c.fallback) providers = providers.slice(0, 1);
  const t = c.timeoutMs;
  // The connect timeout stays: the transport keeps one pool per base URL and connect timeout.
  providers = providers.map((p) => ({
    ...p,
    retries: c.retries ?? p.retries,
    timeouts: t === undefined ? p.timeouts : { ...p.timeouts, firstByteMs: Math.min(p.timeouts.firstByteMs, t), totalMs: Math.min(p.timeouts.totalMs, t) },
  }));
  const narrowed = c.providers !== undefined || !c.fallback;
  return { providers, upstream: route.upstream, whole: route.whole && !narrowed };
}

function bad(key: string, expected: string, got: unknown): NxsError {
  const param = key ? `${CONFIG_HEADER}.${key}` : CONFIG_HEADER;
  let shown: string;
  try {
    shown = JSON.stringify(got)?.slice(0, 80) ?? String(got);
  } catch {
    shown = String(got);
  }
  return new NxsError('NXS_ERR_LLM_BAD_REQUEST', `${param} must be ${expected}; got ${shown}`, { param, openaiCode: 'invalid_value' });
}
