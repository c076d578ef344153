import { randomBytes } from 'node:crypto';
import { NxsError, errorMessage } from '../core/errors.ts';
import type { Context } from '../core/context.ts';
import { listBoots, readBootLog } from '../store/boot-records.ts';
import { diagnose, isSuppressed, bootLogFinding, RULES, WATCHED_EVENTS } from './rules.ts';
import { insertDiagnosis, updateDiagnosis, getDiagnosis, listDiagnoses, lastSeenMap } from './diagnosis-store.ts';
import { TIERS, type TierName } from '../config/schema.ts';
import { NEEDS_APPROVAL, type Diagnosis, type DiagnosisStatus, type DoctorActions, type Finding, type Rule } from './types.ts';

export interface DoctorDeps {
  actions: DoctorActions;
  latestCheckpoint(agentId: string): string | null;
  rules?: readonly Rule[];
}

/**
 * The shell around the rules: listens to host events (no polling; the only
 * memory of time is the timestamps it keeps, pruned on each event), persists
 * what the rules find, applies fixes that need no permission and parks the
 * rest until `approve` or `deny`.
 */
export class Doctor {
  private readonly ctx: Context;
  private readonly deps: DoctorDeps;
  private readonly providerDowns = new Map<string, number[]>();
  private readonly lastSeen: Map<string, number>;
  private readonly offs: (() => void)[] = [];
  /** Fix applications in flight (tests and shutdown await them). */
  private inflight = new Set<Promise<unknown>>();

  constructor(ctx: Context, deps: DoctorDeps) {
    this.ctx = ctx;
    this.deps = deps;
    this.lastSeen = lastSeenMap(ctx.db, ctx.clock.now() - ctx.config.doctor.cooldownMs);
  }

  start(): void {
    for (const name of WATCHED_EVENTS) this.offs.push(this.ctx.events.on(name, (payload) => this.onEvent(name, payload)));
    this.reviewPreviousBoot();
  }

  stop(): Promise<void> {
    for (const off of this.offs.splice(0)) off();
    return this.settled();
  }

  async settled(): Promise<void> {
    while (this.inflight.size) await Promise.allSettled([...this.inflight]);
  }

  onEvent(name: string, payload: unknown): Diagnosis | null {
    const now = this.ctx.clock.now();
    const windowMs = this.ctx.config.doctor.windowMs;
    if (name === 'provider.down') {
      const p = typeof payload === 'object' && payload ? String((payload as Record<string, unknown>).provider ?? (payload as Record<string, unknown>).name ?? '') : '';
      if (p) this.providerDowns.set(p, [...(this.providerDowns.get(p) ?? []).filter((t) => now - t < windowMs), now]);
    }
    let finding: Finding | null;
    try {
      finding = diagnose({ name, payload }, {
        now,
        tier: this.ctx.profile.current.tier,
        providerDowns: this.providerDowns,
        providerDownThreshold: this.ctx.config.doctor.providerDownThreshold,
        latestCheckpoint: (id) => this.deps.latestCheckpoint(id),
      }, this.deps.rules ?? RULES);
    } catch (err) {
      this.ctx.log.warn({ event: name, err: errorMessage(err) }, 'a doctor rule failed');
      return null;
    }
    if (!finding || isSuppressed(finding, this.lastSeen, now, this.ctx.config.doctor.cooldownMs)) return null;
    if (finding.fix.kind === 'switch_provider') this.providerDowns.delete(String(finding.fix.args.provider));
    return this.record(finding);
  }

  private reviewPreviousBoot(): void {
    const previous = listBoots(this.ctx.db, 2).find((b) => b.boot_id !== this.ctx.bootLog.bootId);
    if (!previous) return;
    const log = readBootLog(this.ctx.db, previous.boot_id)?.log ?? '';
    const f = bootLogFinding(previous, log.split('\n').filter(Boolean));
    if (f && !isSuppressed(f, this.lastSeen, this.ctx.clock.now(), Number.MAX_SAFE_INTEGER)) this.record(f);
  }

