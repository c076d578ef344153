import { anyToken, needs, ownerScoped, type Route } from '../http/route.ts';
import { NxsError } from '../core/errors.ts';
import type { AgentSupervisor } from './supervisor.ts';
import { HostOps } from './host-ops.ts';
import type { GpuUtilization } from './gpu-utilization.ts';

/** GPU scheduler and typed IPC routes (seed 004 §3 and §5). */
export function resourceRoutes(sup: AgentSupervisor, ops: HostOps, utilization: () => Promise<GpuUtilization>): Route[] {
  return [
    {
      method: 'POST',
      path: '/api/gpu/claim',
      access: needs('ACCESS_GPU'),
      handler: ({ body, principal }) => ({ body: ops.claimGpu(HostOps.actorOf(principal), body) }),
    },
    {
      method: 'DELETE',
      path: '/api/gpu/release/:handle',
      access: needs('ACCESS_GPU'),
      handler: ({ params, principal }) => ({ body: ops.releaseGpu(HostOps.actorOf(principal), params.handle!) }),
    },
    {
      method: 'GET',
      path: '/api/gpu/status/:deviceId',
      access: anyToken('seed 004: device state only'),
      handler: ({ params }) => {
        const id = params.deviceId!;
        if (!/^\d{1,10}$/.test(id)) throw new NxsError('NXS_ERR_BAD_REQUEST', `deviceId must be a non-negative integer; got ${JSON.stringify(id)}`);
        return { body: sup.gpu.status(Number(id)) };
      },
    },
    {
      method: 'GET',
      path: '/api/gpu/devices',
      access: anyToken('device names and state only'),
      handler: () => ({ body: { devices: sup.gpu.listDevices().map((d) => ({ ...sup.gpu.status(d.id), name: d.name })) } }),
    },
    {
      method: 'GET',
      path: '/api/gpu/utilization',
      access: anyToken('seed 004: one percentage'),
      handler: async () => ({ body: await utilization() }),
    },
    {
      method: 'POST',
      path: '/api/ipc/send',
      access: ownerScoped('sends only as the agent the token is bound to; ADMIN as any agent'),
      handler: ({ body, principal }) => ({ body: ops.sendIpc(HostOps.actorOf(principal), body) }),
    },
    {
      method: 'GET',
      path: '/api/ipc/inbox/:agentId',
      access: ownerScoped('the inbox of the agent the token is bound to; ADMIN any inbox'),
      handler: ({ params, query, principal }) => {
        const after = query.get('after');
        if (after !== null && !/^\d{1,15}$/.test(after)) throw new NxsError('NXS_ERR_BAD_REQUEST', `after must be a message id; got ${JSON.stringify(after)}`);
        if (!/^\d{1,15}$/.test(params.agentId!)) throw new NxsError('NXS_ERR_AGENT_NOT_FOUND', `no agent ${params.agentId}`);
        return { body: ops.inbox(HostOps.actorOf(principal), String(Number(params.agentId)), after === null ? undefined : Number(after)) };
      },
    },
  ];
}
