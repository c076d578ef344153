import type { Context } from '../core/context.ts';
import { NxsError } from '../core/errors.ts';
import { hasCapability, type Capability } from '../core/capabilities.ts';
import type { Principal, Denial } from '../http/auth.ts';
import type { AgentSupervisor, Actor } from './supervisor.ts';
import type { Mailbox } from './ipc.ts';
import { parseIpcRequest } from './ipc-types.ts';
import { numeric } from './gpu-scheduler.ts';
import type { AgentOp } from './protocol.ts';
import { actsAs } from '../http/ownership.ts';
import { requireKnownAgent } from './spawn-spec.ts';

/**
 * The privileged operations, one place for both doors: the HTTP API (acting as
 * a token) and an agent's own requests (acting as the agent, with its own
 * capabilities). Each checks the capability, and each outcome, allowed or
 * denied, lands in the audit trail.
 */
export class HostOps {
  private readonly ctx: Context;
  private readonly sup: AgentSupervisor;
  private readonly mailbox: Mailbox;
  constructor(ctx: Context, sup: AgentSupervisor, mailbox: Mailbox) {
    this.ctx = ctx;
    this.sup = sup;
    this.mailbox = mailbox;
  }

  static actorOf(p: Principal | null): Actor {
    if (!p) throw new NxsError('NXS_ERR_UNAUTHORIZED', 'this operation needs a bearer token');
    return { principal: p.id, capabilities: p.capabilities, ...(p.agentId ? { agentId: p.agentId } : {}) };
  }

  /** Throws seed 004's 403 (and audits the denial) unless the actor holds `cap`. */
  authorize(actor: Actor, cap: Capability, operation: string, target: string | null, details?: Record<string, unknown>): void {
    if (hasCapability(actor.capabilities, cap)) return;
    this.sup.audit.record({ agent_id: target ?? actor.agentId ?? 'host', operation_type: `denied:${operation}`, allowed: false, principal: actor.principal, details: { capability: cap, ...(details ?? {}) } });
    throw new NxsError('NXS_ERR_FORBIDDEN', `Insufficient capabilities: ${cap} required`, { capability: cap });
  }

  /** Denials the HTTP server made before any handler ran (a route's `needs(capability)`). */
  recordDenial(d: Denial): void {
    const target = d.params.id ?? d.params.agentId ?? null;
    this.sup.audit.record({ agent_id: target ?? d.principal.agentId ?? 'host', operation_type: `denied:${d.method} ${d.route}`, allowed: false, principal: d.principal.id, details: { capability: d.capability } });
  }

  spawn(actor: Actor, body: unknown): { agent_id: number | string; instance_id: number | string; operation_id: number | string } {
    const b = objectBody(body, '{"name": "<agent name>", "capabilities"?: ["SPAWN_AGENT", ...]}');
    this.authorize(actor, 'SPAWN_AGENT', 'agent.spawn', null, { name: b.name });
    // No escalation: an actor grants only capabilities it holds itself.
    if (Array.isArray(b.capabilities)) {
      for (const c of b.capabilities) if (typeof c === 'string' && !hasCapability(actor.capabilities, c as Capability)) this.authorize(actor, c as Capability, 'agent.spawn.grant', null, { name: b.name });
    }
    if (b.settings !== undefined && (typeof b.settings !== 'object' || b.settings === null || Array.isArray(b.settings))) throw new NxsError('NXS_ERR_AGENT_INVALID', 'settings must be an object');
    refuseHostRuntime(b);
    // Naming a module is choosing code to run inside the host (with its token and keys): ADMIN's call.
    const namesModule = b.settings !== undefined && Object.hasOwn(b.settings as object, 'module');
    if (namesModule) this.authorize(actor, 'ADMIN', 'agent.spawn.module', null, { name: b.name, module: (b.settings as Record<string, unknown>).module });
    requireKnownAgent(b.name, typeof b.name === 'string' ? this.sup.definition(b.name) : undefined, namesModule);
    // Always a worker from this door, whatever the body says: host agents are nxs's own.
    const r = this.sup.spawn({ name: b.name as string, runtime: 'worker', ...(b.capabilities !== undefined ? { capabilities: b.capabilities as Capability[] } : {}), ...(b.settings ? { settings: b.settings as Record<string, unknown> } : {}) }, actor.principal);
    const op = this.sup.audit.latestId(r.agent_id) ?? '0';
    return { agent_id: numeric(r.agent_id), instance_id: numeric(r.instance_id), operation_id: numeric(op) };
  }

