// The supervisor's contract with the parts around it: checkpoints and the
// doctor (src/checkpoints, src/doctor), tools and the sandbox (src/tools),
// the assistant. src/supervisor implements it.
import type { Capability } from '../core/capabilities.ts';

export type AgentState = 'starting' | 'running' | 'restarting' | 'parked' | 'stopped';

export interface AgentInfo {
  agentId: string;
  instanceId: string;
  name: string;
  state: AgentState;
  capabilities: Capability[];
  restarts: number;
  cpuId: number | null;
  memoryBudgetMb: number;
  heapUsedBytes: number | null;
  startedAt: number;
}

export interface SpawnSpec {
  name: string;
  capabilities?: Capability[];
  /** Free-form agent settings (identity, restart policy...), stored with the agent. */
  settings?: Record<string, unknown>;
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
}
