import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { stringify } from 'yaml';
import { startFakeProvider } from '../../helpers/fake-provider.ts';
import path from 'node:path';
import { startAssistantHost } from './support/host.ts';
import { readSse } from '../../../src/cli/commands/chat.ts';
import { runCli } from '../../../src/cli/program.ts';
import type { CliContext } from '../../../src/cli/cli-context.ts';
import { REPO_ROOT } from '../../helpers/test-context.ts';

async function follow(res: Response): Promise<{ event: string; data: any }[]> {
  const events: { event: string; data: any }[] = [];
  for await (const e of readSse(res.body!)) events.push(e);
  return events;
}

function cliFor(home: string): CliContext & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return {
    version: 'test',
    env: { NXS_HOME: home },
    paths: { runtimeDir: REPO_ROOT, payloadDir: path.join(REPO_ROOT, 'payload'), identityDir: path.join(REPO_ROOT, 'identity'), sqliteBinding: undefined, packed: false },
    stdout: (t) => void out.push(t),
    stderr: (t) => void err.push(t),
    setExitCode: () => {},
    isTTY: false,
    out,
    err,
  };
}

describe('HTTP channel and nxs chat against a real host', () => {
  it('accepts a message at once, streams the reply over SSE, and serves the stored status', async () => {
    await using h = await startAssistantHost();
    h.fake.script({ kind: 'ok', content: 'Hello there, friend.' });
    const posted = await h.host.api('/api/messages', { method: 'POST', json: { conversation_id: 'web', text: 'hi' } });
    expect(posted.status).toBe(202);
    const { message_id } = (await posted.json()) as { message_id: number };
    const events = await follow(await h.host.api(`/api/messages/${message_id}/stream`));
    const deltas = events.filter((e) => e.event === 'delta').map((e) => e.data.text).join('');
    const done = events.at(-1)!;
    expect(done.event).toBe('done');
    expect(done.data).toMatchObject({ status: 'answered', reply: 'Hello there, friend.' });
    if (deltas) expect(deltas).toBe('Hello there, friend.');
    const got = await (await h.host.api(`/api/messages/${message_id}`)).json();
    expect(got).toMatchObject({ message_id, conversation_id: 'web', status: 'answered', reply: 'Hello there, friend.' });
    const status = (await (await h.host.api('/api/status')).json()) as { assistant: { state: string; messages: Record<string, number> } };
    expect(status.assistant).toMatchObject({ state: 'running', messages: { answered: 1 } });
    // first start copied the shipped identity into the data folder
    expect(readFileSync(path.join(h.host.ctx.config.dataDir, 'identity', 'SOUL.md'), 'utf8')).toContain('You are **nxs**');
  });

  it('refuses bad input with clear coded errors', async () => {
    await using h = await startAssistantHost({ assistant: { max_message_bytes: 1000 } });
    const post = (json: unknown, token?: string | null) => h.host.api('/api/messages', { method: 'POST', json, ...(token !== undefined ? { token } : {}) });
    const big = await post({ conversation_id: 'c', text: 'x'.repeat(1001) });
    expect(big.status).toBe(413);
    expect(big.headers.get('x-nxs-error-code')).toBe('NXS_ERR_MESSAGE_TOO_LARGE');
    expect(await big.json()).toMatchObject({ success: false, error: expect.stringMatching(/1001 bytes; at most 1000/) });
    const missing = await post({ text: 'no conversation' });
    expect(missing.status).toBe(400);
    expect(((await missing.json()) as { error: string }).error).toMatch(/conversation_id must be/);
    expect((await post('just a string')).status).toBe(400);
    expect((await post({ conversation_id: 'c', text: 'hi' }, null)).status).toBe(401);
    expect((await h.host.api('/api/messages/999999')).status).toBe(404);
    expect((await h.host.api('/api/messages/abc/stream')).status).toBe(404);
  });

  it('tells the sender the answer is deferred while every provider is down, then answers', async () => {
    await using h = await startAssistantHost();
    h.fake.fallback = { kind: 'status', status: 503 };
    const { message_id } = (await (await h.host.api('/api/messages', { method: 'POST', json: { conversation_id: 'c', text: 'anyone?' } })).json()) as { message_id: number };
    const stream = await h.host.api(`/api/messages/${message_id}/stream`);
    const seen: { event: string; data: any }[] = [];
    for await (const e of readSse(stream.body!) as AsyncIterable<{ event: string; data: any }>) {
      seen.push(e);
      if (e.event === 'status' && e.data.status === 'deferred') {
        const now = (await (await h.host.api(`/api/messages/${message_id}`)).json()) as { status: string };
        expect(now.status).toBe('deferred');
        const st = (await (await h.host.api('/api/status')).json()) as { assistant: { state: string } };
        expect(st.assistant.state).toBe('survival');
        h.fake.fallback = { kind: 'ok', content: 'I am back.' };
        h.llm.announceRecovery();
      }
      if (e.event === 'done') break;
    }
    expect(seen.at(-1)!.data).toMatchObject({ status: 'answered', reply: 'I am back.' });
  });

  it('nxs chat with one message gives up on a deferred answer after --wait, exits 10 and leaves the reply queued', async () => {
    await using h = await startAssistantHost();
    h.fake.fallback = { kind: 'status', status: 503 };
    const cli = cliFor(h.host.home);
    expect(await runCli(['chat', '--conversation', 'w', '--wait', '0', 'anyone there?'], cli)).toBe(10);
    expect(cli.out.join('')).toBe('');
    expect(cli.err.join('')).toMatch(/deferred[\s\S]*message (\d+) stays queued/);
    const id = Number(/message (\d+) stays queued/.exec(cli.err.join(''))![1]);
    expect(((await (await h.host.api(`/api/messages/${id}`)).json()) as { status: string }).status).toBe('deferred');
    const asJson = cliFor(h.host.home);
    expect(await runCli(['chat', '--conversation', 'w', '--wait', '0', '--json', 'still?'], asJson)).toBe(10);
    expect(JSON.parse(asJson.out.join(''))).toMatchObject({ status: 'deferred', conversation_id: 'w', message_id: expect.any(Number) });
    const bad = cliFor(h.host.home);
    expect(await runCli(['chat', '--wait', 'soon', 'hi'], bad)).toBe(2);
    expect(bad.err.join('')).toMatch(/--wait.*expected whole seconds/);
  });

  it('nxs chat sends a message and prints the streamed reply; --json prints the final message', async () => {
    await using h = await startAssistantHost();
    h.fake.script({ kind: 'ok', content: 'Pong from the host.' }, { kind: 'ok', content: 'Second.' });
    const cli = cliFor(h.host.home);
    expect(await runCli(['chat', '--conversation', 'term', 'ping'], cli)).toBe(0);
    expect(cli.out.join('')).toBe('Pong from the host.\n');
    const cli2 = cliFor(h.host.home);
    expect(await runCli(['chat', '--conversation', 'term', '--json', 'again'], cli2)).toBe(0);
    expect(JSON.parse(cli2.out.join(''))).toMatchObject({ status: 'answered', reply: 'Second.', conversation_id: 'term' });
    // the second turn saw the first as history
    expect(h.fake.requests[1]!.body.messages.map((m: { content: string }) => m.content).slice(1)).toEqual(['ping', 'Pong from the host.', 'again']);
  });

  it('nxs chat with no host running starts one in its own process for the session', async () => {
    await using fake = await startFakeProvider({ name: 'fake' });
    fake.script({ kind: 'ok', content: 'Answered in-process.' });
    const home = mkdtempSync(path.join(tmpdir(), 'nxs-chat-'));
    try {
      writeFileSync(path.join(home, 'nxs.yaml'), stringify({ providers: [{ name: 'fake', base_url: fake.url, model: 'm', credential: { none: true } }], log: { level: 'info' } }));
      const cli = cliFor(home);
      expect(await runCli(['chat', 'hello'], cli)).toBe(0);
      expect(cli.out.join('')).toBe('Answered in-process.\n');
      expect(cli.err.join('')).toMatch(/no host running: starting one in this process/);
      expect(existsSync(path.join(home, 'data', 'host.json'))).toBe(false);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });

  it('nxs chat --no-start without a running host exits 4 with the fix', async () => {
    const cli = cliFor(path.join(REPO_ROOT, 'test', 'no-such-home'));
    expect(await runCli(['chat', '--no-start', 'hello'], cli)).toBe(4);
    expect(cli.err.join('')).toMatch(/no host is running .*nxs start/);
    expect(existsSync(path.join(REPO_ROOT, 'test', 'no-such-home'))).toBe(false);
  });
});
