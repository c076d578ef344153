import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ServerResponse } from 'node:http';
import { stringify } from 'yaml';
import { startTestHost, type TestHost } from '../../helpers/test-host.ts';
import { refusedUrl, startFakeProvider, type FakeProvider } from '../../helpers/fake-provider.ts';
import { spawnCli } from '../../helpers/cli-session.ts';
import { hostRoutesStep } from '../../../src/boot/host-routes.ts';
import { queueStep } from '../../../src/queue/boot-step.ts';
import { providersStep } from '../../../src/providers/boot-step.ts';
import { assistantStep } from '../../../src/assistant/boot-step.ts';
import { LOCK_FILE } from '../../../src/boot/data-lock.ts';
import { HOST_FILE } from '../../../src/runtime/host-file.ts';

// Interactive `nxs chat` (no message words) reads process.stdin and decides on
// the terminal from process.stdout, so it is run here as a user runs it: a child
// process on pipes, or on a pseudo-terminal through `script`. The host it talks
// to runs in this process (real routes, queue, fallback client and assistant)
// against a fake provider, so each test scripts the provider turn by turn.

/** Provider config for the real fallback client; fast survival retries so a deferred answer comes back at once. */
function chatConfig(fake: FakeProvider, assistant: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    providers: [{ name: 'fake', base_url: fake.url, model: 'fake-model', credential: { none: true }, retries: 0 }],
    assistant: { survival: { retry_base_ms: 10, retry_max_ms: 10 }, ...assistant },
  };
}

async function startChatHost(assistant: Record<string, unknown> = {}): Promise<{ host: TestHost; fake: FakeProvider; [Symbol.asyncDispose](): Promise<void> }> {
  const fake = await startFakeProvider({ name: 'fake' });
  const host = await startTestHost({ config: chatConfig(fake, assistant), steps: [hostRoutesStep, queueStep, providersStep, assistantStep] });
  return {
    host,
    fake,
    async [Symbol.asyncDispose]() {
      await host[Symbol.asyncDispose]();
      await fake.close();
    },
  };
}

/** One OpenAI stream chunk carrying `content`. */
function sseChunk(content: string | null): string {
  const delta = content === null ? {} : { content };
  return `data: ${JSON.stringify({ id: 'chatcmpl-held', object: 'chat.completion.chunk', created: 0, model: 'fake-model', choices: [{ index: 0, delta, finish_reason: content === null ? 'stop' : null }] })}\n\n`;
}

