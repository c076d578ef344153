import path from 'node:path';
import { mkdirSync } from 'node:fs';
import pino from 'pino';
import { startHost } from '../../boot/host.ts';
import { ERROR_CODE_HEADER } from '../../http/respond.ts';
import { InvalidArgumentError, type Command } from 'commander';
import { loadConfig } from '../../config/load.ts';
import { EXIT, NxsError, errorMessage } from '../../core/errors.ts';
import { hostOptions } from '../options.ts';
import { json } from '../output.ts';
import type { CliContext } from '../cli-context.ts';
import { resolveHostAccess, type HostClientOptions } from '../host-client.ts';

interface ChatOptions extends HostClientOptions {
  conversation?: string;
  json?: boolean;
  /** Seconds a one-shot message waits for an answer deferred because every provider is down. */
  wait?: number;
  /** commander's --no-start: false when given. */
  start?: boolean;
}

interface Conn {
  url: string;
  token: string;
  mainConversation: string;
}

/** Where the host is and the operator's token: the same lookup as HostClient, plus the main conversation's id. */
function connect(cli: CliContext, opts: ChatOptions): Conn {
  const { url, token, config } = resolveHostAccess(cli, opts);
  return { url, token, mainConversation: config.assistant.mainConversation };
}

async function request(conn: Conn, method: string, pathname: string, body?: unknown, signal?: AbortSignal): Promise<Response> {
  try {
    return await fetch(conn.url + pathname, { method, headers: { authorization: `Bearer ${conn.token}`, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined, ...(signal ? { signal } : {}) });
  } catch (err) {
    throw new NxsError('NXS_ERR_HOST_UNREACHABLE', `the host at ${conn.url} does not answer (${errorMessage(err)}); is it running? (nxs start)`);
  }
}

async function failFrom(res: Response): Promise<never> {
  const b = (await res.json().catch(() => ({}))) as { code?: string; error?: string };
  const named = res.headers.get(ERROR_CODE_HEADER) ?? b.code;
  const code = named?.startsWith('NXS_ERR_') ? (named as `NXS_ERR_${string}`) : 'NXS_ERR_INTERNAL';
  throw new NxsError(code, b.error ?? `HTTP ${res.status}`, { status: res.status });
}

/** Reads server-sent events: yields {event, data} per block. */
export async function* readSse(body: ReadableStream<Uint8Array>): AsyncIterable<{ event: string; data: unknown }> {
  const decoder = new TextDecoder();
  let buf = '';
  for await (const chunk of body) {
    buf += decoder.decode(chunk, { stream: true });
    let at: number;
    while ((at = buf.indexOf('\n\n')) >= 0) {
      const block = buf.slice(0, at);
      buf = buf.slice(at + 2);
      let event = 'message';
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith('event:')) event = line.slice(6).trim();
        else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
      }
      if (data.length) yield { event, data: JSON.parse(data.join('\n')) as unknown };
    }
  }
}

/**
 * Sends one message and streams its reply to `write`; resolves with the final message view.
 * With `deferredWaitMs`, an answer deferred because every provider is down is waited for that
 * long; then it resolves with `{ status: 'deferred', message_id }` (the reply stays queued).
 * When `cancel` aborts (the user left), it stops waiting and resolves with `{ status: 'left', message_id }`.
 */
