import { describe, it, expect } from 'vitest';
import { notifyArgs, planSystemdNotify } from '../../../src/install/sd-notify-plan.ts';
import { systemdNotifyStep } from '../../../src/install/systemd-step.ts';
import type { HostParts } from '../../../src/boot/steps.ts';
import { TokenAuthority } from '../../../src/http/auth.ts';
import { LogTail } from '../../../src/console/log-tail.ts';
import { HostMetrics } from '../../../src/metrics/host-metrics.ts';
import { FakeClock } from '../../helpers/fake-clock.ts';
import { makeTestContext, type TestContext } from '../../helpers/test-context.ts';
import { FakeSystemdNotify } from '../../helpers/fake-systemd-notify.ts';

const PID = 4242;
const SOCKET = '/run/systemd/notify-test';

describe('planSystemdNotify', () => {
  it.each([
    ['no NOTIFY_SOCKET', {}, { enabled: false }],
    ['an empty NOTIFY_SOCKET', { NOTIFY_SOCKET: '' }, { enabled: false }],
    ['WATCHDOG_USEC without NOTIFY_SOCKET', { WATCHDOG_USEC: '60000000' }, { enabled: false }],
    ['NOTIFY_SOCKET only', { NOTIFY_SOCKET: SOCKET }, { enabled: true, socket: SOCKET, pingEveryMs: undefined }],
    ['an abstract socket', { NOTIFY_SOCKET: '@/org/freedesktop/systemd1/notify' }, { enabled: true, socket: '@/org/freedesktop/systemd1/notify', pingEveryMs: undefined }],
    ['a 60 s watchdog', { NOTIFY_SOCKET: SOCKET, WATCHDOG_USEC: '60000000' }, { enabled: true, pingEveryMs: 30_000 }],
    ['a watchdog for this pid', { NOTIFY_SOCKET: SOCKET, WATCHDOG_USEC: '10000000', WATCHDOG_PID: String(PID) }, { enabled: true, pingEveryMs: 5000 }],
    ['a tiny watchdog', { NOTIFY_SOCKET: SOCKET, WATCHDOG_USEC: '1' }, { enabled: true, pingEveryMs: 1 }],
    ['a watchdog for another pid', { NOTIFY_SOCKET: SOCKET, WATCHDOG_USEC: '60000000', WATCHDOG_PID: '1' }, { enabled: true, pingEveryMs: undefined, watchdogNote: expect.stringMatching(/WATCHDOG_PID is 1, not this process \(4242\)/) }],
    ['a malformed WATCHDOG_USEC', { NOTIFY_SOCKET: SOCKET, WATCHDOG_USEC: '60s' }, { enabled: true, pingEveryMs: undefined, watchdogNote: expect.stringMatching(/WATCHDOG_USEC must be a positive integer of microseconds; got "60s"/) }],
    ['a zero WATCHDOG_USEC', { NOTIFY_SOCKET: SOCKET, WATCHDOG_USEC: '0' }, { enabled: true, pingEveryMs: undefined, watchdogNote: expect.any(String) }],
  ] as const)('%s', (_name, env, want) => {
    expect(planSystemdNotify(env, PID)).toMatchObject(want);
  });

  it('builds systemd-notify arguments that name the host and keep the status on one line', () => {
    expect(notifyArgs({ kind: 'ready', status: 'ready at http://127.0.0.1:7878' }, PID)).toEqual(['--pid=4242', '--ready', '--status=ready at http://127.0.0.1:7878']);
    expect(notifyArgs({ kind: 'watchdog' }, PID)).toEqual(['--pid=4242', 'WATCHDOG=1']);
    expect(notifyArgs({ kind: 'stopping', status: 'stopping: signal SIGTERM\nREADY=1' }, PID)).toEqual(['--pid=4242', '--status=stopping: signal SIGTERM READY=1', 'STOPPING=1']);
  });
});

function makeParts(): HostParts {
  return { routes: [], auth: new TokenAuthority('t'.repeat(32)), status: new Map(), readiness: new Map(), operatorToken: 't'.repeat(32), logTail: new LogTail(), metrics: new HostMetrics('test') };
}

async function startStep(fake: FakeSystemdNotify | undefined, env: Record<string, string>, sendTimeoutMs?: number): Promise<{ ctx: TestContext; clock: FakeClock; parts: HostParts }> {
  const clock = new FakeClock();
  const ctx = await makeTestContext({ clock, env: { ...(fake ? { PATH: `${fake.dir}:/usr/bin:/bin` } : {}), ...env } });
  const parts = makeParts();
  Object.assign(parts, await systemdNotifyStep({ pid: PID, sendTimeoutMs }).start(ctx, parts));
  return { ctx, clock, parts };
}

