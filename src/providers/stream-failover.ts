import type { Logger } from '../core/logger.ts';
import { NxsError } from '../core/errors.ts';
import type { AttemptRecord, CallOptions, ChatChunk, ChatRequest, StreamOutcome, ChatCompletion } from './types.ts';
import { upstreamModel, type ProviderSpec } from './provider-spec.ts';
import type { ClientSettings } from './config.ts';
import type { Transport } from './transport.ts';
import type { AnswerCache } from './answer-cache.ts';
import { openChatStream, chunkText } from './chat-call.ts';
import { runChain, ChainExhausted, policyOf, type RunnerDeps } from './chain-runner.ts';
import { recordFailure } from './breaker.ts';
import { UpstreamFailure, describeFailure } from './upstream-failure.ts';
import { pump } from './stream-pump.ts';

export interface StreamDeps {
  runner: RunnerDeps;
  transport: Transport;
  settings: ClientSettings;
  order(): ProviderSpec[];
  onWin(p: ProviderSpec): void;
  onExhausted(): void;
  cache: AnswerCache;
  log: Logger;
}

/**
 * Streaming with failover. Before the first chunk a failure is invisible (the
 * chain runner tries the next provider). After it, a cut, a stall or a bad
 * chunk is never passed off as a complete answer: either the answer continues
 * on the next provider with the text so far as the assistant's prefix
 * (`continued`), or it ends with a chunk whose finish_reason is `incomplete`
 * and the iterator throws NXS_ERR_STREAM_INCOMPLETE (`incomplete`).
 */
