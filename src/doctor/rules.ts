// Rules are pure: (event, state) -> finding | null. The shell (doctor.ts) feeds
// them events and state and does the I/O. Payloads are read defensively: other
// parts emit them and a malformed one must not break the doctor.
import { TIERS, type TierName } from '../config/schema.ts';
import type { Finding, HostEventIn, Rule, RuleState } from './types.ts';

export function field(payload: unknown, ...names: string[]): string | null {
  if (!payload || typeof payload !== 'object') return null;
  for (const n of names) {
    const v = (payload as Record<string, unknown>)[n];
    if (typeof v === 'string' && v) return v;
    if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  }
  return null;
}

function num(payload: unknown, ...names: string[]): number | null {
  const s = field(payload, ...names);
  return s === null || Number.isNaN(Number(s)) ? null : Number(s);
}

export function tierBelow(t: TierName): TierName | null {
  const i = TIERS.indexOf(t);
  return i > 0 ? TIERS[i - 1]! : null;
}

export function tierAbove(t: TierName): TierName | null {
  const i = TIERS.indexOf(t);
  return i < TIERS.length - 1 ? TIERS[i + 1]! : null;
}

export const crashLoopRule: Rule = (e, s) => {
  if (e.name !== 'agent.crash_loop') return null;
  const agentId = field(e.payload, 'agentId', 'agent_id');
  if (!agentId) return null;
  const crashes = num(e.payload, 'failures', 'crashes');
  const ckpt = s.latestCheckpoint(agentId);
  const what = `agent ${agentId} is crash-looping${crashes !== null ? ` (${crashes} crashes)` : ''} and parked`;
  return ckpt
    ? { rule: 'crash-loop', subject: `agent:${agentId}`, severity: 'critical', summary: `${what}; restore its last checkpoint ${ckpt}`, fix: { kind: 'restore_checkpoint', args: { agentId, checkpointId: ckpt } } }
    : { rule: 'crash-loop', subject: `agent:${agentId}`, severity: 'critical', summary: `${what}; no checkpoint exists, restarting it once`, fix: { kind: 'restart_agent', args: { agentId } } };
};

export const providerDownRule: Rule = (e, s) => {
  if (e.name !== 'provider.down') return null;
  const provider = field(e.payload, 'provider', 'name');
  if (!provider) return null;
  const n = s.providerDowns.get(provider)?.length ?? 0;
  if (n < s.providerDownThreshold) return null;
  return { rule: 'provider-down', subject: `provider:${provider}`, severity: 'warning', summary: `provider ${provider} failed ${n} times recently; routing around it`, fix: { kind: 'switch_provider', args: { provider } } };
};

export const credentialExpiredRule: Rule = (e) => {
  if (e.name !== 'provider.credential_expired') return null;
  const provider = field(e.payload, 'provider', 'name');
  if (!provider) return null;
  return { rule: 'credential-expired', subject: `provider:${provider}`, severity: 'critical', summary: `the credential of provider ${provider} expired; routing around it until it is renewed`, fix: { kind: 'switch_provider', args: { provider } } };
};

export const diskLowRule: Rule = (e) => {
  if (e.name !== 'disk.low') return null;
  const free = num(e.payload, 'freeBytes', 'free_bytes');
  return { rule: 'disk-low', subject: 'host:disk', severity: 'warning', summary: `free disk is low${free !== null ? ` (${Math.round(free / 1048576)} MiB)` : ''}; clearing nxs temp files`, fix: { kind: 'clear_temp', args: {} } };
};

export const memoryPressureRule: Rule = (e, s) => {
  if (e.name !== 'memory.pressure') return null;
  const lower = tierBelow(s.tier);
  if (!lower) return { rule: 'memory-pressure', subject: 'host:memory', severity: 'critical', summary: 'memory is under pressure on the minimal tier already; nothing smaller to step down to', fix: { kind: 'none', args: {} } };
  return { rule: 'memory-pressure', subject: 'host:memory', severity: 'warning', summary: `memory is under pressure; step down from ${s.tier} to ${lower}`, fix: { kind: 'change_tier', args: { tier: lower } } };
};

export const queueBacklogRule: Rule = (e, s) => {
  if (e.name !== 'queue.backlog') return null;
  const queue = field(e.payload, 'queue', 'name') ?? 'unknown';
  const depth = num(e.payload, 'depth', 'count');
  const higher = tierAbove(s.tier);
  const what = `queue ${queue} is backed up${depth !== null ? ` (${depth} jobs)` : ''}`;
  if (!higher) return { rule: 'queue-backlog', subject: `queue:${queue}`, severity: 'warning', summary: `${what} on the full tier`, fix: { kind: 'none', args: {} } };
  return { rule: 'queue-backlog', subject: `queue:${queue}`, severity: 'warning', summary: `${what}; step up from ${s.tier} to ${higher} for more workers`, fix: { kind: 'change_tier', args: { tier: higher } } };
};

// A channel that keeps failing: nothing nxs can fix alone (a remote, a token, the network), so it is noted
// where the owner looks (nxs doctor ls); the replies wait in the queue and are retried meanwhile.
export const channelDownRule: Rule = (e) => {
  if (e.name !== 'channel.down') return null;
  const channel = field(e.payload, 'channel') ?? 'unknown';
  const failures = field(e.payload, 'failures') ?? '?';
  const error = field(e.payload, 'error') ?? '';
  return { rule: 'channel-down', subject: `channel:${channel}`, severity: 'warning', summary: `channel ${channel} failed ${failures} deliveries in a row (${error}); replies are kept and retried; check its address, token and network`, fix: { kind: 'none', args: {} } };
};

