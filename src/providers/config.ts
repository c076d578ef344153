import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { ConfigSection } from '../config/section.ts';
import type { ConfigCheck } from '../config/check.ts';
import { errorMessage } from '../core/errors.ts';
import { parseProviderEntry, type ProviderSpec } from './provider-spec.ts';
import type { GroupMember, ModelGroups } from './model-routes.ts';

export type { ProviderSpec };

/** How the client behaves, apart from the chain itself (key `llm_client`). */
export interface ClientSettings {
  /**
   * A stream cut mid-answer: `continue` finishes it on a provider declared `continuation: assistant-prefix`
   * (the seam checked), and ends it with an error when there is none; `incomplete` always ends it with an error.
   */
  onStreamCut: 'continue' | 'incomplete';
  /** A stream that sends nothing for this long is cut. */
  streamStallMs: number;
  /** Failures in a row that open a provider's breaker. */
  breakerFailures: number;
  /** First cooldown of an open breaker; each re-open doubles it up to cooldownMaxMs. */
  cooldownBaseMs: number;
  cooldownMaxMs: number;
  /** Base of retry backoff (doubles per attempt, with jitter). */
  retryBaseMs: number;
  /** Default latency budget of a call when the caller gives none: the longest nxs waits on a Retry-After or a backoff. */
  latencyBudgetMs: number;
  /** Answers kept for emergency mode (exact-match cache); 0 disables it. */
  cacheEntries: number;
  /** Loopback URLs probed at boot for local OpenAI-compatible servers; empty disables the probe. */
  localProbe: { name: string; baseUrl: string }[];
  localProbeTimeoutMs: number;
  /** Root of mounted secret files (/run/secrets/<name>). */
  secretsDir: string;
  /** Public model names served by several providers in order (a model group with its own fallback). */
  modelGroups: ModelGroups;
  /** Browser origins the /v1 door answers with CORS headers (`*` for any); empty: none. */
  corsOrigins: string[];
}

export interface ProvidersConfig {
  /** The chain in call order (priority, then the order written). */
  chain: ProviderSpec[];
  /** Where the chain came from (a key or a file), for status and messages. */
  source: string | null;
  client: ClientSettings;
}

export const DEFAULT_LOCAL_PROBES = [
  { name: 'lmstudio', baseUrl: 'http://127.0.0.1:1234/v1' },
  { name: 'ollama', baseUrl: 'http://127.0.0.1:11434/v1' },
];

const CLIENT_KEYS = ['on_stream_cut', 'stream_stall_ms', 'breaker_failures', 'cooldown_base_ms', 'cooldown_max_ms', 'retry_base_ms', 'latency_budget_ms', 'cache_entries', 'local_probe', 'local_probe_timeout_ms', 'secrets_dir', 'model_groups', 'cors_origins'];

/**
 * A call's default budget. Well under common client timeouts (60 s for many proxies and serverless
 * functions): nxs never holds a caller longer than this waiting on a Retry-After or a backoff.
 */
const DEFAULT_LATENCY_BUDGET_MS = 15_000;

export const providersSection: ConfigSection<ProvidersConfig> = {
  keys: ['providers', 'llm_providers', 'providers_file', 'llm_client'],
  parse(root, check) {
    let chain: ProviderSpec[] = [];
    let source: string | null = null;
    const forms = ['providers', 'llm_providers', 'providers_file'].filter((k) => root[k] !== undefined && root[k] !== null);
    if (forms.length > 1) check.fail(forms[1]!, `absent when ${forms[0]} is set (give the chain once)`, root[forms[1]!]);
    if (root.providers_file !== undefined && root.providers_file !== null) {
      const file = path.resolve(check.str(root.providers_file, 'providers_file'));
      const doc = readChainFile(file, check);
      chain = parseChainDocument(doc, check, file);
      source = file;
    } else if (root.providers !== undefined && root.providers !== null) {
      chain = parseChain(root.providers, 'providers', check);
      source = 'providers';
    } else if (root.llm_providers !== undefined && root.llm_providers !== null) {
      chain = parseChain(root.llm_providers, 'llm_providers', check);
      source = 'llm_providers';
    }
    return { chain, source, client: parseClient(root.llm_client, check, chain) };
  },
};

/** A providers file (seed 000's providers.json, or YAML): `{providers: ...}`, `{llm_providers: ...}`, or the chain itself. */
function parseChainDocument(doc: unknown, check: ConfigCheck, file: string): ProviderSpec[] {
  if (doc && typeof doc === 'object' && !Array.isArray(doc)) {
    const d = doc as Record<string, unknown>;
    if ('providers' in d) return parseChain(d.providers, `${path.basename(file)}: providers`, check);
    if ('llm_providers' in d) return parseChain(d.llm_providers, `${path.basename(file)}: llm_providers`, check);
  }
  return parseChain(doc, path.basename(file), check);
}

function readChainFile(file: string, check: ConfigCheck): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    return check.fail('providers_file', `a readable .json or .yaml file (${errorMessage(err)})`, file);
  }
  try {
    return file.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    return check.fail('providers_file', `valid ${file.endsWith('.json') ? 'JSON' : 'YAML'} (${errorMessage(err).split('\n')[0]})`, file);
  }
}

/**
 * Three spellings of one chain: a list (our own form); seed 000's mapping of
 * `primary`, `fallbacks`, `local`; seed 001's `primary`, `fallbacks`.
 */