describe('the systemd boot step, against a fake systemd-notify', () => {
  it('sends READY after ready, WATCHDOG=1 every half of WATCHDOG_USEC, STOPPING at stop', async () => {
    using fake = new FakeSystemdNotify();
    const { ctx, clock, parts } = await startStep(fake, { NOTIFY_SOCKET: SOCKET, WATCHDOG_USEC: '60000000' });
    await using _ctx = ctx;
    const notifier = parts.systemd!;
    expect(notifier).toBeDefined();
    // One exact timer, due at half the watchdog period; nothing sent yet.
    expect(clock.pending).toBe(1);
    expect(clock.nextDue).toBe(clock.now() + 30_000);
    await clock.advance(29_999);
    await notifier.idle();
    expect(fake.args()).toEqual([]);

    ctx.events.emit('host.ready', { bootId: 'b1', url: 'http://127.0.0.1:7878' });
    await notifier.idle();
    expect(fake.args()).toEqual(['--pid=4242 --ready --status=ready at http://127.0.0.1:7878']);

    await clock.advance(1);
    await notifier.idle();
    expect(fake.args().slice(1)).toEqual(['--pid=4242 WATCHDOG=1']);
    for (let i = 0; i < 3; i++) {
      await clock.advance(30_000);
      await notifier.idle();
    }
    expect(fake.args().filter((a) => a === '--pid=4242 WATCHDOG=1')).toHaveLength(4);
    expect(fake.calls().every((c) => c.socket === SOCKET)).toBe(true);
    // Between pings the only pending timer is the next ping.
    expect(clock.pending).toBe(1);
    expect(parts.status.get('systemd')!()).toMatchObject({ ready_sent: true, sent: 5, failed: 0, watchdog_ping_ms: 30_000 });

    ctx.events.emit('host.stopping', { reason: 'signal SIGTERM' });
    await ctx.lifecycle.shutdown(ctx.log, 2000);
    expect(fake.args().at(-1)).toBe('--pid=4242 --status=stopping: signal SIGTERM STOPPING=1');
    // After the stop: no timer, no more pings.
    expect(clock.pending).toBe(0);
    const count = fake.calls().length;
    await clock.advance(120_000);
    await notifier.idle();
    expect(fake.calls()).toHaveLength(count);
  });

  it('without WATCHDOG_USEC sends READY and STOPPING but holds no timer', async () => {
    using fake = new FakeSystemdNotify();
    const { ctx, clock, parts } = await startStep(fake, { NOTIFY_SOCKET: SOCKET });
    await using _ctx = ctx;
    expect(clock.pending).toBe(0);
    ctx.events.emit('host.ready', { bootId: 'b1', url: 'http://127.0.0.1:1' });
    await parts.systemd!.idle();
    await clock.advance(3_600_000);
    ctx.events.emit('host.stopping', { reason: 'test' });
    await parts.systemd!.idle();
    expect(fake.args()).toEqual(['--pid=4242 --ready --status=ready at http://127.0.0.1:1', '--pid=4242 --status=stopping: test STOPPING=1']);
  });

  it('does nothing at all when NOTIFY_SOCKET is unset, even with WATCHDOG_USEC', async () => {
    using fake = new FakeSystemdNotify();
    const { ctx, clock, parts } = await startStep(fake, { WATCHDOG_USEC: '60000000' });
    await using _ctx = ctx;
    expect(clock.pending).toBe(0);
    expect(parts.systemd).toBeUndefined();
    expect(parts.status.has('systemd')).toBe(false);
    ctx.events.emit('host.ready', { bootId: 'b1', url: 'http://127.0.0.1:1' });
    await clock.advance(600_000);
    ctx.events.emit('host.stopping', { reason: 'test' });
    await ctx.lifecycle.shutdown(ctx.log, 2000);
    expect(fake.calls()).toEqual([]);
  });

  it('logs a failing systemd-notify once, counts the rest, and keeps pinging', async () => {
    using fake = new FakeSystemdNotify();
    fake.fail();
    const { ctx, clock, parts } = await startStep(fake, { NOTIFY_SOCKET: SOCKET, WATCHDOG_USEC: '20000000' });
    await using _ctx = ctx;
    const notifier = parts.systemd!;
    expect(await notifier.ready('ready')).toBe(false);
    for (let i = 0; i < 3; i++) {
      await clock.advance(10_000);
      await notifier.idle();
    }
    const warnings = ctx.logLines.filter((l) => l.includes('cannot notify systemd'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('Connection refused');
    expect(notifier.status()).toMatchObject({ failed: 4, sent: 0, last_error: expect.stringMatching(/systemd-notify exited 1: Failed to notify init system/) });
    fake.ok();
    await clock.advance(10_000);
    await notifier.idle();
    expect(notifier.status()).toMatchObject({ failed: 4, sent: 1 });
    expect(fake.args().filter((a) => a.endsWith('WATCHDOG=1'))).toHaveLength(4);
  });

  it('survives a missing systemd-notify: one warning naming it, no crash', async () => {
    const { ctx, clock, parts } = await startStep(undefined, { NOTIFY_SOCKET: SOCKET, WATCHDOG_USEC: '20000000', PATH: '/nonexistent-nxs-path' });
    await using _ctx = ctx;
    expect(await parts.systemd!.ready('ready')).toBe(false);
    await clock.advance(10_000);
    await parts.systemd!.idle();
    expect(ctx.logLines.filter((l) => l.includes('cannot notify systemd'))).toHaveLength(1);
    expect(parts.systemd!.status()).toMatchObject({ failed: 2, last_error: 'systemd-notify was not found on PATH (it ships with systemd)' });
  });

  it('does not stack pings behind a hung systemd-notify, and kills it after the send timeout', async () => {
    using fake = new FakeSystemdNotify();
    fake.hang();
    const { ctx, clock, parts } = await startStep(fake, { NOTIFY_SOCKET: SOCKET, WATCHDOG_USEC: '60000000' }, 45_000);
    await using _ctx = ctx;
    const notifier = parts.systemd!;
    await clock.advance(30_000); // ping 1 starts and hangs
    await waitForCalls(fake, 1);
    await clock.advance(30_000); // ping 2 is due while ping 1 still runs: skipped
    expect(notifier.status()).toMatchObject({ skipped: 1, failed: 0 });
    fake.ok();
    await clock.advance(15_000); // ping 1 reaches its 45 s timeout
    await notifier.idle();
    expect(notifier.status()).toMatchObject({ skipped: 1, failed: 1, last_error: 'systemd-notify killed after 45000 ms without an answer' });
    await clock.advance(15_000); // ping 3, on the original cadence
    await notifier.idle();
    expect(fake.args()).toEqual(['--pid=4242 WATCHDOG=1', '--pid=4242 WATCHDOG=1']);
    expect(notifier.status()).toMatchObject({ sent: 1 });
  });
});

/** The hung fake logs its call before sleeping; wait for that line by watching the child, not the clock. */
async function waitForCalls(fake: FakeSystemdNotify, n: number): Promise<void> {
  const { watch } = await import('node:fs');
  if (fake.calls().length >= n) return;
  await new Promise<void>((resolve) => {
    const w = watch(fake.dir, () => {
      if (fake.calls().length >= n) {
        w.close();
        resolve();
      }
    });
    if (fake.calls().length >= n) {
      w.close();
      resolve();
    }
  });
}

describe('the systemd step in a real host', () => {
  it('says READY once the host is ready, shows its counters in /api/status, and says STOPPING on stop', async () => {
    using fake = new FakeSystemdNotify();
    const { startTestHost } = await import('../../helpers/test-host.ts');
    const { hostRoutesStep } = await import('../../../src/boot/host-routes.ts');
    const clock = new FakeClock();
    const host = await startTestHost({ clock, steps: [systemdNotifyStep({ pid: PID }), hostRoutesStep], env: { NOTIFY_SOCKET: SOCKET, WATCHDOG_USEC: '60000000', PATH: `${fake.dir}:/usr/bin:/bin` } });
    try {
      await host.parts.systemd!.idle();
      expect(fake.args()).toEqual([`--pid=4242 --ready --status=ready at ${host.url}`]);
      await clock.advance(30_000);
      await host.parts.systemd!.idle();
      const status = (await (await host.api('/api/status')).json()) as Record<string, unknown>;
      expect(JSON.stringify(status)).toContain('"systemd":{"socket":"/run/systemd/notify-test","watchdog_ping_ms":30000,"ready_sent":true,"sent":2');
    } finally {
      await host[Symbol.asyncDispose]();
    }
    expect(fake.args().at(-1)).toBe('--pid=4242 --status=stopping: test done STOPPING=1');
  });
});
