import { describe, it, expect } from 'vitest';
import { startFullHost } from './support/full-host.ts';
import { AssistantAgent } from '../../../src/assistant/assistant-agent.ts';
import { AgentSupervisor } from '../../../src/supervisor/supervisor.ts';
import { GpuScheduler } from '../../../src/supervisor/gpu-scheduler.ts';
import { FakeClock } from '../../helpers/fake-clock.ts';
import { makeTestContext, type TestContext } from '../../helpers/test-context.ts';

type Agent = { agent_id: number; name: string; runtime: string; state: string; capabilities: string[]; memory: { budget_mb: number | null } };

function assistantOn(ctx: TestContext, sup: AgentSupervisor): AssistantAgent {
  return new AssistantAgent({ supervisor: sup, name: 'assistant', capabilities: ['ACCESS_FS'], log: ctx.log });
}

describe("the assistant's agent record runs in the host", () => {
  it('a fresh host makes it a host agent: running, no worker thread, survives a checkpoint restore as a host agent', async () => {
    await using h = await startFullHost();
    const status = (await (await h.host.api('/api/status')).json()) as { assistant: { agent_id: string }; agents: Record<string, number> };
    const id = status.assistant.agent_id;
    expect(status.agents).toMatchObject({ total: 1, running: 1, in_host: 1, worker_threads: 0 });
    const agent = (await (await h.host.api(`/api/agents/${id}`)).json()) as Agent;
    expect(agent).toMatchObject({ name: 'assistant', runtime: 'host', state: 'running', memory: { budget_mb: null } });

    // Checkpoint, kill, restore: the restored record is again a host agent and the assistant's identity.
    const made = await h.host.api(`/api/agents/${id}/checkpoint`, { method: 'POST' });
    expect(made.status).toBe(200);
    const { checkpoint_id } = (await made.json()) as { checkpoint_id: string };
    expect((await h.host.api(`/api/agents/${id}`, { method: 'DELETE' })).status).toBe(200);
    const restored = await h.host.api('/api/agents/restore', { method: 'POST', json: { checkpoint_id } });
    expect(restored.status).toBe(200);
    const { agent_id: newId } = (await restored.json()) as { agent_id: number };
    expect((await (await h.host.api(`/api/agents/${newId}`)).json()) as Agent).toMatchObject({ name: 'assistant', runtime: 'host', state: 'running', capabilities: agent.capabilities });
    const after = (await (await h.host.api('/api/status')).json()) as { assistant: { agent_id: string }; agents: Record<string, number> };
    expect(String(after.assistant.agent_id)).toBe(String(newId));
    expect(after.agents.worker_threads).toBe(0);
  });
});

describe('AssistantAgent.ensure', () => {
  it('creates the record as a host agent once, then reuses it', async () => {
    const clock = new FakeClock();
    await using ctx = await makeTestContext({ clock });
    const sup = new AgentSupervisor(ctx, { gpu: new GpuScheduler([]) });
    try {
      const a = assistantOn(ctx, sup);
      const id = a.ensure()!;
      expect(sup.get(id)).toMatchObject({ runtime: 'host', state: 'running', capabilities: ['ACCESS_FS'] });
      expect(a.ensure()).toBe(id);
      expect(sup.list()).toHaveLength(1);
      expect(sup.workerCount()).toBe(0);
      expect(clock.pending).toBe(0);
    } finally {
      await sup.stopAll();
    }
  });

  it("moves a worker record of its own (an older version's, or restored from an older checkpoint) into the host; leaves someone else's worker of that name running", async () => {
    const clock = new FakeClock();
    await using ctx = await makeTestContext({ clock });
    const sup = new AgentSupervisor(ctx, { gpu: new GpuScheduler([]) });
    try {
      const a = assistantOn(ctx, sup);
      const old = sup.spawn({ name: 'assistant', capabilities: ['ACCESS_FS'], settings: { role: 'assistant' } }, 'assistant').agent_id;
      expect(sup.get(old)?.runtime).toBe('worker');
      expect(a.ensure()).toBe(old);
      expect(sup.get(old)).toMatchObject({ runtime: 'host', state: 'running' });
      expect(sup.workerCount()).toBe(0);

      const foreign = sup.spawn({ name: 'assistant', settings: { note: 'mine' } }, 'operator').agent_id;
      expect(a.ensure()).toBe(foreign); // the newest record of the name is the identity, as before
      expect(sup.get(foreign)?.runtime).toBe('worker');
      expect(sup.workerCount()).toBe(1);
    } finally {
      await sup.stopAll();
    }
  });
});
