import type { Logger } from '../core/logger.ts';
import { NxsError } from '../core/errors.ts';
import type { AttemptRecord, CallOptions, ChatChunk, ChatCompletion, ChatRequest, StreamAccepted, StreamOutcome } from './types.ts';
import type { ProviderSpec } from './provider-spec.ts';
import type { ClientSettings } from './config.ts';
import type { Transport } from './transport.ts';
import type { AnswerCache, CachedAnswer } from './answer-cache.ts';
import type { ModelRoute } from './model-routes.ts';
import { openChatStream, type OpenedStream } from './chat-call.ts';
import { runChain, ChainExhausted, policyOf, type RunnerDeps } from './chain-runner.ts';
import { exhaustedError } from './exhausted.ts';
import { recordFailure } from './breaker.ts';
import { UpstreamFailure, describeFailure } from './upstream-failure.ts';
import { pump } from './stream-pump.ts';
import { StreamAssembly, type StreamHead } from './stream-assembly.ts';
import { checkSeam } from './stream-seam.ts';

export interface StreamDeps {
  runner: RunnerDeps;
  transport: Transport;
  settings: ClientSettings;
  route(model: string | undefined): ModelRoute;
  onWin(p: ProviderSpec): void;
  /**
   * Every provider of the route failed before the answer started: the client decides on emergency mode
   * and gives its emergency answer, if the cache has one (the one fallback, shared with `chat`).
   */
  onExhausted(route: ModelRoute, err: NxsError, req: ChatRequest): CachedAnswer | null;
  /** Where a whole streamed answer is kept for the emergency fallback. */
  cache: AnswerCache;
  log: Logger;
}

export interface FailoverStream {
  chunks: AsyncIterable<ChatChunk>;
  outcome: Promise<StreamOutcome>;
  /** Resolves as soon as a provider accepted the request (or the cache answered); rejects as `outcome` when none did. */
  accepted: Promise<StreamAccepted>;
}

/**
 * Streaming with failover; every chunk is passed on as it arrives. Until some
 * of the answer has been passed on (content, reasoning, a tool call), a failed
 * provider is simply replaced. After that the answer is finished elsewhere only
 * where that provably continues it: a provider declared `continuation:
 * assistant-prefix`, sent the text so far as a prefix, whose first words pass
 * the seam check (stream-seam.ts). Otherwise the iterator throws
 * NXS_ERR_STREAM_INCOMPLETE after the last real chunk: never a spliced answer,
 * never a made-up finish_reason.
 */