export function parseChain(value: unknown, key: string, check: ConfigCheck): ProviderSpec[] {
  const entries: { v: unknown; key: string; local: boolean }[] = [];
  if (Array.isArray(value)) {
    value.forEach((v, i) => entries.push({ v, key: `${key}.${i}`, local: false }));
  } else {
    const m = check.obj(value, key, ['primary', 'fallbacks', 'local']);
    if (m.primary !== undefined) entries.push({ v: m.primary, key: `${key}.primary`, local: false });
    check.arr(m.fallbacks, `${key}.fallbacks`).forEach((v, i) => entries.push({ v, key: `${key}.fallbacks.${i}`, local: false }));
    if (Array.isArray(m.local)) m.local.forEach((v, i) => entries.push({ v, key: `${key}.local.${i}`, local: true }));
    else if (m.local !== undefined && m.local !== null) entries.push({ v: m.local, key: `${key}.local`, local: true });
  }
  if (entries.length === 0) check.fail(key, 'a non-empty chain of providers (remove the key to run on local models and the emergency cache only)', value);
  const specs = entries.map((e, i) => parseProviderEntry(e.v, e.key, check, { order: i, local: e.local }));
  const seen = new Set<string>();
  for (const [i, s] of specs.entries()) {
    if (seen.has(s.name)) check.fail(`${entries[i]!.key}.name`, 'a name not used by another provider in the chain', s.name);
    seen.add(s.name);
  }
  // Stable: equal priorities keep the order written.
  return specs.sort((a, b) => a.priority - b.priority || a.order - b.order);
}

function parseClient(value: unknown, check: ConfigCheck, chain: ProviderSpec[]): ClientSettings {
  const c = check.obj(value, 'llm_client', CLIENT_KEYS);
  const probes = c.local_probe === undefined || c.local_probe === null
    ? DEFAULT_LOCAL_PROBES
    : check.arr(c.local_probe, 'llm_client.local_probe').map((p, i) => {
        const o = check.obj(p, `llm_client.local_probe.${i}`, ['name', 'base_url']);
        return { name: check.str(o.name, `llm_client.local_probe.${i}.name`), baseUrl: check.url(o.base_url, `llm_client.local_probe.${i}.base_url`) };
      });
  const cooldownBaseMs = check.int(c.cooldown_base_ms, 'llm_client.cooldown_base_ms', { min: 0, max: 3_600_000, def: 5_000 });
  return {
    onStreamCut: check.oneOf(c.on_stream_cut, 'llm_client.on_stream_cut', ['continue', 'incomplete'] as const, 'continue'),
    streamStallMs: check.int(c.stream_stall_ms, 'llm_client.stream_stall_ms', { min: 1, max: 600_000, def: 30_000 }),
    breakerFailures: check.int(c.breaker_failures, 'llm_client.breaker_failures', { min: 1, max: 100, def: 3 }),
    cooldownBaseMs,
    cooldownMaxMs: check.int(c.cooldown_max_ms, 'llm_client.cooldown_max_ms', { min: cooldownBaseMs, max: 86_400_000, def: Math.max(cooldownBaseMs, 300_000) }),
    retryBaseMs: check.int(c.retry_base_ms, 'llm_client.retry_base_ms', { min: 0, max: 60_000, def: 250 }),
    latencyBudgetMs: check.int(c.latency_budget_ms, 'llm_client.latency_budget_ms', { min: 1, max: 3_600_000, def: DEFAULT_LATENCY_BUDGET_MS }),
    cacheEntries: check.int(c.cache_entries, 'llm_client.cache_entries', { min: 0, max: 1_000_000, def: 500 }),
    localProbe: probes,
    localProbeTimeoutMs: check.int(c.local_probe_timeout_ms, 'llm_client.local_probe_timeout_ms', { min: 1, max: 60_000, def: 800 }),
    secretsDir: check.str(c.secrets_dir, 'llm_client.secrets_dir', '/run/secrets'),
    // Local servers join the chain at runtime under their probe names: a group may name them too.
    modelGroups: parseGroups(c.model_groups, check, new Set([...chain.map((p) => p.name), ...probes.map((p) => p.name)])),
    corsOrigins: check.arr(c.cors_origins, 'llm_client.cors_origins').map((o, i) => {
      const v = check.str(o, `llm_client.cors_origins.${i}`);
      if (v !== '*' && !/^https?:\/\/[^/\s]+$/.test(v)) check.fail(`llm_client.cors_origins.${i}`, 'an origin such as https://app.example.com (scheme and host, no path), or *', v);
      return v;
    }),
  };
}

/** `model_groups: {fast: [groq, {provider: together, model: meta-llama/Llama-3-8b}]}`. */
function parseGroups(value: unknown, check: ConfigCheck, providers: ReadonlySet<string>): ModelGroups {
  const groups: Record<string, GroupMember[]> = {};
  for (const [name, list] of Object.entries(check.obj(value, 'llm_client.model_groups'))) {
    const key = `llm_client.model_groups.${name}`;
    if (name === 'auto') check.fail(key, 'a name other than auto (auto is the whole chain)', name);
    const members = check.arr(list, key).map((m, i): GroupMember => {
      const o = typeof m === 'string' ? { provider: m } : check.obj(m, `${key}.${i}`, ['provider', 'model']);
      const provider = check.str(o.provider, `${key}.${i}.provider`);
      if (!providers.has(provider)) check.fail(`${key}.${i}.provider`, `the name of a provider in the chain (${[...providers].join(', ')})`, provider);
      return { provider, model: check.optStr(o.model, `${key}.${i}.model`) };
    });
    if (members.length === 0) check.fail(key, 'a non-empty list of providers (a name, or {provider, model})', list);
    groups[name] = members;
  }
  return groups;
}
