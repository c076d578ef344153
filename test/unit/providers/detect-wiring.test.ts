import { describe, it, expect } from 'vitest';
import { parseConfig } from '../../../src/config/load.ts';
import { conditionHolds, CONDITION_NAMES } from '../../../src/providers/enabled-if.ts';
import { localServersFromFacts } from '../../../src/providers/local-from-facts.ts';
import { findLocalServers } from '../../../src/providers/boot-step.ts';
import type { DetectHandle } from '../../../src/detect/handle.ts';
import type { Facts, LocalLlmFacts, NetworkFacts } from '../../../src/detect/facts.ts';
import { startFakeProvider } from '../../helpers/fake-provider.ts';
import { makeClient, msg } from './client-helpers.ts';

const load = (doc: Record<string, unknown>) => parseConfig(doc, new Map([['providers', '/etc/nxs.yaml']]), '/tmp/home').providers;
const gpu = (n: number): Partial<Facts> => ({ gpu: { source: n ? 'nvidia-smi' : 'none', devices: Array.from({ length: n }, () => ({ vendor: 'nvidia' as const, name: 'T4', memoryTotalMb: 16000, memoryFreeMb: 15000, driver: '550' })) } });
const net = (state: NetworkFacts['state']): NetworkFacts => ({ state, interfacesUp: ['lo'], defaultRoute: null, dns: [], proxies: {}, endpoints: [] });
const llm = (over: Partial<LocalLlmFacts> = {}): LocalLlmFacts => ({
  lmstudio: { url: 'http://127.0.0.1:1234/v1/models', running: false, models: [] },
  ollama: { url: 'http://127.0.0.1:11434/api/tags', running: false, models: [] },
  ...over,
});

describe('enabled_if against detection facts', () => {
  it.each([
    ['gpu_available', gpu(1), true],
    ['gpu_available', gpu(0), false],
    ['gpu_available', { gpu: { error: 'no access' } }, null],
    ['gpu_available', undefined, null],
    ['no_gpu', gpu(0), true],
    ['no_gpu', gpu(2), false],
    ['online', { network: net('online') }, true],
    ['online', { network: net('offline') }, false],
    ['online', {}, null],
    ['offline', { network: net('offline') }, true],
    ['offline', { network: net('unverified') }, false],
    ['local_llm_available', { localLlm: llm({ ollama: { url: 'http://127.0.0.1:11434/api/tags', running: true, models: ['qwen2.5:7b'] } }) }, true],
    ['local_llm_available', { localLlm: llm({ lmstudio: { url: 'http://127.0.0.1:1234/v1/models', running: true, models: [] } }) }, false],
    ['local_llm_available', { localLlm: { error: 'x' } }, null],
  ] as const)('%s on %j is %s', (name, facts, want) => {
    expect(conditionHolds(name, facts as Partial<Facts> | undefined)).toBe(want);
  });

  it('loads a known condition and refuses an unknown one, naming the key and the choices', () => {
    expect(load({ providers: [{ name: 'lm', base_url: 'http://127.0.0.1:1234/v1', enabled_if: 'gpu_available' }] }).chain[0]).toMatchObject({ enabledIf: 'gpu_available', optional: true });
    expect(() => load({ providers: [{ name: 'lm', base_url: 'http://127.0.0.1:1234/v1', enabled_if: 'has_gpu' }] })).toThrow(
      new RegExp(`providers\\.0\\.enabled_if must be one of the conditions .*${CONDITION_NAMES.join(', ')}`),
    );
  });

  it('a provider whose condition is false is left out; unknown facts keep it', async () => {
    await using a = await startFakeProvider({ name: 'a', fallback: { kind: 'ok', content: 'from gpu box' } });
    await using b = await startFakeProvider({ name: 'b', fallback: { kind: 'ok', content: 'from b' } });
    await using rig = await makeClient([
      { name: 'a', base_url: a.url, model: 'm', api_key: 'sk-a-secret-1', retries: 0, enabled_if: 'gpu_available' },
      { name: 'b', base_url: b.url, model: 'm', api_key: 'sk-b-secret-1', retries: 0 },
    ]);
    expect((await rig.client.chat(msg())).provider).toBe('a'); // no facts: unknown, kept
    let facts: Partial<Facts> = gpu(0);
    rig.client.useFacts(() => facts);
    expect((await rig.client.chat(msg('2'))).provider).toBe('b');
    expect(a.requests.length).toBe(1);
    expect(rig.client.views().find((v) => v.name === 'a')).toMatchObject({ enabled_if: 'gpu_available', enabled: false });
    facts = gpu(1);
    expect((await rig.client.stream(msg('3')).outcome).provider).toBe('a');
  });
});

