import type { TierName } from '../config/schema.ts';

export const FIX_KINDS = ['restart_agent', 'switch_provider', 'clear_temp', 'reload_config', 'change_tier', 'restore_checkpoint', 'change_identity', 'none'] as const;
export type FixKind = (typeof FIX_KINDS)[number];

/** Seed 000 §8.2: cheap, reversible fixes run on their own; ones that change what the host is wait for a human. */
export const NEEDS_APPROVAL: Readonly<Record<FixKind, boolean>> = {
  restart_agent: false,
  switch_provider: false,
  clear_temp: false,
  reload_config: false,
  change_tier: true,
  restore_checkpoint: true,
  change_identity: true,
  none: false,
};

export type Severity = 'info' | 'warning' | 'critical';

/** What a rule concludes. `subject` (an agent, a provider, `host`) keys de-duplication. */
export interface Finding {
  rule: string;
  subject: string;
  severity: Severity;
  summary: string;
  fix: { kind: FixKind; args: Record<string, unknown> };
}

/** What rules may look at besides the event; built by the shell, read-only to rules. */
export interface RuleState {
  now: number;
  tier: TierName;
  /** Times (ms) of recent `provider.down` events per provider, within the window, this one included. */
  providerDowns: ReadonlyMap<string, readonly number[]>;
  providerDownThreshold: number;
  /** The newest checkpoint of an agent, if any. */
  latestCheckpoint(agentId: string): string | null;
}

export interface HostEventIn {
  name: string;
  payload: unknown;
}

export type Rule = (event: HostEventIn, state: RuleState) => Finding | null;

export type DiagnosisStatus = 'noted' | 'applied' | 'failed' | 'pending' | 'denied';

export interface Diagnosis extends Finding {
  id: string;
  needs_approval: boolean;
  status: DiagnosisStatus;
  result: string | null;
  created_at: number;
  decided_at: number | null;
  decided_by: string | null;
}

/** The fixes, injected so tests observe them. Each resolves to a line saying what it did. */
export type DoctorActions = Record<Exclude<FixKind, 'none'>, (args: Record<string, unknown>) => Promise<string> | string>;
