import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { EventEmitter, once } from 'node:events';

/**
 * A fake OpenAI-compatible provider: a real HTTP server on 127.0.0.1:0,
 * scripted per request. Queue steps with `script(...)`; when the script is
 * empty every request gets `fallback` (a 200 answer by default).
 *
 *   await using fake = await startFakeProvider({ name: 'groq' });
 *   fake.script({ kind: 'status', status: 429, headers: { 'retry-after': '2' } }, { kind: 'ok', content: 'hi' });
 *   // chain config: { name: 'groq', base_url: fake.url, api_key: 'k' }
 *
 * Steps (plain and streaming requests alike unless said):
 *   ok              200 with `content` (JSON, or SSE when the request streams; an embeddings list for
 *                   POST /embeddings); `choices` answers n > 1
 *                   (SSE: the choices' pieces interleaved), `reasoning` streams reasoning_content
 *                   deltas first, `headers` go on the answer (x-request-id, x-ratelimit-*)
 *   status          any status with an optional JSON body and headers (401, 429 + Retry-After, 500, 503, 400 context...)
 *   reset           the socket is destroyed as soon as the request arrives
 *   hang            nothing is ever sent (hang before headers)
 *   hang-mid-stream SSE: sends `sent` pieces of content, then nothing more
 *   cut-mid-stream  SSE: sends `sent` pieces, then destroys the socket
 *   malformed-json  200 with a body that is not JSON
 *   malformed-sse   SSE: sends `sent` pieces, then a chunk that is not JSON
 *   trickle         SSE: one piece every `intervalMs` (real time; keep it small)
 *   error-mid-stream SSE: sends `sent` pieces, then an OpenAI `{"error": ...}` event, and ends (no [DONE])
 *   gated           SSE: headers at once, then one of `deltas` per `release()` (no clock: the test decides
 *                   when each goes), then finish_reason stop and [DONE] after the last
 *   custom          your own handler
 */
export type FakeStep =
  | { kind: 'ok'; content?: string; model?: string; toolCalls?: { name: string; arguments: string }[]; choices?: string[]; reasoning?: string[]; headers?: Record<string, string> }
  | { kind: 'status'; status: number; body?: unknown; headers?: Record<string, string> }
  | { kind: 'reset' }
  | { kind: 'hang' }
  | { kind: 'hang-mid-stream'; sent: readonly string[] }
  | { kind: 'cut-mid-stream'; sent: readonly string[] }
  | { kind: 'malformed-json' }
  | { kind: 'malformed-sse'; sent: readonly string[] }
  | { kind: 'trickle'; pieces: readonly string[]; intervalMs: number }
  | { kind: 'error-mid-stream'; sent: readonly string[]; error?: unknown }
  | { kind: 'gated'; deltas: readonly Record<string, unknown>[] }
  | { kind: 'custom'; handle: (req: ReceivedRequest, res: ServerResponse) => void };

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  /** The parsed JSON body (undefined for none). */
  body: any;
  /** The step that answered it. */
  step: FakeStep['kind'];
}

