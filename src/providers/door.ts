import type { Context } from '../core/context.ts';
import { NxsError, isNxsError, errorMessage } from '../core/errors.ts';
import { httpStatusFor } from '../core/error-registry.ts';
import { STREAMED, type Route, type RouteRequest, type RouteResult } from '../http/route.ts';
import { errorBody } from '../http/respond.ts';
import type { JobQueue } from '../queue/types.ts';
import type { FallbackClient } from './client.ts';
import type { ChatRequest } from './types.ts';
import { publicModels } from './provider-spec.ts';
import { validateChatRequest } from './validate-request.ts';
import { deferRequest, deferredResult } from './deferred.ts';

export interface DoorDeps {
  ctx: Context;
  client: FallbackClient;
  /** The durable queue, when the queue step has run (looked up per request: it may start after this step). */
  queue: () => JobQueue | undefined;
}

/** Every model the door accepts: `auto` (the chain decides) and each provider's public names. */
export function listModels(client: FallbackClient): { id: string; owned_by: string }[] {
  // Asked on every request; the chain array is replaced (never mutated) when it changes, so it keys the answer.
  const hit = modelsByChain.get(client.chain);
  if (hit) return hit;
  const out = [{ id: 'auto', owned_by: 'nxs' }];
  const seen = new Set(['auto']);
  for (const p of client.chain) {
    for (const m of publicModels(p)) {
      if (!seen.has(m)) out.push({ id: m, owned_by: p.name });
      seen.add(m);
    }
  }
  modelsByChain.set(client.chain, out);
  return out;
}

const modelsByChain = new WeakMap<readonly unknown[], { id: string; owned_by: string }[]>();

/** The OpenAI-compatible door: POST /v1/chat/completions, GET /v1/models, and deferred answers. */
export function doorRoutes(d: DoorDeps): Route[] {
  return [
    { method: 'POST', path: '/v1/chat/completions', auth: 'token', errorStyle: 'openai', scrubAnswer: true, handler: (r) => chatCompletions(d, r) },
    {
      method: 'GET',
      path: '/v1/models',
      auth: 'token',
      errorStyle: 'openai',
      handler: () => ({ body: { object: 'list', data: listModels(d.client).map((m) => ({ id: m.id, object: 'model', created: 0, owned_by: m.owned_by })) } }),
    },
    {
      method: 'GET',
      path: '/v1/deferred/:id',
      auth: 'token',
      errorStyle: 'openai',
      scrubAnswer: true,
      handler: ({ params }) => {
        const id = Number(params.id);
        if (!Number.isInteger(id) || id < 1) throw new NxsError('NXS_ERR_BAD_REQUEST', `deferred id must be a positive integer; got ${JSON.stringify(params.id)}`);
        const done = deferredResult(d.ctx, id);
        if (done) return { body: done.completion, headers: { 'x-nxs-provider': done.provider } };
        const job = d.queue()?.get(id);
        if (!job || job.queue !== 'llm.deferred') throw new NxsError('NXS_ERR_NOT_FOUND', `no deferred request ${id}`);
        return { status: 202, body: deferredBody(id, job.state === 'dead' ? 'failed' : 'deferred', job.state === 'dead' ? `gave up: ${job.lastError ?? 'unknown'}` : 'still waiting for a provider') };
      },
    },
  ];
}

async function chatCompletions(d: DoorDeps, r: RouteRequest): Promise<RouteResult> {
  const req = validateChatRequest(r.body);
  const models = listModels(d.client);
  // With no model names configured anywhere, any name passes through to the chain.
  if (req.model && req.model !== 'auto' && models.length > 1 && !models.some((m) => m.id === req.model)) {
    throw new NxsError('NXS_ERR_LLM_MODEL_UNKNOWN', `model ${JSON.stringify(req.model)} is not served here; use one of ${models.map((m) => m.id).join(', ')}`, { param: 'model' });
  }
  const { stream, ...body } = req;
  if (stream) return streamCompletion(d, r, body);
  try {
    const res = await d.client.chat(body, { signal: r.signal });
    return { body: res.completion, headers: { 'x-nxs-provider': res.provider, 'x-nxs-cached': String(res.cached), 'x-nxs-mode': d.client.mode() } };
  } catch (err) {
    return deferOrThrow(d, body, err);
  }
}

function deferOrThrow(d: DoorDeps, body: ChatRequest, err: unknown): RouteResult {
  const queue = d.queue();
  if (!isNxsError(err) || err.code !== 'NXS_ERR_PROVIDERS_EXHAUSTED' || !queue) throw err;
  const job = deferRequest(queue, body);
  d.ctx.log.warn({ job: job.id }, 'every provider failed; request deferred to the queue');
  return { status: 202, body: deferredBody(job.id, 'deferred', 'every provider failed; the request is queued and will be answered when one returns'), headers: { 'x-nxs-deferred': String(job.id), 'x-nxs-mode': 'emergency' } };
}

function deferredBody(id: number, status: 'deferred' | 'failed', message: string): Record<string, unknown> {
  return { id: `deferred-${id}`, object: 'nxs.deferred', status, job_id: id, result_url: `/v1/deferred/${id}`, message, choices: [] };
}

async function streamCompletion(d: DoorDeps, r: RouteRequest, body: ChatRequest): Promise<RouteResult> {
  const s = d.client.stream(body, { signal: r.signal });
  const it = s.chunks[Symbol.asyncIterator]();
  let first: IteratorResult<unknown>;
  try {
    // Headers wait for the first chunk: until then a failure can still be a plain JSON error or a deferral.
    first = await it.next();
  } catch (err) {
    return deferOrThrow(d, body, err);
  }
  const res = r.res;
  const scrub = (v: unknown): string => d.ctx.redactor.scrub(JSON.stringify(v));
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-nxs-mode': d.client.mode() });
  try {
    for (let c = first; !c.done; c = await it.next()) {
      if (res.destroyed) break;
      res.write(`data: ${scrub(c.value)}\n\n`);
    }
    const o = await s.outcome;
    res.write(`: nxs ending=${o.ending} provider=${o.provider}${o.cached ? ' cached' : ''}\n\n`);
    res.end('data: [DONE]\n\n');
  } catch (err) {
    // Never end a cut answer as if it were whole: an error event, and no [DONE].
    const code = isNxsError(err) ? err.code : 'NXS_ERR_INTERNAL';
    const message = d.ctx.redactor.scrub(isNxsError(err) ? err.message : errorMessage(err));
    if (!res.destroyed) res.end(`data: ${JSON.stringify(errorBody('openai', httpStatusFor(err), code, message))}\n\n`);
  }
  return STREAMED;
}
