import { describe, it, expect } from 'vitest';
import { Doctor } from '../../../src/doctor/doctor.ts';
import type { DoctorActions } from '../../../src/doctor/types.ts';
import { makeTestContext } from '../../helpers/test-context.ts';
import { FakeClock } from '../../helpers/fake-clock.ts';

function recordingActions(fail: Partial<Record<keyof DoctorActions, string>> = {}): { actions: DoctorActions; calls: [string, Record<string, unknown>][] } {
  const calls: [string, Record<string, unknown>][] = [];
  const make = (kind: keyof DoctorActions) => async (args: Record<string, unknown>) => {
    calls.push([kind, args]);
    if (fail[kind]) throw new Error(fail[kind]);
    return `did ${kind}`;
  };
  const actions = Object.fromEntries((['restart_agent', 'switch_provider', 'clear_temp', 'reload_config', 'change_tier', 'restore_checkpoint', 'change_identity'] as const).map((k) => [k, make(k)])) as DoctorActions;
  return { actions, calls };
}

describe('doctor', () => {
  it('applies fixes that need no permission, records them, and is idle (no timers)', async () => {
    const clock = new FakeClock();
    await using ctx = await makeTestContext({ clock });
    const { actions, calls } = recordingActions();
    const doctor = new Doctor(ctx, { actions, latestCheckpoint: () => null });
    doctor.start();
    ctx.events.emit('disk.low', { freeBytes: 1, floorBytes: 2 });
    await doctor.settled();
    expect(calls).toEqual([['clear_temp', {}]]);
    expect(doctor.list()).toEqual([expect.objectContaining({ rule: 'disk-low', status: 'applied', result: 'did clear_temp', needs_approval: false })]);
    expect(clock.pending).toBe(0);
    await doctor.stop();
  });

  it('waits for approval on fixes that need it; approve applies, deny does not', async () => {
    await using ctx = await makeTestContext({ tier: 'standard' });
    const { actions, calls } = recordingActions();
    const doctor = new Doctor(ctx, { actions, latestCheckpoint: (id) => (id === '3' ? 'ckpt_a' : null) });
    doctor.start();
    ctx.events.emit('memory.pressure', { detail: 'rss high', tier: 'standard' });
    ctx.events.emit('agent.crash_loop', { agentId: '3', name: 'x', failures: 5, windowMs: 60_000, last: 'oom' });
    await doctor.settled();
    expect(calls).toEqual([]);
    const pending = doctor.list('pending');
    expect(pending.map((d) => d.fix.kind).sort()).toEqual(['change_tier', 'restore_checkpoint']);
    const tier = pending.find((d) => d.fix.kind === 'change_tier')!;
    const restore = pending.find((d) => d.fix.kind === 'restore_checkpoint')!;
    const approved = await doctor.approve(tier.id, 'operator');
    expect(approved).toMatchObject({ status: 'applied', decided_by: 'operator', result: 'did change_tier' });
    expect(calls).toEqual([['change_tier', { tier: 'minimal' }]]);
    expect(doctor.deny(restore.id, 'operator')).toMatchObject({ status: 'denied' });
    expect(calls.length).toBe(1);
    await expect(doctor.approve(restore.id, 'operator')).rejects.toMatchObject({ code: 'NXS_ERR_DIAGNOSIS_STATE' });
    await expect(doctor.approve('diag_nope', 'operator')).rejects.toMatchObject({ code: 'NXS_ERR_DIAGNOSIS_NOT_FOUND' });
  });

  it('a failing fix is recorded as failed; an approved one that fails is an error', async () => {
    await using ctx = await makeTestContext();
    const { actions } = recordingActions({ clear_temp: 'permission denied', change_identity: 'no shipped files' });
    const doctor = new Doctor(ctx, { actions, latestCheckpoint: () => null });
    doctor.start();
    ctx.events.emit('disk.low', { freeBytes: 1, floorBytes: 2 });
    ctx.events.emit('alert', { source: 'assistant', code: 'NXS_ERR_IDENTITY_DAMAGED', message: 'bad', severity: 'critical' });
    await doctor.settled();
    expect(doctor.list().find((d) => d.rule === 'disk-low')).toMatchObject({ status: 'failed', result: 'fix clear_temp failed: permission denied' });
    const id = doctor.list('pending')[0]!.id;
    await expect(doctor.approve(id, 'operator')).rejects.toMatchObject({ code: 'NXS_ERR_DOCTOR_FIX_FAILED' });
    expect(doctor.get(id).status).toBe('failed');
  });

  // Issue 16: one outage raised two critical diagnoses (the client's alert and survival mode's own).
  it('one provider outage is one critical diagnosis, in the order the parts announce it', async () => {
    await using ctx = await makeTestContext();
    const doctor = new Doctor(ctx, { actions: recordingActions().actions, latestCheckpoint: () => null });
    doctor.start();
    ctx.events.emit('provider.down', { provider: 'a', reason: 'HTTP 503' });
    ctx.events.emit('alert', { source: 'providers', code: 'NXS_ERR_PROVIDERS_EXHAUSTED', message: 'every LLM provider failed; answering from the cache or deferring', severity: 'critical' });
    ctx.events.emit('assistant.survival', { active: true, reason: 'every provider failed (HTTP 503)' });
    await doctor.settled();
    expect(doctor.list().filter((d) => d.severity === 'critical')).toEqual([expect.objectContaining({ rule: 'providers-exhausted', subject: 'providers' })]);
    await doctor.stop();
  });

  it('counts provider failures within the window and cools down repeats', async () => {
    const clock = new FakeClock();
    await using ctx = await makeTestContext({ clock, config: { doctor: { provider_down_threshold: 2, window_ms: 60_000, cooldown_ms: 300_000 } } });
    const { actions, calls } = recordingActions();
    const doctor = new Doctor(ctx, { actions, latestCheckpoint: () => null });
    doctor.start();
    ctx.events.emit('provider.down', { provider: 'p1', reason: '500' });
    clock.jump(120_000); // outside the window: the first one no longer counts
    ctx.events.emit('provider.down', { provider: 'p1', reason: '500' });
    await doctor.settled();
    expect(calls).toEqual([]);
    ctx.events.emit('provider.down', { provider: 'p1', reason: '500' });
    await doctor.settled();
    expect(calls).toEqual([['switch_provider', { provider: 'p1' }]]);
    ctx.events.emit('provider.down', { provider: 'p1', reason: '500' });
    ctx.events.emit('provider.down', { provider: 'p1', reason: '500' });
    await doctor.settled();
    expect(calls.length).toBe(1); // cooldown
    clock.jump(300_000);
    ctx.events.emit('provider.down', { provider: 'p1', reason: '500' });
    ctx.events.emit('provider.down', { provider: 'p1', reason: '500' });
    await doctor.settled();
    expect(calls.length).toBe(2);
  });

  it('with auto_fix off every fix waits for approval', async () => {
    await using ctx = await makeTestContext({ config: { doctor: { auto_fix: false } } });
    const { actions, calls } = recordingActions();
    const doctor = new Doctor(ctx, { actions, latestCheckpoint: () => null });
    doctor.start();
    ctx.events.emit('disk.low', { freeBytes: 1, floorBytes: 2 });
    await doctor.settled();
    expect(calls).toEqual([]);
    expect(doctor.list('pending')[0]).toMatchObject({ fix: { kind: 'clear_temp' }, needs_approval: true });
  });

  it('diagnoses persist across restarts, and the cooldown with them', async () => {
    await using ctx = await makeTestContext();
    const { actions, calls } = recordingActions();
    const first = new Doctor(ctx, { actions, latestCheckpoint: () => null });
    first.start();
    ctx.events.emit('disk.low', { freeBytes: 1, floorBytes: 2 });
    await first.stop();
    const second = new Doctor(ctx, { actions, latestCheckpoint: () => null });
    second.start();
    ctx.events.emit('disk.low', { freeBytes: 1, floorBytes: 2 });
    await second.settled();
    expect(second.list().length).toBe(1);
    expect(calls.length).toBe(1);
  });
});
