import { NxsError } from '../../../../src/core/errors.ts';
import type { ChatChunk, ChatCompletion, ChatRequest, ChatResult, ClientMode, LlmClient, StreamOutcome } from '../../../../src/providers/types.ts';

/**
 * A minimal LlmClient for the assistant's tests (the real fallback client is
 * src/providers'): it talks to test/helpers/fake-provider.ts over HTTP, and
 * any failure there is NXS_ERR_PROVIDERS_EXHAUSTED, as the real client says
 * when every provider is down. `cache` stands in for the emergency cache.
 */
export class FakeLlmClient implements LlmClient {
  readonly baseUrl: string;
  cache = new Map<string, string>();
  private recovered = new Set<() => void>();
  private down = false;
  requests: ChatRequest[] = [];

  constructor(baseUrl: string) {
    this.baseUrl = baseUrl;
  }

  async chat(req: ChatRequest): Promise<ChatResult> {
    this.requests.push(req);
    try {
      const completion = await this.post(req);
      return { completion, provider: 'fake', model: completion.model, cached: false, attempts: [] };
    } catch (err) {
      const last = req.messages[req.messages.length - 1];
      const hit = typeof last?.content === 'string' ? this.cache.get(last.content) : undefined;
      if (hit !== undefined) {
        const completion = { id: 'cached', object: 'chat.completion' as const, created: 0, model: 'cache', choices: [{ index: 0, message: { role: 'assistant' as const, content: hit }, finish_reason: 'stop' }] };
        return { completion, provider: 'cache', model: 'cache', cached: true, attempts: [] };
      }
      throw err;
    }
  }

  stream(req: ChatRequest): { chunks: AsyncIterable<ChatChunk>; outcome: Promise<StreamOutcome> } {
    this.requests.push(req);
    const done = this.post(req);
    const outcome = done.then((c) => ({ provider: 'fake', ending: 'complete' as const, text: typeof c.choices[0]?.message.content === 'string' ? c.choices[0].message.content : '', attempts: [] }));
    async function* chunks(): AsyncIterable<ChatChunk> {
      const c = await done;
      const msg = c.choices[0]!.message;
      const base = { id: c.id, object: 'chat.completion.chunk' as const, created: 0, model: c.model };
      if (typeof msg.content === 'string') for (const piece of msg.content.match(/\S+\s*|\s+/g) ?? []) yield { ...base, choices: [{ index: 0, delta: { content: piece }, finish_reason: null }] };
      for (const [i, tc] of (msg.tool_calls ?? []).entries()) {
        // Arguments arrive in two pieces, as real providers send them.
        const half = Math.floor(tc.function.arguments.length / 2);
        yield { ...base, choices: [{ index: 0, delta: { tool_calls: [{ index: i, id: tc.id, type: 'function', function: { name: tc.function.name, arguments: tc.function.arguments.slice(0, half) } }] } as never, finish_reason: null }] };
        yield { ...base, choices: [{ index: 0, delta: { tool_calls: [{ index: i, function: { arguments: tc.function.arguments.slice(half) } }] } as never, finish_reason: null }] };
      }
    }
    return { chunks: chunks(), outcome };
  }

  mode(): ClientMode {
    return this.down ? 'emergency' : 'normal';
  }

  onRecovered(listener: () => void): () => void {
    this.recovered.add(listener);
    return () => this.recovered.delete(listener);
  }

  /** What the real client does when its recovery probe sees a provider answer again. */
  announceRecovery(): void {
    for (const l of this.recovered) l();
  }

  private async post(req: ChatRequest): Promise<ChatCompletion> {
    let res: Response;
    try {
      res = await fetch(`${this.baseUrl}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...req, stream: false }) });
    } catch (err) {
      this.down = true;
      throw new NxsError('NXS_ERR_PROVIDERS_EXHAUSTED', `every provider failed (${String(err)})`);
    }
    if (!res.ok) {
      await res.arrayBuffer();
      this.down = true;
      throw new NxsError('NXS_ERR_PROVIDERS_EXHAUSTED', `every provider failed (HTTP ${res.status})`);
    }
    this.down = false;
    return (await res.json()) as ChatCompletion;
  }
}
