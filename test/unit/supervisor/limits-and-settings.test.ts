import { describe, it, expect } from 'vitest';
import { AgentSupervisor } from '../../../src/supervisor/supervisor.ts';
import { GpuScheduler } from '../../../src/supervisor/gpu-scheduler.ts';
import { PROFILES } from '../../../src/detect/profile.ts';
import { NxsError } from '../../../src/core/errors.ts';
import { FakeClock } from '../../helpers/fake-clock.ts';
import { makeTestContext, type TestContext } from '../../helpers/test-context.ts';
import { agentModules } from './helpers.ts';
import { codeOf } from '../../helpers/error-code.ts';

function supervisor(ctx: TestContext): AgentSupervisor {
  return new AgentSupervisor(ctx, { gpu: new GpuScheduler([{ id: 0, name: 'fake' }] as never), random: () => 0.5 });
}

/** Resolves when the agent's worker has started (listen first, so no start is missed). */
function started(ctx: TestContext, id: string): Promise<unknown> {
  return new Promise((resolve) => {
    const off = ctx.events.on('agent.started', (p) => {
      if (p.agentId === id) (off(), resolve(p));
    });
  });
}

describe("the tier's maxAgents", () => {
  it('refuses a spawn beyond the limit with NXS_ERR_AGENT_LIMIT naming the tier, and frees a slot on kill', async () => {
    await using ctx = await makeTestContext({ tier: 'minimal' });
    const sup = supervisor(ctx);
    try {
      const ids = [1, 2, 3, 4].map((n) => sup.spawn({ name: `a${n}` }, 'operator').agent_id);
      let err: unknown;
      try {
        sup.spawn({ name: 'a5' }, 'operator');
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(NxsError);
      expect((err as NxsError).code).toBe('NXS_ERR_AGENT_LIMIT');
      expect((err as NxsError).message).toMatch(/minimal tier runs at most 4 agents and 4 are running/);
      sup.kill(ids[0]!, 'operator');
      expect(sup.spawn({ name: 'a5' }, 'operator').agent_id).toBeTruthy();
    } finally {
      await sup.stopAll();
    }
  });

  it('restart of a stopped or parked agent needs a free slot; restarting a running one replaces it in place', async () => {
    using mods = agentModules();
    const quits = mods.write('quits', 'export function start() { process.exit(0); }\n');
    await using ctx = await makeTestContext({ tier: 'minimal', config: { supervisor: { agents_dir: mods.dir } } });
    const sup = supervisor(ctx);
    try {
      const stoppedOnce = new Promise<void>((resolve) => ctx.events.on('agent.crashed', () => resolve()));
      const quitter = sup.spawn({ name: 'quitter', settings: { module: quits, restart: 'never' } }, 'operator').agent_id;
      await stoppedOnce;
      expect(sup.get(quitter)?.state).toBe('stopped');
      const running = [1, 2, 3, 4].map((n) => sup.spawn({ name: `r${n}` }, 'operator').agent_id);
      expect(codeOf(() => sup.restart(quitter, 'operator asked'))).toBe('NXS_ERR_AGENT_LIMIT');
      expect(sup.get(quitter)?.state).toBe('stopped');
      expect(codeOf(() => sup.restart(running[0]!, 'operator asked'))).toBeUndefined();
      sup.kill(running[1]!, 'operator');
      expect(codeOf(() => sup.restart(quitter, 'operator asked'))).toBeUndefined();
      expect(sup.get(quitter)?.state).toBe('starting');
    } finally {
      await sup.stopAll();
    }
  });

  it('at boot, agents beyond a smaller tier wait parked with the reason in the boot log', async () => {
    await using ctx = await makeTestContext({ tier: 'standard' });
    const first = supervisor(ctx);
    const ids = [1, 2, 3, 4, 5, 6].map((n) => first.spawn({ name: `b${n}` }, 'operator').agent_id);
    await first.stopAll();
    ctx.profile.set({ ...PROFILES.minimal }, 'test: the box shrank');
    const second = supervisor(ctx);
    try {
      second.resume();
      const states = ids.map((id) => second.get(id)?.state);
      expect(states).toEqual(['starting', 'starting', 'starting', 'starting', 'parked', 'parked']);
      const log = ctx.db.prepare('SELECT entry FROM boot_log').all() as { entry: string }[];
      expect(log.map((r) => r.entry).join('\n')).toMatch(/agent b5 \(\d+\) parked at boot: the minimal tier runs at most 4 agents/);
    } finally {
      await second.stopAll();
    }
  });
});

describe('settingsOf and timers', () => {
  it('settingsOf returns a copy of what the agent was spawned with (module, restart, free-form), null for an unknown id', async () => {
    using mods = agentModules();
    const echo = mods.write('echo', 'export function handle(x) { return x; }\n');
    await using ctx = await makeTestContext({ config: { supervisor: { agents_dir: mods.dir } } });
    const sup = supervisor(ctx);
    try {
      const id = sup.spawn({ name: 'withsettings', settings: { module: echo, greeting: { text: 'hi' } } }, 'operator').agent_id;
      const s = sup.settingsOf(id);
      expect(s).toEqual({ module: echo, greeting: { text: 'hi' }, restart: 'on-failure' });
      (s!.greeting as { text: string }).text = 'changed';
      expect(sup.settingsOf(id)).toMatchObject({ greeting: { text: 'hi' } });
      expect(sup.settingsOf('999')).toBeNull();
      expect(sup.settingsOf('not-an-id')).toBeNull();
    } finally {
      await sup.stopAll();
    }
  });

  it('kill disarms the heartbeat at once, and stopping the host leaves no timer (running, restarting, parked agents)', async () => {
    using mods = agentModules();
    const crash = mods.write('crash', "export function start() { throw new Error('boom'); }\n");
    const clock = new FakeClock();
    await using ctx = await makeTestContext({ clock, config: { supervisor: { agents_dir: mods.dir, restart: { base_ms: 1000, max_ms: 60_000, jitter: 0.2, crash_loop_max: 2, crash_loop_window_ms: 600_000 } } } });
    const sup = supervisor(ctx);
    const ok = sup.spawn({ name: 'ok' }, 'operator').agent_id;
    await started(ctx, ok);
    expect(clock.pending).toBe(1); // its heartbeat
    const doomed = sup.spawn({ name: 'doomed' }, 'operator').agent_id;
    await started(ctx, doomed);
    expect(clock.pending).toBe(2);
    sup.kill(doomed, 'operator');
    expect(clock.pending).toBe(1); // no waiting for the thread's exit event

    const loop = new Promise((r) => ctx.events.once('agent.crash_loop').then(r));
    const restarting = ctx.events.once('agent.restarting');
    sup.spawn({ name: 'parker', settings: { module: crash } }, 'operator');
    await restarting;
    await clock.advance(1000);
    await loop; // parked after 2 crashes
    const retry = ctx.events.once('agent.restarting');
    sup.spawn({ name: 'retrier', settings: { module: crash } }, 'operator');
    await retry; // a restart timer is pending
    expect(clock.pending).toBe(2);
    await sup.stopAll();
    expect(clock.pending).toBe(0);
  });
});