describe('local servers from detection', () => {
  it.each([
    ['no facts yet', undefined, null],
    ['a failed probe', { localLlm: { error: 'boom' } }, null],
    ['nothing running', { localLlm: llm() }, []],
    ['ollama with models', { localLlm: llm({ ollama: { url: 'http://127.0.0.1:11434/api/tags', running: true, models: ['a', 'b'] } }) }, [{ name: 'ollama', baseUrl: 'http://127.0.0.1:11434/v1', models: ['a', 'b'] }]],
    ['lmstudio without a model', { localLlm: llm({ lmstudio: { url: 'http://127.0.0.1:1234/v1/models', running: true, models: [] } }) }, []],
  ] as const)('%s', (_n, facts, want) => {
    expect(localServersFromFacts(facts as Partial<Facts> | undefined)).toEqual(want);
  });

  const handle = (facts: Partial<Facts>): DetectHandle => ({ facts: () => facts as Facts, networkReady: Promise.resolve({ network: facts.network!, localLlm: facts.localLlm! }) }) as unknown as DetectHandle;

  it('adds the server detection found (no second probe), first when detection says offline', async () => {
    await using local = await startFakeProvider({ name: 'lm', models: ['qwen'], fallback: { kind: 'ok', content: 'local answer' } });
    await using remote = await startFakeProvider({ name: 'r' });
    await using rig = await makeClient([{ name: 'r', base_url: remote.url, model: 'm', api_key: 'sk-r-secret-1', retries: 0, local: false }], { local_probe: [{ name: 'ollama', base_url: 'http://127.0.0.1:9/v1' }] });
    const origin = new URL(local.url).origin;
    await findLocalServers(rig.ctx, handle({ network: net('offline'), localLlm: llm({ ollama: { url: `${origin}/api/tags`, running: true, models: ['qwen'] } }) }), rig.client);
    expect(rig.client.chain.map((p) => p.name)).toEqual(['ollama', 'r']);
    expect(local.requests.length).toBe(0); // taken from the facts, not probed again
    expect((await rig.client.chat(msg())).provider).toBe('ollama');
  });

  it('online, the local server goes last', async () => {
    await using remote = await startFakeProvider({ name: 'r' });
    await using rig = await makeClient([{ name: 'r', base_url: remote.url, model: 'm', api_key: 'sk-r-secret-1', retries: 0, local: false }], { local_probe: [{ name: 'ollama', base_url: 'http://127.0.0.1:9/v1' }] });
    await findLocalServers(rig.ctx, handle({ network: net('online'), localLlm: llm({ lmstudio: { url: 'http://127.0.0.1:1234/v1/models', running: true, models: ['m1'] } }) }), rig.client);
    expect(rig.client.chain.map((p) => p.name)).toEqual(['r', 'lmstudio']);
  });

  it('falls back to its own probe when detection has no answer', async () => {
    await using local = await startFakeProvider({ name: 'lm', models: ['q'] });
    await using remote = await startFakeProvider({ name: 'r' });
    await using rig = await makeClient([{ name: 'r', base_url: remote.url, model: 'm', api_key: 'sk-r-secret-1', retries: 0, local: false }], { local_probe: [{ name: 'mine', base_url: local.url }] });
    await findLocalServers(rig.ctx, handle({ network: { error: 'x' }, localLlm: { error: 'probe failed' } }), rig.client);
    expect(rig.client.chain.map((p) => p.name)).toEqual(['r', 'mine']);
  });
});
