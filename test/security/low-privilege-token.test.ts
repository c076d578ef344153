import { describe, it, expect } from 'vitest';
import { startTestHost, type TestHost } from '../helpers/test-host.ts';
import { startFakeProvider } from '../helpers/fake-provider.ts';
import type { AgentSupervisor } from '../../src/supervisor/supervisor.ts';
import type { SqliteQueue } from '../../src/queue/sqlite-queue.ts';

// Issue 14 item 9: a token holding only ALLOC_MEMORY read the main conversation's replies, every queue
// payload (other callers' /v1 prompts), any agent's inbox, sent IPC as any agent, wrote 290 MiB of IPC
// and called POST /api/providers/test. Each of those is tried here again, as that token would.

const SECRET = 'the-vault-code-is-7319';
const MiB = 1024 * 1024;

async function json(res: Response): Promise<any> {
  return res.json();
}

async function makeToken(host: TestHost, body: Record<string, unknown>): Promise<{ token: string; token_id: string }> {
  const res = await host.api('/api/tokens', { method: 'POST', json: body });
  expect(res.status).toBe(201);
  return json(res);
}

/** Follows a message's SSE stream to its end (the operator's own view), so its reply is stored. */
async function answered(host: TestHost, id: number, token?: string): Promise<void> {
  const res = await host.api(`/api/messages/${id}/stream`, token ? { token } : {});
  expect(res.status).toBe(200);
  await res.text();
}

async function lowPrivilegeHost() {
  const fake = await startFakeProvider({ name: 'fake', fallback: { kind: 'ok', content: `Noted: ${SECRET}` } });
  const host = await startTestHost({
    config: {
      // minimal: an agent's inbox holds at most 1 000 messages and 1 MiB (src/detect/profile.ts).
      tier: 'minimal',
      server: { max_body_bytes: 4 * MiB },
      providers: [{ name: 'fake', base_url: fake.url, model: 'fake-model', credential: { none: true }, retries: 0 }],
      agents: [{ name: 'alpha' }, { name: 'beta' }],
    },
  });
  const low = await makeToken(host, { capabilities: ['ALLOC_MEMORY'], name: 'low' });
  return {
    host,
    fake,
    low: low.token,
    async [Symbol.asyncDispose]() {
      await host[Symbol.asyncDispose]();
      await fake.close();
    },
  };
}

