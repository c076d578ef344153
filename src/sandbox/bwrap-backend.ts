import { spawn } from 'node:child_process';
import { lstatSync, readlinkSync, existsSync } from 'node:fs';
import type { Clock } from '../core/clock.ts';
import type { Logger } from '../core/logger.ts';
import type { RunResult, RunSpec, SandboxBackend } from './backend.ts';
import { buildBwrapArgs, sandboxEnv, type SystemEntry } from './bwrap-args.ts';
import type { ForwarderLaunch } from './forwarder-launch.ts';
import { isInside } from './mount-table.ts';
import { killGroup, runProcess } from './process-runner.ts';

export interface BwrapOptions {
  bwrap: string;
  clock: Clock;
  log: Logger;
  systemPaths: readonly string[];
  /** Real paths never bound in, even if a system path would contain them. */
  forbidden: readonly string[];
  /** Drop to this uid/gid before bwrap when nxs runs as root (see probeBwrap). */
  runAs: { uid: number; gid: number } | null;
  killGraceMs: number;
  disableUserns: boolean;
  forwarder?: ForwarderLaunch | undefined;
}

export class BwrapBackend implements SandboxBackend {
  readonly name = 'bwrap' as const;
  readonly description: string;
  private readonly opts: BwrapOptions;
  private readonly system: SystemEntry[];
  private readonly prlimit: string | null;

  constructor(opts: BwrapOptions) {
    this.opts = opts;
    this.system = describeSystemPaths(opts.systemPaths, opts.forbidden, opts.log);
    this.prlimit = ['/usr/bin/prlimit', '/bin/prlimit'].find((p) => existsSync(p) && this.system.some((e) => e.kind === 'bind' && isInside(p, e.path))) ?? null;
    this.description = `bubblewrap: new user, pid, mount, net, ipc, uts namespaces; uid ${opts.runAs ? opts.runAs.uid : process.getuid?.()} inside; limits by ${this.prlimit ?? 'sh ulimit'}`;
  }

  run(spec: RunSpec): Promise<RunResult> {
    const argv = buildBwrapArgs({
      table: spec.table,
      system: this.system,
      limits: spec.limits,
      command: spec.command,
      egressSocket: spec.egressSocket,
      forwarder: this.opts.forwarder,
      prlimit: this.prlimit,
      disableUserns: this.opts.disableUserns,
    });
    argv[0] = this.opts.bwrap;
    return runProcess(
      {
        backend: 'bwrap',
        argv,
        // bwrap's own environment is what pid 1 inside shows in /proc/1/environ: keep it as clean as the command's.
        env: sandboxEnv(false),
        cwd: '/',
        ...(this.opts.runAs ? { uid: this.opts.runAs.uid, gid: this.opts.runAs.gid } : {}),
        infoFd: true,
        kill(child, phase, info) {
          // Killing the pid namespace's init makes the kernel kill everything in
          // it, and bwrap outside exits only once they are all reaped. A trapped
          // SIGTERM inside cannot delay this.
          if (info.childPid !== undefined) process.kill(info.childPid, 'SIGKILL');
          killGroup(child, phase === 'term' && info.childPid !== undefined ? 'SIGTERM' : 'SIGKILL');
        },
      },
      spec,
      { clock: this.opts.clock, killGraceMs: this.opts.killGraceMs },
    );
  }
}

/** Which system paths exist here and how to show them; any that would expose a secret folder is skipped. */
export function describeSystemPaths(paths: readonly string[], forbidden: readonly string[], log: Logger): SystemEntry[] {
  const out: SystemEntry[] = [];
  for (const p of paths) {
    if (forbidden.some((f) => isInside(f, p) || isInside(p, f))) {
      log.warn({ path: p }, 'sandbox: system path skipped: it would expose the data folder or NXS_HOME');
      continue;
    }
    try {
      const st = lstatSync(p);
      out.push(st.isSymbolicLink() ? { path: p, kind: 'symlink', link: readlinkSync(p) } : { path: p, kind: 'bind' });
    } catch {
      // Absent on this box (say /lib32): nothing to show.
    }
  }
  return out;
}

export interface BwrapProbe {
  ok: boolean;
  disableUserns: boolean;
  detail: string;
}

/**
 * Can bwrap create its namespaces here? Tries the exact shape used for runs
 * (user namespace, all others unshared), first with --disable-userns (bwrap
 * 0.8+), then without. Runs as `runAs` when nxs is root: as real root, bwrap's
 * user is root outside too and RLIMIT_NPROC is not enforced for root.
 */
export async function probeBwrap(bwrap: string, runAs: { uid: number; gid: number } | null): Promise<BwrapProbe> {
  let last = '';
  for (const disable of [true, false]) {
    const args = ['--unshare-all', '--unshare-user', ...(disable ? ['--disable-userns'] : []), '--die-with-parent', '--new-session', '--ro-bind', '/', '/', '--size', '1048576', '--perms', '1777', '--tmpfs', '/tmp', '--', '/bin/true'];
    const r = await quickRun(bwrap, args, runAs);
    if (r.code === 0) return { ok: true, disableUserns: disable, detail: `bwrap works${disable ? ' with --disable-userns' : ''}` };
    last = r.stderr.trim() || `exit ${r.code}`;
  }
  return { ok: false, disableUserns: false, detail: `bwrap cannot create namespaces here: ${last}` };
}

export function quickRun(cmd: string, args: string[], runAs: { uid: number; gid: number } | null, timeoutMs = 5000, signal?: AbortSignal): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    let stdout = '';
    let stderr = '';
    const child = spawn(cmd, args, { env: sandboxEnv(false), cwd: '/', stdio: ['ignore', 'pipe', 'pipe'], timeout: timeoutMs, ...(signal ? { signal } : {}), ...(runAs ? { uid: runAs.uid, gid: runAs.gid } : {}) });
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', (err) => resolve({ code: null, stdout, stderr: stderr + err.message }));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
