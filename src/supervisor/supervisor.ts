import { availableParallelism } from 'node:os';
import type { Context } from '../core/context.ts';
import { NxsError } from '../core/errors.ts';
import type { Capability } from '../core/capabilities.ts';
import type { AgentInfo, SpawnSpec, Supervisor } from './types.ts';
import type { AgentDefinition } from './config.ts';
import { AgentStore, type AgentRow } from './agent-store.ts';
import type { AgentProcess } from './agent-process.ts';
import { SqlAuditTrail } from './audit.ts';
import { GpuScheduler } from './gpu-scheduler.ts';
import { resolveSpawn } from './spawn-spec.ts';
import { WorkerThreads, requireTrustedModule } from './worker-threads.ts';
import type { AgentOp } from './protocol.ts';

export interface Actor {
  /** `operator`, `token:<id>` or `agent:<id>`. */
  principal: string;
  capabilities: ReadonlySet<Capability>;
  agentId?: string;
}

export { agentWorkerFile } from './worker-threads.ts';

/**
 * Keeps agents alive: spawns each in a worker thread (WorkerThreads restarts
 * the ones that fail and parks crash loops), enforces the tier's limit, and
 * records every privileged operation in the audit trail. The agents table is
 * the truth; threads are its running image, rebuilt on each boot.
 *
 * Host agents (runtime `host`, nxs's own built-in agents such as the
 * assistant's record) are rows only: their work happens in the host's own
 * code, so they get no thread, heartbeat or restart, take no tier slot, and
 * are `running` from spawn until killed, across host restarts too. A worker
 * costs 8-10 MB of RSS and a 10 s heartbeat that wakes an idle host; an
 * identity needs neither.
 */
export class AgentSupervisor implements Supervisor {
  readonly audit: SqlAuditTrail;
  readonly gpu: GpuScheduler;
  readonly store: AgentStore;
  private readonly ctx: Context;
  private readonly threads: WorkerThreads;
  /** Set by the step: the agent's own requests (spawn, kill, gpu, ipc) go here. */
  requestHandler: ((agentId: string, op: AgentOp, args: Record<string, unknown>) => Promise<unknown>) | null = null;

  constructor(ctx: Context, opts: { gpu: GpuScheduler; random?: () => number }) {
    this.ctx = ctx;
    this.store = new AgentStore(ctx.db);
    this.audit = new SqlAuditTrail(ctx.db, ctx.clock, ctx.redactor);
    this.gpu = opts.gpu;
    this.threads = new WorkerThreads(ctx, {
      store: this.store,
      gpu: this.gpu,
      random: opts.random ?? Math.random,
      onRequest: (agentId, op, args) => (this.requestHandler ? this.requestHandler(agentId, op, args) : Promise.reject(new Error('the host takes no requests yet'))),
    });
  }

  definition(name: string): AgentDefinition | undefined {
    return this.ctx.config.supervisor.agents.find((a) => a.name === name);
  }

  /**
   * Every way in (the API, an agent's request, config autostart, a restored
   * checkpoint) comes here, so the module check is here: a module outside the
   * agents folder, or one that someone other than the host's user could have
   * written, is refused before any row exists, and the refusal is audited.
   */
  spawn(spec: SpawnSpec, by: string): { agent_id: string; instance_id: string } {
    const agentsDir = this.ctx.config.supervisor.agentsDir;
    let a: ReturnType<typeof resolveSpawn>;
    try {
      a = resolveSpawn(spec, this.definition(spec.name), agentsDir);
      if (typeof a.settings.module === 'string') requireTrustedModule(a.settings.module, agentsDir);
    } catch (err) {
      this.auditRefusedModule(err, spec, by);
      throw err;
    }
    const module = typeof a.settings.module === 'string' ? a.settings.module : null;
    const now = this.ctx.clock.now();
    let id: string;
    let instance: string;
    if (a.runtime === 'host') {
      const r = this.store.insertRunning({ name: a.name, capabilities: a.capabilities, settings: a.settings, now });
      id = String(r.agentId);
      instance = String(r.instanceId);
    } else {
      this.ensureRoom('spawn');
      id = String(this.store.insert({ name: a.name, capabilities: a.capabilities, settings: a.settings, now }));
      try {
        instance = this.threads.launch(id);
      } catch (err) {
        // The module changed between the check above and the launch's own: no half-made agent stays behind.
        this.store.remove(Number(id));
        this.auditRefusedModule(err, spec, by);
        throw err;
      }
    }
    // `module: null` is a shipped agent's code; `by` is the caller's own principal (token:<id>, agent:<id>, operator).
    this.audit.record({ agent_id: id, operation_type: 'agent.spawn', allowed: true, principal: by, details: { name: a.name, capabilities: a.capabilities, runtime: a.runtime, module } });
    if (a.runtime === 'host') this.ctx.events.emit('agent.started', { agentId: id, instanceId: instance });
    return { agent_id: id, instance_id: instance };
  }

