import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { availableParallelism } from 'node:os';
import type { Context } from '../core/context.ts';
import type { TimerHandle } from '../core/clock.ts';
import { NxsError } from '../core/errors.ts';
import { DEFAULT_AGENT_CAPABILITIES, hasCapability, isCapability, CAPABILITIES, type Capability } from '../core/capabilities.ts';
import type { AgentInfo, SpawnSpec, Supervisor } from './types.ts';
import type { AgentDefinition } from './config.ts';
import { AgentStore, type AgentRow } from './agent-store.ts';
import { AgentProcess, type ExitKind } from './agent-process.ts';
import { SqlAuditTrail } from './audit.ts';
import { GpuScheduler } from './gpu-scheduler.ts';
import { decideRestart, type RestartPolicy } from './restart-policy.ts';
import type { AgentOp } from './protocol.ts';

export interface Actor {
  /** `operator`, `token:<id>` or `agent:<id>`. */
  principal: string;
  capabilities: ReadonlySet<Capability>;
  agentId?: string;
}

interface Live {
  proc: AgentProcess | null;
  timer: TimerHandle | null;
}

/** Where the agent worker's entry is: bundled inside the single file, the .ts from source. */
export function agentWorkerFile(ctx: Context): string {
  return ctx.paths.packed ? path.join(ctx.paths.runtimeDir, 'workers', 'agent-worker.cjs') : path.join(ctx.paths.runtimeDir, 'src/supervisor/agent-worker.ts');
}

/**
 * Keeps agents alive: spawns each in a worker thread, restarts the ones that
 * fail (decideRestart), parks crash loops, and records every privileged
 * operation in the audit trail. The agents table is the truth; threads are
 * its running image, rebuilt on each boot.
 */
export class AgentSupervisor implements Supervisor {
  readonly audit: SqlAuditTrail;
  readonly gpu: GpuScheduler;
  readonly store: AgentStore;
  private readonly ctx: Context;
  private readonly live = new Map<string, Live>();
  private readonly random: () => number;
  private stopping = false;
  /** Set by the step: the agent's own requests (spawn, kill, gpu, ipc) go here. */
  requestHandler: ((agentId: string, op: AgentOp, args: Record<string, unknown>) => Promise<unknown>) | null = null;

  constructor(ctx: Context, opts: { gpu: GpuScheduler; random?: () => number }) {
    this.ctx = ctx;
    this.store = new AgentStore(ctx.db);
    this.audit = new SqlAuditTrail(ctx.db, ctx.clock, ctx.redactor);
    this.gpu = opts.gpu;
    this.random = opts.random ?? Math.random;
  }

  private get cfg() {
    return this.ctx.config.supervisor;
  }

  definition(name: string): AgentDefinition | undefined {
    return this.ctx.config.supervisor.agents.find((a) => a.name === name);
  }

  spawn(spec: SpawnSpec, by: string): { agent_id: string; instance_id: string } {
    if (typeof spec.name !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/.test(spec.name)) {
      throw new NxsError('NXS_ERR_AGENT_INVALID', `name must be 1-64 letters, digits, ".", "_" or "-"; got ${JSON.stringify(spec.name) ?? 'nothing'}`);
    }
    const def = this.definition(spec.name);
    const caps = validCaps(spec.capabilities ?? def?.capabilities ?? [...DEFAULT_AGENT_CAPABILITIES]);
    const settings = { ...(def?.settings ?? {}), ...(spec.settings ?? {}) };
    const module = typeof settings.module === 'string' ? settings.module : def?.module;
    if (module !== undefined && !path.isAbsolute(module)) throw new NxsError('NXS_ERR_AGENT_INVALID', `settings.module must be an absolute path to an ES module; got ${JSON.stringify(module)}`);
    this.ensureRoom('spawn');
    const id = this.store.insert({ name: spec.name, capabilities: caps, settings: { ...settings, ...(module ? { module } : {}), restart: settings.restart ?? def?.restart ?? 'on-failure' }, now: this.ctx.clock.now() });
    const instance = this.launch(String(id));
    this.audit.record({ agent_id: String(id), operation_type: 'agent.spawn', allowed: true, principal: by, details: { name: spec.name, capabilities: caps } });
    return { agent_id: String(id), instance_id: instance };
  }

  get(agentId: string): AgentInfo | null {
    const row = this.row(agentId);
    return row ? this.info(row) : null;
  }

