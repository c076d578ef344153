import type { Clock } from '../core/clock.ts';
import type { RunResult, RunSpec, SandboxBackend } from './backend.ts';
import { quickRun } from './bwrap-backend.ts';
import { sandboxEnv } from './bwrap-args.ts';
import { killGroup, runProcess } from './process-runner.ts';

/** Is a container runtime usable (daemon answering), not merely installed? */
export async function probeDocker(cmd: 'docker' | 'podman', timeoutMs = 3000, signal?: AbortSignal): Promise<{ ok: boolean; detail: string }> {
  const r = await quickRun(cmd, ['info', '--format', '{{.ServerVersion}}'], null, timeoutMs, signal);
  return r.code === 0 ? { ok: true, detail: `${cmd} ${r.stdout.trim()}` } : { ok: false, detail: `${cmd} info failed: ${(r.stderr.trim().split('\n').pop() ?? '') || `exit ${r.code}`}` };
}

/** Pure: the `docker run` line for one call (network none, read-only root, non-root user, limits). */
export function buildDockerArgs(cmd: string, image: string, spec: Pick<RunSpec, 'command' | 'table' | 'limits'>, user: string): string[] {
  const a = [cmd, 'run', '--rm', '-i', '--network', 'none', '--read-only', '--user', user, '--cap-drop', 'ALL', '--security-opt', 'no-new-privileges'];
  a.push('--memory', `${spec.limits.memoryMb}m`, '--pids-limit', String(spec.limits.maxProcesses), '--ulimit', `cpu=${spec.limits.cpuSeconds}`);
  // RLIMIT_FSIZE in bytes, as runc sets it; the workspace's bound (src/sandbox/workspace-quota.ts).
  if (spec.limits.fileSizeBytes !== undefined) a.push('--ulimit', `fsize=${spec.limits.fileSizeBytes}`);
  a.push('--tmpfs', '/tmp', '--workdir', '/workspace');
  for (const [k, v] of Object.entries(sandboxEnv(false))) a.push('--env', `${k}=${v}`);
  for (const m of spec.table.mounts) a.push('--volume', `${m.source}:${m.target}:${m.writable ? 'rw' : 'ro'}`);
  a.push(image, '/bin/sh', '-c', spec.command);
  return a;
}

export interface DockerOptions {
  cmd: 'docker' | 'podman';
  image: string;
  clock: Clock;
  killGraceMs: number;
  user: string;
  /** PATH for the client (from ctx.env), so it finds its helpers. */
  clientPath: string;
}

/**
 * Docker or podman, when detection finds a daemon. Kept small: this box has
 * none, so beyond detection and the argv it is not exercised by tests. Egress
 * through the proxy is not offered here (network none).
 */
export class DockerBackend implements SandboxBackend {
  readonly name = 'docker' as const;
  readonly description: string;
  private readonly opts: DockerOptions;

  constructor(opts: DockerOptions) {
    this.opts = opts;
    this.description = `${opts.cmd} (${opts.image}): network none, read-only root, user ${opts.user}`;
  }

  run(spec: RunSpec): Promise<RunResult> {
    const argv = buildDockerArgs(this.opts.cmd, this.opts.image, spec, this.opts.user);
    return runProcess(
      {
        backend: 'docker',
        argv,
        env: { PATH: this.opts.clientPath },
        cwd: '/',
        kill(child, phase) {
          // The client forwards signals to the container (sig-proxy); --rm removes it.
          killGroup(child, phase === 'term' ? 'SIGTERM' : 'SIGKILL');
        },
      },
      { ...spec, egressSocket: null },
      { clock: this.opts.clock, killGraceMs: this.opts.killGraceMs },
    );
  }
}
