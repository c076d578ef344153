import type { MountTable } from './mount-table.ts';

export type BackendName = 'bwrap' | 'docker' | 'none';

/** Per-call limits, from `ctx.profile.current.sandbox`. */
export interface SandboxLimits {
  cpuSeconds: number;
  memoryMb: number;
  wallSeconds: number;
  maxProcesses: number;
  outputBytes: number;
  /** RLIMIT_FSIZE of the command: no file it writes may grow past this (the room left in the workspace's bound); absent, no limit. */
  fileSizeBytes?: number;
}

export interface RunSpec {
  /** Run by /bin/sh -c inside the sandbox, with /workspace as the working folder. */
  command: string;
  table: MountTable;
  limits: SandboxLimits;
  /** The egress proxy's unix socket for this run, or null: no network at all inside. */
  egressSocket: string | null;
  /** Streamed output as it arrives (already bounded by nothing: the caller sees everything). */
  onOutput?: (chunk: Buffer, stream: 'stdout' | 'stderr') => void;
  signal?: AbortSignal;
}

export type KillReason = 'timeout' | 'output_limit' | 'aborted';

export interface RunResult {
  backend: BackendName;
  exitCode: number | null;
  /** The signal that ended the command's outermost process, if any. */
  signal: string | null;
  stdout: string;
  stderr: string;
  /** True when output beyond `outputBytes` was dropped (a marker ends the kept text). */
  truncated: boolean;
  killed: KillReason | null;
  durationMs: number;
}

/** One way of running a command confined: start with mounts and policy, stream output, enforce limits, kill. */
export interface SandboxBackend {
  readonly name: BackendName;
  /** Why this backend is confined (or not), for status and docs. */
  readonly description: string;
  run(spec: RunSpec): Promise<RunResult>;
}
