import { STREAMED, ownerScoped, type Route } from '../../http/route.ts';
import { NxsError } from '../../core/errors.ts';
import type { Assistant } from '../assistant.ts';
import type { Channel } from './channel.ts';
import type { ReplyEvent } from '../conversation/reply-hub.ts';
import type { Principal } from '../../http/auth.ts';
import { mayRead, seesAll } from '../../http/ownership.ts';

/** The HTTP channel delivers nothing itself: the caller reads the stored reply (GET) or follows it (SSE). */
export const httpChannel: Channel = {
  name: 'http',
  deliver: async () => {},
};

/** `POST /api/messages`, `GET /api/messages/:id`, `GET /api/messages/:id/stream` (SSE). */
export function messageRoutes(assistant: Assistant, heartbeatMs = 15_000): Route[] {
  const view = (id: number, principal: Principal) => {
    const row = assistant.get(id);
    // A token reads the messages it sent (the HTTP channel records its principal id as the sender);
    // another's answers as missing: ids are sequential, so a 403 would confirm the message exists.
    if (!row || !mayRead(principal, row.channel === 'http' ? row.sender : null)) throw new NxsError('NXS_ERR_MESSAGE_NOT_FOUND', `no message ${id}`);
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
      access: ownerScoped('posts only into conversations the token started (the main conversation needs ADMIN)'),
      handler: ({ body, principal }) => {
        const b = body as { conversation_id?: unknown; text?: unknown } | undefined;
        if (!b || typeof b !== 'object') throw new NxsError('NXS_ERR_MESSAGE_INVALID', 'body must be {"conversation_id": "<id>", "text": "<message>"}');
        refuseOthersConversation(assistant, b.conversation_id, principal!);
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
      access: ownerScoped('messages the token sent, with their replies; ADMIN every message'),
      // Replies are scrubbed when stored; this also covers rows stored before that, and keys registered since.
      scrubAnswer: true,
      handler: ({ params, principal }) => ({ body: view(idOf(params.id), principal!) }),
    },
    {
      method: 'GET',
      path: '/api/messages/:id/stream',
      access: ownerScoped('messages the token sent, with their replies; ADMIN every message'),
      handler: ({ params, principal, res, signal }) => {
        const id = idOf(params.id);
        const first = view(id, principal!);
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
            send('done', view(id, principal!));
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

/**
 * A reply is written with the conversation's history, so posting into someone else's conversation
 * would read it back through the model: a token posts only into conversations it started (or new
 * ones); ADMIN anywhere. The main conversation is refused by the assistant itself.
 */
function refuseOthersConversation(assistant: Assistant, conversationId: unknown, principal: Principal): void {
  if (seesAll(principal) || typeof conversationId !== 'string') return;
  const starter = assistant.store.starter(conversationId);
  if (starter && !(starter.channel === 'http' && starter.sender === principal.id)) {
    throw new NxsError('NXS_ERR_CONVERSATION_DENIED', `conversation ${conversationId} was started by another caller; a token posts only into conversations it started (the operator's token may post anywhere)`);
  }
}
