import { chmodSync, chownSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it, expect } from 'vitest';
import { AgentProcess, type ExitKind } from '../../src/supervisor/agent-process.ts';
import { agentWorkerFile } from '../../src/supervisor/supervisor.ts';
import { FakeClock } from '../helpers/fake-clock.ts';
import { REPO_ROOT } from '../helpers/test-context.ts';
import { NOBODY, backdoors, makeToken, moduleHost, scratch, writeEvilModule } from './agent-module-fixture.ts';

// Issue 14, item 4, second half: even ADMIN loads agent code only from the operator's agents
// folder (supervisor.agents_dir), and only while nobody but the host's user (or root) can have
// changed it: no component a symlink, none owned by another user, none writable by group/others.

const BENIGN = 'export function handle(input, api) { return { echoed: input, name: api.name }; }\n';

/** A safe agents folder (0755, the host user's) inside a scratch tree; `arrange` then makes it unsafe. */
interface Case {
  name: string;
  /** Returns the agents_dir to configure and the module to name (relative to it, or absolute). */
  arrange(root: string, agents: string, evil: string): { agentsDir: string; module: string };
  reason: RegExp;
}

const CASES: Case[] = [
  { name: 'the folder is owned by nobody', arrange: (_r, agents) => (chownSync(agents, NOBODY, NOBODY), { agentsDir: agents, module: 'evil.mjs' }), reason: /agents is owned by uid 65534, not by the host's user/ },
  { name: 'the folder is group-writable', arrange: (_r, agents) => (chmodSync(agents, 0o775), { agentsDir: agents, module: 'evil.mjs' }), reason: /agents is writable by its group \(mode 0775\)/ },
  { name: 'the folder is writable by others, even with the sticky bit', arrange: (_r, agents) => (chmodSync(agents, 0o1757), { agentsDir: agents, module: 'evil.mjs' }), reason: /agents is writable by others \(mode 1757\)/ },
  { name: 'the module file is owned by nobody', arrange: (_r, agents, evil) => (chownSync(evil, NOBODY, NOBODY), { agentsDir: agents, module: 'evil.mjs' }), reason: /evil\.mjs is owned by uid 65534/ },
  { name: 'the module file is group-writable', arrange: (_r, agents, evil) => (chmodSync(evil, 0o664), { agentsDir: agents, module: 'evil.mjs' }), reason: /evil\.mjs is writable by its group/ },
  {
    name: 'a folder above it lets others rename it away (0777, no sticky bit)',
    arrange: (root, agents) => (chmodSync(root, 0o777), { agentsDir: agents, module: 'evil.mjs' }),
    reason: /nxs-agent-module-\w+ is writable by its group and others \(mode 0777\)/,
  },
  {
    name: 'the configured folder is reached through a symlink',
    arrange: (root, agents) => (symlinkSync(agents, path.join(root, 'link')), { agentsDir: path.join(root, 'link'), module: 'evil.mjs' }),
    reason: /link is a symbolic link/,
  },
  {
    name: 'the module is a symlink inside the folder',
    arrange: (root, agents) => {
      const outside = path.join(root, 'outside.mjs');
      writeFileSync(outside, BENIGN, { mode: 0o644 });
      symlinkSync(outside, path.join(agents, 'innocent.mjs'));
      return { agentsDir: agents, module: 'innocent.mjs' };
    },
    reason: /innocent\.mjs is a symbolic link/,
  },
  {
    name: 'a subfolder is a symlink to somewhere else',
    arrange: (root, agents) => {
      mkdirSync(path.join(root, 'elsewhere'), { mode: 0o755 });
      writeFileSync(path.join(root, 'elsewhere', 'evil.mjs'), BENIGN, { mode: 0o644 });
      symlinkSync(path.join(root, 'elsewhere'), path.join(agents, 'sub'));
      return { agentsDir: agents, module: 'sub/evil.mjs' };
    },
    reason: /agents\/sub is a symbolic link/,
  },
];

describe('an agents folder only the host user can change', () => {
  it.each(CASES)('ADMIN is refused when $name: 400 NXS_ERR_AGENT_MODULE_REFUSED, nothing loads', async ({ arrange, reason }) => {
    using t = scratch();
    const agents = path.join(t.root, 'agents');
    mkdirSync(agents, { mode: 0o755 });
    const evil = writeEvilModule(path.join(agents, 'evil.mjs'), t);
    const { agentsDir, module } = arrange(t.root, agents, evil);
    await using host = await moduleHost(agentsDir);
    t.aim(host);
    const admin = await makeToken(host, ['ADMIN']);
    const res = await host.api('/api/agents', { method: 'POST', token: admin.token, json: { name: 'x', settings: { module } } });
    expect(res.status).toBe(400);
    expect(res.headers.get('x-nxs-error-code')).toBe('NXS_ERR_AGENT_MODULE_REFUSED');
    expect(((await res.json()) as { error: string }).error).toMatch(reason);
    expect(host.sup.list()).toEqual([]);
    expect(host.sup.workerCount()).toBe(0);
    expect(t.loaded()).toBe(false);
    expect(await backdoors(host)).toBe(0);
    expect(host.sup.audit.list('host').at(-1)).toMatchObject({ operation_type: 'denied:agent.spawn.module', allowed: false, principal: `token:${admin.token_id}`, details: { name: 'x', module, reason: expect.stringMatching(reason) } });
  });

  it('a safe folder works: ADMIN names a module (relative to the folder), a SPAWN_AGENT token spawns a configured one by name; the audit records the module and the real principal', async () => {
    using t = scratch();
    const agents = path.join(t.root, 'agents');
    mkdirSync(path.join(agents, 'mail'), { recursive: true, mode: 0o755 });
    writeFileSync(path.join(agents, 'mail', 'mailer.mjs'), BENIGN, { mode: 0o644 });
    await using host = await moduleHost(agents, [{ name: 'mailer', module: 'mail/mailer.mjs' }]);
    const admin = await makeToken(host, ['ADMIN']);
    const spawner = await makeToken(host, ['SPAWN_AGENT']);

    const started = host.ctx.events.once('agent.started');
    const named = await host.api('/api/agents', { method: 'POST', token: admin.token, json: { name: 'custom', settings: { module: 'mail/mailer.mjs' } } });
    expect(named.status).toBe(200);
    const { agent_id: id, operation_id } = (await named.json()) as { agent_id: number; operation_id: number };
    await started;
    const task = await host.api(`/api/agents/${id}/tasks`, { method: 'POST', json: { input: 'hi' } });
    expect(await task.json()).toEqual({ success: true, result: { echoed: 'hi', name: 'custom' } });
    const entry = await (await host.api(`/api/audit/${id}?operation_id=${operation_id}`)).json();
    expect(entry).toMatchObject({ operation_type: 'agent.spawn', allowed: true, principal: `token:${admin.token_id}`, details: { name: 'custom', module: path.join(agents, 'mail', 'mailer.mjs') } });

    const byName = await host.api('/api/agents', { method: 'POST', token: spawner.token, json: { name: 'mailer' } });
    expect(byName.status).toBe(200);
    const configured = (await byName.json()) as { agent_id: number; operation_id: number };
    const entry2 = await (await host.api(`/api/audit/${configured.agent_id}?operation_id=${configured.operation_id}`)).json();
    expect(entry2).toMatchObject({ principal: `token:${spawner.token_id}`, details: { name: 'mailer', module: path.join(agents, 'mail', 'mailer.mjs') } });
  });

  it('the module is checked again at every launch: made group-writable after the spawn, a restart parks the agent with the reason and loads nothing', async () => {
    using t = scratch();
    const agents = path.join(t.root, 'agents');
    mkdirSync(agents, { mode: 0o755 });
    const file = path.join(agents, 'mailer.mjs');
    writeFileSync(file, BENIGN, { mode: 0o644 });
    await using host = await moduleHost(agents);
    const started = host.ctx.events.once('agent.started');
    const { agent_id: id } = (await (await host.api('/api/agents', { method: 'POST', json: { name: 'm', settings: { module: 'mailer.mjs' } } })).json()) as { agent_id: number };
    await started;

    // Someone in the file's group could now swap in the module.
    writeEvilModule(file, t, 0o664);
    t.aim(host);
    const alert = host.ctx.events.once('alert');
    const res = await host.api(`/api/agents/${id}/restart`, { method: 'POST' });
    expect(res.status).toBe(400);
    expect(res.headers.get('x-nxs-error-code')).toBe('NXS_ERR_AGENT_MODULE_REFUSED');
    expect(await alert).toMatchObject({ source: 'supervisor', code: 'NXS_ERR_AGENT_MODULE_REFUSED', severity: 'critical' });
    expect(host.sup.get(String(id))?.state).toBe('parked');
    expect(host.sup.workerCount()).toBe(0);
    expect(t.loaded()).toBe(false);
    expect(await backdoors(host)).toBe(0);
  });

  it("the worker checks the module itself right before import(): a file that turned unsafe after the host's check is not loaded", async () => {
    using t = scratch();
    const agents = path.join(t.root, 'agents');
    mkdirSync(agents, { mode: 0o755 });
    await using host = await moduleHost(agents);
    const file = writeEvilModule(path.join(agents, 'evil.mjs'), t, 0o664);
    t.aim(host);
    let exited: (v: [ExitKind, string]) => void = () => {};
    const exit = new Promise<[ExitKind, string]>((r) => (exited = r));
    // What WorkerThreads.launch hands the thread, as if the host's own check had just passed.
    const proc = new AgentProcess({
      workerFile: agentWorkerFile({ paths: { packed: false, runtimeDir: REPO_ROOT } } as never),
      data: { agentId: '1', instanceId: '1', name: 'raced', module: { file, agentsDir: agents }, settings: {} },
      memoryMb: 64,
      heartbeatMs: 60_000,
      clock: new FakeClock(),
      onRequest: () => Promise.reject(new Error('none')),
      onLog: () => {},
      onReady: () => {},
      onExit: (kind, detail) => exited([kind, detail]),
    });
    const [kind, detail] = await exit;
    expect(kind).toBe('crash');
    expect(detail).toMatch(/evil\.mjs is not loaded: .*evil\.mjs is writable by its group/);
    expect(t.loaded()).toBe(false);
    await proc.stop();
  });
});