  list(): AgentInfo[] {
    return this.store.list().map((r) => this.info(r));
  }

  require(agentId: string): AgentRow {
    const row = this.row(agentId);
    if (!row) throw new NxsError('NXS_ERR_AGENT_NOT_FOUND', `no agent ${agentId} (see GET /api/agents or nxs agents ls)`, { agentId });
    return row;
  }

  kill(agentId: string, by: string): void {
    this.require(agentId);
    const l = this.live.get(agentId);
    this.live.delete(agentId);
    if (l?.timer) this.ctx.clock.clearTimeout(l.timer);
    void l?.proc?.stop();
    const released = this.gpu.releaseAgent(agentId);
    this.store.remove(Number(agentId));
    this.audit.record({ agent_id: agentId, operation_type: 'agent.kill', allowed: true, principal: by, details: { released_gpu_handles: released.map((c) => c.handle) } });
    this.ctx.events.emit('agent.killed', { agentId, by });
  }

  /** Starts a fresh instance now, clearing a parked state and the failure history (an operator's decision). */
  restart(agentId: string, reason: string): void {
    const row = this.require(agentId);
    // A running agent is replaced in its own slot; a parked or stopped one needs a free slot.
    if (!isActive(row)) this.ensureRoom('restart');
    const l = this.live.get(agentId);
    if (l?.timer) this.ctx.clock.clearTimeout(l.timer);
    if (l) l.timer = null;
    const old = l?.proc;
    if (l) l.proc = null;
    void old?.stop();
    this.gpu.releaseAgent(agentId);
    this.store.clearFailures(Number(agentId));
    this.store.countRestart(Number(agentId));
    this.ctx.log.info({ agentId, reason }, 'agent restart requested');
    this.launch(agentId);
  }

  /** A copy of the settings the agent was spawned with (module, restart, free-form), or null for an unknown id. */
  settingsOf(agentId: string): Record<string, unknown> | null {
    const row = this.row(agentId);
    return row ? structuredClone(row.settings) : null;
  }

  /** The tier's maxAgents counts agents not parked or stopped (restarting ones hold their slot). */
  private ensureRoom(op: 'spawn' | 'restart'): void {
    const active = this.store.list().filter(isActive).length;
    const { maxAgents: max, tier } = this.ctx.profile.current;
    if (active >= max) {
      throw new NxsError('NXS_ERR_AGENT_LIMIT', `cannot ${op} an agent: the ${tier} tier runs at most ${max} agents and ${active} are running; kill one first (nxs agents kill ID) or run a larger tier`, { max, active, tier });
    }
  }

  capabilitiesOf(agentId: string): ReadonlySet<Capability> {
    return new Set(this.row(agentId)?.capabilities ?? []);
  }

  migrate(agentId: string, targetCpu: unknown): void {
    this.require(agentId);
    const cpus = availableParallelism();
    if (typeof targetCpu !== 'number' || !Number.isInteger(targetCpu) || targetCpu < 0 || targetCpu >= cpus) {
      throw new NxsError('NXS_ERR_CPU_INVALID', `target_cpu must be an integer from 0 to ${cpus - 1} (this machine has ${cpus} CPUs); got ${JSON.stringify(targetCpu) ?? 'nothing'}`, { cpus });
    }
    this.store.setCpu(Number(agentId), targetCpu);
  }

  task(agentId: string, input: unknown): Promise<unknown> {
    const row = this.require(agentId);
    if (row.state === 'parked') throw new NxsError('NXS_ERR_AGENT_PARKED', `agent ${agentId} is parked (${row.parked_reason ?? 'crash loop'}); restart it first`);
    const proc = this.live.get(agentId)?.proc;
    if (!proc || row.state !== 'running') throw new NxsError('NXS_ERR_AGENT_UNAVAILABLE', `agent ${agentId} is ${row.state}; retry when it is running`);
    return proc.task(input, this.cfg.taskTimeoutMs);
  }

  process(agentId: string): AgentProcess | null {
    return this.live.get(agentId)?.proc ?? null;
  }

