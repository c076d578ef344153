import { anyToken, needs, ownerScoped, type Route } from '../http/route.ts';
import type { Context } from '../core/context.ts';
import { NxsError } from '../core/errors.ts';
import type { AgentSupervisor } from './supervisor.ts';
import { HostOps, objectBody, idField } from './host-ops.ts';
import type { TokenStore } from './tokens.ts';
import type { AuditEntry } from './types.ts';
import { numeric } from './gpu-scheduler.ts';

/** Audit, capability snapshot and API tokens. */
export function accessRoutes(ctx: Context, sup: AgentSupervisor, tokens: TokenStore): Route[] {
  return [
    {
      method: 'GET',
      path: '/api/audit/:agentId',
      access: ownerScoped('the audit entries of the agent the token is bound to; ADMIN any agent'),
      handler: ({ params, query, principal }) => {
        const actor = HostOps.actorOf(principal);
        const agentId = params.agentId!;
        if (actor.agentId !== agentId && !actor.capabilities.has('ADMIN')) throw new NxsError('NXS_ERR_FORBIDDEN', 'Insufficient capabilities: ADMIN required', { capability: 'ADMIN' });
        const op = query.get('operation_id');
        if (op !== null) {
          if (!/^\d{1,15}$/.test(op)) throw new NxsError('NXS_ERR_BAD_REQUEST', `operation_id must be a positive integer; got ${JSON.stringify(op)}`);
          const e = sup.audit.get(agentId, String(Number(op)));
          if (!e) throw new NxsError('NXS_ERR_AUDIT_NOT_FOUND', `no audit entry ${op} for agent ${agentId}`);
          return { body: auditJson(e) };
        }
        const after = query.get('after');
        return { body: { agent_id: numeric(agentId), entries: sup.audit.list(agentId, after && /^\d+$/.test(after) ? { afterId: Number(after) } : {}).map(auditJson) } };
      },
    },
    {
      method: 'GET',
      path: '/api/capabilities/snapshot',
      access: anyToken('seed 004: which agent holds which capability'),
      handler: () => {
        const capabilities: Record<string, string[]> = {};
        for (const a of sup.list()) capabilities[a.agentId] = [...a.capabilities];
        return { body: { capabilities } };
      },
    },
    {
      method: 'POST',
      path: '/api/tokens',
      access: needs('ADMIN'),
      handler: ({ body, principal }) => {
        const b = objectBody(body, '{"capabilities": ["KILL_AGENT", ...], "agent_id"?: <id>, "name"?: "<text>", "models"?: ["<model>", ...], "limits"?: {"requests_per_minute"?: n, "tokens_per_minute"?: n, "daily_tokens"?: n}}');
        const agentId = b.agent_id === undefined || b.agent_id === null ? null : idField(b.agent_id, 'agent_id');
        if (agentId) sup.require(agentId);
        if (b.name !== undefined && typeof b.name !== 'string') throw new NxsError('NXS_ERR_TOKEN_INVALID', 'name must be a string');
        const { token, info } = tokens.create({ capabilities: b.capabilities, agentId, ...(typeof b.name === 'string' ? { name: b.name } : {}), models: b.models, limits: b.limits });
        ctx.redactor.add(token);
        sup.audit.record({ agent_id: agentId ?? 'host', operation_type: 'token.create', allowed: true, principal: HostOps.actorOf(principal).principal, details: { token_id: info.token_id, capabilities: info.capabilities, models: info.models, limits: info.limits } });
        return { status: 201, body: { ...info, token } };
      },
    },
    {
      method: 'GET',
      path: '/api/tokens',
      access: needs('ADMIN'),
      handler: () => ({ body: { tokens: tokens.list() } }),
    },
    {
      method: 'DELETE',
      path: '/api/tokens/:id',
      access: needs('ADMIN'),
      handler: ({ params, principal }) => {
        const info = tokens.revoke(params.id!);
        sup.audit.record({ agent_id: info.agent_id ?? 'host', operation_type: 'token.revoke', allowed: true, principal: HostOps.actorOf(principal).principal, details: { token_id: info.token_id } });
        return { body: { success: true, token: info } };
      },
    },
  ];
}

function auditJson(e: AuditEntry): Record<string, unknown> {
  return {
    agent_id: numeric(e.agent_id),
    operation_id: numeric(e.operation_id),
    operation_type: e.operation_type,
    timestamp: e.timestamp,
    allowed: e.allowed,
    principal: e.principal,
    ...(e.details ? { details: e.details } : {}),
  };
}
