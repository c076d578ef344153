import type { ConfigCheck } from '../config/check.ts';
import { CONDITION_NAMES, isCondition, type ConditionName } from './enabled-if.ts';

/** Where a provider's API key comes from; every source is tried in order (credentials.ts). */
export interface CredentialSpec {
  /** Environment variable holding the key (also read as <ENV>_FILE and /run/secrets/<env lowercased>). */
  env: string;
  /** Name in nxs's encrypted store and under the secrets folder. */
  secret: string;
  /** The key written in the config file itself (least preferred). */
  value: string | undefined;
  /** A local server that needs no key. */
  none: boolean;
}

export interface ProviderSpec {
  name: string;
  /** Base URL up to and including the API version (`https://api.groq.com/openai/v1`). */
  baseUrl: string;
  /** Upstream model used for `auto` and for models this provider does not list. */
  model: string | undefined;
  /** Public model name (what /v1/models lists) to the provider's own model id. */
  models: Record<string, string>;
  credential: CredentialSpec;
  timeouts: { connectMs: number; firstByteMs: number; totalMs: number };
  retries: number;
  priority: number;
  /** An optional provider's failures never raise alerts (a local server that may be off). */
  optional: boolean;
  headers: Record<string, string>;
  /** Tokens of context, when known: a context-length failure skips providers no larger. */
  contextWindow: number | undefined;
  local: boolean;
  /** Seed 000's condition, kept for status (e.g. gpu_available); the provider is treated as optional. */
  /** seed 000's condition on detection facts (src/providers/enabled-if.ts); a provider whose condition is false is left out of the chain. */
  enabledIf: ConditionName | undefined;
  /** Position as written (ties in priority keep it). */
  order: number;
  /**
   * `assistant-prefix`: the provider continues a last assistant message sent with `prefix: true`
   * (DeepSeek, Mistral) instead of starting a new answer, so a stream cut elsewhere may be finished
   * here. `none` (the default): ordinary OpenAI-compatible servers start afresh, so they never are.
   */
  continuation: 'none' | 'assistant-prefix';
  /** The OpenAI endpoints the provider serves (`endpoints: [chat, embeddings]`); only `chat` unless said. */
  endpoints: readonly Endpoint[];
}

/** An endpoint of the /v1 door a provider may serve. */
export type Endpoint = 'chat' | 'embeddings';
export const ENDPOINTS: readonly Endpoint[] = ['chat', 'embeddings'];

const ENTRY_KEYS = [
  'name', 'base_url', 'endpoint', 'api_base', 'model', 'models', 'api_key', 'api_key_env', 'api_key_secret', 'credential',
  'timeout', 'timeouts', 'retries', 'priority', 'optional', 'headers', 'context_window', 'enabled_if', 'local', 'continuation', 'endpoints',
];

export function envNameFor(provider: string): string {
  return `${provider.toUpperCase().replace(/[^A-Z0-9]+/g, '_')}_API_KEY`;
}

/**
 * One provider, in any of the seeds' spellings: `base_url`, `endpoint` (seed
 * 000) or `api_base` (seed 001); `timeout` in seconds (the seeds) or
 * `timeouts` in milliseconds.
 */
