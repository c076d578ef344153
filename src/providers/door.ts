import type { Context } from '../core/context.ts';
import { NxsError, isNxsError } from '../core/errors.ts';
import { STREAMED, anyToken, ownerScoped, type CorsPolicy, type Route, type RouteRequest, type RouteResult } from '../http/route.ts';
import { mayRead } from '../http/ownership.ts';
import type { JobQueue } from '../queue/types.ts';
import type { FallbackClient } from './client.ts';
import type { ChatChunk, ChatRequest, StreamAccepted } from './types.ts';
import { chunkScrubber } from './scrub-chunks.ts';
import { listModels as listOf, type ListedModel } from './model-routes.ts';
import { validateChatRequest } from './validate-request.ts';
import { deferRequest, deferredResult } from './deferred.ts';
import { doorError } from './door-errors.ts';
import { passedOnHeaders } from './upstream-headers.ts';
import { corsHeaders, preflightHeaders } from './cors.ts';
import { UPSTREAM_TIME_HEADER } from '../http/upstream-time.ts';
import { CONFIG_HEADER, parseRequestControl, type RequestControl } from './request-control.ts';
import type { Endpoint } from './provider-spec.ts';
import type { Admission, DoorQuota } from './door-quota.ts';
import { StreamTally, estimatePrompt, estimateTokens, reportedUsage } from './usage-count.ts';

/** The request header that asks for deferral (opt-in): every provider down then answers 202 with a job to poll. */
export const DEFER_HEADER = 'x-nxs-defer';

export interface DoorDeps {
  ctx: Context;
  client: FallbackClient;
  /** The durable queue, when the host runs the queue step (it starts before the providers step). */
  queue: JobQueue | undefined;
  /** Door tokens' bounds and the usage they are counted against (door-quota.ts). */
  quota: DoorQuota;
}

/** Every model the door accepts: `auto` (the whole chain), each model group, and each provider's public names. */
export function listModels(client: FallbackClient, groups: Parameters<typeof listOf>[1] = {}): ListedModel[] {
  // Asked on every request; the chain array is replaced (never mutated) when it changes, so it keys the answer.
  const hit = modelsByChain.get(client.chain);
  if (hit) return hit.list;
  const list = listOf(client.chain, groups);
  modelsByChain.set(client.chain, { list, ids: new Set(list.map((m) => m.id)) });
  return list;
}

const modelsByChain = new WeakMap<readonly unknown[], { list: ListedModel[]; ids: Set<string> }>();

const modelObject = (m: ListedModel) => ({ id: m.id, object: 'model', created: 0, owned_by: m.owned_by });

/**
 * The OpenAI-compatible door: POST /v1/chat/completions, GET /v1/models and /v1/models/:id, and
 * deferred answers (POST /v1/embeddings comes in `more`). What a client sees in each failure is in docs/providers.md.
 */
export function doorRoutes(d: DoorDeps, more: readonly Route[] = []): Route[] {
  const origins = d.ctx.config.providers.client.corsOrigins;
  // Browsers on other origins only when the operator lists them (llm_client.cors_origins; none by default).
  const cors: CorsPolicy | null = origins.length
    ? { answer: (o) => corsHeaders(o, origins), preflight: (o, h) => preflightHeaders(o, origins, 'GET, POST', h) }
    : null;
  const routes: Route[] = [
    { method: 'POST', path: '/v1/chat/completions', access: anyToken('the OpenAI-compatible gateway: a token is what the operator hands a local program for it'), errorStyle: 'openai', scrubAnswer: true, handler: (r) => chatCompletions(d, r) },
    {
      method: 'GET',
      path: '/v1/models',
      access: anyToken('the model names the gateway accepts (a token with a model allowlist sees those only)'),
      errorStyle: 'openai',
      handler: (r) => ({ body: { object: 'list', data: visibleModels(d, r).map(modelObject) } }),
    },
    {
      method: 'GET',
      path: '/v1/models/:id',
      access: anyToken('one model name the gateway accepts (the SDK\'s models.retrieve)'),
      errorStyle: 'openai',
      handler: (r) => openAiErrors(d, () => {
        const m = visibleModels(d, r).find((x) => x.id === r.params.id);
        if (!m) throw unknownModel(d, r.params.id!);
        return { body: modelObject(m) };
      }),
    },
    {
      method: 'GET',
      path: '/v1/deferred/:id',
      access: ownerScoped('the answer of a deferred request the token made (another token\'s id answers 404); ADMIN any'),
      errorStyle: 'openai',
      scrubAnswer: true,
      handler: ({ params, principal }) => {
        const id = Number(params.id);
        if (!Number.isInteger(id) || id < 1) throw new NxsError('NXS_ERR_BAD_REQUEST', `deferred id must be a positive integer; got ${JSON.stringify(params.id)}`);
        const missing = (): NxsError => new NxsError('NXS_ERR_NOT_FOUND', `no deferred request ${id}`);
        const done = deferredResult(d.ctx, id);
        if (done) {
          // Another caller's answer is as absent as one never made: its id says nothing about it.
          if (!mayRead(principal!, done.createdBy)) throw missing();
          return { body: done.completion, headers: { 'x-nxs-provider': done.provider } };
        }
        const job = d.queue?.get(id);
        if (!job || job.queue !== 'llm.deferred' || !mayRead(principal!, job.createdBy)) throw missing();
        return { status: 202, body: deferredBody(id, job.state === 'dead' ? 'failed' : 'deferred', job.state === 'dead' ? `gave up: ${job.lastError ?? 'unknown'}` : 'still waiting for a provider') };
      },
    },
  ];
  // `more`: routes of the door kept in their own files (door-embeddings.ts), under the same CORS policy.
  routes.push(...more);
  return cors ? routes.map((r) => ({ ...r, cors })) : routes;
}

