import type { Clock } from '../core/clock.ts';
import type { ChatChunk, ChatCompletion, ChatRequest, UpstreamHeaders } from './types.ts';
import type { ProviderSpec } from './provider-spec.ts';
import type { Transport } from './transport.ts';
import { SseParser } from './sse.ts';
import { UpstreamFailure } from './upstream-failure.ts';

/** One plain chat-completions call to one provider, with its response headers. Throws UpstreamFailure or NxsError (aborted). */
export async function callChat(t: Transport, p: ProviderSpec, body: ChatRequest, apiKey: string | undefined, signal?: AbortSignal): Promise<{ completion: ChatCompletion; headers: UpstreamHeaders }> {
  // The whole answer in one string through a plain dispatch handler (no body stream: see collect-handler.ts).
  const { parsed, headers } = await postJson(t, p, '/chat/completions', { ...body, stream: false }, apiKey, signal);
  const c = parsed as ChatCompletion;
  if (!c || typeof c !== 'object' || !Array.isArray(c.choices) || c.choices.length === 0 || typeof c.choices[0]?.message !== 'object') {
    throw new UpstreamFailure({ kind: 'malformed', detail: 'no choices[0].message' }, 'malformed answer');
  }
  return { completion: c, headers };
}

/**
 * POSTs `body` to one provider's `route` and parses its JSON answer: an error status is the
 * transport's classified UpstreamFailure, a body that is not JSON a malformed one. Shared by the
 * plain chat and embeddings calls, which then check their own shapes.
 */
export async function postJson(t: Transport, p: ProviderSpec, route: string, body: unknown, apiKey: string | undefined, signal?: AbortSignal): Promise<{ parsed: unknown; headers: UpstreamHeaders }> {
  const r = await t.call(p, 'POST', route, body, apiKey, signal);
  if (r.status < 200 || r.status >= 300) throw t.httpFailureOf(r.status, r.headers, r.text);
  try {
    return { parsed: JSON.parse(r.text) as unknown, headers: r.headers };
  } catch {
    throw new UpstreamFailure({ kind: 'malformed', detail: 'body is not JSON' }, 'malformed answer');
  }
}

/** An opened stream: the provider accepted the request (2xx, text/event-stream); chunks follow. */
export interface OpenedStream {
  chunks: AsyncGenerator<ChatChunk>;
  headers: UpstreamHeaders;
}

/**
 * Opens a streaming call and yields its chunks. Resolves (the first `next`)
 * only once headers are in, so a failure before any token is still invisible.
 * A stall past `stallMs` between chunks, a cut socket, a chunk that is not
 * JSON, or an end without [DONE] or finish_reason throws UpstreamFailure.
 */
export async function openChatStream(t: Transport, clock: Clock, p: ProviderSpec, body: ChatRequest, apiKey: string | undefined, stallMs: number, signal?: AbortSignal): Promise<OpenedStream> {
  const r = await t.open(p, 'POST', '/chat/completions', { ...body, stream: true }, apiKey, signal);
  if (r.status < 200 || r.status >= 300) throw await t.httpFailure(r);
  const ct = String(r.headers['content-type'] ?? '');
  if (!ct.includes('text/event-stream')) {
    r.body.resume();
    r.done();
    throw new UpstreamFailure({ kind: 'malformed', detail: `expected text/event-stream, got ${ct || 'no content-type'}` }, 'malformed stream');
  }
  const chunks = (async function* () {
    const parser = new SseParser();
    let stall = clock.setTimeout(() => r.abortFor('stall'), stallMs);
    let finished = false;
    try {
      const events = async function* () {
        for await (const raw of r.body) {
          clock.clearTimeout(stall);
          stall = clock.setTimeout(() => r.abortFor('stall'), stallMs);
          yield* parser.push((raw as Buffer).toString('utf8'));
        }
        yield* parser.flush();
      };
      for await (const ev of events()) {
        if (ev.kind === 'done') {
          finished = true;
          break;
        }
        let chunk: ChatChunk;
        try {
          chunk = JSON.parse(ev.data) as ChatChunk;
        } catch {
          r.abortFor('malformed');
          throw new UpstreamFailure({ kind: 'malformed', detail: 'stream chunk is not JSON' }, 'malformed stream');
        }
        const upstreamError = (chunk as { error?: { message?: unknown } | string }).error;
        if (upstreamError) {
          // Scrubbed whole, then cut: a key cut at 200 characters would no longer be whole for the scrubber.
          const said = t.scrub(typeof upstreamError === 'string' ? upstreamError : typeof upstreamError.message === 'string' ? upstreamError.message : '');
          throw new UpstreamFailure({ kind: 'malformed', detail: `provider sent an error mid-stream${said ? `: ${said.slice(0, 200)}` : ''}` }, 'error mid-stream');
        }
        if (!Array.isArray(chunk.choices)) throw new UpstreamFailure({ kind: 'malformed', detail: 'stream chunk without choices' }, 'malformed stream');
        if (chunk.choices.some((c) => c.finish_reason)) finished = true;
        yield chunk;
      }
      if (!finished) throw new UpstreamFailure({ kind: 'network', code: 'ECONNRESET' }, 'stream ended before [DONE]');
    } catch (err) {
      throw r.failureOf(err);
    } finally {
      clock.clearTimeout(stall);
      r.done();
      if (!r.body.destroyed) r.body.destroy();
    }
  })();
  return { chunks, headers: r.headers };
}
