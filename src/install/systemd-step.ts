import type { BootStep } from '../boot/boot-step.ts';
import { planSystemdNotify } from './sd-notify-plan.ts';
import { SystemdNotifier } from './sd-notifier.ts';

export interface SystemdStepOptions {
  /** The process systemd knows as the unit's main one; default this process. */
  pid?: number;
  command?: string;
  sendTimeoutMs?: number;
}

/**
 * Boot step `systemd`: under a Type=notify unit (nxs install writes one), tell
 * systemd READY=1 when the host is ready, WATCHDOG=1 at half of WATCHDOG_USEC
 * for as long as the event loop turns, and STOPPING=1 when it stops. Anywhere
 * else NOTIFY_SOCKET is unset and this step does nothing at all. It runs first
 * so the watchdog is armed while the later steps start.
 */
export function systemdNotifyStep(opts: SystemdStepOptions = {}): BootStep<object, { systemd?: SystemdNotifier }> {
  return {
    name: 'systemd',
    start(ctx, parts) {
      const pid = opts.pid ?? process.pid;
      const plan = planSystemdNotify(ctx.env, pid);
      if (!plan.enabled) return {};
      if (plan.watchdogNote) ctx.log.warn({ part: 'systemd' }, plan.watchdogNote);
      const notifier = new SystemdNotifier({
        clock: ctx.clock,
        log: ctx.log,
        pid,
        socket: plan.socket,
        searchPath: ctx.env.PATH,
        pingEveryMs: plan.pingEveryMs,
        command: opts.command,
        sendTimeoutMs: opts.sendTimeoutMs,
      });
      notifier.startWatchdog();
      const offReady = ctx.events.on('host.ready', ({ url }) => void notifier.ready(`ready at ${url}`));
      const offStopping = ctx.events.on('host.stopping', ({ reason }) => void notifier.stopping(`stopping: ${reason}`));
      ctx.lifecycle.onStop('systemd', async () => {
        offReady();
        offStopping();
        await notifier.close();
      });
      parts.status.set('systemd', () => notifier.status());
      ctx.log.debug({ part: 'systemd', watchdogPingMs: plan.pingEveryMs ?? null }, 'notifying systemd through systemd-notify');
      return { systemd: notifier };
    },
  };
}

export const systemdStep = systemdNotifyStep();
