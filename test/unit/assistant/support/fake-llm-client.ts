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
    const { completion, cached } = await this.answer(req);
    return { completion, provider: cached ? 'cache' : 'fake', model: completion.model, cached, attempts: [] };
  }

  /** As the real client's stream: when every provider fails, a cached answer comes as the stream (`cached`). */
  stream(req: ChatRequest): { chunks: AsyncIterable<ChatChunk>; outcome: Promise<StreamOutcome> } {
    this.requests.push(req);
    const answered = this.answer(req);
    const done = answered.then((a) => a.completion);
    const outcome = answered.then(({ completion: c, cached }) => ({ provider: cached ? 'cache' : 'fake', ending: 'complete' as const, text: typeof c.choices[0]?.message.content === 'string' ? c.choices[0].message.content : '', attempts: [], cached }));
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

  /** The provider's answer, or when it fails the emergency cache's (keyed by the last message), or the failure. */
  private async answer(req: ChatRequest): Promise<{ completion: ChatCompletion; cached: boolean }> {
    try {
      return { completion: await this.post(req), cached: false };
    } catch (err) {
      const last = req.messages[req.messages.length - 1];
      const hit = typeof last?.content === 'string' ? this.cache.get(last.content) : undefined;
      if (hit === undefined) throw err;
      return { completion: { id: 'cached', object: 'chat.completion', created: 0, model: 'cache', choices: [{ index: 0, message: { role: 'assistant', content: hit }, finish_reason: 'stop' }] }, cached: true };
    }
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
