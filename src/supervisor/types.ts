// The supervisor's contract with the parts around it: checkpoints and the
// doctor (src/checkpoints, src/doctor), tools and the sandbox (src/tools),
// the assistant. src/supervisor implements it.
import type { Capability } from '../core/capabilities.ts';

export type AgentState = 'starting' | 'running' | 'restarting' | 'parked' | 'stopped';

/**
 * Where an agent's work happens. `worker`: its own worker thread with a heap
 * budget, a heartbeat and restarts (every agent spawned through the API or
 * config). `host`: inside the host process itself, for nxs's own built-in agents
 * (the assistant's record): no thread, no heartbeat, `running` until killed.
 */
export type AgentRuntime = 'worker' | 'host';

export interface AgentInfo {
  agentId: string;
  instanceId: string;
  name: string;
  state: AgentState;
  runtime: AgentRuntime;
  capabilities: Capability[];
  restarts: number;
  cpuId: number | null;
  /** The worker's heap budget; null for a host agent (it shares the host's heap). */
  memoryBudgetMb: number | null;
  heapUsedBytes: number | null;
  startedAt: number;
}

export interface SpawnSpec {
  name: string;
  capabilities?: Capability[];
  /** Free-form agent settings (identity, restart policy...), stored with the agent. */
  settings?: Record<string, unknown>;
  /** `host` only from nxs's own code (the HTTP and agent doors refuse it); default `worker`. */
  runtime?: AgentRuntime;
}

export interface AuditEntry {
  operation_id: string;
  agent_id: string;
  operation_type: string;
  timestamp: number;
  allowed: boolean;
  principal: string;
  /** Arguments with secrets redacted. */
  details?: Record<string, unknown>;
}

export interface AuditTrail {
  /** Append-only. Returns the entry's operation id. */
  record(entry: Omit<AuditEntry, 'operation_id' | 'timestamp'>): AuditEntry;
}

export interface Supervisor {
  spawn(spec: SpawnSpec, by: string): { agent_id: string; instance_id: string };
  get(agentId: string): AgentInfo | null;
  list(): AgentInfo[];
  kill(agentId: string, by: string): void;
  restart(agentId: string, reason: string): void;
  capabilitiesOf(agentId: string): ReadonlySet<Capability>;
  audit: AuditTrail;
  /** The settings an agent was spawned with (checkpoints save them; restore passes them to spawn). */
  settingsOf?(agentId: string): Record<string, unknown> | null;
  /**
   * Moves an agent into the host runtime (its worker, if any, stops for good);
   * for nxs's own code adopting a record an older version or an older checkpoint
   * made as a worker agent.
   */
  moveIntoHost?(agentId: string, by: string): void;
}