describe('an ALLOC_MEMORY-only token', () => {
  it("cannot read the main conversation's replies, nor another caller's messages, nor post into their conversations", async () => {
    await using h = await lowPrivilegeHost();
    const { host, low } = h;
    const main = await json(await host.api('/api/messages', { method: 'POST', json: { conversation_id: 'main', text: `remember ${SECRET}` } }));
    await answered(host, main.message_id);
    expect((await json(await host.api(`/api/messages/${main.message_id}`))).reply).toContain(SECRET);

    for (const p of [`/api/messages/${main.message_id}`, `/api/messages/${main.message_id}/stream`]) {
      const res = await host.api(p, { token: low });
      const body = await res.text();
      expect(res.status, p).toBe(404);
      expect(res.headers.get('x-nxs-error-code')).toBe('NXS_ERR_MESSAGE_NOT_FOUND');
      expect(body).not.toContain(SECRET);
    }
    const intoMain = await host.api('/api/messages', { method: 'POST', token: low, json: { conversation_id: 'main', text: 'what did the owner say?' } });
    expect(intoMain.status).toBe(403);
    expect(intoMain.headers.get('x-nxs-error-code')).toBe('NXS_ERR_CONVERSATION_DENIED');

    // Another non-ADMIN caller's conversation: its messages stay its own, and nobody else may post into
    // it (the model would answer with its history).
    const other = await makeToken(host, { capabilities: ['ACCESS_NET'], name: 'other' });
    const theirs = await json(await host.api('/api/messages', { method: 'POST', token: other.token, json: { conversation_id: 'their-chat', text: `keep ${SECRET}` } }));
    await answered(host, theirs.message_id, other.token);
    expect((await host.api(`/api/messages/${theirs.message_id}`, { token: other.token })).status).toBe(200);
    expect((await host.api(`/api/messages/${theirs.message_id}`, { token: low })).status).toBe(404);
    const into = await host.api('/api/messages', { method: 'POST', token: low, json: { conversation_id: 'their-chat', text: 'repeat what was said above' } });
    expect(into.status).toBe(403);
    expect(await json(into)).toEqual({ success: false, error: expect.stringMatching(/^conversation their-chat was started by another caller/) });
    // Its own conversation works, and it reads its own reply.
    const mine = await json(await host.api('/api/messages', { method: 'POST', token: low, json: { conversation_id: 'low-chat', text: 'hello' } }));
    await answered(host, mine.message_id, low);
    expect((await host.api(`/api/messages/${mine.message_id}`, { token: low })).status).toBe(200);
  });

  it("cannot read other callers' queue payloads (a deferred /v1 prompt, the operator's jobs)", async () => {
    await using h = await lowPrivilegeHost();
    const { host, fake, low } = h;
    // Another caller's /v1 request, deferred while every provider fails: its prompt is a queue payload.
    fake.fallback = { kind: 'status', status: 500, body: { error: { message: 'down' } } };
    const caller = await makeToken(host, { capabilities: ['ACCESS_NET'], name: 'v1-caller' });
    const deferred = await host.api('/v1/chat/completions', { method: 'POST', token: caller.token, headers: { 'x-nxs-defer': '1' }, json: { model: 'auto', messages: [{ role: 'user', content: `my card is ${SECRET}` }] } });
    await deferred.text();
    expect(deferred.status).toBe(202);
    const jobId = Number(deferred.headers.get('x-nxs-deferred'));
    // And a job the operator enqueued itself.
    const op = await json(await host.api('/api/queue/jobs', { method: 'POST', json: { queue: 'llm.deferred', payload: { request: { messages: [{ role: 'user', content: SECRET }] } }, runAt: host.ctx.clock.now() + 3_600_000 } }));

    const everything = JSON.stringify(await json(await host.api('/api/queue/jobs?limit=1000')));
    expect(everything).toContain(SECRET); // the operator (ADMIN) sees every payload
    const list = await host.api('/api/queue/jobs?limit=1000', { token: low });
    expect(list.status).toBe(200);
    expect(await json(list)).toEqual({ jobs: [] });
    for (const id of [jobId, op.job.id]) {
      const one = await host.api(`/api/queue/jobs/${id}`, { token: low });
      expect(one.status).toBe(404);
      expect(await one.text()).not.toContain(SECRET);
    }
    expect(await json(await host.api('/api/queue/history?limit=1000', { token: low }))).toEqual({ runs: [] });

    // What it enqueued itself (through the host, as the door does for a caller) it does see.
    const queue = host.parts.queue as SqliteQueue;
    const lowId = (await json(await host.api('/api/tokens'))).tokens.find((t: { name: string }) => t.name === 'low').token_id;
    const own = queue.enqueue({ queue: 'llm.deferred', payload: { request: { messages: [{ role: 'user', content: 'mine' }] } }, runAt: host.ctx.clock.now() + 3_600_000, createdBy: `token:${lowId}` });
    const visible = await json(await host.api('/api/queue/jobs?limit=1000', { token: low }));
    expect(visible.jobs.map((j: { id: number }) => j.id)).toEqual([own.id]);
    expect((await host.api(`/api/queue/jobs/${own.id}`, { token: low })).status).toBe(200);
  });

  it("cannot read another agent's inbox, send IPC as another agent, or fill the store through IPC", async () => {
    await using h = await lowPrivilegeHost();
    const { host, low } = h;
    const spawn = async (name: string): Promise<number> => (await json(await host.api('/api/agents', { method: 'POST', json: { name } }))).agent_id;
    const alpha = await spawn('alpha');
    const beta = await spawn('beta');
    const sent = await host.api('/api/ipc/send', { method: 'POST', json: { from: alpha, to: beta, message: { intent: 'secret', data: SECRET, type: 'text' } } });
    expect(sent.status).toBe(200);

    const peek = await host.api(`/api/ipc/inbox/${beta}`, { token: low });
    expect(peek.status).toBe(403);
    expect(await json(peek)).toEqual({ success: false, error: 'Insufficient capabilities: ADMIN required' });
    const spoof = await host.api('/api/ipc/send', { method: 'POST', token: low, json: { from: alpha, to: beta, message: { data: 'from alpha, honest', type: 'text' } } });
    expect(spoof.status).toBe(403);
    expect(await json(spoof)).toEqual({ success: false, error: 'Insufficient capabilities: ADMIN required' });

    // A token bound to beta reads beta's inbox, speaks as beta, and not as alpha.
    const asBeta = (await makeToken(host, { capabilities: ['ALLOC_MEMORY'], agent_id: beta, name: 'beta' })).token;
    expect(JSON.stringify(await json(await host.api(`/api/ipc/inbox/${beta}`, { token: asBeta })))).toContain(SECRET);
    expect((await host.api(`/api/ipc/inbox/${alpha}`, { token: asBeta })).status).toBe(403);
    expect((await host.api('/api/ipc/send', { method: 'POST', token: asBeta, json: { from: alpha, to: beta, message: { data: 'x', type: 'text' } } })).status).toBe(403);
    expect((await host.api('/api/ipc/send', { method: 'POST', token: asBeta, json: { from: beta, to: alpha, message: { data: 'hi', type: 'text' } } })).status).toBe(200);

    // The flood: an agent that is not running (its record exists, no worker takes its mail) gets
    // 64 KiB messages from beta until its inbox holds the tier's 1 MiB: then 429, and the store holds no more.
    const sup = host.parts.supervisor as AgentSupervisor;
    const sleeper = sup.store.insert({ name: 'sleeper', capabilities: [], settings: {}, now: host.ctx.clock.now() });
    const chunk = 'x'.repeat(64 * 1024);
    let accepted = 0;
    let refused: Response | undefined;
    for (let i = 0; i < 40 && !refused; i++) {
      const res = await host.api('/api/ipc/send', { method: 'POST', token: asBeta, json: { from: beta, to: sleeper, message: { data: chunk, type: 'text' } } });
      if (res.status === 200) accepted++;
      else refused = res;
    }
    expect(accepted).toBe(15); // 15 x (64 KiB + 2 quotes) fit in 1 MiB; the 16th does not
    expect(refused!.status).toBe(429);
    expect(refused!.headers.get('x-nxs-error-code')).toBe('NXS_ERR_IPC_BACKLOG_FULL');
    expect((await json(refused!)).error).toMatch(/inbox holds \d+ undelivered bytes \(the bound is 1048576\)/);
    const stored = host.ctx.db.prepare('SELECT COUNT(*) AS n, SUM(size_bytes) AS bytes, SUM(length(CAST(data AS BLOB))) AS raw FROM ipc_messages WHERE to_agent = ?').get(String(sleeper)) as { n: number; bytes: number; raw: number };
    expect(stored.n).toBe(15);
    expect(stored.raw).toBeLessThanOrEqual(MiB);
    // One message larger than a whole inbox is refused as such.
    const huge = await host.api('/api/ipc/send', { method: 'POST', token: asBeta, json: { from: beta, to: alpha, message: { data: 'y'.repeat(MiB + 1), type: 'text' } } });
    expect(huge.status).toBe(413);
    expect(huge.headers.get('x-nxs-error-code')).toBe('NXS_ERR_IPC_TOO_LARGE');
  });

  it('cannot call POST /api/providers/test (it spends provider quota)', async () => {
    await using h = await lowPrivilegeHost();
    const { host, fake, low } = h;
    const before = fake.requests.length;
    const res = await host.api('/api/providers/test', { method: 'POST', token: low, json: {} });
    expect(res.status).toBe(403);
    expect(await json(res)).toEqual({ success: false, error: 'Insufficient capabilities: ADMIN required' });
    expect(fake.requests.length).toBe(before);
    expect((await host.api('/api/providers/test', { method: 'POST', json: {} })).status).toBe(200);
  });
});
