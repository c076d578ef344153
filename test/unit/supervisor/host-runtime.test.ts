import { describe, it, expect } from 'vitest';
import { AgentSupervisor } from '../../../src/supervisor/supervisor.ts';
import { GpuScheduler } from '../../../src/supervisor/gpu-scheduler.ts';
import { NxsError } from '../../../src/core/errors.ts';
import { FakeClock } from '../../helpers/fake-clock.ts';
import { makeTestContext, type TestContext } from '../../helpers/test-context.ts';
import { supervisorHost, json, running } from './helpers.ts';
import { codeOf } from '../../helpers/error-code.ts';

function supervisor(ctx: TestContext): AgentSupervisor {
  return new AgentSupervisor(ctx, { gpu: new GpuScheduler([{ id: 0, name: 'fake' }]), random: () => 0.5 });
}

describe('host agents (runtime host) in the supervisor', () => {
  it('are running at once with no worker thread and no timer, hold no tier slot, and refuse restart and tasks', async () => {
    const clock = new FakeClock();
    await using ctx = await makeTestContext({ clock, tier: 'minimal' });
    const sup = supervisor(ctx);
    try {
      const startedEvents: string[] = [];
      ctx.events.on('agent.started', (p) => startedEvents.push(p.agentId));
      const { agent_id: id, instance_id } = sup.spawn({ name: 'assistant', runtime: 'host', capabilities: ['ACCESS_FS'], settings: { role: 'assistant' } }, 'assistant');
      expect(sup.get(id)).toMatchObject({ state: 'running', runtime: 'host', instanceId: instance_id, capabilities: ['ACCESS_FS'], memoryBudgetMb: null, heapUsedBytes: null });
      expect(startedEvents).toEqual([id]);
      expect(sup.process(id)).toBeNull();
      expect(sup.workerCount()).toBe(0);
      expect(clock.pending).toBe(0); // no heartbeat: an idle host stays asleep
      expect(sup.settingsOf(id)).toEqual({ role: 'assistant', runtime: 'host' });
      expect([...sup.capabilitiesOf(id)]).toEqual(['ACCESS_FS']);

      // The minimal tier's 4 worker slots are all still free.
      const workers = [1, 2, 3, 4].map((n) => sup.spawn({ name: `w${n}` }, 'operator').agent_id);
      expect(codeOf(() => sup.spawn({ name: 'w5' }, 'operator'))).toBe('NXS_ERR_AGENT_LIMIT');
      expect(sup.workerCount()).toBe(4);

      expect(codeOf(() => sup.restart(id, 'operator asked'))).toBe('NXS_ERR_AGENT_IN_HOST');
      let taskErr: unknown;
      try {
        await sup.task(id, 'hi');
      } catch (err) {
        taskErr = err;
      }
      expect((taskErr as NxsError).code).toBe('NXS_ERR_AGENT_IN_HOST');
      expect((taskErr as NxsError).message).toMatch(/agent \d+ \(assistant\) runs inside the host process and takes no tasks/);
      expect(sup.get(id)?.state).toBe('running');

      sup.kill(id, 'operator');
      expect(sup.get(id)).toBeNull();
      expect(sup.audit.list(id).map((e) => [e.operation_type, e.details?.runtime ?? null])).toEqual([['agent.spawn', 'host'], ['agent.kill', null]]);
      expect(sup.workerCount()).toBe(4);
      sup.kill(workers[0]!, 'operator');
    } finally {
      await sup.stopAll();
    }
  });

  it('after a host restart a host agent is running again with nothing launched; worker agents are relaunched', async () => {
    const clock = new FakeClock();
    await using ctx = await makeTestContext({ clock });
    const first = supervisor(ctx);
    const host = first.spawn({ name: 'assistant', runtime: 'host', settings: { role: 'assistant' } }, 'assistant');
    const worker = first.spawn({ name: 'echo' }, 'operator').agent_id;
    await first.stopAll();
    // A state no host agent should hold (written by hand) is repaired at boot.
    first.store.setState(Number(host.agent_id), 'parked', 'hand-edited');

    const second = supervisor(ctx);
    try {
      second.resume();
      expect(second.get(host.agent_id)).toMatchObject({ state: 'running', runtime: 'host', instanceId: host.instance_id });
      expect(second.process(host.agent_id)).toBeNull();
      expect(second.get(worker)).toMatchObject({ state: 'starting', runtime: 'worker' });
      expect(second.process(worker)).not.toBeNull();
      expect(second.workerCount()).toBe(1);
    } finally {
      await second.stopAll();
    }
    expect(clock.pending).toBe(0);
  });

  it('moveIntoHost stops a worker for good, forgets its failures and audits the move; a host agent is left as it is', async () => {
    const clock = new FakeClock();
    await using ctx = await makeTestContext({ clock });
    const sup = supervisor(ctx);
    try {
      const started = new Promise<void>((resolve) => ctx.events.on('agent.started', () => resolve()));
      const id = sup.spawn({ name: 'assistant', capabilities: ['ACCESS_GPU'], settings: { role: 'assistant' } }, 'assistant').agent_id;
      await started;
      expect(clock.pending).toBe(1); // the worker's heartbeat
      sup.gpu.claim(id, 0, 0, clock.now());
      sup.store.recordFailure(Number(id), clock.now(), 'crash: old', 0);
      sup.moveIntoHost(id, 'assistant');
      expect(sup.get(id)).toMatchObject({ state: 'running', runtime: 'host', memoryBudgetMb: null });
      expect(sup.process(id)).toBeNull();
      expect(clock.pending).toBe(0);
      expect(sup.settingsOf(id)).toEqual({ role: 'assistant', runtime: 'host' });
      expect(ctx.db.prepare('SELECT COUNT(*) AS n FROM agent_failures WHERE agent_id = ?').get(Number(id))).toEqual({ n: 0 });
      expect(sup.gpu.status(0).state).toBe('available');
      const moved = sup.audit.list(id).find((e) => e.operation_type === 'agent.runtime');
      expect(moved).toMatchObject({ principal: 'assistant', details: { from: 'worker', to: 'host' } });
      sup.moveIntoHost(id, 'assistant');
      expect(sup.audit.list(id).filter((e) => e.operation_type === 'agent.runtime')).toHaveLength(1);
    } finally {
      await sup.stopAll();
    }
  });
});

