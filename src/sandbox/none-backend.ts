import type { Clock } from '../core/clock.ts';
import type { RunResult, RunSpec, SandboxBackend } from './backend.ts';
import { limitedCommand, sandboxEnv } from './bwrap-args.ts';
import { killGroup, runProcess } from './process-runner.ts';
import { existsSync } from 'node:fs';

/**
 * No confinement: the command runs on the host, in the workspace, with a
 * scrubbed environment, rlimits and its own process group. Used only while an
 * owner's `unsandboxed` override is active (the toolbox checks); mounts and
 * egress are not enforced here, which is why it is refused by default.
 */
export class NoneBackend implements SandboxBackend {
  readonly name = 'none' as const;
  readonly description = 'no sandbox: commands are refused unless the owner allows unsandboxed runs for a limited time';
  private readonly clock: Clock;
  private readonly killGraceMs: number;
  private readonly runAs: { uid: number; gid: number } | null;

  constructor(opts: { clock: Clock; killGraceMs: number; runAs: { uid: number; gid: number } | null }) {
    this.clock = opts.clock;
    this.killGraceMs = opts.killGraceMs;
    this.runAs = opts.runAs;
  }

  run(spec: RunSpec): Promise<RunResult> {
    const workspace = spec.table.mounts.find((m) => m.kind === 'workspace')!;
    const prlimit = ['/usr/bin/prlimit', '/bin/prlimit'].find((p) => existsSync(p)) ?? null;
    const argv = limitedCommand({ limits: spec.limits, command: spec.command, prlimit, egressSocket: null });
    return runProcess(
      {
        backend: 'none',
        argv,
        env: { ...sandboxEnv(false), HOME: workspace.source },
        cwd: workspace.source,
        ...(this.runAs ? { uid: this.runAs.uid, gid: this.runAs.gid } : {}),
        kill(child, phase) {
          killGroup(child, phase === 'term' ? 'SIGTERM' : 'SIGKILL');
        },
      },
      spec,
      { clock: this.clock, killGraceMs: this.killGraceMs },
    );
  }
}
