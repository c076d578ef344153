import type { Clock } from '../core/clock.ts';
import { parseProviderEntry, type ProviderSpec } from './provider-spec.ts';
import { ConfigCheck } from '../config/check.ts';

export interface LocalServer {
  name: string;
  baseUrl: string;
  models: string[];
}

/**
 * Asks a loopback OpenAI-compatible server (LM Studio, Ollama) for its models,
 * briefly. Detection (src/detect) will own this; until then the client does
 * its own small probe. Resolves null for anything but a proper model list.
 */
export async function probeLocalServer(name: string, baseUrl: string, timeoutMs: number, clock: Clock): Promise<LocalServer | null> {
  const { request } = await import('undici');
  const ac = new AbortController();
  const timer = clock.setTimeout(() => ac.abort(new Error('probe timed out')), timeoutMs);
  try {
    const res = await request(`${baseUrl.replace(/\/+$/, '')}/models`, { method: 'GET', signal: ac.signal, headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
    if (res.statusCode !== 200) {
      await res.body.dump();
      return null;
    }
    const body = (await res.body.json()) as { data?: { id?: unknown }[] };
    const models = (body.data ?? []).map((m) => m.id).filter((id): id is string => typeof id === 'string');
    return { name, baseUrl, models };
  } catch {
    // Nothing there (refused, timed out, not JSON): the normal answer on most machines.
    return null;
  } finally {
    clock.clearTimeout(timer);
  }
}

/** A provider entry for a local server found by the probe: no key, no retries, optional. */
export function localProviderSpec(s: LocalServer, order: number): ProviderSpec {
  return parseProviderEntry({ name: s.name, base_url: s.baseUrl, model: s.models[0], credential: { none: true }, local: true, optional: true, timeouts: { connect_ms: 1000, first_byte_ms: 120_000, total_ms: 300_000 } }, `local:${s.name}`, new ConfigCheck(), { order, local: true });
}
