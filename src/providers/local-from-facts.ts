import { isProbeError, type Facts } from '../detect/facts.ts';
import type { LocalServer } from './local-probe.ts';

/**
 * The local OpenAI-compatible servers detection found (LM Studio, Ollama),
 * as chain entries: each running server that offers at least one model, at
 * its OpenAI-compatible base (`<origin>/v1`; Ollama serves that too). Null
 * when detection has no answer (no local-LLM facts yet, or its probe failed):
 * the caller then probes by itself. Pure.
 */
export function localServersFromFacts(facts: Pick<Partial<Facts>, 'localLlm'> | undefined): LocalServer[] | null {
  const l = facts?.localLlm;
  if (!l || isProbeError(l)) return null;
  const out: LocalServer[] = [];
  for (const name of ['lmstudio', 'ollama'] as const) {
    const s = l[name];
    if (!s?.running || s.models.length === 0) continue;
    let origin: string;
    try {
      origin = new URL(s.url).origin;
    } catch {
      continue;
    }
    out.push({ name, baseUrl: `${origin}/v1`, models: [...s.models] });
  }
  return out;
}
