import { randomUUID } from 'node:crypto';
import type { Clock, TimerHandle } from '../core/clock.ts';
import type { Logger } from '../core/logger.ts';
import { NxsError } from '../core/errors.ts';
import type { AuditTrail } from '../supervisor/types.ts';
import { formatRule, parseEgressRule, type EgressOverride, type EgressRule } from './egress-policy.ts';

export type OverrideKind = 'unsandboxed' | 'egress';

export interface Override {
  id: string;
  kind: OverrideKind;
  /** For `egress`: the extra host:port allowed. */
  rule?: EgressRule;
  by: string;
  reason: string;
  createdAt: number;
  expiresAt: number;
}

export interface OverrideRequest {
  kind: unknown;
  target?: unknown;
  minutes: unknown;
  reason: unknown;
}

/**
 * An owner's explicit, time-bounded exceptions (seed 003: "policy override
 * explicit, time-bounded, and logged"): running commands without a sandbox,
 * or one more host:port of egress. Held in memory only, so a restart ends
 * them all; each grant and each expiry is logged and audited. One exact timer
 * to the next expiry, none when there is nothing to expire.
 */
export class Overrides {
  private readonly items = new Map<string, Override>();
  private timer: TimerHandle | null = null;
  private readonly deps: { clock: Clock; log: Logger; audit: AuditTrail; maxMinutes: number };

  constructor(deps: { clock: Clock; log: Logger; audit: AuditTrail; maxMinutes: number }) {
    this.deps = deps;
  }

  grant(req: OverrideRequest, by: string): Override {
    const { clock, maxMinutes } = this.deps;
    if (req.kind !== 'unsandboxed' && req.kind !== 'egress') throw invalid(`kind must be "unsandboxed" or "egress"; got ${JSON.stringify(req.kind)}`);
    const minutes = req.minutes;
    if (typeof minutes !== 'number' || !Number.isInteger(minutes) || minutes < 1 || minutes > maxMinutes) {
      throw invalid(`minutes must be an integer from 1 to ${maxMinutes} (sandbox.max_override_minutes); got ${JSON.stringify(minutes)}`);
    }
    if (typeof req.reason !== 'string' || req.reason.trim().length < 3 || req.reason.length > 500) throw invalid('reason must be a short text (3 to 500 characters) saying why');
    let rule: EgressRule | undefined;
    if (req.kind === 'egress') {
      rule = typeof req.target === 'string' ? (parseEgressRule(req.target) ?? undefined) : undefined;
      if (!rule) throw invalid(`target must be host:port for an egress override; got ${JSON.stringify(req.target)}`);
    }
    const now = clock.now();
    const o: Override = { id: randomUUID(), kind: req.kind, ...(rule ? { rule } : {}), by, reason: req.reason.trim(), createdAt: now, expiresAt: now + minutes * 60_000 };
    this.items.set(o.id, o);
    const details = { override_id: o.id, kind: o.kind, target: rule ? formatRule(rule) : null, minutes, reason: o.reason, expires_at: new Date(o.expiresAt).toISOString() };
    this.deps.audit.record({ agent_id: '*', operation_type: 'sandbox.override.grant', allowed: true, principal: by, details });
    this.deps.log.warn(details, 'sandbox override granted');
    this.schedule();
    return o;
  }

  revoke(id: string, by: string): boolean {
    const o = this.items.get(id);
    if (!o) return false;
    this.items.delete(id);
    this.deps.audit.record({ agent_id: '*', operation_type: 'sandbox.override.revoke', allowed: true, principal: by, details: { override_id: id, kind: o.kind } });
    this.deps.log.warn({ override_id: id, kind: o.kind }, 'sandbox override revoked');
    this.schedule();
    return true;
  }

  /** The active unsandboxed override, if any. */
  unsandboxed(): Override | undefined {
    const now = this.deps.clock.now();
    return [...this.items.values()].find((o) => o.kind === 'unsandboxed' && o.expiresAt > now);
  }

  egress(): EgressOverride[] {
    const now = this.deps.clock.now();
    return [...this.items.values()].filter((o) => o.kind === 'egress' && o.rule && o.expiresAt > now).map((o) => ({ rule: o.rule!, expiresAt: o.expiresAt }));
  }

  list(): Override[] {
    const now = this.deps.clock.now();
    return [...this.items.values()].filter((o) => o.expiresAt > now);
  }

  stop(): void {
    if (this.timer) this.deps.clock.clearTimeout(this.timer);
    this.timer = null;
  }

  private schedule(): void {
    this.stop();
    const next = Math.min(...[...this.items.values()].map((o) => o.expiresAt));
    if (!Number.isFinite(next)) return;
    this.timer = this.deps.clock.setTimeout(() => this.expire(), next - this.deps.clock.now());
    this.timer.unref();
  }

  private expire(): void {
    this.timer = null;
    const now = this.deps.clock.now();
    for (const o of [...this.items.values()]) {
      if (o.expiresAt > now) continue;
      this.items.delete(o.id);
      this.deps.audit.record({ agent_id: '*', operation_type: 'sandbox.override.expire', allowed: true, principal: 'nxs', details: { override_id: o.id, kind: o.kind } });
      this.deps.log.warn({ override_id: o.id, kind: o.kind }, 'sandbox override expired');
    }
    this.schedule();
  }
}

function invalid(message: string): NxsError {
  return new NxsError('NXS_ERR_OVERRIDE_INVALID', message);
}