  record(finding: Finding): Diagnosis {
    const now = this.ctx.clock.now();
    const needsApproval = NEEDS_APPROVAL[finding.fix.kind] || (!this.ctx.config.doctor.autoFix && finding.fix.kind !== 'none');
    const d: Diagnosis = {
      ...finding,
      summary: this.ctx.redactor.scrub(finding.summary),
      id: `diag_${now.toString(36)}_${randomBytes(4).toString('hex')}`,
      needs_approval: needsApproval,
      // Auto fixes are pending only until they have run (apply records applied or failed).
      status: finding.fix.kind === 'none' ? 'noted' : 'pending',
      result: null,
      created_at: now,
      decided_at: null,
      decided_by: null,
    };
    insertDiagnosis(this.ctx.db, d);
    this.lastSeen.set(`${d.rule}|${d.subject}`, now);
    this.ctx.log.info({ diagnosis: d.id, rule: d.rule, fix: d.fix.kind, needsApproval }, d.summary);
    this.ctx.events.emit('doctor.diagnosis', { id: d.id, rule: d.rule, severity: d.severity, summary: d.summary, needs_approval: needsApproval });
    if (finding.fix.kind !== 'none' && !needsApproval) this.track(this.apply(d, 'doctor'));
    return getDiagnosis(this.ctx.db, d.id)!;
  }

  private track(p: Promise<unknown>): void {
    const q = p.catch(() => undefined);
    this.inflight.add(q);
    void q.finally(() => this.inflight.delete(q));
  }

  /** Runs the fix and records the outcome; resolves to the updated diagnosis (failed included). */
  private async apply(d: Diagnosis, by: string): Promise<Diagnosis> {
    const kind = d.fix.kind;
    let status: DiagnosisStatus;
    let result: string;
    try {
      if (kind === 'none') throw new NxsError('NXS_ERR_INTERNAL', 'nothing to apply');
      result = await this.deps.actions[kind](d.fix.args);
      status = 'applied';
    } catch (err) {
      result = `fix ${kind} failed: ${errorMessage(err)}`;
      status = 'failed';
      this.ctx.log.warn({ diagnosis: d.id, fix: kind }, result);
    }
    updateDiagnosis(this.ctx.db, d.id, status, this.ctx.redactor.scrub(result), this.ctx.clock.now(), by);
    return getDiagnosis(this.ctx.db, d.id)!;
  }

  list(status?: DiagnosisStatus): Diagnosis[] {
    return listDiagnoses(this.ctx.db, status);
  }

  get(id: string): Diagnosis {
    const d = getDiagnosis(this.ctx.db, id);
    if (!d) throw new NxsError('NXS_ERR_DIAGNOSIS_NOT_FOUND', `no diagnosis ${id}`, { id });
    return d;
  }

  private pending(id: string): Diagnosis {
    const d = this.get(id);
    if (d.status !== 'pending' || !d.needs_approval) throw new NxsError('NXS_ERR_DIAGNOSIS_STATE', `diagnosis ${id} is ${d.status}, not waiting for approval`, { id, status: d.status });
    return d;
  }

  async approve(id: string, by: string): Promise<Diagnosis> {
    const d = this.pending(id);
    // Claim it first so two approvals cannot both run the fix.
    updateDiagnosis(this.ctx.db, id, 'applied', 'running', this.ctx.clock.now(), by);
    const done = await this.apply(d, by);
    if (done.status === 'failed') throw new NxsError('NXS_ERR_DOCTOR_FIX_FAILED', `diagnosis ${id}: ${done.result}`, { id });
    return done;
  }

  /**
   * The owner asked for a tier (the assistant's /tier): a diagnosis whose fix
   * waits for approval, as every tier change does. An unknown tier is refused
   * here, before anything is recorded.
   */
  requestTierChange(tier: string, by: string): Diagnosis {
    const want = tier.trim().toLowerCase();
    if (!TIERS.includes(want as TierName)) throw new NxsError('NXS_ERR_BAD_REQUEST', `unknown tier ${JSON.stringify(tier)}; expected one of ${TIERS.join(', ')}`, { tier });
    const now = this.ctx.profile.current.tier;
    if (want === now) throw new NxsError('NXS_ERR_BAD_REQUEST', `the host already runs the ${now} tier`, { tier: want });
    return this.record({ rule: 'owner.tier_request', subject: `tier:${want}`, severity: 'info', summary: `${by} asked to change the tier from ${now} to ${want}`, fix: { kind: 'change_tier', args: { tier: want } } });
  }

  deny(id: string, by: string): Diagnosis {
    this.pending(id);
    updateDiagnosis(this.ctx.db, id, 'denied', null, this.ctx.clock.now(), by);
    return this.get(id);
  }
}
