import type { Context } from '../core/context.ts';
import { NxsError } from '../core/errors.ts';
import { STREAMED, anyToken, needs, type Route } from '../http/route.ts';
import type { LogTail } from './log-tail.ts';
import type { Assistant } from '../assistant/assistant.ts';
import type { ResourceHistory } from './resource-history.ts';
import { maskedConfig } from './masked-config.ts';

// pino's numeric levels.
const LEVELS: Record<string, number> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60 };

/** The routes the console needed that the API did not have: the resource chart, the log tail, the masked config, the main conversation. */
export function dataRoutes(ctx: Context, parts: { logTail?: LogTail; assistant?: Assistant }, history: ResourceHistory): Route[] {
  return [
    {
      method: 'GET',
      path: '/api/console/resources',
      access: anyToken("the box's CPU, memory and disk use over the last hour: numbers only"),
      handler: () => ({ body: { interval_ms: ctx.profile.current.monitorIntervalMs, samples: history.samples() } }),
    },
    {
      method: 'GET',
      path: '/api/console/logs',
      access: needs('ADMIN'),
      handler: ({ query, res, signal }) => {
        const name = query.get('level') ?? 'info';
        const min = LEVELS[name];
        if (min === undefined) throw new NxsError('NXS_ERR_BAD_REQUEST', `level must be one of ${Object.keys(LEVELS).join(', ')}; got ${JSON.stringify(name)}`, { field: 'level' });
        const tail = parts.logTail;
        // Lines were scrubbed as written; scrubbing again covers secrets registered since.
        const keep = (line: string): boolean => levelOf(line) >= min;
        const recent = (tail?.recent() ?? []).filter(keep).map((l) => ctx.redactor.scrub(l));
        // Without follow=1 the recent lines come back as JSON, like journalctl without -f.
        if (query.get('follow') !== '1' || !tail) return { body: { lines: recent } };
        res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
        for (const line of recent) res.write(`event: line\ndata: ${line}\n\n`);
        const off = tail.follow((line) => {
          if (keep(line)) res.write(`event: line\ndata: ${ctx.redactor.scrub(line)}\n\n`);
        });
        signal.addEventListener('abort', () => {
          off();
          res.end();
        }, { once: true });
        return STREAMED;
      },
    },
    {
      method: 'GET',
      path: '/api/console/config',
      access: needs('ADMIN'),
      handler: () => ({ body: { config: maskedConfig(ctx.config, ctx.redactor) } }),
    },
    {
      method: 'GET',
      path: '/api/console/conversation',
      access: needs('ADMIN'),
      // Replies are scrubbed when stored; this also covers keys registered since.
      scrubAnswer: true,
      handler: () => {
        const assistant = parts.assistant;
        if (!assistant) return { body: { conversation_id: null, messages: [] } };
        const id = ctx.config.assistant.mainConversation;
        const done = assistant.store.history(id, Number.MAX_SAFE_INTEGER, 30);
        const open = assistant.store.unanswered(['queued', 'answering', 'deferred']).filter((m) => m.conversationId === id);
        const messages = [...done, ...open].sort((a, b) => a.id - b.id).map((m) => ({ message_id: m.id, text: m.text, status: m.status, reply: m.reply, cached: m.replyCached, error: m.status === 'deferred' || m.status === 'failed' ? m.error : null, created_at: new Date(m.createdAt).toISOString() }));
        return { body: { conversation_id: id, messages } };
      },
    },
  ];
}

function levelOf(line: string): number {
  const m = /"level":(\d+)/.exec(line);
  return m ? Number(m[1]) : LEVELS.info!;
}
