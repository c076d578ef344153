import { describe, it, expect } from 'vitest';
import { supervisorHost, json, running } from './helpers.ts';

// Seed 004's integration list, end to end over HTTP against a real host.
describe('seed 004 contract', () => {
  it('agent_lifecycle_migrate', async () => {
    await using host = await supervisorHost();
    const spawned = await json(await host.api('/api/agents', { method: 'POST', json: { name: 'echo' } }));
    expect(typeof spawned.agent_id).toBe('number');
    expect(typeof spawned.instance_id).toBe('number');
    const id = spawned.agent_id;
    await running(host, id);
    const res = await host.api(`/api/agents/${id}/migrate`, { method: 'POST', json: { target_cpu: 0 } });
    expect(res.status).toBe(200);
    expect(await json(res)).toEqual({ success: true });
    const info = await json(await host.api(`/api/agents/${id}`));
    expect(info).toMatchObject({ agent_id: id, cpu_id: 0, state: 'running', restarts: 0, name: 'echo' });
    expect(info.memory.budget_mb).toBe(64);
    const bad = await host.api(`/api/agents/${id}/migrate`, { method: 'POST', json: { target_cpu: 100000 } });
    expect(bad.status).toBe(400);
    expect((await json(bad)).error).toMatch(/target_cpu must be an integer from 0 to/);
  });

  it('agent_lifecycle_kill', async () => {
    await using host = await supervisorHost();
    const { agent_id: id } = await json(await host.api('/api/agents', { method: 'POST', json: { name: 'echo', capabilities: ['ACCESS_GPU'] } }));
    await running(host, id);
    const claim = await json(await host.api('/api/gpu/claim', { method: 'POST', json: { agent_id: id, device_id: 0 } }));
    expect(claim.success).toBe(true);
    const res = await host.api(`/api/agents/${id}`, { method: 'DELETE' });
    expect(res.status).toBe(200);
    expect((await json(res)).success).toBe(true);
    expect((await host.api(`/api/agents/${id}`)).status).toBe(404);
    expect(await json(await host.api('/api/gpu/status/0'))).toEqual({ device_id: 0, state: 'available' });
    const snap = await json(await host.api('/api/capabilities/snapshot'));
    expect(snap.capabilities[String(id)]).toBeUndefined();
    const audit = await json(await host.api(`/api/audit/${id}`));
    expect(audit.entries.map((e: any) => e.operation_type)).toEqual(['agent.spawn', 'gpu.claim', 'agent.kill']);
    expect((await host.api(`/api/agents/${id}`, { method: 'DELETE' })).status).toBe(404);
  });

  it('capability_unauthorized_rejection', async () => {
    await using host = await supervisorHost();
    const { agent_id: id } = await json(await host.api('/api/agents', { method: 'POST', json: { name: 'echo' } }));
    const made = await json(await host.api('/api/tokens', { method: 'POST', json: { capabilities: ['SPAWN_AGENT'], name: 'read-mostly' } }));
    const res = await host.api(`/api/agents/${id}`, { method: 'DELETE', token: made.token });
    expect(res.status).toBe(403);
    expect(await json(res)).toMatchObject({ success: false, error: 'Insufficient capabilities: KILL_AGENT required' });
    expect((await host.api(`/api/agents/${id}`)).status).toBe(200);
    const audit = await json(await host.api(`/api/audit/${id}`));
    const denial = audit.entries.find((e: any) => e.allowed === false);
    expect(denial).toMatchObject({ operation_type: 'denied:DELETE /api/agents/:id', principal: `token:${made.token_id}`, details: { capability: 'KILL_AGENT' } });
  });

  it('capability_audit_trail', async () => {
    await using host = await supervisorHost();
    const spawned = await json(await host.api('/api/agents', { method: 'POST', json: { name: 'echo' } }));
    const entry = await json(await host.api(`/api/audit/${spawned.agent_id}?operation_id=${spawned.operation_id}`));
    expect(entry).toMatchObject({ agent_id: spawned.agent_id, operation_type: 'agent.spawn' });
    expect(Number.isInteger(entry.timestamp) && entry.timestamp <= host.ctx.clock.now()).toBe(true);
    expect((await host.api(`/api/audit/${spawned.agent_id}?operation_id=999999`)).status).toBe(404);
    const snap = await json(await host.api('/api/capabilities/snapshot'));
    expect(snap).toEqual({ capabilities: { [String(spawned.agent_id)]: ['SPAWN_AGENT', 'ALLOC_MEMORY'] } });
    // The store itself refuses to rewrite history.
    expect(() => host.ctx.db.prepare('UPDATE audit_log SET allowed = 0').run()).toThrow(/append-only/);
    expect(() => host.ctx.db.prepare('DELETE FROM audit_log').run()).toThrow(/append-only/);
  });

  it('gpu_scheduler_claim_release', async () => {
    await using host = await supervisorHost();
    const { agent_id: id } = await json(await host.api('/api/agents', { method: 'POST', json: { name: 'echo', capabilities: ['ACCESS_GPU'] } }));
    const claim = await json(await host.api('/api/gpu/claim', { method: 'POST', json: { agent_id: id, device_id: 1 } }));
    expect(claim).toMatchObject({ success: true });
    expect(typeof claim.device_handle).toBe('number');
    expect(await json(await host.api('/api/gpu/status/1'))).toMatchObject({ device_id: 1, owner_agent_id: id, state: 'claimed' });
    const rel = await host.api(`/api/gpu/release/${claim.device_handle}`, { method: 'DELETE' });
    expect(await json(rel)).toEqual({ success: true });
    expect(await json(await host.api('/api/gpu/status/1'))).toEqual({ device_id: 1, state: 'available' });
    expect((await host.api(`/api/gpu/release/${claim.device_handle}`, { method: 'DELETE' })).status).toBe(404);
    expect((await host.api('/api/gpu/status/7')).status).toBe(404);
    expect((await host.api('/api/gpu/claim', { method: 'POST', json: { agent_id: id, device_id: 9 } })).status).toBe(404);
    // An agent without ACCESS_GPU cannot be given a device, even by the operator.
    const { agent_id: plain } = await json(await host.api('/api/agents', { method: 'POST', json: { name: 'echo' } }));
    const denied = await host.api('/api/gpu/claim', { method: 'POST', json: { agent_id: plain, device_id: 0 } });
    expect(denied.status).toBe(403);
    expect((await json(denied)).error).toBe('Insufficient capabilities: ACCESS_GPU required');
    const util = await json(await host.api('/api/gpu/utilization'));
    expect(typeof util.gpu_percent).toBe('number');
  });

  it('gpu_scheduler_preemption', async () => {
    await using host = await supervisorHost();
    const low = (await json(await host.api('/api/agents', { method: 'POST', json: { name: 'echo', capabilities: ['ACCESS_GPU'] } }))).agent_id;
    const high = (await json(await host.api('/api/agents', { method: 'POST', json: { name: 'echo', capabilities: ['ACCESS_GPU'] } }))).agent_id;
    const first = await json(await host.api('/api/gpu/claim', { method: 'POST', json: { agent_id: low, device_id: 0, priority: 1 } }));
    const same = await host.api('/api/gpu/claim', { method: 'POST', json: { agent_id: high, device_id: 0, priority: 1 } });
    expect(same.status).toBe(409);
    expect((await json(same)).success).toBe(false);
    const second = await json(await host.api('/api/gpu/claim', { method: 'POST', json: { agent_id: high, device_id: 0, priority: 5 } }));
    expect(second).toMatchObject({ success: true, preempted_agent_id: low });
    expect(await json(await host.api('/api/gpu/status/0'))).toMatchObject({ owner_agent_id: high, state: 'claimed' });
    expect((await host.api(`/api/gpu/release/${first.device_handle}`, { method: 'DELETE' })).status).toBe(404);
    const audit = await json(await host.api(`/api/audit/${low}`));
    expect(audit.entries.map((e: any) => e.operation_type)).toContain('gpu.preempted');
  });

  it('boot_reproducibility_logs', async () => {
    await using host = await supervisorHost();
    const before = await json(await host.api('/api/boot/log'));
    expect(before.log).toMatch(/^\[\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\] /m);
    expect(await json(await host.api('/api/boot/entry', { method: 'POST', json: { entry: 'Agent supervisor started' } }))).toEqual({ success: true });
    const after = await json(await host.api(`/api/boot/log?boot_id=${host.ctx.bootLog.bootId}`));
    expect(after.log.startsWith(before.log)).toBe(true);
    expect(after.log).toMatch(/\] Agent supervisor started\n$/);
    expect((await host.api('/api/boot/log?boot_id=boot_0_nope')).status).toBe(404);
  });

  it('ipc_type_safety', async () => {
    await using host = await supervisorHost();
    const a = (await json(await host.api('/api/agents', { method: 'POST', json: { name: 'echo' } }))).agent_id;
    const b = (await json(await host.api('/api/agents', { method: 'POST', json: { name: 'echo' } }))).agent_id;
    const ok1 = await host.api('/api/ipc/send', { method: 'POST', json: { from: a, to: b, message: { intent: 'process_data', data: 'Hello', type: 'text' } } });
    expect(ok1.status).toBe(200);
    const bad1 = await host.api('/api/ipc/send', { method: 'POST', json: { from: a, to: b, message: { intent: 'process_data', data: 12345, type: 'text' } } });
    expect(bad1.status).toBe(400);
    expect(await json(bad1)).toMatchObject({ success: false, error: "Type mismatch: declared type 'text' but data is 'number'" });
    const b64 = (s: string): string => Buffer.from(s).toString('base64');
    const ok2 = await host.api('/api/ipc/send', { method: 'POST', json: { from_agent_id: a, to_agent_id: b, data: b64('Hello'), metadata: { type: 'text' } } });
    expect(ok2.status).toBe(200);
    const bad2 = await host.api('/api/ipc/send', { method: 'POST', json: { from_agent_id: a, to_agent_id: b, data: b64('not a number'), metadata: { type: 'number' } } });
    expect(bad2.status).toBe(400);
    expect((await json(bad2)).error).toBe("Type mismatch: declared type 'number' but data is 'text'");
    const schema = { type: 'object', required: ['n'], properties: { n: { type: 'integer' } } };
    expect((await host.api('/api/ipc/send', { method: 'POST', json: { from: a, to: b, message: { data: { n: 3 }, type: 'json', schema } } })).status).toBe(200);
    const bad3 = await host.api('/api/ipc/send', { method: 'POST', json: { from: a, to: b, message: { data: { n: 'x' }, type: 'json', schema } } });
    expect((await json(bad3)).error).toBe("Type mismatch: declared type 'json' but data does not match its schema: $.n must be an integer, got text");
    const inbox = await json(await host.api(`/api/ipc/inbox/${b}`));
    expect(inbox.messages.map((m: any) => m.data)).toEqual(['Hello', 'Hello', { n: 3 }]);
    expect(inbox.messages[0]).toMatchObject({ from: a, to: b, intent: 'process_data', type: 'text' });
    expect((await host.api('/api/ipc/send', { method: 'POST', json: { from: a, to: 999, message: { data: 'x', type: 'text' } } })).status).toBe(404);
  });
});