  private auditRefusedModule(err: unknown, spec: SpawnSpec, by: string): void {
    if (!(err instanceof NxsError && err.code === 'NXS_ERR_AGENT_MODULE_REFUSED')) return;
    const module = spec.settings?.module ?? this.definition(spec.name)?.module ?? null;
    this.audit.record({ agent_id: 'host', operation_type: 'denied:agent.spawn.module', allowed: false, principal: by, details: { name: spec.name, module, reason: err.message } });
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
    this.threads.stop(agentId);
    const released = this.gpu.releaseAgent(agentId);
    this.store.remove(Number(agentId));
    this.audit.record({ agent_id: agentId, operation_type: 'agent.kill', allowed: true, principal: by, details: { released_gpu_handles: released.map((c) => c.handle) } });
    this.ctx.events.emit('agent.killed', { agentId, by });
  }

  /** Starts a fresh instance now, clearing a parked state and the failure history (an operator's decision). */
  restart(agentId: string, reason: string): void {
    const row = this.require(agentId);
    if (row.runtime === 'host') throw inHost(row, 'has no worker to restart (restarting the host restarts it)');
    // A running agent is replaced in its own slot; a parked or stopped one needs a free slot.
    if (!isActive(row)) this.ensureRoom('restart');
    this.threads.stop(agentId);
    this.gpu.releaseAgent(agentId);
    this.store.clearFailures(Number(agentId));
    this.store.countRestart(Number(agentId));
    this.ctx.log.info({ agentId, reason }, 'agent restart requested');
    this.threads.launch(agentId);
  }

  /** A copy of the settings the agent was spawned with (module, restart, free-form), or null for an unknown id. */
  settingsOf(agentId: string): Record<string, unknown> | null {
    const row = this.row(agentId);
    return row ? structuredClone(row.settings) : null;
  }

  /**
   * Adopts a worker agent as a host agent: its thread stops for good, its
   * failures and parked state are forgotten, and it is `running` from now on.
   * A no-op for a host agent. For nxs's own code only (no route reaches it).
   */
  moveIntoHost(agentId: string, by: string): void {
    const row = this.require(agentId);
    if (row.runtime === 'host') return;
    this.threads.stop(agentId);
    const released = this.gpu.releaseAgent(agentId);
    const { module: _m, restart: _r, ...settings } = row.settings;
    this.ctx.db.transaction(() => {
      this.store.setSettings(row.agent_id, { ...settings, runtime: 'host' });
      this.store.clearFailures(row.agent_id);
      this.store.setState(row.agent_id, 'running');
    })();
    this.audit.record({ agent_id: agentId, operation_type: 'agent.runtime', allowed: true, principal: by, details: { from: 'worker', to: 'host', released_gpu_handles: released.map((c) => c.handle) } });
    this.ctx.log.info({ agentId, agent: row.name, by }, 'agent moved into the host runtime (no worker thread)');
  }

