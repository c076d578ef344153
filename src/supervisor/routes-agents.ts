import { anyToken, needs, ownerScoped, type Route } from '../http/route.ts';
import { NxsError } from '../core/errors.ts';
import type { AgentInfo } from './types.ts';
import type { AgentSupervisor } from './supervisor.ts';
import { HostOps, objectBody } from './host-ops.ts';
import { numeric } from './gpu-scheduler.ts';
import { actsAs } from '../http/ownership.ts';

/** Seed 004's agent lifecycle routes (checkpoint and restore belong to src/checkpoints). */
export function agentRoutes(sup: AgentSupervisor, ops: HostOps): Route[] {
  return [
    {
      method: 'POST',
      path: '/api/agents',
      access: needs('SPAWN_AGENT'),
      handler: ({ body, principal }) => ({ body: ops.spawn(HostOps.actorOf(principal), body) }),
    },
    {
      method: 'GET',
      path: '/api/agents',
      access: anyToken('seed 004: agent records (name, state, capabilities) carry no payloads'),
      handler: () => ({ body: { agents: sup.list().map(agentJson) } }),
    },
    {
      method: 'GET',
      path: '/api/agents/:id',
      access: anyToken('seed 004: agent records (name, state, capabilities) carry no payloads'),
      handler: ({ params }) => {
        sup.require(params.id!);
        return { body: agentJson(sup.get(params.id!)!) };
      },
    },
    {
      method: 'DELETE',
      path: '/api/agents/:id',
      access: needs('KILL_AGENT'),
      handler: ({ params, principal }) => ({ body: ops.kill(HostOps.actorOf(principal), params.id!) }),
    },
    {
      method: 'POST',
      path: '/api/agents/:id/migrate',
      access: needs('ADMIN'),
      handler: ({ params, body, principal }) => {
        const b = objectBody(body, '{"target_cpu": <cpu number>}');
        sup.migrate(params.id!, b.target_cpu);
        sup.audit.record({ agent_id: sup.require(params.id!).agent_id.toString(), operation_type: 'agent.migrate', allowed: true, principal: HostOps.actorOf(principal).principal, details: { target_cpu: b.target_cpu } });
        return { body: { success: true } };
      },
    },
    {
      method: 'POST',
      path: '/api/agents/:id/restart',
      access: needs('KILL_AGENT'),
      handler: ({ params, principal }) => {
        sup.restart(params.id!, `requested by ${HostOps.actorOf(principal).principal}`);
        sup.audit.record({ agent_id: params.id!, operation_type: 'agent.restart', allowed: true, principal: HostOps.actorOf(principal).principal });
        return { body: { success: true, instance_id: numeric(sup.get(params.id!)!.instanceId) } };
      },
    },
    {
      method: 'POST',
      path: '/api/agents/:id/tasks',
      access: ownerScoped('tasks only for the agent the token is bound to; ADMIN for any agent'),
      handler: async ({ params, body, principal }) => {
        const actor = HostOps.actorOf(principal);
        if (!actsAs(actor, params.id!)) ops.authorize({ ...actor, capabilities: new Set() }, 'ADMIN', 'agent.task.other', params.id!);
        const b = objectBody(body, '{"input": <any JSON>}');
        if (!('input' in b)) throw new NxsError('NXS_ERR_BAD_REQUEST', 'body must be {"input": <any JSON>}');
        return { body: { success: true, result: await sup.task(params.id!, b.input) } };
      },
    },
  ];
}

export function agentJson(a: AgentInfo): Record<string, unknown> {
  return {
    agent_id: numeric(a.agentId),
    instance_id: numeric(a.instanceId),
    name: a.name,
    state: a.state,
    // Beyond seed 004's fields (which allow more): where the agent runs, `worker` or `host`.
    runtime: a.runtime,
    capabilities: a.capabilities,
    restarts: a.restarts,
    cpu_id: a.cpuId,
    memory: { budget_mb: a.memoryBudgetMb, heap_used_bytes: a.heapUsedBytes },
    started_at: a.startedAt,
  };
}
