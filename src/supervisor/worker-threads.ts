import path from 'node:path';
import type { Context } from '../core/context.ts';
import { NxsError } from '../core/errors.ts';
import type { TimerHandle } from '../core/clock.ts';
import type { AgentStore } from './agent-store.ts';
import type { GpuScheduler } from './gpu-scheduler.ts';
import { AgentProcess, type ExitKind } from './agent-process.ts';
import { decideRestart, type RestartPolicy } from './restart-policy.ts';
import type { AgentOp } from './protocol.ts';
import { checkAgentModule } from './module-trust.ts';

interface Live {
  proc: AgentProcess | null;
  timer: TimerHandle | null;
}

/** Where the agent worker's entry is: bundled inside the single file, the .ts from source. */
export function agentWorkerFile(ctx: Context): string {
  return ctx.paths.packed ? path.join(ctx.paths.runtimeDir, 'workers', 'agent-worker.cjs') : path.join(ctx.paths.runtimeDir, 'src/supervisor/agent-worker.ts');
}

/**
 * Throws NXS_ERR_AGENT_MODULE_REFUSED unless `file` is safe to load as agent
 * code now (see checkAgentModule). The host's user is this process's.
 */
export function requireTrustedModule(file: string, agentsDir: string | undefined): void {
  if (!agentsDir) throw new NxsError('NXS_ERR_AGENT_MODULE_REFUSED', `agent module ${file} is not loaded: agent code comes only from an agents folder the operator configures (supervisor.agents_dir), and none is configured`, { module: file });
  const verdict = checkAgentModule(file, agentsDir, process.getuid!());
  if (!verdict.ok) throw new NxsError('NXS_ERR_AGENT_MODULE_REFUSED', `agent module ${file} is not loaded: ${verdict.reason}`, { module: file, agents_dir: agentsDir });
}

/**
 * The running image of the worker agents: one thread per agent, and the
 * restart cycle when one fails (decideRestart: back off, park a crash loop, or
 * stop). Host agents never come here.
 */
export class WorkerThreads {
  private readonly ctx: Context;
  private readonly store: AgentStore;
  private readonly gpu: GpuScheduler;
  private readonly random: () => number;
  private readonly onRequest: (agentId: string, op: AgentOp, args: Record<string, unknown>) => Promise<unknown>;
  private readonly live = new Map<string, Live>();
  private stopping = false;

  constructor(ctx: Context, deps: { store: AgentStore; gpu: GpuScheduler; random: () => number; onRequest: (agentId: string, op: AgentOp, args: Record<string, unknown>) => Promise<unknown> }) {
    this.ctx = ctx;
    this.store = deps.store;
    this.gpu = deps.gpu;
    this.random = deps.random;
    this.onRequest = deps.onRequest;
  }

  /**
   * Starts a new instance of a stored worker agent; returns its instance id.
   * Its module is checked again at every launch (a restart, the next boot):
   * one that is no longer safe parks the agent, with the reason, and throws.
   */
  launch(agentId: string): string {
    const row = this.store.get(Number(agentId));
    if (!row) throw new NxsError('NXS_ERR_AGENT_NOT_FOUND', `no agent ${agentId} to launch`, { agentId });
    const module = typeof row.settings.module === 'string' ? row.settings.module : null;
    const agentsDir = this.ctx.config.supervisor.agentsDir;
    if (module) {
      try {
        requireTrustedModule(module, agentsDir);
      } catch (err) {
        this.refused(row.agent_id, row.name, err as NxsError);
        throw err;
      }
    }
    const instanceId = String(this.store.newInstance(row.agent_id, this.ctx.clock.now()));
    const l: Live = { proc: null, timer: null };
    this.live.set(agentId, l);
    const proc: AgentProcess = new AgentProcess({
      workerFile: agentWorkerFile(this.ctx),
      data: { agentId, instanceId, name: row.name, module: module && agentsDir ? { file: module, agentsDir } : null, settings: row.settings },
      memoryMb: this.ctx.profile.current.agentMemoryMb,
      heartbeatMs: this.ctx.config.supervisor.heartbeatMs,
      clock: this.ctx.clock,
      onRequest: (op, args) => this.onRequest(agentId, op, args),
      onLog: (level, msg) => this.ctx.log[level === 'error' || level === 'warn' || level === 'debug' ? level : 'info']({ agentId, agent: row.name }, msg.slice(0, 2000)),
      onReady: () => {
        if (this.live.get(agentId)?.proc !== proc) return;
        this.store.setState(Number(agentId), 'running');
        this.ctx.events.emit('agent.started', { agentId, instanceId });
      },
      onExit: (kind, detail) => this.onExit(agentId, proc, kind, detail),
    });
    l.proc = proc;
    return instanceId;
  }

