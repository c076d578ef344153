import { describe, it, expect } from 'vitest';
import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { parseConfig } from '../../../src/config/load.ts';
import { REPO_ROOT } from '../../helpers/test-context.ts';

const load = (doc: Record<string, unknown>) => parseConfig(doc, new Map([['providers', '/etc/nxs.yaml'], ['llm_providers', '/etc/nxs.yaml']]), '/tmp/home').providers;

describe('providers config', () => {
  it('no chain is valid (local and emergency only)', () => {
    expect(load({}).chain).toEqual([]);
  });

  it('reads the list form with every key', () => {
    const c = load({
      providers: [
        { name: 'groq', base_url: 'https://api.groq.com/openai/v1/', model: 'llama-3.3-70b', models: { fast: 'llama-3.1-8b' }, credential: { env: 'GROQ_KEY' }, timeouts: { connect_ms: 1000, first_byte_ms: 5000, total_ms: 20000 }, retries: 1, priority: 2, headers: { 'x-a': 'b' }, context_window: 8192 },
        { name: 'kimi', base_url: 'https://api.moonshot.cn/v1', model: 'moonshot-v1-8k', priority: 1 },
      ],
    });
    expect(c.chain.map((p) => p.name)).toEqual(['kimi', 'groq']);
    const groq = c.chain[1]!;
    expect(groq).toMatchObject({ baseUrl: 'https://api.groq.com/openai/v1', model: 'llama-3.3-70b', models: { fast: 'llama-3.1-8b' }, retries: 1, contextWindow: 8192, headers: { 'x-a': 'b' } });
    expect(groq.timeouts).toEqual({ connectMs: 1000, firstByteMs: 5000, totalMs: 20000 });
    expect(groq.credential.env).toBe('GROQ_KEY');
    expect(c.chain[0]!.credential.env).toBe('KIMI_API_KEY');
  });

  it('reads seed 000 §4.3 as written (providers.json form)', () => {
    const doc = { providers: { primary: { name: 'kimi', endpoint: 'https://api.moonshot.cn/v1', timeout: 30, retries: 3 }, fallbacks: [{ name: 'groq', endpoint: 'https://api.groq.com/openai/v1', timeout: 15, retries: 2 }, { name: 'together', endpoint: 'https://api.together.xyz/v1', timeout: 30, retries: 2 }], local: { name: 'lmstudio', endpoint: 'http://localhost:1234/v1', timeout: 60, enabled_if: 'gpu_available' } } };
    const c = load(doc);
    expect(c.chain.map((p) => p.name)).toEqual(['kimi', 'groq', 'together', 'lmstudio']);
    expect(c.chain[0]!.timeouts.totalMs).toBe(30_000);
    expect(c.chain[0]!.retries).toBe(3);
    expect(c.chain[3]).toMatchObject({ local: true, optional: true, enabledIf: 'gpu_available' });
  });

  it('reads seed 001 §3 as written (llm_providers)', () => {
    const yaml = `llm_providers:
  primary:
    name: "kimi"
    api_base: "https://api.moonshot.cn/v1"
    timeout: 30
    retries: 2
  fallbacks:
    - name: "groq"
      api_base: "https://api.groq.com/openai/v1"
      timeout: 20
      retries: 1
    - name: "local"
      api_base: "http://localhost:1234/v1"
      timeout: 60
      retries: 0
      optional: true  # Don't fail if not available
`;
    const c = load(parseYaml(yaml) as Record<string, unknown>);
    expect(c.chain.map((p) => [p.name, p.timeouts.totalMs, p.retries, p.optional])).toEqual([['kimi', 30000, 2, false], ['groq', 20000, 1, false], ['local', 60000, 0, true]]);
  });

  it('reads a providers_file in JSON', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'nxs-pc-'));
    const file = path.join(dir, 'providers.json');
    writeFileSync(file, JSON.stringify({ providers: { primary: { name: 'kimi', endpoint: 'https://api.moonshot.cn/v1' } } }));
    expect(load({ providers_file: file }).chain[0]!.name).toBe('kimi');
  });

  it('the shipped example loads', () => {
    const doc = parseYaml(readFileSync(path.join(REPO_ROOT, 'payload/providers.example.yaml'), 'utf8')) as Record<string, unknown>;
    const c = load(doc);
    expect(c.chain.length).toBeGreaterThanOrEqual(5);
  });

  it.each([
    ['an empty list', { providers: [] }, /\/etc\/nxs.yaml: providers must be a non-empty chain/],
    ['an empty seed mapping', { llm_providers: {} }, /llm_providers must be a non-empty chain/],
    ['a provider without base URL', { providers: [{ name: 'x' }] }, /providers\.0\.base_url must be the provider's OpenAI-compatible base URL/],
    ['a negative timeout (seconds)', { providers: [{ name: 'x', base_url: 'http://a/v1', timeout: -1 }] }, /providers\.0\.timeout must be a number/],
    ['a negative timeout (ms)', { providers: [{ name: 'x', base_url: 'http://a/v1', timeouts: { total_ms: -5 } }] }, /providers\.0\.timeouts\.total_ms must be an integer/],
    ['an unknown key', { providers: [{ name: 'x', base_url: 'http://a/v1', tiemout: 3 }] }, /providers\.0\.tiemout must be one of the known keys/],
    ['a bad URL', { providers: [{ name: 'x', base_url: 'ftp://a' }] }, /providers\.0\.base_url must be an http/],
    ['two names alike', { providers: [{ name: 'x', base_url: 'http://a/v1' }, { name: 'x', base_url: 'http://b/v1' }] }, /providers\.1\.name must be a name not used/],
    ['both spellings', { providers: [{ name: 'x', base_url: 'http://a/v1' }], llm_providers: { primary: { name: 'y', api_base: 'http://b/v1' } } }, /llm_providers must be absent when providers is set/],
    ['a bad stream-cut mode', { llm_client: { on_stream_cut: 'maybe' } }, /llm_client\.on_stream_cut must be one of continue, incomplete/],
    ['a bad continuation', { providers: [{ name: 'x', base_url: 'http://a/v1', continuation: 'yes' }] }, /providers\.0\.continuation must be one of none, assistant-prefix/],
    ['a group naming no provider of the chain', { providers: [{ name: 'x', base_url: 'http://a/v1' }], llm_client: { model_groups: { fast: ['y'] } } }, /llm_client\.model_groups\.fast\.0\.provider must be the name of a provider in the chain \(x, lmstudio, ollama\); got "y"/],
    ['an empty group', { providers: [{ name: 'x', base_url: 'http://a/v1' }], llm_client: { model_groups: { fast: [] } } }, /llm_client\.model_groups\.fast must be a non-empty list/],
    ['a group called auto', { providers: [{ name: 'x', base_url: 'http://a/v1' }], llm_client: { model_groups: { auto: ['x'] } } }, /llm_client\.model_groups\.auto must be a name other than auto/],
    ['a CORS origin with a path', { llm_client: { cors_origins: ['https://app.example/x'] } }, /llm_client\.cors_origins\.0 must be an origin such as https:\/\/app\.example\.com/],
  ])('refuses %s, naming the key', (_n, doc, re) => {
    expect(() => load(doc)).toThrow(re);
  });

  it('reads model groups, CORS origins and a provider\'s continuation; defaults: none of them, a 15 s budget', () => {
    const c = load({
      providers: [{ name: 'x', base_url: 'http://a/v1', continuation: 'assistant-prefix' }, { name: 'y', base_url: 'http://b/v1' }],
      llm_client: { model_groups: { fast: ['y', { provider: 'x', model: 'x-fast' }] }, cors_origins: ['https://app.example', '*'] },
    });
    expect(c.chain.map((p) => p.continuation)).toEqual(['assistant-prefix', 'none']);
    expect(c.client.modelGroups).toEqual({ fast: [{ provider: 'y', model: undefined }, { provider: 'x', model: 'x-fast' }] });
    expect(c.client.corsOrigins).toEqual(['https://app.example', '*']);
    expect(load({}).client).toMatchObject({ modelGroups: {}, corsOrigins: [], latencyBudgetMs: 15_000 });
  });
});