export function streamWithFailover(d: StreamDeps, req: ChatRequest, opts: CallOptions): FailoverStream {
  let settle!: { resolve: (o: StreamOutcome) => void; reject: (e: unknown) => void };
  const outcome = new Promise<StreamOutcome>((resolve, reject) => (settle = { resolve, reject }));
  let acceptance!: { resolve: (a: StreamAccepted) => void; reject: (e: unknown) => void };
  const accepted = new Promise<StreamAccepted>((resolve, reject) => (acceptance = { resolve, reject }));
  // A caller that only reads chunks must not get an unhandled rejection from the outcome or the acceptance.
  outcome.catch(() => undefined);
  accepted.catch(() => undefined);

  async function* run(signal: AbortSignal): AsyncGenerator<ChatChunk> {
    const callOpts: CallOptions = { ...opts, signal };
    const route = d.route(typeof req.model === 'string' ? req.model : undefined);
    const attempts: AttemptRecord[] = [];
    const failed = new Set<string>();
    let answer = new StreamAssembly();
    let head: StreamHead | null = null;
    let continuing = false;
    let last = '';

    function endIncomplete(why: string): never {
      settle.resolve({ provider: last, ending: 'incomplete', text: answer.text(), attempts });
      throw new NxsError('NXS_ERR_STREAM_INCOMPLETE', `the answer was cut after ${answer.text().length} characters and not finished: ${why}`, { attempts });
    }

    for (;;) {
      const prefix = continuing ? answer.text() : '';
      const body: ChatRequest = continuing ? { ...req, messages: [...req.messages, { role: 'assistant', content: prefix, prefix: true } as ChatRequest['messages'][number]] } : req;
      const candidates = route.providers.filter((p) => !failed.has(p.name) && (!continuing || p.continuation === 'assistant-prefix'));
      if (continuing && candidates.length === 0) endIncomplete(`${last} cut the stream and no provider declared to continue an answer (continuation: assistant-prefix) is left`);
      let win;
      try {
        win = await runChain<OpenedStream>(d.runner, candidates, callOpts, (p, key, s) => openChatStream(d.transport, d.runner.clock, p, { ...body, model: route.upstream(p) as string }, key, d.settings.streamStallMs, s));
      } catch (err) {
        if (!(err instanceof ChainExhausted)) throw err;
        attempts.push(...err.attempts);
        if (continuing) endIncomplete(`${last} cut the stream and no provider could continue it`);
        const e = exhaustedError(new ChainExhausted(attempts, err.retryAfterMs));
        const hit = d.onExhausted(route, e, req);
        if (!hit) throw e;
        acceptance.resolve({ provider: hit.provider, model: hit.completion.model, cached: true });
        yield* cachedChunks(hit.completion, head);
        settle.resolve({ provider: hit.provider, ending: 'complete', text: contentOf(hit.completion), attempts, cached: true });
        return;
      }
      attempts.push(...win.attempts);
      d.onWin(win.provider);
      const p = win.provider;
      last = p.name;
      acceptance.resolve({ provider: p.name, model: route.upstream(p) ?? '', cached: false, upstreamHeaders: win.value.headers });
      const gen = win.value.chunks;
      const seam = continuing ? new SeamGate(prefix) : null;
      try {
        for (let r = await gen.next(); !r.done; r = await gen.next()) {
          const passed = seam ? seam.take(r.value) : [r.value];
          if (passed === 'restarts') endIncomplete(`${p.name} started a new answer instead of continuing it`);
          for (const chunk of passed) {
            const out = head ? restamp(chunk, head) : chunk;
            head ??= { id: chunk.id, created: chunk.created, model: chunk.model };
            answer.add(out);
            yield out;
          }
        }
        const rest = seam?.end();
        if (rest === 'restarts') endIncomplete(`${p.name} started a new answer instead of continuing it`);
        for (const chunk of rest ?? []) {
          const out = head ? restamp(chunk, head) : chunk;
          answer.add(out);
          yield out;
        }
      } catch (err) {
        if (!(err instanceof UpstreamFailure)) throw err;
        const reason = d.runner.scrub(`cut mid-stream: ${describeFailure(err.failure)}`);
        failed.add(p.name);
        d.runner.health.set(recordFailure(d.runner.health.get(p.name), d.runner.clock.now(), reason, policyOf(d.settings)));
        attempts.push({ provider: p.name, outcome: 'failover', reason, ms: 0 });
        d.log.warn({ provider: p.name, reason: describeFailure(err.failure), started: answer.started, chars: answer.text().length }, 'stream cut');
        // Nothing of the answer has reached the caller: the next provider gives the whole answer.
        if (!answer.started && !continuing) {
          answer = new StreamAssembly();
          continue;
        }
        // Only plain text of one choice can be carried on as a prefix; tool-call arguments and n > 1 cannot.
        const continuable = d.settings.onStreamCut === 'continue' && !answer.toolCalls && answer.choiceCount === 1 && answer.text() !== '';
        if (!continuable) endIncomplete(`${p.name} cut the stream (${describeFailure(err.failure)})`);
        continuing = true;
        continue;
      } finally {
        await gen.return(undefined).catch(() => undefined);
      }
      settle.resolve({ provider: p.name, ending: continuing ? 'continued' : 'complete', text: answer.text(), attempts });
      // Only a whole answer from one provider is worth serving again.
      const whole = !continuing && head ? answer.completion(head) : null;
      if (whole) d.cache.putLater(req, whole, p.name);
      return;
    }
  }

  // Eager: the call runs whether or not anyone reads `chunks`, so `outcome` always settles (see types.ts).
  const { chunks } = pump(
    (signal) =>
      (async function* () {
        try {
          yield* run(signal);
        } catch (err) {
          settle.reject(err);
          acceptance.reject(err);
          throw err;
        }
        // A generator that ended without settling (it cannot today) must still not leave the outcome pending.
        const stray = new NxsError('NXS_ERR_INTERNAL', 'the stream ended without an outcome');
        settle.reject(stray);
        acceptance.reject(stray);
      })(),
    opts.signal,
    () => new Error('the consumer stopped reading the stream'),
  );
  return { chunks, outcome, accepted };
}