describe('nxs chat, interactive, on pipes (not a TTY)', () => {
  it('answers each line in order, skips empty lines, prints no prompt or banner, and exits 0 at end of input', async () => {
    await using h = await startChatHost();
    h.fake.script({ kind: 'ok', content: 'First answer.' }, { kind: 'ok', content: 'Second answer.' });
    await using chat = spawnCli(['chat', '--conversation', 'piped'], { env: { HOME: h.host.home, NXS_HOME: h.host.home } });
    chat.write('one\n\n   \ntwo\n');
    chat.end();
    expect((await chat.exited).code).toBe(0);
    expect(chat.stdout()).toBe('First answer.\nSecond answer.\n');
    expect(chat.stderr()).toBe('');
    const sent = h.fake.requests.map((r) => r.body.messages.at(-1).content);
    expect(sent).toEqual(['one', 'two']);
  });

  it('a line that fails says `nxs: ...` or `(failed: ...)` on stderr and the loop goes on to the next line', async () => {
    await using h = await startChatHost({ max_message_bytes: 100 });
    h.fake.script({ kind: 'ok', content: 'Before.' });
    await using chat = spawnCli(['chat', '--conversation', 'failing'], { env: { HOME: h.host.home, NXS_HOME: h.host.home } });
    chat.write('before\n');
    await chat.waitFor('stdout', 'Before.\n');
    // Refused by the host before any provider sees it: the CLI's own error line.
    chat.write(`${'x'.repeat(101)}\n`);
    await chat.waitFor('stderr', /^nxs: .*101 bytes; at most 100/m);
    // Refused by the provider (a 400 no retry can fix): the answer fails.
    h.fake.fallback = { kind: 'status', status: 400 };
    chat.write('rejected\n');
    await chat.waitFor('stderr', /\(failed: .+\)\n/);
    h.fake.fallback = { kind: 'ok', content: 'After.' };
    chat.write('after\n');
    await chat.waitFor('stdout', 'After.\n');
    chat.end();
    expect((await chat.exited).code).toBe(0);
    expect(chat.stdout()).toBe('Before.\nAfter.\n');
    expect(chat.stderr()).toMatch(/^nxs: [^\n]+\n\(failed: [^\n]+\)\n$/);
    expect(h.fake.requests.map((r) => r.body.messages.at(-1).content).filter((t: string) => t !== 'rejected')).toEqual(['before', 'after']);
  });

  it('while every provider is down it says the answer is deferred, then prints it when one returns', async () => {
    await using h = await startChatHost();
    h.fake.fallback = { kind: 'status', status: 503 };
    await using chat = spawnCli(['chat', '--conversation', 'down'], { env: { HOME: h.host.home, NXS_HOME: h.host.home } });
    chat.write('anyone?\n');
    await chat.waitFor('stderr', 'every provider is down: the answer is deferred');
    h.fake.fallback = { kind: 'ok', content: 'Back again.' };
    chat.write('and now?\n');
    chat.end();
    expect((await chat.exited).code).toBe(0);
    expect(chat.stdout()).toBe('Back again.\nBack again.\n');
  });
});

describe('nxs chat interrupted by a signal', () => {
  it('one message, SIGTERM while its answer is deferred: stops waiting at once, exit 1, the message stays queued', async () => {
    await using h = await startChatHost();
    h.fake.fallback = { kind: 'status', status: 503 };
    await using chat = spawnCli(['chat', '--conversation', 'sig', '--wait', '600', 'anyone?'], { env: { HOME: h.host.home, NXS_HOME: h.host.home } });
    await chat.waitFor('stderr', 'waiting up to 600 s');
    chat.proc.kill('SIGTERM');
    expect(await chat.exited).toEqual({ code: 1, signal: null });
    const id = Number(/interrupted: message (\d+) stays with the host/.exec(chat.stderr())![1]);
    expect(((await (await h.host.api(`/api/messages/${id}`)).json()) as { status: string }).status).toMatch(/^(deferred|queued)$/);
  });
});

describe('nxs chat, interactive, on a terminal', () => {
  it('shows the banner and the prompt, streams the reply as it comes, and leaves on Ctrl-D with exit 0', async () => {
    await using h = await startChatHost();
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    h.fake.script({
      kind: 'custom',
      handle: (_req, res: ServerResponse) => {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write(sseChunk('Streaming '));
        // The rest only once the terminal has shown the first piece: proof the reply streams.
        void released.then(() => {
          res.write(sseChunk('works.'));
          res.write(sseChunk(null));
          res.end('data: [DONE]\n\n');
        });
      },
    });
    await using term = spawnCli(['chat', '--conversation', 'tty'], { env: { HOME: h.host.home, NXS_HOME: h.host.home, TERM: 'xterm' }, tty: true });
    await term.waitFor('stdout', `talking to ${h.host.url} in conversation tty; Ctrl-D to leave\n> `);
    term.write('hello there\r');
    await term.waitFor('stdout', 'Streaming ');
    expect(term.stdout()).not.toContain('works.');
    release();
    // The reply, then a fresh prompt.
    await term.waitFor('stdout', /Streaming works\.\n> $/);
    expect(term.stdout()).toContain('> hello there\n');
    term.write('\x04');
    const end = await term.exited;
    expect(end.code).toBe(0);
    expect(h.fake.requests.map((r) => r.body.messages.at(-1).content)).toEqual(['hello there']);
  });
});