  /** The tier's maxAgents counts worker agents not parked or stopped (restarting ones hold their slot). */
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
    if (row.runtime === 'host') throw inHost(row, 'takes no tasks: its work happens in the host\'s own code');
    if (row.state === 'parked') throw new NxsError('NXS_ERR_AGENT_PARKED', `agent ${agentId} is parked (${row.parked_reason ?? 'crash loop'}); restart it first`);
    const proc = this.threads.process(agentId);
    if (!proc || row.state !== 'running') throw new NxsError('NXS_ERR_AGENT_UNAVAILABLE', `agent ${agentId} is ${row.state}; retry when it is running`);
    return proc.task(input, this.ctx.config.supervisor.taskTimeoutMs);
  }

  process(agentId: string): AgentProcess | null {
    return this.threads.process(agentId);
  }

  /** Worker threads alive now (a host agent has none). */
  workerCount(): number {
    return this.threads.count();
  }

  /** At boot: bring back every agent that was alive when the host stopped; parked ones stay parked; host agents just are. */
  resume(): void {
    const { maxAgents: max, tier } = this.ctx.profile.current;
    let launched = 0;
    for (const row of this.store.list()) {
      if (row.runtime === 'host') {
        // Nothing to launch: the host's own code is its running image. Only repair a state no host agent should hold.
        if (row.state !== 'running') this.store.setState(row.agent_id, 'running');
        continue;
      }
      if (!isActive(row)) continue;
      if (launched >= max) {
        // The box may have shrunk to a smaller tier since: the extra agents wait
        // parked (visible, kept across restarts) rather than overcommit memory.
        const reason = `the ${tier} tier runs at most ${max} agents`;
        this.store.setState(row.agent_id, 'parked', reason);
        this.ctx.bootLog.add(`agent ${row.name} (${row.agent_id}) parked at boot: ${reason}; nxs agents restart ${row.agent_id} once another is killed`);
        continue;
      }
      try {
        this.threads.launch(String(row.agent_id));
      } catch (err) {
        // Its module is no longer safe: launch parked it with the reason in the boot log; the others still start.
        if (err instanceof NxsError && err.code === 'NXS_ERR_AGENT_MODULE_REFUSED') continue;
        throw err;
      }
      launched++;
    }
    for (const def of this.ctx.config.supervisor.agents) {
      if (!def.autostart || this.store.list().some((r) => r.name === def.name)) continue;
      try {
        this.spawn({ name: def.name }, 'config');
      } catch (err) {
        if (!(err instanceof NxsError && (err.code === 'NXS_ERR_AGENT_LIMIT' || err.code === 'NXS_ERR_AGENT_MODULE_REFUSED'))) throw err;
        this.ctx.log.warn({ agent: def.name, max }, `autostart agent not started: ${err.message}`);
        if (err.code === 'NXS_ERR_AGENT_MODULE_REFUSED') this.ctx.bootLog.add(`autostart agent ${def.name} not started: ${err.message}`);
      }
    }
  }

  async stopAll(): Promise<void> {
    await this.threads.stopAll();
  }

  private row(agentId: string): AgentRow | null {
    return /^\d{1,15}$/.test(agentId) ? this.store.get(Number(agentId)) : null;
  }

  private info(r: AgentRow): AgentInfo {
    const proc = this.threads.process(String(r.agent_id));
    return {
      agentId: String(r.agent_id),
      instanceId: String(r.instance_id),
      name: r.name,
      state: r.state,
      runtime: r.runtime,
      capabilities: r.capabilities,
      restarts: r.restarts,
      cpuId: r.cpu_id,
      memoryBudgetMb: r.runtime === 'host' ? null : this.ctx.profile.current.agentMemoryMb,
      heapUsedBytes: proc?.heapUsed ?? null,
      startedAt: r.started_at,
    };
  }
}

/** Holds a tier slot: a worker agent that is not parked or stopped. */
function isActive(row: AgentRow): boolean {
  return row.runtime === 'worker' && row.state !== 'parked' && row.state !== 'stopped';
}

function inHost(row: AgentRow, what: string): NxsError {
  return new NxsError('NXS_ERR_AGENT_IN_HOST', `agent ${row.agent_id} (${row.name}) runs inside the host process and ${what}`, { agentId: String(row.agent_id), runtime: 'host' });
}
