import { describe, it, expect } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { startFakeProvider } from '../../helpers/fake-provider.ts';
import { startTestHost } from '../../helpers/test-host.ts';
import { REPO_ROOT } from '../../helpers/test-context.ts';
import { providersStep } from '../../../src/providers/boot-step.ts';
import { hostRoutesStep } from '../../../src/boot/host-routes.ts';
import { SUPERVISOR_STEP } from '../../../src/supervisor/step.ts';
import { runCli } from '../../../src/cli/program.ts';
import { until } from './client-helpers.ts';

const cliFor = (env: Record<string, string>, out: string[]) => ({
  version: 't', env, paths: { runtimeDir: REPO_ROOT, payloadDir: path.join(REPO_ROOT, 'payload'), identityDir: '', sqliteBinding: undefined, packed: false },
  stdout: (t: string) => out.push(t), stderr: (t: string) => out.push(t), setExitCode: () => undefined, isTTY: false,
});

describe('nxs providers', () => {
  it('ls and test through the running host', async () => {
    await using a = await startFakeProvider({ name: 'a' });
    await using h = await startTestHost({ config: { providers: [{ name: 'a', base_url: a.url, model: 'm', api_key: 'sk-config-key-1' }], llm_client: { local_probe: [] } }, steps: [providersStep] });
    const out: string[] = [];
    expect(await runCli(['providers', 'ls', '--json'], cliFor({ NXS_HOME: h.home }, out))).toBe(0);
    expect(JSON.parse(out.join(''))).toMatchObject({ mode: 'normal', providers: [{ name: 'a', state: 'closed', available: 'usable' }] });
    out.length = 0;
    expect(await runCli(['providers', 'test', '--json'], cliFor({ NXS_HOME: h.home }, out))).toBe(0);
    expect(JSON.parse(out.join(''))).toMatchObject({ results: [{ name: 'a', ok: true }] });
    expect(a.requests.at(-1)!.body.max_tokens).toBe(1);
  });

  it('ls and test from the config alone when no host runs (exit 10 when a provider fails)', async () => {
    await using a = await startFakeProvider({ name: 'a' });
    await using b = await startFakeProvider({ name: 'b', fallback: { kind: 'status', status: 500 } });
    const home = mkdtempSync(path.join(tmpdir(), 'nxs-cli-'));
    writeFileSync(path.join(home, 'nxs.yaml'), stringify({ providers: [{ name: 'a', base_url: a.url, model: 'm' }, { name: 'b', base_url: b.url, model: 'm', retries: 0 }] }));
    const out: string[] = [];
    expect(await runCli(['providers', 'ls'], cliFor({ NXS_HOME: home, A_API_KEY: 'sk-env-key-22' }, out))).toBe(0);
    expect(out.join('')).toMatch(/no host running/);
    expect(out.join('')).toMatch(/a\s+http:\/\/127\.0\.0\.1:\d+\/v1\s+m\s+unknown\s+env/);
    out.length = 0;
    expect(await runCli(['providers', 'test', '--json'], cliFor({ NXS_HOME: home }, out))).toBe(10);
    expect(JSON.parse(out[0]!)).toMatchObject({ results: [{ name: 'a', ok: true }, { name: 'b', ok: false }] });
  });
});

describe('door tokens and usage from the CLI', () => {
  it('nxs token create --models --rpm --tpm --daily-tokens makes a bounded token; nxs providers usage shows what it used', async () => {
    await using a = await startFakeProvider({ name: 'a', models: ['m'] });
    await using h = await startTestHost({ config: { providers: [{ name: 'a', base_url: a.url, model: 'm', credential: { none: true } }], llm_client: { local_probe: [] } }, steps: [hostRoutesStep, providersStep, SUPERVISOR_STEP] });
    const out: string[] = [];
    const env = { NXS_HOME: h.home };
    expect(await runCli(['token', 'create', '--cap', 'ALLOC_MEMORY', '--models', 'm,auto', '--rpm', '60', '--tpm', '40000', '--daily-tokens', '1000000', '--json'], cliFor(env, out))).toBe(0);
    const made = JSON.parse(out.join('')) as { token: string; token_id: string; models: string[]; limits: Record<string, number> };
    expect(made).toMatchObject({ models: ['m', 'auto'], limits: { requests_per_minute: 60, tokens_per_minute: 40_000, daily_tokens: 1_000_000 } });
    out.length = 0;
    expect(await runCli(['token', 'ls'], cliFor(env, out))).toBe(0);
    expect(out.join('')).toMatch(new RegExp(`${made.token_id}.*m,auto\\s+60\\s+40000\\s+1000000`));
    out.length = 0;
    expect(await runCli(['token', 'create', '--cap', 'ALLOC_MEMORY', '--rpm', '0'], cliFor(env, out))).not.toBe(0);
    expect(out.join('')).toMatch(/--rpm must be a positive integer/);

    const r = await h.api('/v1/chat/completions', { method: 'POST', token: made.token, json: { model: 'm', messages: [{ role: 'user', content: 'hi' }] } });
    expect(r.status).toBe(200);
    out.length = 0;
    expect(await runCli(['providers', 'usage', '--json', '--days', '2'], cliFor(env, out))).toBe(0);
    expect(JSON.parse(out.join(''))).toMatchObject({ days: 2, rows: [{ principal: `token:${made.token_id}`, provider: 'a', requests: 1, prompt_tokens: 3, completion_tokens: 3 }], totals: { requests: 1 } });
    out.length = 0;
    expect(await runCli(['providers', 'usage'], cliFor(env, out))).toBe(0);
    expect(out.join('')).toMatch(new RegExp(`token:${made.token_id}\\s+a\\s+1\\s+3\\s+3`));
  });
});

describe('local providers', () => {
  it('a local server found at boot is appended (first when nothing remote is configured); readiness does not wait', async () => {
    await using lm = await startFakeProvider({ name: 'lmstudio', models: ['qwen2.5-7b'] });
    await using h = await startTestHost({ config: { llm_client: { local_probe: [{ name: 'lmstudio', base_url: lm.url }, { name: 'ollama', base_url: 'http://127.0.0.1:9/v1' }] } }, steps: [providersStep] });
    await until(() => h.parts.llm!.chain.length === 1);
    expect(h.parts.llm!.chain[0]).toMatchObject({ name: 'lmstudio', model: 'qwen2.5-7b', local: true });
    const r = await h.api('/v1/chat/completions', { method: 'POST', json: { messages: [{ role: 'user', content: 'hi' }] } });
    expect(r.status).toBe(200);
    expect(r.headers.get('x-nxs-provider')).toBe('lmstudio');
    expect(lm.requests[0]!.headers.authorization).toBeUndefined();
  });
});
