import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ask, startFullHost, type FullHost } from '../assistant/support/full-host.ts';

const json = async <T = any>(r: Response | Promise<Response>): Promise<T> => {
  const res = await r;
  const body = (await res.json()) as T;
  if (!res.ok) throw new Error(`${res.status}: ${JSON.stringify(body)}`);
  return body;
};
const assistantId = async (h: FullHost): Promise<string> => String((await json(h.host.api('/api/status'))).assistant.agent_id);

describe('checkpoint state of an agent: queued work, schedules, and the assistant', () => {
  it('round trip over HTTP: the assistant checkpoint restores memory, conversations, schedules and queued work in one go', async () => {
    await using h = await startFullHost();
    const q = h.host.parts.queue!;
    q.declare({ name: 'test.work' });
    const a = await assistantId(h);

    h.fake.script({ kind: 'ok', content: 'Hello, owner.' });
    await ask(h.host, 'main', 'hello there');
    expect((await ask(h.host, 'main', '/remember the cat is called Tom')).reply).toMatch(/Remembered/);
    await json(h.host.api('/api/tasks', { method: 'POST', json: { name: 'daily', every: '1d', queue: 'assistant.prompt', payload: { prompt: 'Summarise the day', channel: 'http' } } }));
    // Work waiting for the agent in its own group (not due yet, so it stays queued).
    q.enqueue({ queue: 'test.work', group: `agent:${a}`, payload: { step: 1 }, runAt: h.host.ctx.clock.now() + 3_600_000 });
    q.enqueue({ queue: 'test.work', group: `agent:${a}`, payload: { step: 2 }, runAt: h.host.ctx.clock.now() + 3_600_000 });
    q.enqueue({ queue: 'test.work', group: 'agent:someone-else', payload: { step: 99 } });

    const { checkpoint_id: ckpt } = await json(h.host.api(`/api/agents/${a}/checkpoint`, { method: 'POST' }));
    const verified = await json(h.host.api(`/api/checkpoints/${ckpt}/verify`));
    expect(verified.valid).toBe(true);
    const opened = await h.host.parts.checkpoints!.open(ckpt);
    expect([...opened.files.keys()].filter((f) => f.startsWith('state/')).sort()).toEqual(['state/assistant.json', 'state/queue.json', 'state/schedules.json']);

    // Move it to a fresh box: export, then import and restore on a second host.
    const dir = mkdtempSync(path.join(tmpdir(), 'nxs-ckpt-x-'));
    try {
      const file = path.join(dir, 'assistant.nxsckpt');
      await json(h.host.api(`/api/checkpoints/${ckpt}/export`, { method: 'POST', json: { file, passphrase: 'correct horse battery' } }));

      await using h2 = await startFullHost();
      // B imports only from signers it trusts: give it A's public key first.
      await json(h2.host.api('/api/checkpoints/trust', { method: 'POST', json: { public_key: h.host.parts.checkpoints!.publicKeyPem } }));
      const { checkpoint_id: imported } = await json(h2.host.api('/api/checkpoints/import', { method: 'POST', json: { file, passphrase: 'correct horse battery' } }));
      const agentsBefore = (await json(h2.host.api('/api/agents'))).agents.length;

      // This box does not run queue test.work: the restore is refused before anything is written.
      const refused = await h2.host.api('/api/agents/restore', { method: 'POST', json: { checkpoint_id: imported } });
      expect(refused.status).toBe(422);
      expect(refused.headers.get('x-nxs-error-code')).toBe('NXS_ERR_CHECKPOINT_INVALID');
      expect(((await refused.json()) as { error: string }).error).toMatch(/queued work for queue\(s\) test.work, which this host does not run/);
      expect((await json(h2.host.api('/api/agents'))).agents.length).toBe(agentsBefore);
      expect(h2.host.parts.scheduler!.list()).toHaveLength(0);
      expect(readFileSync(h2.host.parts.assistant!.memory.file, 'utf8')).not.toMatch(/Tom/);

      h2.host.parts.queue!.declare({ name: 'test.work' });
      const restored = await json(h2.host.api('/api/agents/restore', { method: 'POST', json: { checkpoint_id: imported } }));
      const b = String(restored.agent_id);
      expect((await json(h2.host.api(`/api/agents/${b}`))).name).toBe('assistant');
      // The restored record is the assistant's identity from now on.
      expect(await assistantId(h2)).toBe(b);
      expect(readFileSync(h2.host.parts.assistant!.memory.file, 'utf8')).toMatch(/the cat is called Tom/);
      const history = h2.host.ctx.db.prepare("SELECT text, reply FROM assistant_messages WHERE conversation_id = 'main' ORDER BY id").all() as { text: string; reply: string }[];
      expect(history[0]).toEqual({ text: 'hello there', reply: 'Hello, owner.' });
      expect(h2.host.parts.scheduler!.list().map((t) => ({ name: t.name, queue: t.queue, payload: t.payload }))).toEqual([{ name: 'daily', queue: 'assistant.prompt', payload: { prompt: 'Summarise the day', channel: 'http' } }]);
      const work = h2.host.parts.queue!.list({ queue: 'test.work' }).sort((x, y) => x.id - y.id);
      expect(work.map((j) => [j.group, j.payload])).toEqual([
        [`agent:${b}`, { step: 1 }],
        [`agent:${b}`, { step: 2 }],
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('an ordinary agent carries its queued work and the tasks aimed at its group, not the assistant state', async () => {
    await using h = await startFullHost({ agents: [{ name: 'worker' }] });
    const q = h.host.parts.queue!;
    q.declare({ name: 'test.work' });
    const { agent_id } = await json(h.host.api('/api/agents', { method: 'POST', json: { name: 'worker' } }));
    const id = String(agent_id);
    q.enqueue({ queue: 'test.work', group: `agent:${id}`, payload: { n: 1 }, runAt: h.host.ctx.clock.now() + 60_000 });
    await json(h.host.api('/api/tasks', { method: 'POST', json: { name: 'poke', every: '1h', queue: 'test.work', group: `agent:${id}`, payload: { poke: true } } }));
    const { checkpoint_id } = await json(h.host.api(`/api/agents/${id}/checkpoint`, { method: 'POST' }));
    const opened = await h.host.parts.checkpoints!.open(checkpoint_id);
    expect([...opened.files.keys()].filter((f) => f.startsWith('state/')).sort()).toEqual(['state/queue.json', 'state/schedules.json']);

    const r = await json(h.host.api('/api/agents/restore', { method: 'POST', json: { checkpoint_id } }));
    const nid = String(r.agent_id);
    expect(q.list({ queue: 'test.work', group: `agent:${nid}` }).map((j) => j.payload)).toEqual([{ n: 1 }]);
    // The original task still runs for the original agent; the restored one gets its own copy.
    const tasks = h.host.parts.scheduler!.list();
    expect(tasks.map((t) => [t.name, t.group]).sort()).toEqual([
      ['poke', `agent:${id}`],
      [`poke.a${nid}`, `agent:${nid}`],
    ]);
  });

  it('a restore that fails in a later provider leaves no jobs, no tasks, no agent, and exact queue counts', async () => {
    await using h = await startFullHost({ agents: [{ name: 'worker' }] });
    const q = h.host.parts.queue!;
    q.declare({ name: 'test.work' });
    const { agent_id } = await json(h.host.api('/api/agents', { method: 'POST', json: { name: 'worker' } }));
    q.enqueue({ queue: 'test.work', group: `agent:${agent_id}`, payload: { n: 1 }, runAt: h.host.ctx.clock.now() + 60_000 });
    await json(h.host.api('/api/tasks', { method: 'POST', json: { name: 'poke', every: '1h', queue: 'test.work', group: `agent:${agent_id}` } }));
    h.host.parts.checkpoints!.registerStateProvider('zz-broken', {
      export: () => ({ ok: true }),
      import: () => {
        throw new Error('disk on fire');
      },
    });
    const { checkpoint_id } = await json(h.host.api(`/api/agents/${agent_id}/checkpoint`, { method: 'POST' }));
    const agents = (await json(h.host.api('/api/agents'))).agents.length;
    const room = q.room('test.work');
    const res = await h.host.api('/api/agents/restore', { method: 'POST', json: { checkpoint_id } });
    expect(res.status).toBe(500);
    expect(q.list({ queue: 'test.work' })).toHaveLength(1);
    expect(q.room('test.work')).toBe(room);
    expect(h.host.parts.scheduler!.list().map((t) => t.name)).toEqual(['poke']);
    expect((await json(h.host.api('/api/agents'))).agents.filter((x: { state: string }) => x.state !== 'stopped').length).toBe(agents);
  });
});