// Every provider is down. Two parts say so: the fallback client (alert NXS_ERR_PROVIDERS_EXHAUSTED, also on a
// host with no assistant) and the assistant entering survival mode (assistant.survival, also after a restart
// that finds messages still deferred). One outage is one diagnosis: both map to this rule and subject, so the
// second is within the cooldown of the first (two critical diagnoses for one outage were issue 16's).
export const providersExhaustedRule: Rule = (e) => {
  const fromClient = e.name === 'alert' && field(e.payload, 'code') === ALERT_CODES.providersExhausted;
  const p = (typeof e.payload === 'object' && e.payload ? e.payload : {}) as Record<string, unknown>;
  const fromAssistant = e.name === 'assistant.survival' && p.active === true;
  if (!fromClient && !fromAssistant) return null;
  const what = fromAssistant ? `the assistant entered survival mode: ${field(e.payload, 'reason') ?? 'every provider is down'}` : `every LLM provider failed: ${field(e.payload, 'message') ?? ''}`;
  return { rule: 'providers-exhausted', subject: 'providers', severity: 'critical', summary: `${what}; cached answers or deferral meanwhile, messages are kept and answered when a provider returns; check providers and network`, fix: { kind: 'none', args: {} } };
};

/**
 * The alert codes the rules match, each the registered code its emitter passes (a test checks every one
 * is emitted somewhere in src/ and documented). Only exact codes: no pattern over names.
 */
export const ALERT_CODES = {
  providersExhausted: 'NXS_ERR_PROVIDERS_EXHAUSTED',
  identityDamaged: 'NXS_ERR_IDENTITY_DAMAGED',
  // These mirror an event that has its own rule (agent.crash_loop, provider.credential_expired, channel.down):
  agentParked: 'NXS_ERR_AGENT_PARKED',
  credentialRefused: 'NXS_ERR_PROVIDER_CREDENTIAL_REFUSED',
  channelDown: 'NXS_ERR_CHANNEL_DOWN',
} as const;

const MIRRORS_A_RULED_EVENT: ReadonlySet<string> = new Set([ALERT_CODES.agentParked, ALERT_CODES.credentialRefused, ALERT_CODES.channelDown, ALERT_CODES.providersExhausted]);

export const alertRule: Rule = (e) => {
  if (e.name !== 'alert') return null;
  const source = field(e.payload, 'source') ?? 'unknown';
  const code = field(e.payload, 'code') ?? 'alert';
  const message = field(e.payload, 'message') ?? '';
  const severity = field(e.payload, 'severity');
  // Events with their own rule also raise an alert; diagnose them once, by their rule.
  if (source === 'doctor' || MIRRORS_A_RULED_EVENT.has(code)) return null;
  if (code === ALERT_CODES.identityDamaged) {
    return { rule: 'identity-damaged', subject: 'host:identity', severity: 'critical', summary: `identity files need attention: ${message}; reinstall the shipped ones`, fix: { kind: 'change_identity', args: {} } };
  }
  if (severity !== 'critical') return null;
  return { rule: 'critical-alert', subject: `${source}:${code}`, severity: 'critical', summary: `${source}: ${message}`, fix: { kind: 'none', args: {} } };
};

export const RULES: readonly Rule[] = [crashLoopRule, providerDownRule, credentialExpiredRule, diskLowRule, memoryPressureRule, queueBacklogRule, channelDownRule, providersExhaustedRule, alertRule];

export const WATCHED_EVENTS = ['alert', 'agent.crash_loop', 'provider.credential_expired', 'provider.down', 'disk.low', 'memory.pressure', 'queue.backlog', 'channel.down', 'assistant.survival'] as const;

/** The first rule with something to say. */
export function diagnose(event: HostEventIn, state: RuleState, rules: readonly Rule[] = RULES): Finding | null {
  for (const r of rules) {
    const f = r(event, state);
    if (f) return f;
  }
  return null;
}

/** The same rule on the same subject within the cooldown is not diagnosed again. */
export function isSuppressed(f: Finding, lastSeen: ReadonlyMap<string, number>, now: number, cooldownMs: number): boolean {
  const at = lastSeen.get(`${f.rule}|${f.subject}`);
  return at !== undefined && now - at < cooldownMs;
}

/** The previous boot's log, read at start: a boot that failed or never got ready is worth a note. */
export function bootLogFinding(boot: { boot_id: string; ready_at: number | null }, lines: readonly string[]): Finding | null {
  const failed = lines.find((l) => /boot failed/i.test(l));
  if (failed) return { rule: 'boot-failed', subject: `boot:${boot.boot_id}`, severity: 'warning', summary: `the previous boot ${boot.boot_id} failed: ${failed.replace(/^.*boot failed:\s*/i, '')}`, fix: { kind: 'none', args: {} } };
  if (boot.ready_at === null) {
    return { rule: 'boot-incomplete', subject: `boot:${boot.boot_id}`, severity: 'warning', summary: `the previous boot ${boot.boot_id} never became ready`, fix: { kind: 'none', args: {} } };
  }
  return null;
}