async function ask(conn: Conn, conversation: string, text: string, write: (t: string) => void, notice: (t: string) => void, deferredWaitMs?: number, cancel?: AbortSignal): Promise<Record<string, unknown>> {
  const posted = await request(conn, 'POST', '/api/messages', { conversation_id: conversation, text });
  if (!posted.ok) await failFrom(posted);
  const { message_id } = (await posted.json()) as { message_id: number };
  const leave = new AbortController();
  const onCancel = (): void => leave.abort();
  if (cancel?.aborted) leave.abort();
  cancel?.addEventListener('abort', onCancel, { once: true });
  let wrote = false;
  let deferredSaid = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const stream = await request(conn, 'GET', `/api/messages/${message_id}/stream`, undefined, leave.signal);
    if (!stream.ok || !stream.body) await failFrom(stream);
    for await (const e of readSse(stream.body!)) {
      const d = e.data as Record<string, unknown>;
      if (e.event === 'delta') {
        write(String(d.text));
        wrote = true;
      } else if (e.event === 'status' && d.status === 'deferred' && !deferredSaid) {
        deferredSaid = true;
        if (deferredWaitMs === undefined) {
          notice('(every provider is down: the answer is deferred and will come when one returns; Ctrl-C leaves, the reply stays queued)\n');
        } else {
          notice(`(every provider is down: the answer is deferred; waiting up to ${Math.round(deferredWaitMs / 1000)} s for one to return)\n`);
          if (deferredWaitMs <= 0) break;
          // Aborting the request ends the stream, and with it the loop below.
          timer = setTimeout(() => leave.abort(), deferredWaitMs);
        }
      } else if (e.event === 'done') {
        if (!wrote && typeof d.reply === 'string') write(d.reply);
        if (d.status === 'failed') notice(`(failed: ${String(d.error)})\n`);
        if (d.status === 'ignored') notice('(not addressed to the assistant in this conversation: kept as context)\n');
        return d;
      }
    }
  } catch (err) {
    if (!leave.signal.aborted) throw err;
  } finally {
    clearTimeout(timer);
    cancel?.removeEventListener('abort', onCancel);
    leave.abort();
  }
  if (cancel?.aborted) return { status: 'left', message_id, conversation_id: conversation };
  if (deferredSaid && deferredWaitMs !== undefined) return { status: 'deferred', message_id, conversation_id: conversation };
  throw new NxsError('NXS_ERR_HOST_UNREACHABLE', 'the host closed the reply stream before the answer was complete');
}

/** commander parser for --wait: whole seconds, 0 or more. */
function seconds(value: string): number {
  if (!/^\d{1,6}$/.test(value)) throw new InvalidArgumentError(`expected whole seconds (0 or more), got ${JSON.stringify(value)}`);
  return Number(value);
}

