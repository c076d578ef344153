import type { TierName } from '../config/schema.ts';
import type { LogLevel } from '../core/logger.ts';

/**
 * What a tier means to every part. Parts read `ctx.profile.current` when they
 * size something, and listen for `profile.changed` to shrink while running.
 */
export interface RuntimeProfile {
  tier: TierName;
  /** Jobs run at once across groups. */
  workerConcurrency: number;
  queue: { maxPerQueue: number; maxPerGroup: number };
  /** Heap budget of one agent worker, MiB. */
  agentMemoryMb: number;
  maxAgents: number;
  /** What one agent's IPC inbox may hold (src/supervisor/ipc-bound.ts): a full backlog refuses senders with a 429. */
  ipc: { maxMessages: number; maxBytes: number };
  logLevel: LogLevel;
  logRetentionDays: number;
  checkpoints: { keep: number; maxAgeDays: number; maxBytes: number };
  /** Coarse cadence of the resource monitor, when no event source exists. */
  monitorIntervalMs: number;
  /** Free disk below which large work is refused. */
  diskFloorBytes: number;
  /** Per command, except workspaceMb: what the sandbox workspace may hold in all (src/sandbox/workspace-quota.ts). */
  sandbox: { cpuSeconds: number; memoryMb: number; wallSeconds: number; maxProcesses: number; outputBytes: number; workspaceMb: number };
  features: { localModels: boolean; telegram: boolean; webhooks: boolean; scheduler: boolean; sandbox: boolean; fileChannel: boolean };
}

const MiB = 1024 * 1024;

/** Seed 000 §3.2 and §11: minimal is an emergency edge box, full a primary host. */
export const PROFILES: Readonly<Record<TierName, RuntimeProfile>> = {
  minimal: {
    tier: 'minimal',
    workerConcurrency: 1,
    queue: { maxPerQueue: 2_000, maxPerGroup: 200 },
    agentMemoryMb: 64,
    maxAgents: 4,
    ipc: { maxMessages: 1_000, maxBytes: 1 * MiB },
    logLevel: 'warn',
    logRetentionDays: 3,
    checkpoints: { keep: 3, maxAgeDays: 7, maxBytes: 20 * MiB },
    monitorIntervalMs: 60_000,
    diskFloorBytes: 64 * MiB,
    sandbox: { cpuSeconds: 10, memoryMb: 128, wallSeconds: 30, maxProcesses: 16, outputBytes: 64 * 1024, workspaceMb: 64 },
    features: { localModels: false, telegram: true, webhooks: true, scheduler: true, sandbox: true, fileChannel: true },
  },
  standard: {
    tier: 'standard',
    workerConcurrency: 4,
    queue: { maxPerQueue: 20_000, maxPerGroup: 1_000 },
    agentMemoryMb: 128,
    maxAgents: 16,
    ipc: { maxMessages: 10_000, maxBytes: 8 * MiB },
    logLevel: 'info',
    logRetentionDays: 14,
    checkpoints: { keep: 10, maxAgeDays: 30, maxBytes: 200 * MiB },
    monitorIntervalMs: 30_000,
    diskFloorBytes: 128 * MiB,
    sandbox: { cpuSeconds: 30, memoryMb: 256, wallSeconds: 60, maxProcesses: 64, outputBytes: 256 * 1024, workspaceMb: 256 },
    features: { localModels: true, telegram: true, webhooks: true, scheduler: true, sandbox: true, fileChannel: true },
  },
  full: {
    tier: 'full',
    workerConcurrency: 16,
    queue: { maxPerQueue: 100_000, maxPerGroup: 5_000 },
    agentMemoryMb: 512,
    maxAgents: 64,
    ipc: { maxMessages: 50_000, maxBytes: 32 * MiB },
    logLevel: 'info',
    logRetentionDays: 30,
    checkpoints: { keep: 30, maxAgeDays: 90, maxBytes: 1024 * MiB },
    monitorIntervalMs: 15_000,
    diskFloorBytes: 256 * MiB,
    sandbox: { cpuSeconds: 120, memoryMb: 1024, wallSeconds: 300, maxProcesses: 256, outputBytes: 1024 * 1024, workspaceMb: 1024 },
    features: { localModels: true, telegram: true, webhooks: true, scheduler: true, sandbox: true, fileChannel: true },
  },
};

/** The profile in force, replaceable while running (the monitor steps it down under pressure). */
export class ProfileHolder {
  private listeners = new Set<(p: RuntimeProfile, reason: string) => void>();
  private profile: RuntimeProfile;
  constructor(profile: RuntimeProfile) {
    this.profile = profile;
  }
  get current(): RuntimeProfile {
    return this.profile;
  }
  set(next: RuntimeProfile, reason: string): void {
    this.profile = next;
    for (const l of this.listeners) l(next, reason);
  }
  onChange(listener: (p: RuntimeProfile, reason: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
