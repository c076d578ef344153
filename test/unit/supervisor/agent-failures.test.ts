import { describe, it, expect } from 'vitest';
import { rmSync } from 'node:fs';
import { FakeClock } from '../../helpers/fake-clock.ts';
import { supervisorHost, agentModules, json, running } from './helpers.ts';
import type { TestHost } from '../../helpers/test-host.ts';

const policy = { supervisor: { heartbeat_ms: 10_000, restart: { base_ms: 1000, max_ms: 60_000, jitter: 0.2, crash_loop_max: 3, crash_loop_window_ms: 600_000 } } };
/** The policy with the test's module folder as the agents folder (agent code loads only from there). */
const policyIn = (agentsDir: string) => ({ supervisor: { ...policy.supervisor, agents_dir: agentsDir } });

async function spawn(host: TestHost, body: unknown): Promise<number> {
  const res = await host.api('/api/agents', { method: 'POST', json: body });
  expect(res.status).toBe(200);
  return (await json(res)).agent_id;
}

describe('agents that fail', () => {
  it('an agent that throws is restarted with backoff, then parked as a crash loop that survives a host restart', async () => {
    using mods = agentModules();
    const crash = mods.write('crash', "export function start() { throw new Error('boom at start'); }\n");
    const clock = new FakeClock();
    const host = await supervisorHost({ clock, config: policyIn(mods.dir) });
    let home = host.home;
    try {
      const alerts: unknown[] = [];
      host.ctx.events.on('alert', (a) => alerts.push(a));
      const crashed1 = host.ctx.events.once('agent.crashed');
      const restarting1 = host.ctx.events.once('agent.restarting');
      const id = await spawn(host, { name: 'crasher', settings: { module: crash } });
      expect(await crashed1).toMatchObject({ agentId: String(id), kind: 'crash' });
      expect((await crashed1).detail).toMatch(/boom at start/);
      expect(await restarting1).toMatchObject({ delayMs: 1000, attempt: 1 });
      expect((await json(await host.api(`/api/agents/${id}`))).state).toBe('restarting');

      const crashed2 = host.ctx.events.once('agent.crashed');
      const restarting2 = host.ctx.events.once('agent.restarting');
      await clock.advance(999);
      expect((await json(await host.api(`/api/agents/${id}`))).restarts).toBe(0);
      await clock.advance(1);
      await crashed2;
      expect(await restarting2).toMatchObject({ delayMs: 2000, attempt: 2 });

      const loop = host.ctx.events.once('agent.crash_loop');
      await clock.advance(2000);
      expect(await loop).toMatchObject({ agentId: String(id), failures: 3 });
      const info = await json(await host.api(`/api/agents/${id}`));
      expect(info).toMatchObject({ state: 'parked', restarts: 2 });
      expect(alerts).toEqual([expect.objectContaining({ source: 'supervisor', code: 'NXS_ERR_AGENT_PARKED', severity: 'critical' })]);
      // Parked means asleep: no restart timer, no heartbeat.
      expect(clock.pending).toBe(0);
      const task = await host.api(`/api/agents/${id}/tasks`, { method: 'POST', json: { input: 1 } });
      expect(task.status).toBe(409);

      await host.stop('restart test');
      const again = await supervisorHost({ clock, config: policyIn(mods.dir), env: { NXS_HOME: home } });
      try {
        expect((await json(await again.api(`/api/agents/${id}`))).state).toBe('parked');
        expect(clock.pending).toBe(0);
      } finally {
        await again.stop('done');
        rmSync(again.home, { recursive: true, force: true });
      }
    } finally {
      await host.stop('done');
      rmSync(home, { recursive: true, force: true });
    }
  });

  it('an agent that stops answering its heartbeat is stopped and restarted', async () => {
    using mods = agentModules();
    const hang = mods.write('hang', 'export function start() { setImmediate(() => { for (;;) {} }); }\n');
    const clock = new FakeClock();
    await using host = await supervisorHost({ clock, config: policyIn(mods.dir) });
    const started = host.ctx.events.once('agent.started');
    const id = await spawn(host, { name: 'hanger', settings: { module: hang } });
    await started;
    const crashed = host.ctx.events.once('agent.crashed');
    await clock.advance(10_000); // ping sent; the thread is stuck, so no pong
    await clock.advance(10_000); // the next beat finds it unanswered
    expect(await crashed).toMatchObject({ agentId: String(id), kind: 'hung' });
    expect((await json(await host.api(`/api/agents/${id}`))).state).toBe('restarting');
  });

  it('an agent that blows its memory budget is stopped and restarted', async () => {
    using mods = agentModules();
    const leak = mods.write('leak', 'const keep = [];\nexport function start() { for (;;) keep.push(new Array(100000).fill(Math.random())); }\n');
    const clock = new FakeClock();
    await using host = await supervisorHost({ clock, config: policyIn(mods.dir) });
    const crashed = host.ctx.events.once('agent.crashed');
    const id = await spawn(host, { name: 'leaker', settings: { module: leak } });
    expect(await crashed).toMatchObject({ agentId: String(id), kind: 'oom' });
    const started = host.ctx.events.once('agent.crashed');
    await clock.advance(1000);
    await started;
    expect((await json(await host.api(`/api/agents/${id}`))).restarts).toBe(1);
  });

  it('a healthy agent answers tasks and heartbeats, and reports its heap', async () => {
    const clock = new FakeClock();
    await using host = await supervisorHost({ clock, config: policy });
    const started = host.ctx.events.once('agent.started');
    const id = await spawn(host, { name: 'echo' });
    await started;
    const res = await json(await host.api(`/api/agents/${id}/tasks`, { method: 'POST', json: { input: { hello: 'world' } } }));
    expect(res).toEqual({ success: true, result: { hello: 'world' } });
    // One timer per agent while idle: its heartbeat.
    expect(clock.pending).toBe(1);
    await clock.advance(10_000);
    // The worker answers in order: the pong to the ping comes before this task's result.
    await host.api(`/api/agents/${id}/tasks`, { method: 'POST', json: { input: 2 } });
    expect((await json(await host.api(`/api/agents/${id}`))).memory.heap_used_bytes).toBeGreaterThan(0);
    await clock.advance(10_000);
    expect((await json(await host.api(`/api/agents/${id}`))).state).toBe('running');
  });

  it("an agent's own requests are checked against its capabilities", async () => {
    using mods = agentModules();
    const killer = mods.write('killer', 'export async function handle(input, api) { return api.request("kill", { agent_id: input.target }); }\n');
    await using host = await supervisorHost({ config: policyIn(mods.dir) });
    const victim = await spawn(host, { name: 'echo' });
    const weak = await spawn(host, { name: 'weak', settings: { module: killer } });
    await running(host, victim);
    await running(host, weak);
    const res = await host.api(`/api/agents/${weak}/tasks`, { method: 'POST', json: { input: { target: victim } } });
    expect(res.status).toBe(502);
    expect((await json(res)).error).toMatch(/Insufficient capabilities: KILL_AGENT required/);
    expect((await host.api(`/api/agents/${victim}`)).status).toBe(200);
    const audit = await json(await host.api(`/api/audit/${victim}`));
    expect(audit.entries.at(-1)).toMatchObject({ operation_type: 'denied:agent.kill', principal: `agent:${weak}`, allowed: false });

    const strong = await spawn(host, { name: 'strong', capabilities: ['KILL_AGENT'], settings: { module: killer } });
    await running(host, strong);
    const ok = await json(await host.api(`/api/agents/${strong}/tasks`, { method: 'POST', json: { input: { target: victim } } }));
    expect(ok.result.success).toBe(true);
    expect((await host.api(`/api/agents/${victim}`)).status).toBe(404);
  });
});
