import { httpGet } from './http-get.ts';
import type { LocalLlmFacts, LocalLlmServer } from '../facts.ts';

export interface LocalLlmOptions {
  lmstudioUrl: string;
  ollamaUrl: string;
  timeoutMs: number;
}

export const DEFAULT_LOCAL_LLM = { lmstudioUrl: 'http://127.0.0.1:1234', ollamaUrl: 'http://127.0.0.1:11434' };

/** LM Studio (/v1/models, OpenAI-shaped) and Ollama (/api/tags), with the models each offers. */
export async function probeLocalLlm(opts: LocalLlmOptions): Promise<LocalLlmFacts> {
  const [lmstudio, ollama] = await Promise.all([
    ask(new URL('/v1/models', opts.lmstudioUrl).href, opts.timeoutMs, (j) => listOf(j, 'data', 'id')),
    ask(new URL('/api/tags', opts.ollamaUrl).href, opts.timeoutMs, (j) => listOf(j, 'models', 'name')),
  ]);
  return { lmstudio, ollama };
}

async function ask(url: string, timeoutMs: number, models: (json: unknown) => string[]): Promise<LocalLlmServer> {
  let answer;
  try {
    answer = await httpGet(url, timeoutMs);
  } catch (err) {
    // Nothing listening is the usual answer, not a failure of the probe.
    return { url, running: false, models: [], error: err instanceof Error ? err.message : String(err) };
  }
  if (answer.status !== 200) return { url, running: true, models: [], error: `answered HTTP ${answer.status}` };
  try {
    return { url, running: true, models: models(JSON.parse(answer.body)) };
  } catch (err) {
    return { url, running: true, models: [], error: `answered something that is not a model list: ${err instanceof Error ? err.message : String(err)}` };
  }
}

function listOf(json: unknown, key: string, field: string): string[] {
  const list = (json as Record<string, unknown> | null)?.[key];
  if (!Array.isArray(list)) throw new Error(`no "${key}" list`);
  return list.map((m) => (m as Record<string, unknown>)?.[field]).filter((v): v is string => typeof v === 'string');
}