export function streamWithFailover(d: StreamDeps, req: ChatRequest, opts: CallOptions): { chunks: AsyncIterable<ChatChunk>; outcome: Promise<StreamOutcome> } {
  let settle!: { resolve: (o: StreamOutcome) => void; reject: (e: unknown) => void };
  const outcome = new Promise<StreamOutcome>((resolve, reject) => (settle = { resolve, reject }));
  // A caller that only reads chunks must not get an unhandled rejection from the outcome.
  outcome.catch(() => undefined);

  async function* run(signal: AbortSignal): AsyncGenerator<ChatChunk> {
    const callOpts: CallOptions = { ...opts, signal };
    const attempts: AttemptRecord[] = [];
    const failed = new Set<string>();
    let text = '';
    let toolCalls = false;
    let yielded = false;
    let head: { id: string; created: number; model: string } | null = null;
    for (;;) {
      const body: ChatRequest = text ? { ...req, messages: [...req.messages, { role: 'assistant', content: text }] } : req;
      let win;
      try {
        win = await runChain(d.runner, d.order().filter((p) => !failed.has(p.name)), callOpts, async (p, key, signal) => {
          const gen = await openChatStream(d.transport, d.runner.clock, p, { ...body, model: upstreamModel(p, req.model) as string }, key, d.settings.streamStallMs, signal);
          // "Before the first token" includes a role-only opening chunk: read up to real content.
          try {
            const head: ChatChunk[] = [];
            for (;;) {
              const r = await gen.next();
              if (r.done) return { gen, head, done: true };
              head.push(r.value);
              if (carries(r.value)) return { gen, head, done: false };
            }
          } catch (err) {
            await gen.return(undefined).catch(() => undefined);
            throw err;
          }
        });
      } catch (err) {
        if (!(err instanceof ChainExhausted)) throw err;
        attempts.push(...err.attempts);
        if (!yielded) {
          d.onExhausted();
          const hit = d.cache.get(req);
          if (!hit) throw new NxsError('NXS_ERR_PROVIDERS_EXHAUSTED', err.message, { attempts, mode: 'emergency' });
          const content = typeof hit.completion.choices[0]?.message.content === 'string' ? hit.completion.choices[0].message.content : '';
          yield { id: hit.completion.id, object: 'chat.completion.chunk', created: hit.completion.created, model: hit.completion.model, nxs_cached: true, choices: [{ index: 0, delta: { role: 'assistant', content }, finish_reason: 'stop' }] };
          settle.resolve({ provider: hit.provider, ending: 'complete', text: content, attempts, cached: true });
          return;
        }
        yield* endIncomplete(head, attempts, text, 'no other provider could continue the answer');
        return;
      }
      attempts.push(...win.attempts);
      d.onWin(win.provider);
      const { gen } = win.value;
      const buffered = [...win.value.head];
      let r: IteratorResult<ChatChunk> = buffered.length ? { done: false, value: buffered.shift()! } : { done: true, value: undefined };
      try {
        while (!r.done) {
          const chunk = r.value;
          head ??= { id: chunk.id, created: chunk.created, model: chunk.model };
          text += chunkText(chunk);
          if (chunk.choices.some((c) => Array.isArray(c.delta?.tool_calls) && c.delta.tool_calls.length)) toolCalls = true;
          // A continuation keeps the first provider's id so the caller sees one answer.
          yield failed.size ? restamp(chunk, head) : chunk;
          yielded = true;
          r = buffered.length ? { done: false, value: buffered.shift()! } : win.value.done ? { done: true, value: undefined } : await gen.next();
        }
      } catch (err) {
        if (!(err instanceof UpstreamFailure)) throw err;
        const p = win.provider;
        failed.add(p.name);
        d.runner.health.set(recordFailure(d.runner.health.get(p.name), d.runner.clock.now(), d.runner.scrub(`cut mid-stream: ${describeFailure(err.failure)}`), policyOf(d.settings)));
        attempts.push({ provider: p.name, outcome: 'failover', reason: d.runner.scrub(`cut mid-stream: ${describeFailure(err.failure)}`), ms: 0 });
        d.log.warn({ provider: p.name, reason: describeFailure(err.failure), chars: text.length }, 'stream cut mid-answer');
        // Tool-call arguments cannot be continued as text; say so rather than guess.
        if (d.settings.onStreamCut === 'incomplete' || toolCalls || !yielded) {
          if (!yielded) continue;
          yield* endIncomplete(head, attempts, text, `${p.name} cut the stream (${describeFailure(err.failure)})`);
          return;
        }
        continue;
      } finally {
        await gen.return(undefined).catch(() => undefined);
      }
      const ending = failed.size && yielded ? 'continued' : 'complete';
      settle.resolve({ provider: win.provider.name, ending, text, attempts });
      if (!toolCalls && head) d.cache.putLater(req, completionOf(head, text), win.provider.name);
      return;
    }
  }

  async function* endIncomplete(head: { id: string; created: number; model: string } | null, attempts: AttemptRecord[], text: string, why: string): AsyncGenerator<ChatChunk> {
    const last = attempts.filter((a) => a.outcome === 'failover').at(-1)?.provider ?? '';
    settle.resolve({ provider: last, ending: 'incomplete', text, attempts });
    yield { id: head?.id ?? 'nxs-incomplete', object: 'chat.completion.chunk', created: head?.created ?? 0, model: head?.model ?? '', nxs_incomplete: true, choices: [{ index: 0, delta: {}, finish_reason: 'incomplete' }] };
    throw new NxsError('NXS_ERR_STREAM_INCOMPLETE', `the answer was cut after ${text.length} characters and not finished: ${why}`, { attempts });
  }

  // Eager: the call runs whether or not anyone reads `chunks`, so `outcome` always settles (see types.ts).
  const { chunks } = pump(
    (signal) =>
      (async function* () {
        try {
          yield* run(signal);
        } catch (err) {
          settle.reject(err);
          throw err;
        }
        // A generator that ended without settling (it cannot today) must still not leave the outcome pending.
        settle.reject(new NxsError('NXS_ERR_INTERNAL', 'the stream ended without an outcome'));
      })(),
    opts.signal,
    () => new Error('the consumer stopped reading the stream'),
  );
  return { chunks, outcome };
}

function carries(c: ChatChunk): boolean {
  return c.choices.some((x) => (typeof x.delta?.content === 'string' && x.delta.content !== '') || (Array.isArray(x.delta?.tool_calls) && x.delta.tool_calls.length > 0) || x.finish_reason);
}

function restamp(chunk: ChatChunk, head: { id: string; created: number; model: string } | null): ChatChunk {
  const choices = chunk.choices.map((c) => {
    const { role: _role, ...delta } = c.delta ?? {};
    return { ...c, delta };
  });
  return { ...chunk, id: head?.id ?? chunk.id, created: head?.created ?? chunk.created, choices };
}

function completionOf(head: { id: string; created: number; model: string }, text: string): ChatCompletion {
  return { id: head.id, object: 'chat.completion', created: head.created, model: head.model, choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }] };
}
