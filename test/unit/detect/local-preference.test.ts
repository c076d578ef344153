import { describe, expect, it } from 'vitest';
import { localModelFirst } from '../../../src/detect/local-preference.ts';
import type { LocalLlmFacts, NetworkFacts } from '../../../src/detect/facts.ts';

const net = (state: NetworkFacts['state']): NetworkFacts => ({ state, interfacesUp: [], defaultRoute: null, dns: [], proxies: {}, endpoints: [] });
const llm = (ollama: string[], lmstudio: string[] | null): LocalLlmFacts => ({
  ollama: { url: 'http://127.0.0.1:11434/api/tags', running: true, models: ollama },
  lmstudio: lmstudio ? { url: 'http://127.0.0.1:1234/v1/models', running: true, models: lmstudio } : { url: 'http://127.0.0.1:1234/v1/models', running: false, models: [] },
});

describe('localModelFirst', () => {
  it.each([
    ['offline with ollama models', net('offline'), llm(['llama3.2:3b'], null), 'ollama'],
    ['offline, ollama empty, LM Studio has one', net('offline'), llm([], ['qwen']), 'lmstudio'],
    ['offline, nothing local', net('offline'), llm([], null), null],
    ['online keeps remote first', net('online'), llm(['llama3.2:3b'], ['qwen']), null],
    ['unverified keeps remote first', net('unverified'), llm(['llama3.2:3b'], null), null],
    ['network probe failed', { error: 'x' }, llm(['llama3.2:3b'], null), null],
  ] as const)('%s', (_n, network, localLlm, server) => {
    const c = localModelFirst({ network, localLlm });
    expect(c?.server ?? null).toBe(server);
    if (c) expect(c.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });
  it('answers null before the network probes finish', () => {
    expect(localModelFirst({})).toBeNull();
  });
});
