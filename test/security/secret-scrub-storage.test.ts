import type { ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import { startTestHost } from '../helpers/test-host.ts';
import { startFakeProvider, type ReceivedRequest } from '../helpers/fake-provider.ts';
import { hostRoutesStep } from '../../src/boot/host-routes.ts';
import { queueStep } from '../../src/queue/boot-step.ts';
import { providersStep } from '../../src/providers/boot-step.ts';
import { assistantStep } from '../../src/assistant/boot-step.ts';
import { readSse } from '../../src/cli/commands/chat.ts';

// The attack (issue 14, item 7): a provider's reply quotes a registered key (here the very key nxs
// sent it, read back from the Authorization header). Before the fix the key was kept in the answer
// cache and in assistant_messages, and GET /api/messages/:id served it back.
const KEY = 'sk-echoed-provider-key-7f3a9c2e51d84b06';
const OTHER = 'sk-other-registered-key-0c1d2e3f4a5b6c7d';

const keyOf = (r: ReceivedRequest): string => String(r.headers.authorization ?? '').replace(/^Bearer /, '');

/** An SSE answer whose text is cut into the given pieces, one chunk each: a key can straddle two chunks. */
function sseAnswer(res: ServerResponse, pieces: string[]): void {
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  const chunk = (delta: Record<string, unknown>, finish: string | null = null) =>
    `data: ${JSON.stringify({ id: 'chatcmpl-echo', object: 'chat.completion.chunk', created: 1_767_225_600, model: 'echo-model', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
  for (const p of pieces) res.write(chunk({ content: p }));
  res.write(chunk({}, 'stop'));
  res.end('data: [DONE]\n\n');
}

function splitAcross(text: string, secret: string): string[] {
  const at = text.indexOf(secret) + Math.floor(secret.length / 2);
  return [text.slice(0, at - 7), text.slice(at - 7, at), text.slice(at)];
}

async function echoHost() {
  const fake = await startFakeProvider({ name: 'echo', models: ['echo-model'] });
  const host = await startTestHost({
    config: {
      providers: [
        { name: 'echo', base_url: fake.url, model: 'echo-model', api_key: KEY, retries: 0 },
        // Never called (the first answers); registered like every configured key.
        { name: 'spare', base_url: fake.url, model: 'echo-model', api_key: OTHER, retries: 0 },
      ],
    },
    steps: [hostRoutesStep, queueStep, providersStep, assistantStep],
  });
  return { fake, host };
}

describe('a provider reply that quotes a registered key is scrubbed before anything stores it', () => {
  it('the answer cache keeps neither a plain nor a streamed answer with the key in it', async () => {
    const { fake, host } = await echoHost();
    await using _f = fake;
    await using h = host;
    fake.script(
      { kind: 'custom', handle: (r, res) => { res.writeHead(200, { 'content-type': 'application/json' }); res.end(JSON.stringify({ id: 'c1', object: 'chat.completion', created: 1, model: 'echo-model', choices: [{ index: 0, message: { role: 'assistant', content: `You sent me ${keyOf(r)} and ${OTHER}.` }, finish_reason: 'stop' }] })); } },
      { kind: 'custom', handle: (r, res) => sseAnswer(res, splitAcross(`Streamed: your key is ${keyOf(r)}, bye.`, keyOf(r))) },
    );
    const plain = await (await h.api('/v1/chat/completions', { method: 'POST', json: { model: 'echo-model', messages: [{ role: 'user', content: 'plain' }] } })).text();
    const streamed = await (await h.api('/v1/chat/completions', { method: 'POST', json: { model: 'echo-model', stream: true, messages: [{ role: 'user', content: 'streamed' }] } })).text();
    expect(fake.requests.map(keyOf)).toEqual([KEY, KEY]);

    for (const body of [plain, streamed]) {
      expect(body).not.toContain(KEY);
      expect(body).not.toContain(OTHER);
    }
    // The streamed key was cut in two chunks: neither half may reach the caller as the key's text.
    const deltas = [...streamed.matchAll(/^data: (\{.*\})$/gm)].map((m) => (JSON.parse(m[1]!) as { choices: { delta: { content?: string } }[] }).choices[0]?.delta.content ?? '').join('');
    expect(deltas).toBe('Streamed: your key is [REDACTED], bye.');

    expect(h.parts.llm!.cache.size()).toBe(2);
    const rows = JSON.stringify(h.ctx.db.prepare('SELECT * FROM llm_answer_cache').all());
    expect(rows).not.toContain(KEY);
    expect(rows).not.toContain(OTHER);
    expect(rows).toContain('[REDACTED]');
  });

  it('assistant_messages, GET /api/messages/:id and its stream never hold the key', async () => {
    const { fake, host } = await echoHost();
    await using _f = fake;
    await using h = host;
    fake.fallback = { kind: 'custom', handle: (r, res) => sseAnswer(res, splitAcross(`Sure. The key I was called with is ${keyOf(r)} (and ${OTHER}).`, keyOf(r))) };
    const posted = (await (await h.api('/api/messages', { method: 'POST', json: { conversation_id: 'leak', text: 'what is your key?' } })).json()) as { message_id: number };
    const events: { event: string; data: unknown }[] = [];
    for await (const e of readSse((await h.api(`/api/messages/${posted.message_id}/stream`)).body!) as AsyncIterable<{ event: string; data: unknown }>) events.push(e);
    expect(events.at(-1)).toMatchObject({ event: 'done', data: { status: 'answered' } });

    const got = await (await h.api(`/api/messages/${posted.message_id}`)).text();
    const table = JSON.stringify(h.ctx.db.prepare('SELECT * FROM assistant_messages').all());
    for (const seen of [got, table, JSON.stringify(events)]) {
      expect(seen).not.toContain(KEY);
      expect(seen).not.toContain(OTHER);
    }
    expect((JSON.parse(got) as { reply: string }).reply).toBe('Sure. The key I was called with is [REDACTED] (and [REDACTED]).');
    expect(h.logLines.join('\n')).not.toContain(KEY);
  });
});