describe('nxs chat, interactive, leaving a terminal session mid-answer (regressions)', () => {
  // Bug: raw mode turns Ctrl-C into a key that closes readline, but the loop kept awaiting
  // the deferred answer, so the session never ended although the notice says "Ctrl-C leaves".
  it('Ctrl-C while the answer is deferred leaves at once with exit 0, and the message stays queued', async () => {
    await using h = await startChatHost();
    h.fake.fallback = { kind: 'status', status: 503 };
    await using term = spawnCli(['chat', '--conversation', 'wait'], { env: { HOME: h.host.home, NXS_HOME: h.host.home, TERM: 'xterm' }, tty: true });
    await term.waitFor('stdout', '> ');
    term.write('anyone there?\r');
    await term.waitFor('stdout', 'Ctrl-C leaves, the reply stays queued');
    term.write('\x03');
    expect((await term.exited).code).toBe(0);
    const id = Number(/message (\d+) stays with the host/.exec(term.stdout())![1]);
    const row = (await (await h.host.api(`/api/messages/${id}`)).json()) as { status: string };
    expect(row).toMatchObject({ conversation_id: 'wait', status: expect.stringMatching(/^(deferred|queued)$/) });
    expect(h.fake.requests.at(-1)!.body.messages.at(-1).content).toBe('anyone there?');
  });

  // Bug: Ctrl-D while a reply streamed closed readline; the prompt after the reply then threw
  // "nxs: readline was closed" and the session ended with exit 1.
  it('Ctrl-D while a reply streams leaves with exit 0 and no error', async () => {
    await using h = await startChatHost();
    h.fake.script({
      kind: 'custom',
      handle: (_req, res: ServerResponse) => {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write(sseChunk('Half an answer '));
      },
    });
    await using term = spawnCli(['chat', '--conversation', 'half'], { env: { HOME: h.host.home, NXS_HOME: h.host.home, TERM: 'xterm' }, tty: true });
    await term.waitFor('stdout', '> ');
    term.write('tell me\r');
    await term.waitFor('stdout', 'Half an answer ');
    term.write('\x04');
    expect((await term.exited).code).toBe(0);
    expect(term.stdout()).toMatch(/left before the answer was complete: message \d+ stays with the host/);
    expect(term.stdout()).not.toContain('nxs:');
  });

  // Bug: stdout a terminal but stdin a file (`nxs chat < questions` typed in a terminal) ran
  // readline in terminal mode on the file: the first answer, then "nxs: readline was closed",
  // exit 1, and the second question never asked.
  it('input from a file while stdout is a terminal: every line answered, no prompt, exit 0', async () => {
    await using h = await startChatHost();
    h.fake.script({ kind: 'ok', content: 'Answer one.' }, { kind: 'ok', content: 'Answer two.' });
    const questions = path.join(h.host.home, 'questions.txt');
    writeFileSync(questions, 'first\nsecond\n');
    await using term = spawnCli(['chat', '--conversation', 'file'], { env: { HOME: h.host.home, NXS_HOME: h.host.home, TERM: 'xterm' }, tty: true, stdinFile: questions });
    expect((await term.exited).code).toBe(0);
    expect(term.stdout()).toBe('Answer one.\nAnswer two.\n');
  });
});

