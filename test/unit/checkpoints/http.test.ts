import { describe, it, expect } from 'vitest';
import { readFileSync, writeFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { checkpointHost, notesProvider, spawnAgent } from './host.ts';

async function body(res: Response): Promise<any> {
  return res.json();
}

/** The error code travels in a header; the body stays seed 004's {success, error}. */
function codeOf(res: Response): string | null {
  return res.headers.get('x-nxs-error-code');
}

describe('checkpoints over HTTP (seed 004 §1)', () => {
  it('agent_lifecycle_checkpoint and agent_lifecycle_restore: round trip with state', async () => {
    await using host = await checkpointHost();
    const notes = notesProvider(host);
    const id = await spawnAgent(host, 'keeper');
    notes.add(id, 'the user likes tea');
    notes.add(id, 'meeting on friday');

    const res = await host.api(`/api/agents/${id}/checkpoint`, { method: 'POST' });
    expect(res.status).toBe(200);
    const { checkpoint_id } = await body(res);
    expect(checkpoint_id).toMatch(/^ckpt_/);

    const list = await body(await host.api('/api/checkpoints'));
    expect(list.checkpoints).toEqual([expect.objectContaining({ checkpoint_id, kind: 'agent', agent_id: id, agent_name: 'keeper' })]);
    expect(await body(await host.api(`/api/checkpoints/${checkpoint_id}/verify`))).toMatchObject({ valid: true, checkpoint_id, files: 1 });

    const restored = await host.api('/api/agents/restore', { method: 'POST', json: { checkpoint_id } });
    expect(restored.status).toBe(200);
    const r = await body(restored);
    expect(typeof r.agent_id).toBe('number');
    expect(typeof r.instance_id).toBe('number');
    expect(String(r.agent_id)).not.toBe(id);
    expect(notes.of(String(r.agent_id))).toEqual(['the user likes tea', 'meeting on friday']);
    expect(await body(await host.api(`/api/agents/${r.agent_id}`))).toMatchObject({ name: 'keeper' });

    // The file on disk is 0600 and holds none of the state in clear.
    const file = path.join(host.mgr.dir, `${checkpoint_id}.nxsckpt`);
    const raw = readFileSync(file);
    expect(raw.includes(Buffer.from('likes tea'))).toBe(false);
    expect((await import('node:fs')).statSync(file).mode & 0o777).toBe(0o600);

    const audit = await body(await host.api(`/api/audit/${id}`));
    expect(audit.entries.map((e: any) => e.operation_type)).toContain('checkpoint.create');

    expect((await host.api(`/api/checkpoints/${checkpoint_id}`, { method: 'DELETE' })).status).toBe(200);
    expect((await host.api(`/api/checkpoints/${checkpoint_id}/verify`)).status).toBe(404);
    expect(readdirSync(host.mgr.dir).filter((f) => f.endsWith('.nxsckpt'))).toEqual([]);
  });

  it('bad input: unknown agent, unknown checkpoint, malformed body', async () => {
    await using host = await checkpointHost();
    expect((await host.api('/api/agents/999/checkpoint', { method: 'POST' })).status).toBe(404);
    const missing = await host.api('/api/agents/restore', { method: 'POST', json: { checkpoint_id: 'ckpt_nope' } });
    expect(missing.status).toBe(404);
    expect(codeOf(missing)).toBe('NXS_ERR_CHECKPOINT_NOT_FOUND');
    expect(await body(missing)).toEqual({ success: false, error: expect.stringMatching(/no checkpoint ckpt_nope/) });
    const bad = await host.api('/api/agents/restore', { method: 'POST', json: { id: 1 } });
    expect(bad.status).toBe(400);
    expect((await body(bad)).error).toMatch(/checkpoint_id/);
  });

  it('refuses a tampered file on disk and leaves no agent and no state behind', async () => {
    await using host = await checkpointHost();
    const notes = notesProvider(host);
    const id = await spawnAgent(host);
    notes.add(id, 'x');
    const { checkpoint_id } = await body(await host.api(`/api/agents/${id}/checkpoint`, { method: 'POST' }));
    const file = path.join(host.mgr.dir, `${checkpoint_id}.nxsckpt`);
    const buf = readFileSync(file);
    buf[buf.length - 10]! ^= 0xff;
    writeFileSync(file, buf);
    const agentsBefore = (await body(await host.api('/api/agents'))).agents.length;
    const v = await host.api(`/api/checkpoints/${checkpoint_id}/verify`);
    expect(v.status).toBe(422);
    expect(codeOf(v)).toBe('NXS_ERR_CHECKPOINT_TAMPERED');
    expect(await body(v)).toMatchObject({ success: false, error: expect.stringMatching(/signature/) });
    const res = await host.api('/api/agents/restore', { method: 'POST', json: { checkpoint_id } });
    expect(res.status).toBe(422);
    expect((await body(await host.api('/api/agents'))).agents.length).toBe(agentsBefore);
    expect(notes.count()).toBe(1);

    writeFileSync(file, buf.subarray(0, 100));
    expect(codeOf(await host.api('/api/agents/restore', { method: 'POST', json: { checkpoint_id } }))).toBe('NXS_ERR_CHECKPOINT_TRUNCATED');
  });

  it('a state provider failing mid-restore rolls everything back', async () => {
    await using host = await checkpointHost();
    const a = notesProvider(host, 'alpha');
    const b = notesProvider(host, 'beta');
    const id = await spawnAgent(host);
    a.add(id, 'one');
    b.add(id, 'two');
    const { checkpoint_id } = await body(await host.api(`/api/agents/${id}/checkpoint`, { method: 'POST' }));
    // A third provider whose import throws after alpha and beta have written.
    host.mgr.registerStateProvider('zeta', { export: () => ({ ok: true }), import: () => { throw new Error('disk full'); } });
    const { checkpoint_id: withZeta } = await body(await host.api(`/api/agents/${id}/checkpoint`, { method: 'POST' }));
    void checkpoint_id;
    const before = (await body(await host.api('/api/agents'))).agents.length;
    const res = await host.api('/api/agents/restore', { method: 'POST', json: { checkpoint_id: withZeta } });
    expect(res.status).toBe(500);
    expect(a.count()).toBe(1);
    expect(b.count()).toBe(1);
    expect((await body(await host.api('/api/agents'))).agents.length).toBe(before);
    expect(host.logLines.some((l) => /could not stop the agent/.test(l))).toBe(false);
  });

  it('needs ADMIN or the agent\'s own token; denials are 403 with seed 004\'s body and audited', async () => {
    await using host = await checkpointHost();
    const mine = await spawnAgent(host, 'mine');
    const other = await spawnAgent(host, 'other');
    const tok = async (agentId: string) => (await body(await host.api('/api/tokens', { method: 'POST', json: { capabilities: ['SPAWN_AGENT'], agent_id: Number(agentId) } }))).token as string;
    const mineToken = await tok(mine);
    const denied = await host.api(`/api/agents/${other}/checkpoint`, { method: 'POST', token: mineToken });
    expect(denied.status).toBe(403);
    expect(await body(denied)).toMatchObject({ success: false, error: 'Insufficient capabilities: ADMIN required' });
    const own = await host.api(`/api/agents/${mine}/checkpoint`, { method: 'POST', token: mineToken });
    expect(own.status).toBe(200);
    const { checkpoint_id } = await body(own);
    expect((await host.api('/api/agents/restore', { method: 'POST', json: { checkpoint_id }, token: mineToken })).status).toBe(200);
    // A token sees only its own agent's checkpoints.
    expect((await body(await host.api('/api/checkpoints', { token: mineToken }))).checkpoints.every((c: any) => c.agent_id === mine)).toBe(true);
    expect((await host.api('/api/checkpoints/host', { method: 'POST', token: mineToken })).status).toBe(403);
    const audit = await body(await host.api(`/api/audit/${other}`));
    expect(audit.entries).toContainEqual(expect.objectContaining({ operation_type: 'checkpoint.create', allowed: false }));
    expect((await host.api(`/api/agents/${mine}/checkpoint`, { method: 'POST', token: null })).status).toBe(401);
  });

  it('retention keeps the latest N of the tier (minimal: 3)', async () => {
    await using host = await checkpointHost();
    const id = await spawnAgent(host);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await body(await host.api(`/api/agents/${id}/checkpoint`, { method: 'POST' }))).checkpoint_id);
    const left = (await body(await host.api('/api/checkpoints'))).checkpoints.map((c: any) => c.checkpoint_id);
    expect(left.sort()).toEqual(ids.slice(2).sort());
    expect(readdirSync(host.mgr.dir).filter((f) => f.endsWith('.nxsckpt')).length).toBe(3);
  });
});
