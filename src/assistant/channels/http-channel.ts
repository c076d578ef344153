import type { Route } from '../../http/route.ts';
import { STREAMED } from '../../http/route.ts';
import { NxsError } from '../../core/errors.ts';
import type { Assistant } from '../assistant.ts';
import type { Channel } from './channel.ts';
import type { ReplyEvent } from '../conversation/reply-hub.ts';

/** The HTTP channel delivers nothing itself: the caller reads the stored reply (GET) or follows it (SSE). */
export const httpChannel: Channel = {
  name: 'http',
  deliver: async () => {},
};

/** `POST /api/messages`, `GET /api/messages/:id`, `GET /api/messages/:id/stream` (SSE). */
export function messageRoutes(assistant: Assistant, heartbeatMs = 15_000): Route[] {
  const view = (id: number) => {
    const row = assistant.get(id);
    if (!row) throw new NxsError('NXS_ERR_MESSAGE_NOT_FOUND', `no message ${id}`);
    return { message_id: row.id, conversation_id: row.conversationId, status: row.status, reply: row.reply, cached: row.replyCached, error: row.status === 'failed' || row.status === 'deferred' ? row.error : null };
  };
  const idOf = (raw: string | undefined): number => {
    const id = Number(raw);
    if (!Number.isSafeInteger(id) || id <= 0) throw new NxsError('NXS_ERR_MESSAGE_NOT_FOUND', `message id must be a positive integer; got ${JSON.stringify(raw)}`);
    return id;
  };
  return [
    {
      method: 'POST',
      path: '/api/messages',
      auth: 'token',
      handler: ({ body, principal }) => {
        const b = body as { conversation_id?: unknown; text?: unknown } | undefined;
        if (!b || typeof b !== 'object') throw new NxsError('NXS_ERR_MESSAGE_INVALID', 'body must be {"conversation_id": "<id>", "text": "<message>"}');
        const row = assistant.receive({
          conversationId: b.conversation_id as string,
          text: b.text as string,
          channel: 'http',
          sender: principal?.id,
          privilegedSender: principal?.capabilities.has('ADMIN') ?? false,
        });
        return { status: 202, body: { message_id: row.id, status: row.status } };
      },
    },
    {
      method: 'GET',
      path: '/api/messages/:id',
      auth: 'token',
      handler: ({ params }) => ({ body: view(idOf(params.id)) }),
    },
    {
      method: 'GET',
      path: '/api/messages/:id/stream',
      auth: 'token',
      handler: ({ params, res, signal }) => {
        const id = idOf(params.id);
        const first = view(id);
        res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive' });
        const send = (event: string, data: unknown): void => {
          res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
        };
        const end = (): void => {
          off();
          clearInterval(beat);
          res.end();
        };
        send('status', { status: first.status });
        if (first.status === 'answered' || first.status === 'failed' || first.status === 'ignored') {
          send('done', first);
          res.end();
          return STREAMED;
        }
        const partial = assistant.hub.partialText(id);
        if (partial) send('delta', { text: partial });
        const off = assistant.hub.follow(id, (e: ReplyEvent) => {
          if (e.type === 'delta') send('delta', { text: e.text });
          else if (e.type === 'status') send('status', { status: e.status });
          else {
            send('done', view(id));
            end();
          }
        });
        // A comment line keeps proxies from closing an idle stream while the answer is deferred.
        const beat = setInterval(() => res.write(': keep-alive\n\n'), heartbeatMs);
        beat.unref();
        signal.addEventListener('abort', end, { once: true });
        return STREAMED;
      },
    },
  ];
}
