import { anyToken, needs, type Route } from '../http/route.ts';
import { NxsError } from '../core/errors.ts';
import type { Sandbox } from './sandbox.ts';
import { formatRule } from './egress-policy.ts';
import type { Override } from './overrides.ts';

export function overrideView(o: Override): Record<string, unknown> {
  return {
    id: o.id,
    kind: o.kind,
    target: o.rule ? formatRule(o.rule) : null,
    by: o.by,
    reason: o.reason,
    created_at: new Date(o.createdAt).toISOString(),
    expires_at: new Date(o.expiresAt).toISOString(),
  };
}

/** The sandbox's API: status for anyone with a token, overrides for the owner (ADMIN) only. */
export function sandboxRoutes(sandbox: Sandbox): Route[] {
  return [
    { method: 'GET', path: '/api/sandbox', access: anyToken('whether commands run sandboxed and under which limits'), handler: async () => ({ body: await sandbox.settledStatus() }) },
    { method: 'GET', path: '/api/sandbox/overrides', access: needs('ADMIN'), handler: () => ({ body: { overrides: sandbox.overrides.list().map(overrideView) } }) },
    {
      method: 'POST',
      path: '/api/sandbox/overrides',
      access: needs('ADMIN'),
      handler: ({ body, principal }) => {
        if (typeof body !== 'object' || body === null || Array.isArray(body)) {
          throw new NxsError('NXS_ERR_OVERRIDE_INVALID', 'body must be {"kind": "unsandboxed"|"egress", "target"?: "host:port", "minutes": N, "reason": "..."}');
        }
        const b = body as Record<string, unknown>;
        const o = sandbox.overrides.grant({ kind: b.kind, target: b.target, minutes: b.minutes, reason: b.reason }, principal?.id ?? 'unknown');
        return { status: 201, body: { success: true, override: overrideView(o) } };
      },
    },
    {
      method: 'DELETE',
      path: '/api/sandbox/overrides/:id',
      access: needs('ADMIN'),
      handler: ({ params, principal }) => {
        if (!sandbox.overrides.revoke(params.id ?? '', principal?.id ?? 'unknown')) throw new NxsError('NXS_ERR_NOT_FOUND', `no active override ${params.id}`);
        return { body: { success: true } };
      },
    },
  ];
}
