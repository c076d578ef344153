import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { EventEmitter, once } from 'node:events';

/**
 * A fake Telegram Bot API: a real HTTP server on 127.0.0.1:0 speaking the
 * parts nxs uses. getUpdates long-polls (held until an update is pushed or
 * the request's timeout passes) and honours `offset`; sendMessage is recorded
 * and can be scripted to fail. A wrong token gets Telegram's 401.
 *
 *   await using tg = await startFakeTelegram({ token: 'T' });
 *   tg.push({ message: { message_id: 1, text: 'hi', chat: { id: 5, type: 'private' } } });
 *   const sent = await tg.nextSent();
 */
export interface FakeTelegram {
  /** Base URL to configure as assistant.telegram.api_base. */
  url: string;
  token: string;
  updates: Record<string, unknown>[];
  sent: { chat_id: number; text: string; reply_to_message_id?: number }[];
  /** getUpdates calls seen, with their offsets. */
  polls: { offset: number; timeout: number }[];
  /** Queues an update; `update_id` is assigned when absent. Returns the id. */
  push(update: Record<string, unknown>): number;
  /** The next sendMessage calls answer with this status (500, 429...) this many times. */
  failSends(times: number, status?: number): void;
  nextSent(): Promise<{ chat_id: number; text: string }>;
  nextPoll(): Promise<{ offset: number; timeout: number }>;
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

export async function startFakeTelegram(opts: { token?: string; maxHoldMs?: number } = {}): Promise<FakeTelegram> {
  const token = opts.token ?? '123456:TEST-TOKEN';
  const events = new EventEmitter();
  const waiting = new Set<() => void>();
  const sockets = new Set<Socket>();
  let nextId = 1;
  let failing = 0;
  let failStatus = 500;
  const tg: FakeTelegram = {
    url: '',
    token,
    updates: [],
    sent: [],
    polls: [],
    push(update) {
      const id = typeof update.update_id === 'number' ? update.update_id : nextId;
      nextId = Math.max(nextId, id + 1);
      tg.updates.push({ ...update, update_id: id });
      for (const wake of [...waiting]) wake();
      return id;
    },
    failSends(times, status = 500) {
      failing = times;
      failStatus = status;
    },
    nextSent: async () => (await once(events, 'sent'))[0],
    nextPoll: async () => (await once(events, 'poll'))[0],
    close: () =>
      new Promise<void>((resolve) => {
        for (const wake of [...waiting]) wake();
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      }),
    [Symbol.asyncDispose]: () => tg.close(),
  };
  const reply = (res: ServerResponse, status: number, body: unknown): void => {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const m = /^\/bot([^/]+)\/(\w+)$/.exec(new URL(req.url ?? '/', 'http://x').pathname);
      if (!m || m[1] !== token) return reply(res, 401, { ok: false, error_code: 401, description: 'Unauthorized' });
      let body: Record<string, unknown> = {};
      try {
        body = chunks.length ? (JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>) : {};
      } catch {
        return reply(res, 400, { ok: false, error_code: 400, description: 'Bad Request: invalid JSON' });
      }
      if (m[2] === 'getUpdates') {
        const offset = Number(body.offset ?? 0);
        const timeout = Number(body.timeout ?? 0);
        tg.polls.push({ offset, timeout });
        events.emit('poll', { offset, timeout });
        const ready = () => tg.updates.filter((u) => (u.update_id as number) >= offset);
        if (ready().length || timeout === 0) return reply(res, 200, { ok: true, result: ready() });
        const finish = (): void => {
          waiting.delete(finish);
          clearTimeout(timer);
          if (!res.writableEnded) reply(res, 200, { ok: true, result: ready() });
        };
        const timer = setTimeout(finish, Math.min(timeout * 1000, opts.maxHoldMs ?? 60_000));
        waiting.add(finish);
        res.on('close', () => {
          waiting.delete(finish);
          clearTimeout(timer);
        });
        return;
      }
      if (m[2] === 'sendMessage') {
        if (failing > 0) {
          failing--;
          return reply(res, failStatus, { ok: false, error_code: failStatus, description: 'scripted failure' });
        }
        if (typeof body.text !== 'string' || body.text === '' || body.text.length > 4096) return reply(res, 400, { ok: false, error_code: 400, description: 'Bad Request: message text is empty or too long' });
        const msg = { chat_id: Number(body.chat_id), text: body.text, ...(body.reply_to_message_id ? { reply_to_message_id: Number(body.reply_to_message_id) } : {}) };
        tg.sent.push(msg);
        events.emit('sent', msg);
        return reply(res, 200, { ok: true, result: { message_id: tg.sent.length, chat: { id: msg.chat_id }, text: msg.text } });
      }
      reply(res, 404, { ok: false, error_code: 404, description: 'Not Found' });
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  tg.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return tg;
}
