import { describe, expect, it } from 'vitest';
import { ask, startFullHost } from './support/full-host.ts';

type Diag = { id: string; rule: string; status: string; needs_approval: boolean; decided_by: string | null; result: string | null; fix: { kind: string; args: Record<string, unknown> } };
const diagId = (reply: string | null): string => /diag_[a-z0-9_]+/.exec(reply ?? '')![0];

describe('privileged assistant commands go to the doctor', () => {
  it('/tier from the main conversation becomes a diagnosis waiting for approval; /approve applies it', async () => {
    await using h = await startFullHost({ tier: 'minimal' });
    const before = ((await (await h.host.api('/api/status')).json()) as { tier: string }).tier;
    const target = before === 'standard' ? 'minimal' : 'standard';
    const r = await ask(h.host, 'main', `/tier ${target}`);
    expect(r.reply).toMatch(/waits for approval: reply \/approve diag_/);
    const id = diagId(r.reply);
    const d = (await (await h.host.api(`/api/doctor/diagnoses/${id}`)).json()) as Diag;
    expect(d).toMatchObject({ rule: 'owner.tier_request', status: 'pending', needs_approval: true, fix: { kind: 'change_tier', args: { tier: target } } });
    expect(h.host.parts.doctor!.list('pending').map((x) => x.id)).toContain(id);

    const ok = await ask(h.host, 'main', `/approve ${id}`);
    expect(ok.reply).toBe(`Approved ${id}: tier changed from ${before} to ${target}`);
    expect(h.host.ctx.profile.current.tier).toBe(target);
    expect(h.host.parts.doctor!.get(id)).toMatchObject({ status: 'applied', decided_by: 'assistant:main' });

    // Approving again is refused readably, not a crash.
    const again = await ask(h.host, 'main', `/approve ${id}`);
    expect(again.reply).toMatch(/Could not do that: diagnosis .* is applied, not waiting for approval/);
  });

  it('/deny refuses a pending diagnosis; unknown tiers and ids get a clear answer', async () => {
    await using h = await startFullHost();
    const target = h.host.ctx.profile.current.tier === 'full' ? 'minimal' : 'full';
    const id = diagId((await ask(h.host, 'main', `/tier ${target}`)).reply);
    expect((await ask(h.host, 'main', `/deny ${id}`)).reply).toBe(`Denied ${id}; nothing was changed.`);
    expect(h.host.parts.doctor!.get(id)).toMatchObject({ status: 'denied', decided_by: 'assistant:main' });
    expect((await ask(h.host, 'main', '/tier huge')).reply).toMatch(/unknown tier "huge"; expected one of minimal, standard, full/);
    expect((await ask(h.host, 'main', '/approve diag_nope')).reply).toMatch(/no diagnosis diag_nope/);
    expect((await ask(h.host, 'main', '/deny')).reply).toBe('Usage: /deny <diagnosis id>');
  });

  it('non-main conversations are refused /tier, /approve and /deny, and nothing is recorded', async () => {
    await using h = await startFullHost();
    for (const cmd of ['/tier full', '/approve diag_x', '/deny diag_x']) {
      const r = await ask(h.host, 'guest', cmd);
      expect(r.reply).toBe(`${cmd.split(' ')[0]} is only allowed in the owner's main conversation.`);
    }
    expect(h.host.parts.doctor!.list().filter((d) => d.rule === 'owner.tier_request')).toHaveLength(0);
  });
});

describe('the doctor watches the assistant', () => {
  it('records channel.down and survival mode as diagnoses the owner sees (once per cooldown)', async () => {
    await using h = await startFullHost();
    const { events } = h.host.ctx;
    events.emit('channel.down', { channel: 'telegram', failures: 3, error: 'HTTP 502' });
    events.emit('alert', { source: 'assistant', code: 'NXS_ERR_CHANNEL_DOWN', message: 'channel telegram is down', severity: 'warning' });
    events.emit('channel.down', { channel: 'telegram', failures: 3, error: 'HTTP 502' });
    events.emit('assistant.survival', { active: true, reason: 'every provider failed (HTTP 503)' });
    events.emit('alert', { source: 'providers', code: 'NXS_ERR_PROVIDERS_EXHAUSTED', message: 'every LLM provider failed', severity: 'critical' });
    events.emit('assistant.survival', { active: false, reason: 'provider recovered' });
    const all = h.host.parts.doctor!.list();
    expect(all.filter((d) => d.rule === 'channel-down')).toHaveLength(1);
    expect(all.find((d) => d.rule === 'channel-down')).toMatchObject({ subject: 'channel:telegram', status: 'noted', severity: 'warning' });
    // One outage, one critical diagnosis: survival mode and the client's alert are the same providers-exhausted.
    expect(all.filter((d) => d.severity === 'critical')).toHaveLength(1);
    expect(all.find((d) => d.rule === 'providers-exhausted')!.summary).toMatch(/survival mode: every provider failed \(HTTP 503\)/);
    // The alerts that accompany these events are not diagnosed a second time.
    expect(all.filter((d) => d.rule === 'critical-alert')).toHaveLength(0);
  });
});
