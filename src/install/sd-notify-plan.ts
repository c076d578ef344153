/**
 * What systemd expects of this process, read from the environment it started
 * us with (pure; tests cover each case). systemd sets NOTIFY_SOCKET only for a
 * Type=notify unit (or NotifyAccess=), and WATCHDOG_USEC/WATCHDOG_PID only when
 * the unit has WatchdogSec=. Outside such a unit the plan is "off" and nothing runs.
 */
export type NotifyPlan =
  | { enabled: false; reason: string }
  | {
      enabled: true;
      socket: string;
      /** Milliseconds between WATCHDOG=1 pings (half of WATCHDOG_USEC); undefined: no watchdog. */
      pingEveryMs: number | undefined;
      /** Why the watchdog is off although WATCHDOG_USEC was set (logged once), if it is. */
      watchdogNote?: string;
    };

export function planSystemdNotify(env: Readonly<Record<string, string | undefined>>, pid: number): NotifyPlan {
  const socket = env.NOTIFY_SOCKET;
  if (!socket) return { enabled: false, reason: 'NOTIFY_SOCKET is unset: not started by a Type=notify systemd unit' };
  const usec = env.WATCHDOG_USEC;
  if (usec === undefined || usec === '') return { enabled: true, socket, pingEveryMs: undefined };
  if (!/^[1-9]\d{0,15}$/.test(usec)) {
    return { enabled: true, socket, pingEveryMs: undefined, watchdogNote: `WATCHDOG_USEC must be a positive integer of microseconds; got ${JSON.stringify(usec)}; not pinging the watchdog` };
  }
  // sd_watchdog_enabled's rule: a WATCHDOG_PID naming another process means the
  // variables were inherited, and the watchdog is that process's to feed.
  const forPid = env.WATCHDOG_PID;
  if (forPid !== undefined && forPid !== '' && forPid !== String(pid)) {
    return { enabled: true, socket, pingEveryMs: undefined, watchdogNote: `WATCHDOG_PID is ${forPid}, not this process (${pid}); not pinging the watchdog` };
  }
  // Half the timeout, as sd_watchdog_enabled(3) recommends: one late ping is not yet a kill.
  return { enabled: true, socket, pingEveryMs: Math.max(1, Math.floor(Number(usec) / 2000)) };
}

export type NotifyMessage = { kind: 'ready'; status: string } | { kind: 'watchdog' } | { kind: 'stopping'; status: string };

/**
 * systemd-notify's arguments for one message. `--pid=` names the host (the
 * unit's main process, since the sh header execs it): with it systemd-notify
 * also sends MAINPID=, and on systemd 254+ it sends with the host's credentials
 * when allowed. Positional STOPPING=1 because `--stopping` only exists since 253.
 * No `--no-block`: systemd-notify then waits (BARRIER=1, systemd 246+) until
 * PID 1 has read the message, so PID 1 can still find the sender's cgroup.
 */
export function notifyArgs(msg: NotifyMessage, pid: number): string[] {
  const who = `--pid=${pid}`;
  switch (msg.kind) {
    case 'ready':
      return [who, '--ready', `--status=${oneLine(msg.status)}`];
    case 'watchdog':
      return [who, 'WATCHDOG=1'];
    case 'stopping':
      return [who, `--status=${oneLine(msg.status)}`, 'STOPPING=1'];
  }
}

/** A newline would start a new VARIABLE= assignment in the datagram. */
function oneLine(s: string): string {
  return s.replace(/[\r\n]+/g, ' ').slice(0, 200);
}
