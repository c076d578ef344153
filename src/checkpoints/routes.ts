import path from 'node:path';
import { NxsError } from '../core/errors.ts';
import { hasCapability } from '../core/capabilities.ts';
import type { Principal } from '../http/auth.ts';
import { needs, ownerScoped, type Route } from '../http/route.ts';
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
      access: ownerScoped('the agent the token is bound to; ADMIN any agent (checked and audited by the handler)'),
      handler: async ({ params, principal }) => {
        guard(principal, params.id!, 'checkpoint.create');
        const s = await mgr.createAgent(params.id!);
        return { body: { checkpoint_id: s.checkpoint_id } };
      },
    },
    {
      method: 'POST',
      path: '/api/checkpoints/host',
      access: needs('ADMIN'),
      handler: async ({ principal }) => {
        guard(principal, null, 'checkpoint.create_host');
        const s = await mgr.createHost();
        return { body: { checkpoint_id: s.checkpoint_id } };
      },
    },
    {
      method: 'POST',
      path: '/api/agents/restore',
      access: ownerScoped('checkpoints of the agent the token is bound to; ADMIN any (checked and audited by the handler)'),
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
      access: ownerScoped('checkpoints of the agent the token is bound to; ADMIN all'),
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
      access: ownerScoped('checkpoints of the agent the token is bound to; ADMIN any (checked and audited by the handler)'),
      handler: async ({ params, principal }) => {
        guard(principal, mgr.get(params.id!).agent_id, 'checkpoint.verify');
        return { body: await mgr.verify(params.id!) };
      },
    },
    {
      method: 'DELETE',
      path: '/api/checkpoints/:id',
      access: ownerScoped('checkpoints of the agent the token is bound to; ADMIN any (checked and audited by the handler)'),
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
      access: needs('ADMIN'),
      handler: async ({ params, body, principal }) => {
        const { file, passphrase } = fileAndPassphrase(body);
        guard(principal, mgr.get(params.id!).agent_id, 'checkpoint.export', { file });
        return { body: await mgr.exportTo(params.id!, file, passphrase) };
      },
    },
    {
      method: 'POST',
      path: '/api/checkpoints/import',
      access: needs('ADMIN'),
      handler: async ({ body, principal }) => {
        const { file, passphrase } = fileAndPassphrase(body);
        const { signer, allow_untrusted_signer: allowUntrusted } = (body ?? {}) as { signer?: unknown; allow_untrusted_signer?: unknown };
        if (signer !== undefined && (typeof signer !== 'string' || !/^[0-9a-f]{16}$/.test(signer))) throw new NxsError('NXS_ERR_BAD_REQUEST', 'signer must be a 16-character hex fingerprint');
        if (allowUntrusted !== undefined && typeof allowUntrusted !== 'boolean') throw new NxsError('NXS_ERR_BAD_REQUEST', 'allow_untrusted_signer must be true or false');
        guard(principal, null, 'checkpoint.import', { file, ...(allowUntrusted ? { allow_untrusted_signer: true } : {}) });
        // A second entry says how it ended, and for an accepted file which signer and why it was trusted.
        const outcome = (allowed: boolean, details: Record<string, unknown>): void =>
          void supervisor()?.audit.record({ agent_id: 'host', operation_type: 'checkpoint.import.signer', allowed, principal: principal!.id, details: { file, ...details } });
        let s: Awaited<ReturnType<CheckpointManager['importFrom']>>;
        try {
          s = await mgr.importFrom(file, passphrase, { signer: signer as string | undefined, allowUntrustedSigner: allowUntrusted === true });
        } catch (err) {
          if (err instanceof NxsError) outcome(false, { code: err.code, ...(typeof err.details?.signer === 'string' ? { signer: err.details.signer } : {}) });
          throw err;
        }
        const signerId = s.origin.replace(/^import:/, '');
        outcome(true, { checkpoint_id: s.checkpoint_id, signer: signerId, trust: s.trust });
        return { body: { checkpoint_id: s.checkpoint_id, signer: signerId, trust: s.trust, kind: s.kind, agent_id: s.agent_id } };
      },
    },
    {
      // The signers whose checkpoints import accepts, beside this host's own key.
      method: 'GET',
      path: '/api/checkpoints/trust',
      access: needs('ADMIN'),
      handler: () => ({ body: { self: { signer: mgr.signerId, public_key_pem: mgr.publicKeyPem }, trusted: mgr.trusted.list() } }),
    },
    {
      method: 'POST',
      path: '/api/checkpoints/trust',
      access: needs('ADMIN'),
      handler: ({ body, principal }) => {
        const key = (body as { public_key?: unknown } | undefined)?.public_key;
        if (typeof key !== 'string' || key.length > 4096) throw new NxsError('NXS_ERR_BAD_REQUEST', 'body must be {"public_key": "<PEM of the other host\'s key, from nxs checkpoint pubkey there>"}');
        const r = mgr.trusted.add(key);
        guard(principal, null, 'checkpoint.trust_add', { signer: r.signer, added: r.added });
        return { body: r };
      },
    },
    {
      method: 'DELETE',
      path: '/api/checkpoints/trust/:signer',
      access: needs('ADMIN'),
      handler: ({ params, principal }) => {
        const removed = mgr.trusted.remove(params.signer!);
        guard(principal, null, 'checkpoint.trust_rm', { signer: params.signer, removed });
        if (!removed) throw new NxsError('NXS_ERR_NOT_FOUND', `signer ${params.signer} is not trusted here (nxs checkpoint trust ls lists them)`);
        return { body: { success: true, signer: params.signer } };
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