/**
 * Holds a continuation's chunks back until the seam check can tell whether it
 * continues the text (`prefix`) or starts over; then lets them through, an
 * echoed prefix cut off.
 */
class SeamGate {
  private readonly prefix: string;
  private held: ChatChunk[] = [];
  private said = '';
  private open = false;

  constructor(prefix: string) {
    this.prefix = prefix;
  }

  take(chunk: ChatChunk): ChatChunk[] | 'restarts' {
    if (this.open) return [chunk];
    this.held.push(chunk);
    for (const c of chunk.choices) if (typeof c.delta?.content === 'string') this.said += c.delta.content;
    const ended = chunk.choices.some((c) => c.finish_reason);
    return this.decide(ended);
  }

  /** The continuation ended: decide on what it said. */
  end(): ChatChunk[] | 'restarts' {
    return this.open ? [] : this.decide(true);
  }

  private decide(ended: boolean): ChatChunk[] | 'restarts' {
    const v = checkSeam(this.prefix, this.said, ended);
    if (v.kind === 'wait') return [];
    if (v.kind === 'restarts') return 'restarts';
    this.open = true;
    const out = dropLeadingText(this.held, v.skip);
    this.held = [];
    return out;
  }
}

/** The chunks without their first `n` characters of content; chunks left with nothing to say are dropped. */
function dropLeadingText(chunks: ChatChunk[], n: number): ChatChunk[] {
  if (n === 0) return chunks;
  let left = n;
  const out: ChatChunk[] = [];
  for (const chunk of chunks) {
    const choices = chunk.choices.map((c) => {
      const content = c.delta?.content;
      if (left === 0 || typeof content !== 'string') return c;
      const cut = Math.min(left, content.length);
      left -= cut;
      return { ...c, delta: { ...c.delta, content: content.slice(cut) } };
    });
    if (choices.some((c) => c.finish_reason || Object.entries(c.delta ?? {}).some(([k, v]) => k !== 'role' && v !== '' && v !== undefined && v !== null))) out.push({ ...chunk, choices });
  }
  return out;
}

/** A chunk of a replacement or continuation, under the first chunk's id (one answer); the role was said already. */
function restamp(chunk: ChatChunk, head: StreamHead): ChatChunk {
  const choices = chunk.choices.map((c) => {
    const { role: _role, ...delta } = c.delta ?? {};
    return { ...c, delta };
  });
  return { ...chunk, id: head.id, created: head.created, model: chunk.model || head.model, choices };
}

/** A cached answer as a stream: one chunk per choice (in order), marked `nxs_cached`. */
function* cachedChunks(c: ChatCompletion, head: StreamHead | null): Generator<ChatChunk> {
  for (const choice of c.choices) {
    const content = typeof choice.message.content === 'string' ? choice.message.content : '';
    yield { id: head?.id ?? c.id, object: 'chat.completion.chunk', created: head?.created ?? c.created, model: c.model, nxs_cached: true, choices: [{ index: choice.index, delta: { role: 'assistant', content }, finish_reason: choice.finish_reason ?? 'stop' }] };
  }
}

function contentOf(c: ChatCompletion): string {
  const m = c.choices[0]?.message.content;
  return typeof m === 'string' ? m : '';
}
