import type { ChildProcess } from 'node:child_process';
import type { Clock, TimerHandle } from '../core/clock.ts';
import type { Logger } from '../core/logger.ts';
import { errorMessage, systemErrorCode } from '../core/errors.ts';
import { notifyArgs, type NotifyMessage } from './sd-notify-plan.ts';

/**
 * Talks to systemd through `systemd-notify`, one short-lived process per
 * message. Why a process: systemd's NOTIFY_SOCKET is a unix datagram socket,
 * and Node has no way to send one (dgram is UDP only; net.connect to it fails
 * with EPROTOTYPE) without a native module. The unit's NotifyAccess=all lets
 * systemd accept messages from the child.
 *
 * The watchdog ping is one exact timer on the event loop: a blocked or wedged
 * loop sends no ping, and systemd kills and restarts the host. That is the point.
 */
export interface SystemdNotifierOptions {
  clock: Clock;
  log: Logger;
  /** The host's pid (the unit's main process). */
  pid: number;
  /** NOTIFY_SOCKET, handed to systemd-notify. */
  socket: string;
  /** PATH to find systemd-notify on (the host's own). */
  searchPath: string | undefined;
  /** WATCHDOG=1 every this many ms; undefined: no watchdog. */
  pingEveryMs: number | undefined;
  command?: string;
  /** A systemd-notify still running after this is killed (a wedged PID 1 must not pile up processes). */
  sendTimeoutMs?: number;
}

export interface NotifierStatus {
  socket: string;
  watchdog_ping_ms: number | null;
  ready_sent: boolean;
  sent: number;
  failed: number;
  /** Pings not sent because the previous one was still running. */
  skipped: number;
  last_error: string | null;
}

// systemd-notify's own wait for PID 1 (BARRIER=1) gives up after 5 s.
const DEFAULT_SEND_TIMEOUT_MS = 10_000;
const STDERR_CAP = 500;

export class SystemdNotifier {
  private readonly o: SystemdNotifierOptions;
  private readonly command: string;
  private readonly sendTimeoutMs: number;
  private timer: TimerHandle | undefined;
  private pingInFlight = false;
  private readonly inFlight = new Set<Promise<boolean>>();
  private closed = false;
  private failureLogged = false;
  private readySent = false;
  private sent = 0;
  private failed = 0;
  private skipped = 0;
  private lastError: string | null = null;

  constructor(opts: SystemdNotifierOptions) {
    this.o = opts;
    this.command = opts.command ?? 'systemd-notify';
    this.sendTimeoutMs = opts.sendTimeoutMs ?? DEFAULT_SEND_TIMEOUT_MS;
  }

  /** Arms the watchdog: the first ping one interval from now, then one per interval. */
  startWatchdog(): void {
    if (this.o.pingEveryMs === undefined || this.closed || this.timer) return;
    this.armPing();
  }

  ready(status: string): Promise<boolean> {
    this.readySent = true;
    return this.send({ kind: 'ready', status });
  }

  /** STOPPING=1; the watchdog stops too (systemd stops watching once it sees the stop). */
  stopping(status: string): Promise<boolean> {
    this.disarm();
    return this.send({ kind: 'stopping', status });
  }

  /** Stops the timer and waits for messages already on their way (each bounded by the send timeout). */
  async close(): Promise<void> {
    this.closed = true;
    this.disarm();
    await this.idle();
  }

  /** Resolves when no systemd-notify is running. */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }

  status(): NotifierStatus {
    return {
      socket: this.o.socket,
      watchdog_ping_ms: this.o.pingEveryMs ?? null,
      ready_sent: this.readySent,
      sent: this.sent,
      failed: this.failed,
      skipped: this.skipped,
      last_error: this.lastError,
    };
  }

  private armPing(): void {
    this.timer = this.o.clock.setTimeout(() => this.ping(), this.o.pingEveryMs!);
    this.timer.unref();
  }

  private disarm(): void {
    if (this.timer) this.o.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private ping(): void {
    this.timer = undefined;
    if (this.closed) return;
    // The next ping is due one interval after this one ran, whatever this one does.
    this.armPing();
    if (this.pingInFlight) {
      // The previous systemd-notify has not returned: do not stack another behind it.
      this.skipped++;
      return;
    }
    this.pingInFlight = true;
    void this.send({ kind: 'watchdog' }).finally(() => {
      this.pingInFlight = false;
    });
  }

  private send(msg: NotifyMessage): Promise<boolean> {
    const p = this.run(notifyArgs(msg, this.o.pid)).then((error) => {
      if (error === undefined) {
        this.sent++;
        return true;
      }
      this.fail(msg.kind, error);
      return false;
    });
    this.inFlight.add(p);
    void p.finally(() => this.inFlight.delete(p));
    return p;
  }

  /** Runs systemd-notify once; resolves with undefined on success, else why it failed. Never rejects. */
  private run(args: string[]): Promise<string | undefined> {
    return new Promise((resolve) => {
      let child: ChildProcess;
      try {
        // Loaded here, not at import: hosts outside systemd never pay for it.
        const { spawn } = process.getBuiltinModule('node:child_process');
        // A minimal environment: the host's own may hold credentials, and systemd-notify needs only these.
        const env: Record<string, string> = { NOTIFY_SOCKET: this.o.socket };
        if (this.o.searchPath) env.PATH = this.o.searchPath;
        child = spawn(this.command, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
      } catch (err) {
        resolve(`cannot run ${this.command}: ${errorMessage(err)}`);
        return;
      }
      let stderr = '';
      child.stderr?.setEncoding('utf8');
      child.stderr?.on('data', (chunk: string) => {
        if (stderr.length < STDERR_CAP) stderr += chunk;
      });
      const killTimer = this.o.clock.setTimeout(() => child.kill('SIGKILL'), this.sendTimeoutMs);
      killTimer.unref();
      let done = false;
      const finish = (error: string | undefined): void => {
        if (done) return;
        done = true;
        this.o.clock.clearTimeout(killTimer);
        resolve(error);
      };
      child.on('error', (err) => {
        const code = systemErrorCode(err);
        finish(code === 'ENOENT' ? `${this.command} was not found on PATH (it ships with systemd)` : `cannot run ${this.command}: ${errorMessage(err)}`);
      });
      child.on('close', (code, signal) => {
        if (code === 0) return finish(undefined);
        const why = signal === 'SIGKILL' ? `killed after ${this.sendTimeoutMs} ms without an answer` : signal ? `killed by ${signal}` : `exited ${code}`;
        finish(`${this.command} ${why}${stderr.trim() ? `: ${stderr.trim().slice(0, STDERR_CAP)}` : ''}`);
      });
    });
  }

  /** Logged once: a box where systemd-notify fails will fail every 30 s, and the log must not fill with it. */
  private fail(kind: NotifyMessage['kind'], error: string): void {
    this.failed++;
    this.lastError = error;
    if (this.failureLogged) return;
    this.failureLogged = true;
    this.o.log.warn({ part: 'systemd', notify: kind, err: error }, 'cannot notify systemd; later failures are counted in status only (nxs status: systemd)');
  }
}