describe('host agents over HTTP', () => {
  it('list, show, snapshot, audit, status and kill show and treat the runtime; restart and tasks are 409', async () => {
    await using host = await supervisorHost();
    const sup = host.parts.supervisor as AgentSupervisor;
    const { agent_id: hid } = sup.spawn({ name: 'assistant', runtime: 'host', capabilities: ['ACCESS_FS'], settings: { role: 'assistant' } }, 'assistant');
    const { agent_id: wid } = await json(await host.api('/api/agents', { method: 'POST', json: { name: 'echo', runtime: 'worker' } }));
    await running(host, wid);

    const list = await json(await host.api('/api/agents'));
    expect(list.agents.map((a: any) => [a.name, a.runtime, a.state])).toEqual([['assistant', 'host', 'running'], ['echo', 'worker', 'running']]);
    const shown = await json(await host.api(`/api/agents/${hid}`));
    expect(shown).toMatchObject({ agent_id: Number(hid), runtime: 'host', state: 'running', cpu_id: null, restarts: 0, memory: { budget_mb: null, heap_used_bytes: null } });
    expect(await json(await host.api('/api/capabilities/snapshot'))).toEqual({ capabilities: { [hid]: ['ACCESS_FS'], [String(wid)]: ['SPAWN_AGENT', 'ALLOC_MEMORY'] } });
    const status = await json(await host.api('/api/status'));
    expect(status.agents).toMatchObject({ total: 2, running: 2, in_host: 1, worker_threads: 1 });

    const restart = await host.api(`/api/agents/${hid}/restart`, { method: 'POST' });
    expect(restart.status).toBe(409);
    expect(restart.headers.get('x-nxs-error-code')).toBe('NXS_ERR_AGENT_IN_HOST');
    expect((await json(restart)).error).toMatch(/runs inside the host process and has no worker to restart/);
    const task = await host.api(`/api/agents/${hid}/tasks`, { method: 'POST', json: { input: 1 } });
    expect(task.status).toBe(409);
    expect((await host.api(`/api/agents/${hid}/migrate`, { method: 'POST', json: { target_cpu: 0 } })).status).toBe(200);
    // A message for it waits in its inbox: there is no thread to hand it to.
    const sent = await host.api('/api/ipc/send', { method: 'POST', json: { from: wid, to: Number(hid), message: { intent: 'note', data: 'hi', type: 'text' } } });
    expect(sent.status).toBe(200);
    expect((await json(await host.api(`/api/ipc/inbox/${hid}`))).messages).toMatchObject([{ data: 'hi', delivered: false }]);

    const killed = await host.api(`/api/agents/${hid}`, { method: 'DELETE' });
    expect(killed.status).toBe(200);
    const audit = await json(await host.api(`/api/audit/${hid}`));
    expect(audit.entries.map((e: any) => e.operation_type)).toEqual(['agent.spawn', 'agent.migrate', 'agent.kill']);
    expect((await host.api(`/api/agents/${hid}`)).status).toBe(404);
  });

  it.each([
    ['runtime "host"', { name: 'sneaky', runtime: 'host' }, /runtime "host" is only for nxs's own built-in agents/],
    ['an unknown runtime', { name: 'sneaky', runtime: 'thread' }, /runtime must be "worker" \(the only runtime the API spawns\); got "thread"/],
    ['settings.runtime', { name: 'sneaky', settings: { runtime: 'host' } }, /settings.runtime is reserved/],
  ])('the API refuses %s with 400 NXS_ERR_AGENT_INVALID and makes no agent', async (_n, body, message) => {
    await using host = await supervisorHost();
    const res = await host.api('/api/agents', { method: 'POST', json: body });
    expect(res.status).toBe(400);
    expect(res.headers.get('x-nxs-error-code')).toBe('NXS_ERR_AGENT_INVALID');
    expect((await json(res)).error).toMatch(message);
    expect((await json(await host.api('/api/agents'))).agents).toEqual([]);
  });

  it("an agent's own spawn request cannot make a host agent either", async () => {
    await using host = await supervisorHost();
    const { agent_id: id } = await json(await host.api('/api/agents', { method: 'POST', json: { name: 'echo' } }));
    const sup = host.parts.supervisor as AgentSupervisor;
    await expect(sup.requestHandler!(String(id), 'spawn', { name: 'child', runtime: 'host' })).rejects.toMatchObject({ code: 'NXS_ERR_AGENT_INVALID' });
    expect(sup.list().map((a) => a.name)).toEqual(['echo']);
  });
});