export interface FakeProvider {
  /** Base URL to configure (`http://127.0.0.1:PORT/v1`). */
  url: string;
  port: number;
  name: string;
  requests: ReceivedRequest[];
  script(...steps: FakeStep[]): void;
  /** What requests get when the script is empty. */
  fallback: FakeStep;
  /** Resolves with the next request to arrive (or the n-th from now). */
  nextRequest(): Promise<ReceivedRequest>;
  /** Model ids GET /v1/models lists. */
  models: string[];
  /** Sends the next delta of the oldest open `gated` stream (waiting for one to open); resolves once it is written. */
  release(): Promise<void>;
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

export async function startFakeProvider(opts: { name?: string; models?: string[]; fallback?: FakeStep } = {}): Promise<FakeProvider> {
  const name = opts.name ?? 'fake';
  const queue: FakeStep[] = [];
  const events = new EventEmitter();
  const sockets = new Set<Socket>();
  const timers = new Set<ReturnType<typeof setTimeout>>();
  // Open gated streams, oldest first: each release() sends the next delta of the first.
  const gated: { next(): boolean }[] = [];
  const fake: FakeProvider = {
    url: '',
    port: 0,
    name,
    requests: [],
    models: opts.models ?? [`${name}-model`],
    fallback: opts.fallback ?? { kind: 'ok' },
    script: (...steps) => void queue.push(...steps),
    release: async () => {
      // A lazy client (the AI SDK sends on first read) may not have asked yet: wait for its request.
      if (!gated[0]) await once(events, 'gated');
      const g = gated[0]!;
      if (!g.next()) gated.shift();
      await new Promise<void>((r) => setImmediate(r));
    },
    nextRequest: async () => (await once(events, 'request'))[0] as ReceivedRequest,
    close: async () => {
      for (const t of timers) clearTimeout(t);
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
    [Symbol.asyncDispose]: () => fake.close(),
  };

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        body = text;
      }
      const path = (req.url ?? '/').replace(/\?.*$/, '');
      if (req.method === 'GET' && path.endsWith('/models')) {
        json(res, 200, { object: 'list', data: fake.models.map((id) => ({ id, object: 'model', created: 0, owned_by: name })) });
        return;
      }
      const step = queue.shift() ?? fake.fallback;
      const received: ReceivedRequest = { method: req.method ?? 'GET', path, headers: req.headers, body, step: step.kind };
      fake.requests.push(received);
      events.emit('request', received);
      answer(step, received, req, res);
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });

  function answer(step: FakeStep, r: ReceivedRequest, req: IncomingMessage, res: ServerResponse): void {
    const streaming = Boolean(r.body?.stream);
    const model = String(r.body?.model ?? fake.models[0]);
    switch (step.kind) {
      case 'ok': {
        // POST /embeddings: one vector per input, as OpenAI answers (the provider's name in the model).
        if (r.path.endsWith('/embeddings')) {
          json(res, 200, embeddings(model, r.body?.input), step.headers);
          return;
        }
        const content = step.content ?? `Hello from ${name}`;
        const texts = step.choices ?? [content];
        if (!streaming) {
          const c = completion(name, step.model ?? model, content, step.toolCalls);
          if (step.choices) c.choices = step.choices.map((t, index) => ({ index, message: { role: 'assistant', content: t }, finish_reason: 'stop' }));
          json(res, 200, c, step.headers);
          return;
        }
        sse(res, step.headers);
        for (const r of step.reasoning ?? []) res.write(chunk(name, model, { reasoning_content: r }));
        const split = texts.map(pieces);
        for (let i = 0; i < Math.max(...split.map((x) => x.length)); i++) {
          split.forEach((ps, index) => ps[i] !== undefined && res.write(chunk(name, model, { content: ps[i] }, null, index)));
        }
        texts.forEach((_t, index) => res.write(chunk(name, model, {}, 'stop', index)));
        res.end('data: [DONE]\n\n');
        return;
      }
      case 'status':
        json(res, step.status, step.body ?? { error: { message: `scripted ${step.status}`, type: 'fake', code: null } }, step.headers);
        return;
      case 'reset':
        req.socket.destroy();
        return;
      case 'hang':
        return;
      case 'hang-mid-stream':
      case 'cut-mid-stream':
      case 'malformed-sse': {
        sse(res);
        res.write(chunk(name, model, { role: 'assistant', content: '' }));
        for (const piece of step.sent) res.write(chunk(name, model, { content: piece }));
        if (step.kind === 'cut-mid-stream') setImmediate(() => req.socket.destroy());
        if (step.kind === 'malformed-sse') res.write('data: {"id": "broken", "choices": [\n\n');
        return;
      }
      case 'error-mid-stream': {
        sse(res);
        res.write(chunk(name, model, { role: 'assistant', content: '' }));
        for (const piece of step.sent) res.write(chunk(name, model, { content: piece }));
        res.end(`data: ${JSON.stringify({ error: step.error ?? { message: 'upstream overloaded mid-answer', type: 'server_error', code: null } })}\n\n`);
        return;
      }
      case 'gated': {
        sse(res);
        const rest = [...step.deltas];
        gated.push({
          next: () => {
            const delta = rest.shift();
            if (delta) res.write(chunk(name, model, delta));
            if (rest.length > 0) return true;
            res.write(chunk(name, model, {}, 'stop'));
            res.end('data: [DONE]\n\n');
            return false;
          },
        });
        events.emit('gated');
        return;
      }
      case 'malformed-json':
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"id": "x", "choices": [ this is not json');
        return;
      case 'trickle': {
        sse(res);
        const rest = [...step.pieces];
        const tick = (): void => {
          const piece = rest.shift();
          if (piece === undefined) {
            res.write(chunk(name, model, {}, 'stop'));
            res.end('data: [DONE]\n\n');
            return;
          }
          res.write(chunk(name, model, { content: piece }));
          const t = setTimeout(tick, step.intervalMs);
          timers.add(t);
        };
        tick();
        return;
      }
      case 'custom':
        step.handle(r, res);
        return;
    }
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fake.port = (server.address() as AddressInfo).port;
  fake.url = `http://127.0.0.1:${fake.port}/v1`;
  return fake;
}

/** A base URL where nothing listens (connection refused). */
export async function refusedUrl(): Promise<string> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return `http://127.0.0.1:${port}/v1`;
}

let seq = 0;
export function completion(name: string, model: string, content: string, toolCalls?: { name: string; arguments: string }[]) {
  return {
    id: `chatcmpl-${name}-${++seq}`,
    object: 'chat.completion',
    created: 1_767_225_600,
    model,
    choices: [{
      index: 0,
      message: { role: 'assistant', content: toolCalls ? null : content, ...(toolCalls ? { tool_calls: toolCalls.map((t, i) => ({ id: `call_${i}`, type: 'function', function: t })) } : {}) },
      finish_reason: toolCalls ? 'tool_calls' : 'stop',
    }],
    usage: { prompt_tokens: 3, completion_tokens: 3, total_tokens: 6 },
  };
}

/** An embeddings answer: a 3-dimensional vector per input, the input's length in it; usage counts inputs. */
function embeddings(model: string, input: unknown) {
  const inputs = Array.isArray(input) && !input.every((x) => typeof x === 'number') ? input : [input];
  return {
    object: 'list',
    data: inputs.map((x, index) => ({ object: 'embedding', index, embedding: [String(x).length, index, 0.5] })),
    model,
    usage: { prompt_tokens: inputs.length, total_tokens: inputs.length },
  };
}

function chunk(name: string, model: string, delta: Record<string, unknown>, finish: string | null = null, index = 0): string {
  return `data: ${JSON.stringify({ id: `chatcmpl-${name}-s`, object: 'chat.completion.chunk', created: 1_767_225_600, model, choices: [{ index, delta, finish_reason: finish }] })}\n\n`;
}

function pieces(content: string): string[] {
  return content.match(/\S+\s*|\s+/g) ?? [content];
}

function sse(res: ServerResponse, headers: Record<string, string> = {}): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive', ...headers });
  res.flushHeaders();
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}