  kill(actor: Actor, agentId: string): { success: true; operation_id: number | string } {
    this.sup.require(agentId);
    this.authorize(actor, 'KILL_AGENT', 'agent.kill', agentId);
    this.sup.kill(agentId, actor.principal);
    const op = this.sup.audit.latestId(agentId) ?? '0';
    return { success: true, operation_id: numeric(op) };
  }

  claimGpu(actor: Actor, body: unknown): { success: true; device_handle: number; preempted_agent_id?: number | string } {
    const b = objectBody(body, '{"agent_id": <id>, "device_id": <n>, "priority"?: <n>}');
    const agentId = idField(b.agent_id, 'agent_id');
    this.authorize(actor, 'ACCESS_GPU', 'gpu.claim', agentId);
    if (actor.agentId && actor.agentId !== agentId) this.authorize({ ...actor, capabilities: new Set() }, 'ADMIN', 'gpu.claim.for-other', agentId);
    this.sup.require(agentId);
    // The device serves the agent, so the agent itself must hold ACCESS_GPU too.
    this.authorize({ principal: `agent:${agentId}`, capabilities: this.sup.capabilitiesOf(agentId), agentId }, 'ACCESS_GPU', 'gpu.claim', agentId);
    const deviceId = intField(b.device_id, 'device_id', 0, 4_294_967_295);
    const priority = b.priority === undefined || b.priority === null ? 0 : intField(b.priority, 'priority', 0, 4_294_967_295);
    const { claim, preempted } = this.sup.gpu.claim(agentId, deviceId, priority, this.ctx.clock.now());
    this.sup.audit.record({ agent_id: agentId, operation_type: 'gpu.claim', allowed: true, principal: actor.principal, details: { device_id: deviceId, priority, handle: claim.handle } });
    if (preempted) {
      this.sup.audit.record({ agent_id: preempted.agentId, operation_type: 'gpu.preempted', allowed: true, principal: actor.principal, details: { device_id: deviceId, by_agent_id: agentId, priority } });
      this.ctx.events.emit('gpu.preempted', { deviceId, from: preempted.agentId, to: agentId });
    }
    return { success: true, device_handle: claim.handle, ...(preempted ? { preempted_agent_id: numeric(preempted.agentId) } : {}) };
  }

  releaseGpu(actor: Actor, handleText: string): { success: true } {
    const handle = intField(/^\d+$/.test(handleText) ? Number(handleText) : handleText, 'handle', 1, Number.MAX_SAFE_INTEGER);
    const claim = this.sup.gpu.claimOf(handle);
    this.authorize(actor, 'ACCESS_GPU', 'gpu.release', claim?.agentId ?? null);
    if (claim && actor.agentId && actor.agentId !== claim.agentId) this.authorize({ ...actor, capabilities: new Set() }, 'ADMIN', 'gpu.release.for-other', claim.agentId);
    const released = this.sup.gpu.release(handle);
    this.sup.audit.record({ agent_id: released.agentId, operation_type: 'gpu.release', allowed: true, principal: actor.principal, details: { device_id: released.deviceId, handle } });
    return { success: true };
  }

