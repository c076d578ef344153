import type { Db } from '../store/database.ts';
import type { Capability } from '../core/capabilities.ts';
import type { AgentRuntime, AgentState } from './types.ts';

export interface AgentRow {
  agent_id: number;
  name: string;
  capabilities: Capability[];
  settings: Record<string, unknown>;
  state: AgentState;
  /** Kept in settings (`runtime: 'host'`), so a checkpoint of the agent carries it; `worker` when absent. */
  runtime: AgentRuntime;
  restarts: number;
  cpu_id: number | null;
  instance_id: number;
  created_at: number;
  started_at: number;
  parked_reason: string | null;
}

type RawRow = Omit<AgentRow, 'capabilities' | 'settings' | 'runtime'> & { capabilities: string; settings: string };

/** The agents table: one row per living agent (killed agents are deleted; the audit trail remembers them). */
export class AgentStore {
  private readonly db: Db;
  constructor(db: Db) {
    this.db = db;
  }

  insert(a: { name: string; capabilities: Capability[]; settings: Record<string, unknown>; now: number }): number {
    return this.db.transaction(() => {
      const r = this.db
        .prepare("INSERT INTO agents (name, capabilities, settings, state, instance_id, created_at, started_at) VALUES (?, ?, ?, 'starting', 0, ?, ?)")
        .run(a.name, JSON.stringify(a.capabilities), JSON.stringify(a.settings), a.now, a.now);
      return Number(r.lastInsertRowid);
    })();
  }

  /** A host agent in one transaction: its row, its one instance, `running` (nothing is launched). */
  insertRunning(a: { name: string; capabilities: Capability[]; settings: Record<string, unknown>; now: number }): { agentId: number; instanceId: number } {
    return this.db.transaction(() => {
      const agentId = this.insert(a);
      const instanceId = this.newInstance(agentId, a.now);
      this.setState(agentId, 'running');
      return { agentId, instanceId };
    })();
  }

  /** A new instance id, never reused, recorded as the agent's current one. */
  newInstance(agentId: number, now: number): number {
    return this.db.transaction(() => {
      const id = Number(this.db.prepare('INSERT INTO agent_instances (agent_id, started_at) VALUES (?, ?)').run(agentId, now).lastInsertRowid);
      this.db.prepare("UPDATE agents SET instance_id = ?, started_at = ?, state = 'starting' WHERE agent_id = ?").run(id, now, agentId);
      return id;
    })();
  }

  get(agentId: number): AgentRow | null {
    const r = this.db.prepare('SELECT * FROM agents WHERE agent_id = ?').get(agentId) as RawRow | undefined;
    return r ? parse(r) : null;
  }

  list(): AgentRow[] {
    return (this.db.prepare('SELECT * FROM agents ORDER BY agent_id').all() as RawRow[]).map(parse);
  }

  setState(agentId: number, state: AgentState, parkedReason: string | null = null): void {
    this.db.prepare('UPDATE agents SET state = ?, parked_reason = ? WHERE agent_id = ?').run(state, parkedReason, agentId);
  }

  setSettings(agentId: number, settings: Record<string, unknown>): void {
    this.db.prepare('UPDATE agents SET settings = ? WHERE agent_id = ?').run(JSON.stringify(settings), agentId);
  }

  countRestart(agentId: number): void {
    this.db.prepare('UPDATE agents SET restarts = restarts + 1 WHERE agent_id = ?').run(agentId);
  }

  setCpu(agentId: number, cpu: number): void {
    this.db.prepare('UPDATE agents SET cpu_id = ? WHERE agent_id = ?').run(cpu, agentId);
  }

  remove(agentId: number): void {
    this.db.prepare('DELETE FROM agents WHERE agent_id = ?').run(agentId);
  }

  recordFailure(agentId: number, ts: number, reason: string, keepSince: number): number[] {
    this.db.prepare('INSERT INTO agent_failures (agent_id, ts, reason) VALUES (?, ?, ?)').run(agentId, ts, reason);
    // Only the breaker's window matters; older failures are forgotten so the table stays small.
    this.db.prepare('DELETE FROM agent_failures WHERE agent_id = ? AND ts <= ?').run(agentId, keepSince);
    return (this.db.prepare('SELECT ts FROM agent_failures WHERE agent_id = ? ORDER BY ts').all(agentId) as { ts: number }[]).map((r) => r.ts);
  }

  clearFailures(agentId: number): void {
    this.db.prepare('DELETE FROM agent_failures WHERE agent_id = ?').run(agentId);
  }
}

function parse(r: RawRow): AgentRow {
  const settings = JSON.parse(r.settings) as Record<string, unknown>;
  return { ...r, capabilities: JSON.parse(r.capabilities) as Capability[], settings, runtime: settings.runtime === 'host' ? 'host' : 'worker' };
}