  /** At boot: bring back every agent that was alive when the host stopped; parked ones stay parked. */
  resume(): void {
    const { maxAgents: max, tier } = this.ctx.profile.current;
    let launched = 0;
    for (const row of this.store.list()) {
      if (!isActive(row)) continue;
      if (launched >= max) {
        // The box may have shrunk to a smaller tier since: the extra agents wait
        // parked (visible, kept across restarts) rather than overcommit memory.
        const reason = `the ${tier} tier runs at most ${max} agents`;
        this.store.setState(row.agent_id, 'parked', reason);
        this.ctx.bootLog.add(`agent ${row.name} (${row.agent_id}) parked at boot: ${reason}; nxs agents restart ${row.agent_id} once another is killed`);
        continue;
      }
      this.launch(String(row.agent_id));
      launched++;
    }
    for (const def of this.ctx.config.supervisor.agents) {
      if (!def.autostart || this.store.list().some((r) => r.name === def.name)) continue;
      try {
        this.spawn({ name: def.name }, 'config');
      } catch (err) {
        if (!(err instanceof NxsError && err.code === 'NXS_ERR_AGENT_LIMIT')) throw err;
        this.ctx.log.warn({ agent: def.name, max }, `autostart agent not started: ${err.message}`);
      }
    }
  }

  async stopAll(): Promise<void> {
    this.stopping = true;
    const all = [...this.live.values()];
    this.live.clear();
    for (const l of all) if (l.timer) this.ctx.clock.clearTimeout(l.timer);
    await Promise.all(all.map((l) => l.proc?.stop()));
  }

  private row(agentId: string): AgentRow | null {
    return /^\d{1,15}$/.test(agentId) ? this.store.get(Number(agentId)) : null;
  }

  private launch(agentId: string): string {
    const row = this.require(agentId);
    const instanceId = String(this.store.newInstance(row.agent_id, this.ctx.clock.now()));
    const module = typeof row.settings.module === 'string' ? row.settings.module : null;
    const memoryMb = this.ctx.profile.current.agentMemoryMb;
    const l: Live = this.live.get(agentId) ?? { proc: null, timer: null };
    this.live.set(agentId, l);
    const proc: AgentProcess = new AgentProcess({
      workerFile: agentWorkerFile(this.ctx),
      data: { agentId, instanceId, name: row.name, moduleUrl: module ? pathToFileURL(module).href : null, settings: row.settings },
      memoryMb,
      heartbeatMs: this.cfg.heartbeatMs,
      clock: this.ctx.clock,
      onRequest: (op, args) => (this.requestHandler ? this.requestHandler(agentId, op, args) : Promise.reject(new Error('the host takes no requests yet'))),
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

  private onExit(agentId: string, proc: AgentProcess, kind: ExitKind, detail: string): void {
    const l = this.live.get(agentId);
    if (this.stopping || kind === 'stopped' || !l || l.proc !== proc) return;
    l.proc = null;
    const row = this.store.get(Number(agentId));
    if (!row) return;
    const now = this.ctx.clock.now();
    const policy: RestartPolicy = { ...this.cfg.restart, mode: (['always', 'on-failure', 'never'] as const).find((m) => m === row.settings.restart) ?? 'on-failure' };
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
      this.ctx.events.emit('alert', { source: 'supervisor', code: 'agent.crash_loop', message, severity: 'critical' });
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
      this.launch(agentId);
    }, decision.delayMs);
  }

  private info(r: AgentRow): AgentInfo {
    const proc = this.live.get(String(r.agent_id))?.proc;
    return {
      agentId: String(r.agent_id),
      instanceId: String(r.instance_id),
      name: r.name,
      state: r.state,
      capabilities: r.capabilities,
      restarts: r.restarts,
      cpuId: r.cpu_id,
      memoryBudgetMb: this.ctx.profile.current.agentMemoryMb,
      heapUsedBytes: proc?.heapUsed ?? null,
      startedAt: r.started_at,
    };
  }
}

function isActive(row: AgentRow): boolean {
  return row.state !== 'parked' && row.state !== 'stopped';
}

export function validCaps(value: unknown): Capability[] {
  if (!Array.isArray(value)) throw new NxsError('NXS_ERR_AGENT_INVALID', `capabilities must be a list of ${CAPABILITIES.join(', ')}`);
  for (const c of value) if (!isCapability(c)) throw new NxsError('NXS_ERR_AGENT_INVALID', `unknown capability ${JSON.stringify(c)}; expected one of ${CAPABILITIES.join(', ')}`);
  return [...new Set(value as Capability[])];
}

export { hasCapability };
