import path from 'node:path';
import { NxsError } from '../core/errors.ts';
import { hasCapability } from '../core/capabilities.ts';
import type { Principal } from '../http/auth.ts';
import type { Route } from '../http/route.ts';
import type { Supervisor } from '../supervisor/types.ts';
import type { CheckpointManager } from './manager.ts';

/**
 * Seed 004 §1 plus list, delete, verify, export and import. Creating or
 * restoring needs ADMIN or the agent's own token; every attempt, allowed or
 * not, lands in the supervisor's audit trail.
 */
export function checkpointRoutes(mgr: CheckpointManager, supervisor: () => Supervisor | null): Route[] {
  const guard = (principal: Principal | null, agentId: string | null, operation: string, details?: Record<string, unknown>): void => {
    const p = principal!;
    const allowed = hasCapability(p.capabilities, 'ADMIN') || (agentId !== null && p.agentId === agentId);
    supervisor()?.audit.record({ agent_id: agentId ?? 'host', operation_type: operation, allowed, principal: p.id, ...(details ? { details } : {}) });
    if (!allowed) throw new NxsError('NXS_ERR_FORBIDDEN', 'Insufficient capabilities: ADMIN required', { capability: 'ADMIN' });
  };
  return [
    {
      method: 'POST',
      path: '/api/agents/:id/checkpoint',
      auth: 'token',
      handler: async ({ params, principal }) => {
        guard(principal, params.id!, 'checkpoint.create');
        const s = await mgr.createAgent(params.id!);
        return { body: { checkpoint_id: s.checkpoint_id } };
      },
    },
    {
      method: 'POST',
      path: '/api/checkpoints/host',
      auth: 'token',
      capability: 'ADMIN',
      handler: async ({ principal }) => {
        guard(principal, null, 'checkpoint.create_host');
        const s = await mgr.createHost();
        return { body: { checkpoint_id: s.checkpoint_id } };
      },
    },
    {
      method: 'POST',
      path: '/api/agents/restore',
      auth: 'token',
      handler: async ({ body, principal }) => {
        const id = checkpointIdOf(body);
        const row = mgr.get(id);
        guard(principal, row.agent_id, 'checkpoint.restore', { checkpoint_id: id });
        if (row.kind === 'host') return { body: await mgr.stageHost(id) };
        const r = await mgr.restoreAgent(id, principal!.id);
        return { body: { agent_id: u64(r.agent_id), instance_id: u64(r.instance_id) } };
      },
    },
    {
      method: 'GET',
      path: '/api/checkpoints',
      auth: 'token',
      handler: ({ query, principal }) => {
        const agent = query.get('agent_id') ?? undefined;
        const all = mgr.list(agent);
        const mine = hasCapability(principal!.capabilities, 'ADMIN') ? all : all.filter((c) => c.agent_id !== null && c.agent_id === principal!.agentId);
        return { body: { checkpoints: mine } };
      },
    },
    {
      method: 'GET',
      path: '/api/checkpoints/:id/verify',
      auth: 'token',
      handler: async ({ params, principal }) => {
        guard(principal, mgr.get(params.id!).agent_id, 'checkpoint.verify');
        return { body: await mgr.verify(params.id!) };
      },
    },
    {
      method: 'DELETE',
      path: '/api/checkpoints/:id',
      auth: 'token',
      handler: ({ params, principal }) => {
        guard(principal, mgr.get(params.id!).agent_id, 'checkpoint.delete');
        mgr.remove(params.id!);
        return { body: { success: true, checkpoint_id: params.id } };
      },
    },
    {
      // The file is read and written by the host: the CLI runs on the same box as the same user.
      method: 'POST',
      path: '/api/checkpoints/:id/export',
      auth: 'token',
      capability: 'ADMIN',
      handler: async ({ params, body, principal }) => {
        const { file, passphrase } = fileAndPassphrase(body);
        guard(principal, mgr.get(params.id!).agent_id, 'checkpoint.export', { file });
        return { body: await mgr.exportTo(params.id!, file, passphrase) };
      },
    },
    {
      method: 'POST',
      path: '/api/checkpoints/import',
      auth: 'token',
      capability: 'ADMIN',
      handler: async ({ body, principal }) => {
        const { file, passphrase } = fileAndPassphrase(body);
        const signer = (body as { signer?: unknown }).signer;
        if (signer !== undefined && (typeof signer !== 'string' || !/^[0-9a-f]{16}$/.test(signer))) throw new NxsError('NXS_ERR_BAD_REQUEST', 'signer must be a 16-character hex fingerprint');
        guard(principal, null, 'checkpoint.import', { file });
        const s = await mgr.importFrom(file, passphrase, signer as string | undefined);
        return { body: { checkpoint_id: s.checkpoint_id, signer: s.origin.replace(/^import:/, ''), kind: s.kind, agent_id: s.agent_id } };
      },
    },
  ];
}

function checkpointIdOf(body: unknown): string {
  const id = (body as { checkpoint_id?: unknown } | undefined)?.checkpoint_id;
  if (typeof id !== 'string' || !/^[A-Za-z0-9_-]{1,100}$/.test(id)) throw new NxsError('NXS_ERR_BAD_REQUEST', 'body must be {"checkpoint_id": "<id from POST /api/agents/:id/checkpoint>"}');
  return id;
}

function fileAndPassphrase(body: unknown): { file: string; passphrase: string } {
  const b = (body ?? {}) as { file?: unknown; passphrase?: unknown };
  if (typeof b.file !== 'string' || !path.isAbsolute(b.file)) throw new NxsError('NXS_ERR_BAD_REQUEST', 'body must have "file": an absolute path on the host');
  if (typeof b.passphrase !== 'string' || b.passphrase.length < 8) throw new NxsError('NXS_ERR_CHECKPOINT_PASSPHRASE', 'body must have "passphrase": at least 8 characters');
  return { file: b.file, passphrase: b.passphrase };
}

// Seed 004 answers ids as u64: numeric ids go out as numbers, like the supervisor's own routes.
function u64(id: string): number | string {
  return /^\d{1,15}$/.test(id) ? Number(id) : id;
}
