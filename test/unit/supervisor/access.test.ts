import { describe, it, expect } from 'vitest';
import path from 'node:path';
import { runCli } from '../../../src/cli/program.ts';
import type { CliContext } from '../../../src/cli/cli-context.ts';
import { REPO_ROOT } from '../../helpers/test-context.ts';
import type { TestHost } from '../../helpers/test-host.ts';
import { supervisorHost, json } from './helpers.ts';

async function cli(host: TestHost, ...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const ctx: CliContext = {
    version: 'test',
    env: { NXS_HOME: host.home },
    paths: { runtimeDir: REPO_ROOT, payloadDir: path.join(REPO_ROOT, 'payload'), identityDir: path.join(REPO_ROOT, 'identity'), sqliteBinding: undefined, packed: false },
    stdout: (t) => (out += t),
    stderr: (t) => (err += t),
    setExitCode: () => {},
    isTTY: false,
  };
  const code = await runCli(argv, ctx);
  return { code, out, err };
}

describe('API access', () => {
  it('no token or a wrong one is 401; malformed JSON is 400; unknown agents and devices are 404', async () => {
    await using host = await supervisorHost();
    expect((await host.api('/api/agents', { token: null })).status).toBe(401);
    expect((await host.api('/api/agents', { token: 'nxs_0000_wrong' })).status).toBe(401);
    expect((await host.api('/api/agents', { method: 'DELETE', token: 'nope-nope' })).status).toBe(405);
    const bad = await host.api('/api/agents', { method: 'POST', body: '{"name": ', headers: { 'content-type': 'application/json' } });
    expect(bad.status).toBe(400);
    expect((await json(bad)).error).toMatch(/not valid JSON/);
    expect((await host.api('/api/agents', { method: 'POST', json: { name: '../evil' } })).status).toBe(400);
    expect((await host.api('/api/agents', { method: 'POST', json: { name: 'x', capabilities: ['ROOT'] } })).status).toBe(400);
    expect((await host.api('/api/agents', { method: 'POST', json: [1] })).status).toBe(400);
    for (const p of ['/api/agents/42', '/api/agents/abc', '/api/ipc/inbox/42', '/api/gpu/status/3']) {
      const res = await host.api(p);
      expect(res.status, p).toBe(404);
      expect((await json(res)).success).toBe(false);
    }
    expect((await host.api('/api/agents/42', { method: 'DELETE' })).status).toBe(404);
    expect((await host.api('/api/agents/42/migrate', { method: 'POST', json: { target_cpu: 0 } })).status).toBe(404);
  });

  it('a read-only token cannot kill; a token bound to an agent acts as that agent; a revoked token is 401', async () => {
    await using host = await supervisorHost();
    const a = (await json(await host.api('/api/agents', { method: 'POST', json: { name: 'echo', capabilities: ['ACCESS_GPU'] } }))).agent_id;
    const b = (await json(await host.api('/api/agents', { method: 'POST', json: { name: 'echo' } }))).agent_id;
    const bound = await json(await host.api('/api/tokens', { method: 'POST', json: { capabilities: ['ACCESS_GPU', 'KILL_AGENT'], agent_id: a } }));
    // Agent a holds ACCESS_GPU but not KILL_AGENT: the token gets only the overlap.
    const kill = await host.api(`/api/agents/${b}`, { method: 'DELETE', token: bound.token });
    expect(kill.status).toBe(403);
    expect(await json(kill)).toMatchObject({ success: false, error: 'Insufficient capabilities: KILL_AGENT required' });
    expect((await host.api('/api/gpu/claim', { method: 'POST', token: bound.token, json: { agent_id: a, device_id: 0 } })).status).toBe(200);
    const other = await host.api('/api/ipc/send', { method: 'POST', token: bound.token, json: { from: b, to: a, message: { data: 'x', type: 'text' } } });
    expect(other.status).toBe(403);
    expect((await host.api(`/api/ipc/send`, { method: 'POST', token: bound.token, json: { from: a, to: b, message: { data: 'hi', type: 'text' } } })).status).toBe(200);
    expect((await host.api(`/api/ipc/inbox/${b}`, { token: bound.token })).status).toBe(403);
    // A spawn cannot grant what the caller does not hold.
    const spawner = await json(await host.api('/api/tokens', { method: 'POST', json: { capabilities: ['SPAWN_AGENT'] } }));
    const esc = await host.api('/api/agents', { method: 'POST', token: spawner.token, json: { name: 'c', capabilities: ['ADMIN'] } });
    expect(esc.status).toBe(403);
    expect((await json(esc)).error).toBe('Insufficient capabilities: ADMIN required');
    expect((await host.api('/api/tokens', { token: spawner.token })).status).toBe(403);
    expect((await host.api(`/api/tokens/${spawner.token_id}`, { method: 'DELETE' })).status).toBe(200);
    expect((await host.api('/api/agents', { token: spawner.token })).status).toBe(401);
    expect((await host.api('/api/tokens/ffffffffffff', { method: 'DELETE' })).status).toBe(404);
    const list = await json(await host.api('/api/tokens'));
    expect(JSON.stringify(list)).not.toContain(bound.token);
    expect(host.logLines.join('\n')).not.toContain(bound.token);
    expect(JSON.stringify(host.ctx.db.prepare('SELECT * FROM api_tokens').all())).not.toContain(bound.token);
  });

  it('the CLI: agents, token and boot log', async () => {
    await using host = await supervisorHost();
    const spawned = await cli(host, 'agents', 'spawn', 'echo', '--cap', 'ACCESS_GPU', '--json');
    expect(spawned.code).toBe(0);
    const id = JSON.parse(spawned.out).agent_id as number;
    const ls = await cli(host, 'agents', 'ls');
    expect(ls.out).toMatch(/^ID\s+NAME\s+STATE\s+RUNTIME\s+RESTARTS/);
    expect(ls.out).toMatch(new RegExp(`^${id}\\s+echo\\s+\\w+\\s+worker\\s+0\\s+`, 'm'));
    expect((await cli(host, 'agents', 'migrate', String(id), '0')).out).toBe(`agent ${id} now on CPU 0\n`);
    expect((await cli(host, 'agents', 'show', String(id), '--json')).out).toContain('"cpu_id": 0');
    const made = await cli(host, 'token', 'create', '--cap', 'SPAWN_AGENT', '--name', 'ro');
    expect(made.code).toBe(0);
    const token = made.out.trim();
    expect(token).toMatch(/^nxs_[0-9a-f]{12}_/);
    const res = await host.api(`/api/agents/${id}`, { method: 'DELETE', token });
    expect(res.status).toBe(403);
    const tokens = await cli(host, 'token', 'ls');
    expect(tokens.out).toMatch(/\bro\s+SPAWN_AGENT\b/);
    expect(tokens.out).not.toContain(token);
    expect((await cli(host, 'token', 'create', '--cap', 'ROOT')).code).toBe(2);
    const tokenId = token.slice(4, 16);
    expect((await cli(host, 'token', 'revoke', tokenId)).code).toBe(0);
    expect((await cli(host, 'token', 'revoke', 'ffffffffffff')).code).toBe(6);
    expect((await cli(host, 'agents', 'kill', String(id))).code).toBe(0);
    expect((await cli(host, 'agents', 'kill', String(id))).code).toBe(6);
    const audit = await cli(host, 'agents', 'audit', String(id));
    expect(audit.out).toMatch(/agent\.spawn[\s\S]*DENIED[\s\S]*agent\.kill/);
    const boots = await cli(host, 'boot', 'log', '--list', '--json');
    const bootId = JSON.parse(boots.out).boots[0].boot_id;
    expect(bootId).toBe(host.ctx.bootLog.bootId);
    const log = await cli(host, 'boot', 'log', '--boot', bootId);
    expect(log.out).toMatch(/^\[\d{4}-[^\]]+\] nxs test starting/m);
    expect((await cli(host, 'boot', 'log', '--boot', 'boot_1_x')).code).toBe(6);
  });
});
