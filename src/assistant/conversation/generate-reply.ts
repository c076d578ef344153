import { NxsError } from '../../core/errors.ts';
import type { ChatMessage, LlmClient, ToolCall } from '../../providers/types.ts';
import type { SecretRedactor } from '../../core/secrets-redactor.ts';

export const REMEMBER_TOOL = {
  type: 'function',
  function: {
    name: 'remember',
    description: 'Keep one short, lasting fact about the owner or their world in long-term memory (MEMORY.md).',
    parameters: { type: 'object', properties: { fact: { type: 'string', description: 'the fact, one sentence' } }, required: ['fact'] },
  },
} as const;

export interface ReplyResult {
  text: string;
  cached: boolean;
  provider: string;
}

export type ToolRunner = (call: ToolCall) => string | Promise<string>;

// Past this many rounds the tools are withheld, so the model must answer in words.
const MAX_TOOL_ROUNDS = 3;

/**
 * Produces a reply: streams it (deltas go to `onDelta` as they are written),
 * runs tool calls (remember) and continues the conversation with their
 * results. The stream is the one call per round. When every provider is down
 * it has already looked in the client's emergency cache (a cached answer comes
 * as the stream, `cached`), so NXS_ERR_PROVIDERS_EXHAUSTED here means nothing
 * can answer and the caller defers the message: no second walk of the chain to
 * reach the same cache (issue 16). Provider text is scrubbed of registered
 * secrets before it leaves here, the deltas too (a key cut across two deltas
 * included).
 */
export async function generateReply(llm: LlmClient, base: { model?: string; messages: ChatMessage[]; tools?: unknown[]; maxRounds?: number }, runTool: ToolRunner, onDelta: (text: string) => void, signal: AbortSignal, redactor: Pick<SecretRedactor, 'scrub' | 'stream'>): Promise<ReplyResult> {
  const messages = [...base.messages];
  const maxRounds = base.maxRounds ?? MAX_TOOL_ROUNDS;
  for (let round = 0; ; round++) {
    const req = { ...(base.model ? { model: base.model } : {}), messages, ...(base.tools?.length && round < maxRounds ? { tools: base.tools } : {}) };
    const streamed = await streamOnce(llm, req, onDelta, signal, redactor);
    if (streamed.toolCalls.length === 0 || streamed.cached) return { text: streamed.text, cached: streamed.cached, provider: streamed.provider };
    // Tools were withheld this round and the model still asks: stop rather than loop.
    if (round >= maxRounds) return { text: streamed.text || `I stopped after ${maxRounds} rounds of tool calls without an answer.`, cached: false, provider: streamed.provider };
    messages.push({ role: 'assistant', content: streamed.text || null, tool_calls: streamed.toolCalls });
    for (const call of streamed.toolCalls) messages.push({ role: 'tool', tool_call_id: call.id, content: await runTool(call) });
  }
}

async function streamOnce(llm: LlmClient, req: Record<string, unknown> & { messages: ChatMessage[] }, onDelta: (t: string) => void, signal: AbortSignal, redactor: Pick<SecretRedactor, 'scrub' | 'stream'>) {
  const { chunks, outcome } = llm.stream(req, { signal });
  const safe = redactor.stream();
  // Handle a rejection early so it is never unhandled while chunks are read.
  outcome.catch(() => undefined);
  let text = '';
  const calls = new Map<number, ToolCall>();
  for await (const chunk of chunks) {
    const delta = chunk.choices[0]?.delta;
    if (!delta) continue;
    if (typeof delta.content === 'string' && delta.content) {
      text += delta.content;
      const shown = safe.push(delta.content);
      if (shown) onDelta(shown);
    }
    for (const tc of (delta.tool_calls ?? []) as (Partial<ToolCall> & { index?: number; function?: { name?: string; arguments?: string } })[]) {
      const i = tc.index ?? 0;
      const cur = calls.get(i) ?? { id: '', type: 'function' as const, function: { name: '', arguments: '' } };
      if (tc.id) cur.id = tc.id;
      if (tc.function?.name) cur.function.name += tc.function.name;
      if (tc.function?.arguments) cur.function.arguments += tc.function.arguments;
      calls.set(i, cur);
    }
  }
  const rest = safe.end();
  if (rest) onDelta(rest);
  const out = await outcome;
  // `chunks` has thrown NXS_ERR_STREAM_INCOMPLETE already when this holds (the LlmClient contract); kept so
  // a client that only settles the outcome still never passes a cut answer off as whole.
  if (out.ending === 'incomplete') throw new NxsError('NXS_ERR_STREAM_INCOMPLETE', 'the reply was cut and no provider could finish it');
  // The fallback client marks an answer from its emergency cache (`cached` on the outcome).
  const cached = out.cached === true;
  return { text: redactor.scrub(out.text || text), toolCalls: [...calls.values()].map((c, i) => ({ ...c, id: c.id || `call_${i}` })), provider: out.provider, cached };
}