  sendIpc(actor: Actor, body: unknown): { success: true; message_id: number } {
    const m = parseIpcRequest(body);
    // A token or agent bound to an agent speaks only as that agent; an unbound token needs ADMIN.
    if (!actsAs(actor, m.from)) this.authorize({ ...actor, capabilities: new Set() }, 'ADMIN', 'ipc.send.as-other', m.from);
    this.sup.require(m.from);
    this.sup.require(m.to);
    const sent = this.mailbox.send(m);
    return { success: true, message_id: sent.message_id };
  }

  inbox(actor: Actor, agentId: string, afterId?: number): { agent_id: number | string; messages: unknown[] } {
    if (!actsAs(actor, agentId)) this.authorize({ ...actor, capabilities: new Set() }, 'ADMIN', 'ipc.inbox.other', agentId);
    this.sup.require(agentId);
    return { agent_id: numeric(agentId), messages: this.mailbox.inbox(agentId, afterId !== undefined ? { afterId } : {}) };
  }

  /** An agent's request from inside its worker, acting with the agent's own capabilities. */
  agentRequest(agentId: string, op: AgentOp, args: Record<string, unknown>): Promise<unknown> {
    const actor: Actor = { principal: `agent:${agentId}`, capabilities: this.sup.capabilitiesOf(agentId), agentId };
    return Promise.resolve().then(() => {
      switch (op) {
        case 'spawn':
          return this.spawn(actor, args);
        case 'kill':
          return this.kill(actor, idField(args.agent_id, 'agent_id'));
        case 'gpu.claim':
          return this.claimGpu(actor, { ...args, agent_id: args.agent_id ?? Number(agentId) });
        case 'gpu.release':
          return this.releaseGpu(actor, String(args.handle));
        case 'ipc.send':
          return this.sendIpc(actor, args);
        case 'ipc.inbox':
          return this.inbox(actor, agentId);
        default:
          throw new NxsError('NXS_ERR_BAD_REQUEST', `unknown agent request ${JSON.stringify(op)}`);
      }
    });
  }
}

/**
 * Host agents (runtime `host`) run no code of their own and take no tier slot,
 * so only nxs's own code makes them (the assistant's record); the API and an
 * agent's own spawn requests get worker agents, and asking for more is an error
 * rather than a silent downgrade.
 */
export function refuseHostRuntime(b: Record<string, unknown>): void {
  if (b.runtime !== undefined && b.runtime !== 'worker') {
    throw new NxsError(
      'NXS_ERR_AGENT_INVALID',
      b.runtime === 'host'
        ? 'runtime "host" is only for nxs\'s own built-in agents (the assistant\'s record); an agent spawned through the API runs in a worker thread: omit runtime or send "worker"'
        : `runtime must be "worker" (the only runtime the API spawns); got ${JSON.stringify(b.runtime)}`,
      { field: 'runtime' },
    );
  }
  const settings = b.settings as Record<string, unknown> | undefined;
  if (settings && Object.hasOwn(settings, 'runtime')) {
    throw new NxsError('NXS_ERR_AGENT_INVALID', 'settings.runtime is reserved (nxs marks its own host agents with it); leave it out, agents spawned through the API run in a worker thread', { field: 'settings.runtime' });
  }
}

export function objectBody(body: unknown, expected: string): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new NxsError('NXS_ERR_BAD_REQUEST', `body must be a JSON object: ${expected}`);
  return body as Record<string, unknown>;
}

export function idField(v: unknown, field: string): string {
  if (typeof v === 'number' && Number.isSafeInteger(v) && v > 0) return String(v);
  if (typeof v === 'string' && /^\d{1,15}$/.test(v)) return String(Number(v));
  throw new NxsError('NXS_ERR_BAD_REQUEST', `${field} must be an agent id (a positive integer); got ${JSON.stringify(v) ?? 'nothing'}`);
}

export function intField(v: unknown, field: string, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw new NxsError('NXS_ERR_BAD_REQUEST', `${field} must be an integer from ${min} to ${max}; got ${JSON.stringify(v) ?? 'nothing'}`);
  return v;
}
