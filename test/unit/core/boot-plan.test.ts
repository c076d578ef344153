import { describe, it, expect } from 'vitest';
import { bootPlan, type BootStep } from '../../../src/boot/boot-step.ts';
import { BOOT_STEPS } from '../../../src/boot/steps.ts';
import { queueStep } from '../../../src/queue/boot-step.ts';
import { schedulerStep } from '../../../src/scheduler/boot-step.ts';
import { startTestHost } from '../../helpers/test-host.ts';

describe('the boot plan', () => {
  it('starts the parts in this order (systemd first, the console last); stops run in reverse', () => {
    expect(BOOT_STEPS.map((s) => s.name)).toEqual(['systemd', 'metrics', 'detect', 'host-routes', 'queue', 'scheduler', 'providers', 'supervisor', 'checkpoints', 'doctor', 'assistant', 'tools', 'console']);
  });

  it('does not compile a step before the step that gives what it needs', () => {
    // The check is the compiler's (npm test runs tsc): the scheduler needs the queue.
    // @ts-expect-error the scheduler needs `queue`, which no step before it gives
    const wrong = bootPlan(schedulerStep, queueStep);
    const right = bootPlan(queueStep, schedulerStep);
    expect([wrong.length, right.length]).toEqual([2, 2]);
  });

  it("hands each step the handles the steps before it returned, and keeps them on the host's parts", async () => {
    const seen: number[] = [];
    const gives: BootStep<object, { answer: number }> = { name: 'gives', start: () => ({ answer: 42 }) };
    const needs: BootStep<{ answer: number }, void> = { name: 'needs', start: (_ctx, parts) => void seen.push(parts.answer) };
    await using host = await startTestHost({ steps: bootPlan(gives, needs) });
    expect(seen).toEqual([42]);
    expect(host.parts).toMatchObject({ answer: 42 });
    const log = host.ctx.db.prepare<[string], { entry: string }>('SELECT entry FROM boot_log WHERE boot_id = ? ORDER BY seq').all(host.ctx.bootLog.bootId).map((r) => r.entry);
    expect(log.filter((e) => /^phase (gives|needs):/.test(e))).toHaveLength(2);
  });
});
