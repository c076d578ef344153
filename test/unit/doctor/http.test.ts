import { describe, it, expect } from 'vitest';
import { writeFileSync, existsSync, utimesSync } from 'node:fs';
import path from 'node:path';
import { checkpointHost, notesProvider, spawnAgent } from '../checkpoints/host.ts';

async function body(res: Response): Promise<any> {
  return res.json();
}

describe('doctor on a real host', () => {
  it('applies a free fix with the real actions, and waits for approval over HTTP for a tier change', async () => {
    await using host = await checkpointHost({ config: { tier: 'standard' } });
    // A stale temp file of ours and one being written right now.
    const dataDir = host.ctx.config.dataDir;
    const stale = path.join(dataDir, '.nxs.db.abcd.tmp');
    writeFileSync(stale, 'x'.repeat(100));
    utimesSync(stale, new Date(0), new Date(0));
    const fresh = path.join(dataDir, '.other.1234.tmp');
    writeFileSync(fresh, 'y');
    host.ctx.events.emit('disk.low', { freeBytes: 1, floorBytes: 2 });
    await host.parts.doctor!.settled();
    expect(existsSync(stale)).toBe(false);
    expect(existsSync(fresh)).toBe(true);

    host.ctx.events.emit('memory.pressure', { detail: 'rss high', tier: 'standard' });
    const list = await body(await host.api('/api/doctor/diagnoses'));
    expect(list.diagnoses.map((d: any) => [d.rule, d.status])).toEqual(
      expect.arrayContaining([['disk-low', 'applied'], ['memory-pressure', 'pending']]),
    );
    const pending = list.diagnoses.find((d: any) => d.status === 'pending');
    expect(host.ctx.profile.current.tier).toBe('standard');
    const ok = await host.api(`/api/doctor/diagnoses/${pending.id}/approve`, { method: 'POST' });
    expect(ok.status).toBe(200);
    expect(await body(ok)).toMatchObject({ status: 'applied', decided_by: 'operator' });
    expect(host.ctx.profile.current.tier).toBe('minimal');
    const again = await host.api(`/api/doctor/diagnoses/${pending.id}/approve`, { method: 'POST' });
    expect(again.status).toBe(409);
    expect((await host.api('/api/doctor/diagnoses/diag_nope/deny', { method: 'POST' })).status).toBe(404);
    expect((await host.api('/api/doctor/diagnoses?status=bogus')).status).toBe(400);
  });

  it('needs ADMIN', async () => {
    await using host = await checkpointHost();
    const id = await spawnAgent(host);
    const { token } = await body(await host.api('/api/tokens', { method: 'POST', json: { capabilities: ['SPAWN_AGENT'], agent_id: Number(id) } }));
    const res = await host.api('/api/doctor/diagnoses', { token });
    expect(res.status).toBe(403);
    expect(await body(res)).toMatchObject({ success: false, error: 'Insufficient capabilities: ADMIN required' });
  });

  it('a crash loop with a checkpoint proposes restoring it; approving restores the agent', async () => {
    await using host = await checkpointHost();
    const notes = notesProvider(host);
    const id = await spawnAgent(host, 'fragile');
    notes.add(id, 'state before the crash');
    const { checkpoint_id } = await body(await host.api(`/api/agents/${id}/checkpoint`, { method: 'POST' }));
    host.ctx.events.emit('agent.crash_loop', { agentId: id, name: 'fragile', failures: 5, windowMs: 60_000, last: 'throw' });
    const [d] = (await body(await host.api('/api/doctor/diagnoses?status=pending'))).diagnoses;
    expect(d).toMatchObject({ rule: 'crash-loop', fix: { kind: 'restore_checkpoint', args: { checkpointId: checkpoint_id } } });
    const done = await body(await host.api(`/api/doctor/diagnoses/${d.id}/approve`, { method: 'POST' }));
    expect(done.status).toBe('applied');
    const newId = /as agent (\d+)/.exec(done.result)![1]!;
    expect(notes.of(newId)).toEqual(['state before the crash']);
  });
});

