import { describe, it, expect } from 'vitest';
import { systemdNotifyStep } from '../../../src/install/systemd-step.ts';
import type { HostParts } from '../../../src/boot/steps.ts';
import { TokenAuthority } from '../../../src/http/auth.ts';
import { LogTail } from '../../../src/console/log-tail.ts';
import { HostMetrics } from '../../../src/metrics/host-metrics.ts';
import { FakeClock } from '../../helpers/fake-clock.ts';
import { makeTestContext } from '../../helpers/test-context.ts';
import { FakeNotifySocket, missingForNotifySocket } from '../../helpers/fake-notify-socket.ts';

const missing = missingForNotifySocket();

// The fake systemd-notify proves what we run; this proves the real systemd-notify
// accepts those arguments and puts the right datagrams on a real NOTIFY_SOCKET.
describe.skipIf(missing.length > 0)(`the real systemd-notify on a unix datagram socket${missing.length ? ` (skipped: no ${missing.join(', ')})` : ''}`, () => {
  it('delivers READY=1, WATCHDOG=1 and STOPPING=1 with the host as MAINPID', async () => {
    await using sock = await new FakeNotifySocket().start();
    const clock = new FakeClock();
    await using ctx = await makeTestContext({ clock, env: { NOTIFY_SOCKET: sock.path, WATCHDOG_USEC: '20000000', PATH: process.env.PATH ?? '/usr/bin:/bin' } });
    const parts: HostParts = { routes: [], auth: new TokenAuthority('t'.repeat(32)), status: new Map(), readiness: new Map(), operatorToken: 't'.repeat(32), logTail: new LogTail(), metrics: new HostMetrics('test') };
    Object.assign(parts, await systemdNotifyStep().start(ctx, parts));
    const notifier = parts.systemd!;
    const payloads = (): string[] => sock.messages.filter((m) => m !== 'BARRIER=1');

    ctx.events.emit('host.ready', { bootId: 'b', url: 'http://127.0.0.1:7878' });
    await notifier.idle();
    await clock.advance(10_000);
    await notifier.idle();
    ctx.events.emit('host.stopping', { reason: 'signal SIGTERM' });
    await notifier.idle();
    // systemd-notify returned only after each barrier was answered, so every datagram is in.
    await sock.waitFor(3);
    const fields = payloads().map((m) => new Set(m.split('\n')));
    expect(fields).toHaveLength(3);
    expect([...fields[0]!]).toEqual(expect.arrayContaining(['READY=1', `MAINPID=${process.pid}`, 'STATUS=ready at http://127.0.0.1:7878']));
    expect([...fields[1]!]).toEqual(expect.arrayContaining(['WATCHDOG=1', `MAINPID=${process.pid}`]));
    expect([...fields[2]!]).toEqual(expect.arrayContaining(['STOPPING=1', 'STATUS=stopping: signal SIGTERM']));
    expect(notifier.status()).toMatchObject({ sent: 3, failed: 0 });
  });
});
