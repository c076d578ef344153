import { describe, it, expect } from 'vitest';
import { diagnose, isSuppressed, bootLogFinding } from '../../../src/doctor/rules.ts';
import type { RuleState } from '../../../src/doctor/types.ts';
import type { TierName } from '../../../src/config/schema.ts';

function state(over: Partial<Omit<RuleState, 'providerDowns'>> & { downs?: Record<string, number[]>; checkpoints?: Record<string, string> } = {}): RuleState {
  return {
    now: 1000,
    tier: (over.tier ?? 'standard') as TierName,
    providerDowns: new Map(Object.entries(over.downs ?? {})),
    providerDownThreshold: over.providerDownThreshold ?? 2,
    latestCheckpoint: (id) => over.checkpoints?.[id] ?? null,
  };
}

// [case, event name, payload, state, expected rule, expected fix kind (null: no diagnosis)]
const TABLE: [string, string, unknown, RuleState, string | null, string | null][] = [
  ['crash loop without a checkpoint restarts once', 'agent.crash_loop', { agentId: '7', name: 'a', failures: 5, windowMs: 1, last: 'x' }, state(), 'crash-loop', 'restart_agent'],
  ['crash loop with a checkpoint proposes restoring it', 'agent.crash_loop', { agentId: '7', failures: 5 }, state({ checkpoints: { '7': 'ckpt_1' } }), 'crash-loop', 'restore_checkpoint'],
  ['crash loop without an agent id is ignored', 'agent.crash_loop', { failures: 5 }, state(), null, null],
  ['provider down once, under the threshold', 'provider.down', { provider: 'openai', reason: '500' }, state({ downs: { openai: [1000] } }), null, null],
  ['provider down at the threshold switches', 'provider.down', { provider: 'openai', reason: '500' }, state({ downs: { openai: [900, 1000] } }), 'provider-down', 'switch_provider'],
  ['expired credential switches away', 'provider.credential_expired', { provider: 'anthropic', source: 'env' }, state(), 'credential-expired', 'switch_provider'],
  ['low disk clears temp files', 'disk.low', { freeBytes: 10, floorBytes: 100 }, state(), 'disk-low', 'clear_temp'],
  ['memory pressure steps the tier down', 'memory.pressure', { detail: 'rss', tier: 'standard' }, state({ tier: 'standard' }), 'memory-pressure', 'change_tier'],
  ['memory pressure on minimal has nowhere to go', 'memory.pressure', {}, state({ tier: 'minimal' }), 'memory-pressure', 'none'],
  ['queue backlog steps up', 'queue.backlog', { queue: 'ipc', depth: 5000, limit: 2000 }, state({ tier: 'minimal' }), 'queue-backlog', 'change_tier'],
  ['queue backlog on full is noted', 'queue.backlog', { queue: 'ipc', depth: 5000 }, state({ tier: 'full' }), 'queue-backlog', 'none'],
  ['identity alert proposes reinstalling identity', 'alert', { source: 'assistant', code: 'NXS_ERR_IDENTITY_DAMAGED', message: 'SOUL.md unreadable', severity: 'critical' }, state(), 'identity-damaged', 'change_identity'],
  ['a code is matched exactly, not by a word in it', 'alert', { source: 'assistant', code: 'NXS_ERR_CONFIG_INVALID', message: 'bad key', severity: 'warning' }, state(), null, null],
  ['a critical alert is noted', 'alert', { source: 'supervisor', code: 'NXS_ERR_AGENT_MODULE_REFUSED', message: 'parked', severity: 'critical' }, state(), 'critical-alert', 'none'],
  ['an info alert is ignored', 'alert', { source: 'x', code: 'NXS_ERR_Y', message: 'z', severity: 'info' }, state(), null, null],
  ['an alert that mirrors a ruled event is left to that rule', 'alert', { source: 'supervisor', code: 'NXS_ERR_AGENT_PARKED', message: 'parked', severity: 'critical' }, state(), null, null],
  ['the credential alert is left to the credential rule', 'alert', { source: 'providers', code: 'NXS_ERR_PROVIDER_CREDENTIAL_REFUSED', message: 'refused', severity: 'warning' }, state(), null, null],
  ['the doctor\'s own alerts are ignored', 'alert', { source: 'doctor', code: 'NXS_ERR_IDENTITY_DAMAGED', message: 'z', severity: 'critical' }, state(), null, null],
  ['a channel down is noted for the owner', 'channel.down', { channel: 'telegram', failures: 3, error: 'HTTP 502' }, state(), 'channel-down', 'none'],
  ['entering survival mode is the providers-exhausted diagnosis', 'assistant.survival', { active: true, reason: 'all providers down' }, state(), 'providers-exhausted', 'none'],
  ['leaving survival mode is not a diagnosis', 'assistant.survival', { active: false, reason: 'provider recovered' }, state(), null, null],
  ['the channel-down alert is left to the channel rule', 'alert', { source: 'assistant', code: 'NXS_ERR_CHANNEL_DOWN', message: 'down', severity: 'warning' }, state(), null, null],
  ['the client\'s exhausted alert is the same providers-exhausted diagnosis', 'alert', { source: 'providers', code: 'NXS_ERR_PROVIDERS_EXHAUSTED', message: 'all down', severity: 'critical' }, state(), 'providers-exhausted', 'none'],
  ['a malformed payload is ignored, not thrown', 'provider.down', 'not an object', state(), null, null],
  ['an unknown event is ignored', 'something.else', {}, state(), null, null],
];

describe('doctor rules', () => {
  it.each(TABLE)('%s', (_name, event, payload, st, rule, fix) => {
    const f = diagnose({ name: event, payload }, st);
    expect(f?.rule ?? null).toBe(rule);
    expect(f?.fix.kind ?? null).toBe(fix);
  });

  it('cooldown suppresses the same rule on the same subject only', () => {
    const f = diagnose({ name: 'disk.low', payload: {} }, state())!;
    const seen = new Map([['disk-low|host:disk', 1000]]);
    expect(isSuppressed(f, seen, 1500, 1000)).toBe(true);
    expect(isSuppressed(f, seen, 2000, 1000)).toBe(false);
    expect(isSuppressed({ ...f, subject: 'host:other' }, seen, 1500, 1000)).toBe(false);
  });

  it.each([
    ['a failed boot', { boot_id: 'b1', ready_at: null }, ['[t] config', '[t] boot failed: port 7878 in use'], 'boot-failed'],
    ['a boot that never got ready', { boot_id: 'b1', ready_at: null }, ['[t] config'], 'boot-incomplete'],
    ['a good boot', { boot_id: 'b1', ready_at: 5 }, ['[t] ready at http://x'], null],
  ])('boot log: %s', (_n, boot, lines, rule) => {
    expect(bootLogFinding(boot, lines)?.rule ?? null).toBe(rule);
  });
});