export function registerChat(program: Command, cli: CliContext): void {
  hostOptions(program.command('chat'))
    .description('talk to the assistant of the running host (one message as arguments, or interactively)')
    .argument('[message...]', 'send this one message and print the reply')
    .option('--conversation <id>', 'the conversation to talk in (default: assistant.main_conversation)')
    .option('--json', 'print the final message (status, reply) as JSON instead of streaming text')
    .option('--wait <seconds>', 'with one message: how long to wait for an answer deferred because every provider is down; then exit 10, the reply stays queued', seconds, 60)
    .option('--no-start', 'fail when no host runs instead of starting one in this process')
    .action(async (words: string[], opts: ChatOptions) => {
      // SIGINT or SIGTERM ends the session as Ctrl-D does on a terminal (exit 0, as `nxs start`):
      // a host started for the session must stop cleanly, or its host.json and lock outlive it.
      const session = new AbortController();
      const onSignal = (): void => session.abort();
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      try {
        const { conn, stop } = await connectOrStart(cli, opts);
        try {
          if (!session.signal.aborted) await chat(cli, conn, words, opts, session.signal);
        } finally {
          await stop();
        }
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
    });
}

/** The running host, or (none running, no --url, no --no-start) a host started in this process for the session, logging to <data>/chat-host.log. */
async function connectOrStart(cli: CliContext, opts: ChatOptions): Promise<{ conn: Conn; stop: () => Promise<void> }> {
  try {
    return { conn: connect(cli, opts), stop: async () => {} };
  } catch (err) {
    if (!(err instanceof NxsError) || err.code !== 'NXS_ERR_HOST_UNREACHABLE' || opts.url || opts.start === false) throw err;
  }
  const { config } = loadConfig({ env: cli.env, flags: opts, defaultsFile: path.join(cli.paths.payloadDir, 'nxs.yaml') });
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  const logFile = path.join(config.dataDir, 'chat-host.log');
  cli.stderr(`no host running: starting one in this process for the session (log: ${logFile})\n`);
  const host = await startHost({ version: cli.version, env: cli.env, flags: { ...opts, port: 0 }, paths: cli.paths, logDestination: pino.destination({ dest: logFile, sync: true }) });
  return { conn: { url: host.url, token: host.parts.operatorToken, mainConversation: config.assistant.mainConversation }, stop: () => host.stop('chat session ended') };
}

async function chat(cli: CliContext, conn: Conn, words: string[], opts: ChatOptions, session: AbortSignal): Promise<void> {
  const conversation = opts.conversation ?? conn.mainConversation;
  if (words.length > 0) {
    const final = await ask(conn, conversation, words.join(' '), opts.json ? () => {} : cli.stdout, opts.json ? () => {} : cli.stderr, (opts.wait ?? 60) * 1000, session);
    if (final.status === 'left') {
      cli.stderr(`\n(interrupted: message ${String(final.message_id)} stays with the host; GET /api/messages/${String(final.message_id)} shows it)\n`);
      cli.setExitCode(EXIT.FAILURE);
    } else if (opts.json) cli.stdout(json(final));
    else if (final.status === 'deferred') cli.stderr(`(no answer yet: message ${String(final.message_id)} stays queued and is answered when a provider returns; GET /api/messages/${String(final.message_id)} shows it)\n`);
    else cli.stdout('\n');
    if (final.status === 'failed' || final.status === 'deferred') cli.setExitCode(10);
    return;
  }
  // Interactive: one line, one message; the reply streams as it is written.
  // Prompt and line editing only when both ends are a terminal: `echo hi | nxs chat`
  // typed in a terminal has a TTY stdout but piped input, and must read it as lines.
  const tty = cli.isTTY && process.stdin.isTTY === true;
  // node:readline loads here, not with the CLI: `nxs start` never needs it.
  const rl = process.getBuiltinModule('node:readline').createInterface({ input: process.stdin, output: tty ? process.stdout : undefined, terminal: tty });
  if (tty) cli.stderr(`talking to ${conn.url} in conversation ${conversation}; Ctrl-D to leave\n`);
  // On a terminal, Ctrl-D (and Ctrl-C: raw mode turns it into a key, not a signal) closes
  // readline, even while a reply is awaited: stop waiting and leave, or a deferred answer
  // would hold the session for ever. On pipes, close is end of input: lines read before
  // it are still answered.
  const left = new AbortController();
  rl.once('close', () => {
    if (tty) left.abort();
  });
  // A signal leaves on pipes too: lines not yet asked are dropped.
  const leave = (): void => {
    left.abort();
    rl.close();
  };
  session.addEventListener('abort', leave, { once: true });
  const prompt = (): void => {
    if (tty && !left.signal.aborted) rl.setPrompt('> '), rl.prompt();
  };
  prompt();
  for await (const line of rl) {
    if (left.signal.aborted) break;
    if (line.trim() === '') {
      prompt();
      continue;
    }
    try {
      const final = await ask(conn, conversation, line, cli.stdout, cli.stderr, undefined, left.signal);
      if (final.status === 'left') {
        cli.stderr(`\n(left before the answer was complete: message ${String(final.message_id)} stays with the host; GET /api/messages/${String(final.message_id)} shows it)\n`);
        break;
      }
      // stdout carries answers only: a failed or ignored message has said so on stderr.
      if (final.status === 'answered') cli.stdout('\n');
    } catch (err) {
      cli.stderr(`nxs: ${errorMessage(err)}\n`);
    }
    prompt();
  }
  session.removeEventListener('abort', leave);
}