export function parseProviderEntry(value: unknown, key: string, check: ConfigCheck, at: { order: number; local: boolean }): ProviderSpec {
  const e = check.obj(value, key, ENTRY_KEYS);
  if (value === undefined || value === null) check.fail(key, 'a provider (a mapping with name and base_url)', value);
  const name = check.str(e.name, `${key}.name`);
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/.test(name)) check.fail(`${key}.name`, 'letters, digits, _ . - (up to 64)', name);
  const urlKey = ['base_url', 'endpoint', 'api_base'].find((k) => e[k] !== undefined && e[k] !== null);
  if (!urlKey) check.fail(`${key}.base_url`, 'the provider\'s OpenAI-compatible base URL (base_url, endpoint or api_base), e.g. https://api.groq.com/openai/v1', undefined);
  const baseUrl = check.url(e[urlKey], `${key}.${urlKey}`).replace(/\/+$/, '');
  const isLocal = check.bool(e.local, `${key}.local`, at.local || isLoopback(baseUrl));

  const models: Record<string, string> = {};
  let model: string | undefined;
  if (e.model !== undefined && e.model !== null && typeof e.model === 'object') {
    // A model map given as `model:` (public name -> provider's id).
    Object.assign(models, stringMap(e.model, `${key}.model`, check));
  } else model = check.optStr(e.model, `${key}.model`);
  Object.assign(models, stringMap(e.models, `${key}.models`, check));
  if (!model) model = Object.values(models)[0];

  const timeoutS = e.timeout === undefined || e.timeout === null ? undefined : check.num(e.timeout, `${key}.timeout`, { min: 0.001, max: 3600 });
  const t = check.obj(e.timeouts, `${key}.timeouts`, ['connect_ms', 'first_byte_ms', 'total_ms']);
  const totalMs = check.int(t.total_ms, `${key}.timeouts.total_ms`, { min: 1, max: 3_600_000, def: timeoutS !== undefined ? Math.round(timeoutS * 1000) : 60_000 });
  const timeouts = {
    connectMs: check.int(t.connect_ms, `${key}.timeouts.connect_ms`, { min: 1, max: 600_000, def: Math.min(5_000, totalMs) }),
    firstByteMs: check.int(t.first_byte_ms, `${key}.timeouts.first_byte_ms`, { min: 1, max: 3_600_000, def: totalMs }),
    totalMs,
  };

  const cred = check.obj(e.credential, `${key}.credential`, ['env', 'secret', 'value', 'none']);
  const env = check.str(cred.env ?? e.api_key_env, `${key}.credential.env`, envNameFor(name));
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(env)) check.fail(`${key}.credential.env`, 'an environment variable name', env);
  const credValue = check.optStr(cred.value ?? e.api_key, `${key}.api_key`);
  const credential: CredentialSpec = {
    env,
    secret: check.str(cred.secret ?? e.api_key_secret, `${key}.credential.secret`, env),
    value: credValue,
    none: check.bool(cred.none, `${key}.credential.none`, false),
  };

  const enabledIf = check.optStr(e.enabled_if, `${key}.enabled_if`);
  if (enabledIf !== undefined && !isCondition(enabledIf)) check.fail(`${key}.enabled_if`, `one of the conditions nxs evaluates against detection (${CONDITION_NAMES.join(', ')})`, enabledIf);
  return {
    name,
    baseUrl,
    model,
    models,
    credential,
    timeouts,
    retries: check.int(e.retries, `${key}.retries`, { min: 0, max: 10, def: isLocal ? 0 : 2 }),
    priority: check.int(e.priority, `${key}.priority`, { min: -1000, max: 1000, def: isLocal ? 100 : 0 }),
    optional: check.bool(e.optional, `${key}.optional`, isLocal || enabledIf !== undefined),
    headers: stringMap(e.headers, `${key}.headers`, check),
    contextWindow: e.context_window === undefined || e.context_window === null ? undefined : check.int(e.context_window, `${key}.context_window`, { min: 1 }),
    local: isLocal,
    enabledIf,
    order: at.order,
    continuation: check.oneOf(e.continuation, `${key}.continuation`, ['none', 'assistant-prefix'] as const, 'none'),
    endpoints: parseEndpoints(e.endpoints, `${key}.endpoints`, check),
  };
}

/** `endpoints: [chat, embeddings]`: a non-empty list; absent means chat only (what every provider served before). */
function parseEndpoints(value: unknown, key: string, check: ConfigCheck): Endpoint[] {
  if (value === undefined || value === null) return ['chat'];
  const list = check.arr(value, key).map((v, i) => check.oneOf(v, `${key}.${i}`, ENDPOINTS));
  if (list.length === 0) check.fail(key, `a non-empty list of ${ENDPOINTS.join(', ')}`, value);
  return [...new Set(list)];
}

/** True when the provider serves `endpoint`. */
export function serves(p: ProviderSpec, endpoint: Endpoint): boolean {
  return p.endpoints.includes(endpoint);
}

function stringMap(value: unknown, key: string, check: ConfigCheck): Record<string, string> {
  const o = check.obj(value, key);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(o)) out[k] = check.str(typeof v === 'number' ? String(v) : v, `${key}.${k}`);
  return out;
}

export function isLoopback(url: string): boolean {
  const h = new URL(url).hostname;
  return h === 'localhost' || h === '::1' || h === '[::1]' || h.startsWith('127.');
}

/** The public model names a provider answers for. */
export function publicModels(p: ProviderSpec): string[] {
  const names = Object.keys(p.models);
  if (p.model && !Object.values(p.models).includes(p.model)) names.push(p.model);
  return names;
}

/** The provider's own id for a requested model: mapped when it lists it, else its default (the chain serves any model). */
export function upstreamModel(p: ProviderSpec, requested: string | undefined): string | undefined {
  if (requested && requested !== 'auto') {
    if (p.models[requested]) return p.models[requested];
    if (requested === p.model) return requested;
  }
  return p.model ?? (requested && requested !== 'auto' ? requested : undefined);
}