describe('nxs chat, interactive, with no host running', () => {
  it('starts a host in its own process for the session, answers, and stops it: nothing listens and the lock is released', async () => {
    await using fake = await startFakeProvider({ name: 'fake' });
    fake.script({ kind: 'ok', content: 'Answered in-process.' });
    const home = mkdtempSync(path.join(tmpdir(), 'nxs-chat-'));
    try {
      writeFileSync(path.join(home, 'nxs.yaml'), stringify({ ...chatConfig(fake), log: { level: 'info', pretty: 'never' } }));
      const data = path.join(home, 'data');
      await using chat = spawnCli(['chat'], { env: { HOME: home, NXS_HOME: home } });
      chat.write('hello\n');
      await chat.waitFor('stdout', 'Answered in-process.\n', 30_000);
      expect(chat.stderr()).toMatch(/^no host running: starting one in this process for the session \(log: .*chat-host\.log\)\n$/);
      // During the session: this process holds the data folder and serves on the URL it logged.
      expect(readFileSync(path.join(data, LOCK_FILE), 'utf8')).toMatch(new RegExp(`^${chat.proc.pid} `));
      const ready = readFileSync(path.join(data, 'chat-host.log'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { msg: string; url?: string }).find((l) => l.msg === 'ready');
      const url = ready!.url!;
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
      chat.end();
      expect((await chat.exited).code).toBe(0);
      expect(existsSync(path.join(data, LOCK_FILE))).toBe(false);
      expect(existsSync(path.join(data, HOST_FILE))).toBe(false);
      await expect(fetch(`${url}/healthz`)).rejects.toThrow();
      const log = readFileSync(path.join(data, 'chat-host.log'), 'utf8');
      expect(log).toMatch(/"reason":"chat session ended"/);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  }, 60_000);

  // Bug: SIGINT killed the process with its in-process host still up: host.json stayed behind,
  // and the next `nxs chat` tried that dead URL ("does not answer") instead of starting a host.
  it('SIGINT on pipes stops the host it started (no host.json or lock left), exit 0; the next nxs chat starts a fresh one', async () => {
    await using fake = await startFakeProvider({ name: 'fake' });
    fake.fallback = { kind: 'ok', content: 'Yes.' };
    const home = mkdtempSync(path.join(tmpdir(), 'nxs-chat-'));
    try {
      writeFileSync(path.join(home, 'nxs.yaml'), stringify({ ...chatConfig(fake), log: { level: 'info', pretty: 'never' } }));
      const data = path.join(home, 'data');
      await using first = spawnCli(['chat'], { env: { HOME: home, NXS_HOME: home } });
      first.write('hello\n');
      await first.waitFor('stdout', 'Yes.\n', 30_000);
      first.proc.kill('SIGINT');
      expect(await first.exited).toEqual({ code: 0, signal: null });
      expect(existsSync(path.join(data, HOST_FILE))).toBe(false);
      expect(existsSync(path.join(data, LOCK_FILE))).toBe(false);
      await using second = spawnCli(['chat'], { env: { HOME: home, NXS_HOME: home } });
      second.write('again\n');
      second.end();
      expect((await second.exited).code).toBe(0);
      expect(second.stdout()).toBe('Yes.\n');
      expect(second.stderr()).toMatch(/^no host running: starting one/);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  }, 60_000);

  it('a host.json left by a host that was killed (its pid is gone) counts as no host: nxs chat starts one', async () => {
    await using fake = await startFakeProvider({ name: 'fake' });
    fake.fallback = { kind: 'ok', content: 'Fresh host.' };
    const home = mkdtempSync(path.join(tmpdir(), 'nxs-chat-'));
    try {
      writeFileSync(path.join(home, 'nxs.yaml'), stringify({ ...chatConfig(fake), log: { level: 'info', pretty: 'never' } }));
      const data = path.join(home, 'data');
      mkdirSync(data, { recursive: true, mode: 0o700 });
      // A pid that existed and is gone: a child that already exited and was reaped.
      const dead = spawnSync('true').pid;
      writeFileSync(path.join(data, HOST_FILE), JSON.stringify({ pid: dead, url: (await refusedUrl()).replace(/\/v1$/, ''), port: 1, boot_id: 'gone', version: 'test', started_at: new Date(0).toISOString() }));
      await using chat = spawnCli(['chat'], { env: { HOME: home, NXS_HOME: home } });
      chat.write('hi\n');
      chat.end();
      expect((await chat.exited).code).toBe(0);
      expect(chat.stdout()).toBe('Fresh host.\n');
      expect(chat.stderr()).toMatch(/^no host running: starting one/);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  }, 60_000);
});