function models(d: DoorDeps): ListedModel[] {
  return listModels(d.client, d.ctx.config.providers.client.modelGroups);
}

/** What /v1/models shows this caller: a token with a model allowlist sees only the models it may use. */
function visibleModels(d: DoorDeps, r: RouteRequest): ListedModel[] {
  const allowed = d.quota.allowedModels(r.principal!.id);
  return allowed ? models(d).filter((m) => allowed.includes(m.id)) : models(d);
}

/**
 * What every door request does before a provider is asked: the model known (404 otherwise), the
 * caller's x-nxs-config read (400 when it is not valid), and the caller's token let in by its bounds
 * (403 for a model off its allowlist, 429 over a rate or its daily budget).
 */
export function admitDoorRequest(d: DoorDeps, r: RouteRequest, model: string | undefined, endpoint: Endpoint = 'chat'): { control: RequestControl | undefined; admission: Admission } {
  // With no model names configured anywhere, any name passes through to the chain.
  if (model && model !== 'auto') {
    const known = modelIds(d);
    if (known.size > 1 && !known.has(model)) throw unknownModel(d, model);
  }
  const control = parseRequestControl(r.raw.headers[CONFIG_HEADER], d.client.chain.map((p) => p.name));
  if (control?.providers) {
    const serving = d.client.route(model, endpoint).providers.map((p) => p.name);
    if (!control.providers.some((n) => serving.includes(n))) {
      throw new NxsError('NXS_ERR_LLM_BAD_REQUEST', `${CONFIG_HEADER}.targets must name a provider that serves model ${JSON.stringify(model ?? 'auto')} (${serving.join(', ') || 'none is enabled now'}); got ${control.providers.join(', ')}`, { param: `${CONFIG_HEADER}.targets`, openaiCode: 'invalid_value' });
    }
  }
  return { control, admission: d.quota.admit(r.principal!.id, model ?? 'auto') };
}

function modelIds(d: DoorDeps): Set<string> {
  models(d);
  return modelsByChain.get(d.client.chain)!.ids;
}

function unknownModel(d: DoorDeps, model: string): NxsError {
  return new NxsError('NXS_ERR_LLM_MODEL_UNKNOWN', `model ${JSON.stringify(model)} is not served here; use one of ${models(d).map((m) => m.id).join(', ')}`, { param: 'model' });
}

/** The door's own errors as OpenAI clients expect them (door-errors.ts); anything else is the server's 500. */
export async function openAiErrors(d: DoorDeps, run: () => Promise<RouteResult> | RouteResult): Promise<RouteResult> {
  try {
    return await run();
  } catch (err) {
    if (!isNxsError(err)) throw err;
    const a = doorError(err, (t) => d.ctx.redactor.scrub(t));
    return { status: a.status, body: a.body, headers: a.headers };
  }
}

function chatCompletions(d: DoorDeps, r: RouteRequest): Promise<RouteResult> {
  return openAiErrors(d, async () => {
    const req = validateChatRequest(r.body);
    const { control, admission } = admitDoorRequest(d, r, req.model);
    const { stream, ...body } = req;
    if (stream) return streamCompletion(d, r, body, control, admission);
    try {
      const res = await d.client.chat(body, { signal: r.signal, ...(control ? { control } : {}) });
      // A cached answer cost no provider anything: it is not counted against the caller.
      if (!res.cached) {
        const used = reportedUsage(res.completion.usage) ?? { prompt: estimatePrompt(body), completion: estimateTokens(JSON.stringify(res.completion.choices).length) };
        d.quota.spent(admission, res.provider, used.prompt, used.completion);
      }
      const headers = passedOnHeaders(res.upstreamHeaders);
      headers['x-nxs-provider'] = res.provider;
      headers['x-nxs-model'] = res.model;
      headers['x-nxs-cached'] = String(res.cached);
      headers['x-nxs-mode'] = d.client.mode();
      // On the response itself, not in `headers`: the server reads it back when the answer is done (metrics).
      r.res.setHeader(UPSTREAM_TIME_HEADER, res.attempts.reduce((ms, a) => ms + a.ms, 0).toFixed(1));
      return { body: res.completion, headers };
    } catch (err) {
      return deferIfAsked(d, r, body, err);
    }
  });
}