  private refused(agentId: number, name: string, err: NxsError): void {
    this.live.delete(String(agentId));
    this.store.setState(agentId, 'parked', err.message);
    const message = `agent ${name} (${agentId}) is parked: ${err.message}`;
    this.ctx.bootLog.add(message);
    this.ctx.events.emit('alert', { source: 'supervisor', code: 'NXS_ERR_AGENT_MODULE_REFUSED', message, severity: 'critical' });
  }

  /** Stops the agent's thread for good and forgets a pending restart (kill, restart, move into the host). */
  stop(agentId: string): void {
    const l = this.live.get(agentId);
    this.live.delete(agentId);
    if (l?.timer) this.ctx.clock.clearTimeout(l.timer);
    void l?.proc?.stop();
  }

  process(agentId: string): AgentProcess | null {
    return this.live.get(agentId)?.proc ?? null;
  }

  /** Threads alive now. */
  count(): number {
    let n = 0;
    for (const l of this.live.values()) if (l.proc) n++;
    return n;
  }

  async stopAll(): Promise<void> {
    this.stopping = true;
    const all = [...this.live.values()];
    this.live.clear();
    for (const l of all) if (l.timer) this.ctx.clock.clearTimeout(l.timer);
    await Promise.all(all.map((l) => l.proc?.stop()));
  }

  private onExit(agentId: string, proc: AgentProcess, kind: ExitKind, detail: string): void {
    const l = this.live.get(agentId);
    if (this.stopping || kind === 'stopped' || !l || l.proc !== proc) return;
    l.proc = null;
    const row = this.store.get(Number(agentId));
    if (!row) return;
    const now = this.ctx.clock.now();
    const policy: RestartPolicy = { ...this.ctx.config.supervisor.restart, mode: (['always', 'on-failure', 'never'] as const).find((m) => m === row.settings.restart) ?? 'on-failure' };
    const failures = kind === 'clean' ? [] : this.store.recordFailure(row.agent_id, now, `${kind}: ${detail}`, now - policy.crashLoopWindowMs);
    const released = this.gpu.releaseAgent(agentId);
    this.ctx.log.warn({ agentId, agent: row.name, kind, detail, releasedGpu: released.length }, 'agent stopped unexpectedly');
    this.ctx.events.emit('agent.crashed', { agentId, name: row.name, kind, detail });
    const decision = decideRestart({ policy, failures, cleanExit: kind === 'clean' }, now, this.random);
    if (decision.action === 'park') {
      this.store.setState(row.agent_id, 'parked', decision.reason);
      this.live.delete(agentId);
      const message = `agent ${row.name} (${agentId}) is parked after ${decision.reason}; last: ${kind}: ${detail}`;
      this.ctx.bootLog.add(message);
      this.ctx.events.emit('agent.crash_loop', { agentId, name: row.name, failures: decision.failuresInWindow, windowMs: policy.crashLoopWindowMs, last: `${kind}: ${detail}` });
      this.ctx.events.emit('alert', { source: 'supervisor', code: 'NXS_ERR_AGENT_PARKED', message, severity: 'critical' });
      return;
    }
    if (decision.action === 'stop') {
      this.store.setState(row.agent_id, 'stopped');
      this.live.delete(agentId);
      return;
    }
    this.store.setState(row.agent_id, 'restarting');
    this.ctx.events.emit('agent.restarting', { agentId, delayMs: decision.delayMs, attempt: decision.attempt });
    l.timer = this.ctx.clock.setTimeout(() => {
      l.timer = null;
      if (this.stopping || this.live.get(agentId) !== l || !this.store.get(row.agent_id)) return;
      this.store.countRestart(row.agent_id);
      try {
        this.launch(agentId);
      } catch (err) {
        // A refused module has parked the agent and raised an alert; nothing more to do on a timer.
        if (!(err instanceof NxsError && err.code === 'NXS_ERR_AGENT_MODULE_REFUSED')) throw err;
      }
    }, decision.delayMs);
  }
}
