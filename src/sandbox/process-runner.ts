import { spawn, type ChildProcess } from 'node:child_process';
import type { Readable } from 'node:stream';
import type { Clock, TimerHandle } from '../core/clock.ts';
import { NxsError, errorMessage } from '../core/errors.ts';
import { OutputCapture } from './output-capture.ts';
import type { BackendName, KillReason, RunResult, RunSpec } from './backend.ts';

export interface ProcessPlan {
  backend: BackendName;
  argv: string[];
  /** The whole environment of the spawned process: nothing of nxs's own leaks in. */
  env: Record<string, string>;
  cwd: string;
  /** Set when nxs runs as root: the spawned process drops to this uid/gid (libuv also clears supplementary groups). */
  uid?: number;
  gid?: number;
  /** Read a bwrap --info-fd on fd 3 to learn the pid-namespace init. */
  infoFd?: boolean;
  /**
   * How to end the tree. `term` comes first (at the wall deadline), `kill`
   * after the grace period if the process is still there.
   */
  kill(child: ChildProcess, phase: 'term' | 'kill', info: { childPid?: number }): void;
}

export interface RunOptions {
  clock: Clock;
  killGraceMs: number;
}

/**
 * Spawns a plan, captures bounded output, and enforces the wall time with one
 * exact timer (no polling). Resolves once every stdio pipe has closed, which for
 * a pid namespace means every process in it is gone.
 */
export function runProcess(plan: ProcessPlan, spec: RunSpec, opts: RunOptions): Promise<RunResult> {
  const started = opts.clock.monotonic();
  const capture = new OutputCapture(spec.limits.outputBytes);
  const info: { childPid?: number } = {};
  let killed: KillReason | null = null;
  let wallTimer: TimerHandle | null = null;
  let graceTimer: TimerHandle | null = null;

  return new Promise<RunResult>((resolve, reject) => {
    let child: ChildProcess;
    try {
      child = spawn(plan.argv[0]!, plan.argv.slice(1), {
        env: plan.env,
        cwd: plan.cwd,
        detached: true, // own process group, so the group can be signalled as one
        stdio: plan.infoFd ? ['ignore', 'pipe', 'pipe', 'pipe'] : ['ignore', 'pipe', 'pipe'],
        ...(plan.uid !== undefined ? { uid: plan.uid } : {}),
        ...(plan.gid !== undefined ? { gid: plan.gid } : {}),
      });
    } catch (err) {
      reject(new NxsError('NXS_ERR_SANDBOX_FAILED', `cannot start ${plan.backend}: ${errorMessage(err)}`, { backend: plan.backend }));
      return;
    }

    const stop = (reason: KillReason): void => {
      if (killed) return;
      killed = reason;
      safeKill(() => plan.kill(child, 'term', info));
      graceTimer = opts.clock.setTimeout(() => safeKill(() => plan.kill(child, 'kill', info)), opts.killGraceMs);
    };

    const onData = (stream: 'stdout' | 'stderr') => (chunk: Buffer) => {
      spec.onOutput?.(chunk, stream);
      if (capture.push(chunk, stream)) stop('output_limit');
    };
    child.stdout!.on('data', onData('stdout'));
    child.stderr!.on('data', onData('stderr'));
    if (plan.infoFd) readInfo(child.stdio[3] as Readable, info);

    wallTimer = opts.clock.setTimeout(() => stop('timeout'), spec.limits.wallSeconds * 1000);
    const onAbort = (): void => stop('aborted');
    if (spec.signal?.aborted) onAbort();
    spec.signal?.addEventListener('abort', onAbort, { once: true });

    let settled = false;
    const cleanup = (): boolean => {
      if (settled) return false;
      settled = true;
      if (wallTimer) opts.clock.clearTimeout(wallTimer);
      if (graceTimer) opts.clock.clearTimeout(graceTimer);
      spec.signal?.removeEventListener('abort', onAbort);
      return true;
    };
    child.on('error', (err) => {
      // Only a process that never started ends here; one that did still reports 'close'.
      if (child.pid === undefined && cleanup()) reject(new NxsError('NXS_ERR_SANDBOX_FAILED', `cannot start ${plan.backend}: ${errorMessage(err)}`, { backend: plan.backend }));
    });
    child.on('close', (code, signal) => {
      if (!cleanup()) return;
      resolve({
        backend: plan.backend,
        exitCode: code,
        signal,
        stdout: capture.text('stdout'),
        stderr: capture.text('stderr'),
        truncated: capture.truncated,
        killed,
        durationMs: Math.round(opts.clock.monotonic() - started),
      });
    });
  });
}

/** Signals a whole process group; a group already gone is not an error. */
export function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // ESRCH: the group has already exited.
  }
}

function safeKill(fn: () => void): void {
  try {
    fn();
  } catch {
    // ESRCH: nothing left to signal.
  }
}

function readInfo(stream: Readable, info: { childPid?: number }): void {
  let text = '';
  stream.on('data', (chunk: Buffer) => {
    text += chunk.toString('utf8');
    const m = /"child-pid"\s*:\s*(\d+)/.exec(text);
    if (m) info.childPid = Number(m[1]);
  });
  stream.on('error', () => {});
}