/**
 * A caller that asked for deferral (header `x-nxs-defer: 1`) gets a 202 with a job to poll when every
 * provider is down; every other caller gets the error (an SDK raises it; nothing is queued behind its back).
 */
function deferIfAsked(d: DoorDeps, r: RouteRequest, body: ChatRequest, err: unknown): RouteResult {
  const queue = d.queue;
  if (!isNxsError(err) || err.code !== 'NXS_ERR_PROVIDERS_EXHAUSTED' || err.details?.cause === 'context_length' || !queue || !wantsDeferral(r)) throw err;
  const job = deferRequest(queue, body, r.principal!.id);
  d.ctx.log.warn({ job: job.id }, 'every provider failed; request deferred to the queue as the caller asked');
  return { status: 202, body: deferredBody(job.id, 'deferred', 'every provider failed; the request is queued and will be answered when one returns'), headers: { 'x-nxs-deferred': String(job.id), 'x-nxs-mode': 'emergency' } };
}

function wantsDeferral(r: RouteRequest): boolean {
  const v = r.raw.headers[DEFER_HEADER];
  return v === '1' || v === 'true';
}

function deferredBody(id: number, status: 'deferred' | 'failed', message: string): Record<string, unknown> {
  return { id: `deferred-${id}`, object: 'nxs.deferred', status, job_id: id, result_url: `/v1/deferred/${id}`, message, choices: [] };
}

async function streamCompletion(d: DoorDeps, r: RouteRequest, body: ChatRequest, control: RequestControl | undefined, admission: Admission): Promise<RouteResult> {
  const s = d.client.stream(body, { signal: r.signal, ...(control ? { control } : {}) });
  let accepted: StreamAccepted;
  try {
    // Headers wait only until a provider accepted: before that, every provider down is still a plain
    // HTTP error (503, 429...) that every SDK raises, or the deferral the caller asked for.
    accepted = await s.accepted;
  } catch (err) {
    return deferIfAsked(d, r, body, err);
  }
  const res = r.res;
  const scrub = (v: unknown): string => d.ctx.redactor.scrub(JSON.stringify(v));
  // A key cut between two chunks is in neither: content is scrubbed across chunks as well (scrub-chunks.ts).
  const across = chunkScrubber(d.ctx.redactor);
  const headers = passedOnHeaders(accepted.upstreamHeaders);
  Object.assign(headers, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-nxs-provider': accepted.provider, 'x-nxs-model': accepted.model, 'x-nxs-cached': String(accepted.cached), 'x-nxs-mode': d.client.mode() });
  res.writeHead(200, headers);
  // Out now, not with the first chunk: a reasoning model may think for seconds, and idle timeouts must not fire.
  res.flushHeaders();
  const it = s.chunks[Symbol.asyncIterator]();
  // What the answer used, counted as it passes: a cut answer used its provider's tokens too.
  const tally = new StreamTally();
  try {
    for (let c = await it.next(); !c.done; c = await it.next()) {
      if (res.destroyed) break;
      tally.add(c.value as ChatChunk);
      res.write(`data: ${scrub(across.chunk(c.value as ChatChunk))}\n\n`);
    }
    const held = across.end();
    if (held && !res.destroyed) res.write(`data: ${scrub(held)}\n\n`);
    const o = await s.outcome;
    res.write(`: nxs ending=${o.ending} provider=${o.provider}${o.cached ? ' cached' : ''}\n\n`);
    res.end('data: [DONE]\n\n');
  } catch (err) {
    // Never end a cut answer as if it were whole: an error event (OpenAI's error object, which SDKs raise), and no [DONE].
    if (!isNxsError(err)) d.ctx.log.error({ err: d.ctx.redactor.scrub(String(err)) }, 'stream failed');
    const a = doorError(isNxsError(err) ? err : new NxsError('NXS_ERR_INTERNAL', 'internal error; see the host log'), (t) => d.ctx.redactor.scrub(t));
    if (!res.destroyed) res.end(`data: ${JSON.stringify(a.body)}\n\n`);
  } finally {
    if (!accepted.cached && !tally.empty) {
      const used = tally.count(body);
      d.quota.spent(admission, accepted.provider, used.prompt, used.completion);
    }
  }
  return STREAMED;
}
