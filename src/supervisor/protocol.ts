// The messages between the host and an agent worker. Plain structured-clone
// data, no classes, so the worker imports nothing but types from here.

/** Host to agent. */
export type HostToAgent =
  | { t: 'ping'; seq: number }
  | { t: 'task'; id: number; input: unknown }
  | { t: 'message'; message: AgentMessage }
  | { t: 'reply'; id: number; ok: true; value: unknown }
  | { t: 'reply'; id: number; ok: false; error: string; code: string }
  | { t: 'stop' };

/** Agent to host. */
export type AgentToHost =
  | { t: 'ready' }
  | { t: 'pong'; seq: number; heapUsed: number }
  | { t: 'result'; id: number; ok: true; value: unknown }
  | { t: 'result'; id: number; ok: false; error: string }
  | { t: 'log'; level: 'debug' | 'info' | 'warn' | 'error'; msg: string }
  /** The agent asks the host to do something; checked against the agent's own capabilities. */
  | { t: 'request'; id: number; op: AgentOp; args: Record<string, unknown> };

export const AGENT_OPS = ['spawn', 'kill', 'gpu.claim', 'gpu.release', 'ipc.send', 'ipc.inbox'] as const;
export type AgentOp = (typeof AGENT_OPS)[number];

export interface AgentMessage {
  message_id: number;
  from: number;
  to: number;
  intent: string | null;
  type: string;
  data: unknown;
  timestamp: number;
}

/** What the worker is started with (workerData). */
export interface AgentWorkerData {
  agentId: string;
  instanceId: string;
  name: string;
  /** The agent's module (absolute) and the agents folder it was checked in; null for the built-in echo agent. */
  module: { file: string; agentsDir: string } | null;
  settings: Record<string, unknown>;
}
