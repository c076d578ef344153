import { isProbeError, type Facts } from './facts.ts';

export interface LocalModelChoice {
  server: 'lmstudio' | 'ollama';
  /** Base URL of the server's API (OpenAI-compatible for LM Studio; Ollama also serves /v1). */
  url: string;
  models: string[];
  reason: string;
}

/**
 * Provider order hint for the fallback client: a local model goes first when the
 * network is offline and a local server offers at least one model. Online, remote
 * providers keep their configured order (null). Pure: reads the facts only.
 */
export function localModelFirst(facts: Pick<Facts, 'network' | 'localLlm'>): LocalModelChoice | null {
  if (!facts.network || !facts.localLlm || isProbeError(facts.localLlm)) return null;
  const offline = isProbeError(facts.network) ? false : facts.network.state === 'offline';
  if (!offline) return null;
  for (const server of ['ollama', 'lmstudio'] as const) {
    const s = facts.localLlm[server];
    if (s.running && s.models.length > 0) {
      return { server, url: new URL(s.url).origin, models: s.models, reason: `offline, and ${server} offers ${s.models.length} model(s)` };
    }
  }
  return null;
}
