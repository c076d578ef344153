import type { ChatChunk, ChatRequest } from './types.ts';

/** Tokens one answer used, as the provider reported them or, when it did not, estimated. */
export interface TokenCount {
  prompt: number;
  completion: number;
}

/**
 * Roughly four characters a token in English text with the common tokenizers: the estimate used
 * only when a provider reports no usage (a stream without stream_options.include_usage, say), so a
 * door token's budget still counts what it asked for.
 */
const CHARS_PER_TOKEN = 4;

/** OpenAI's usage block, when the answer has one with numbers in it. Pure. */
export function reportedUsage(usage: unknown): TokenCount | null {
  if (typeof usage !== 'object' || usage === null) return null;
  const u = usage as { prompt_tokens?: unknown; completion_tokens?: unknown };
  const prompt = typeof u.prompt_tokens === 'number' && u.prompt_tokens >= 0 ? u.prompt_tokens : null;
  const completion = typeof u.completion_tokens === 'number' && u.completion_tokens >= 0 ? u.completion_tokens : null;
  if (prompt === null && completion === null) return null;
  return { prompt: prompt ?? 0, completion: completion ?? 0 };
}

export function estimateTokens(chars: number): number {
  return Math.ceil(chars / CHARS_PER_TOKEN);
}

/** The prompt's estimate: its messages (and tools) as sent. */
export function estimatePrompt(req: { messages?: unknown; tools?: unknown; input?: unknown }): number {
  return estimateTokens(JSON.stringify(req.messages ?? req.input ?? '').length + (req.tools ? JSON.stringify(req.tools).length : 0));
}

/**
 * Counts a streamed answer as it passes: the usage chunk when the provider sends one, else the
 * characters of every delta's content, reasoning and tool-call arguments (estimated at the end).
 */
export class StreamTally {
  private chars = 0;
  private reported: TokenCount | null = null;

  add(chunk: ChatChunk): void {
    const u = reportedUsage(chunk.usage);
    if (u) this.reported = u;
    for (const c of chunk.choices) {
      const d = c.delta as Record<string, unknown> | undefined;
      if (!d) continue;
      if (typeof d.content === 'string') this.chars += d.content.length;
      if (typeof d.reasoning_content === 'string') this.chars += d.reasoning_content.length;
      if (Array.isArray(d.tool_calls)) for (const t of d.tool_calls as { function?: { arguments?: unknown } }[]) if (typeof t.function?.arguments === 'string') this.chars += t.function.arguments.length;
    }
  }

  /** Nothing of an answer passed (no usage, no text): nothing to count. */
  get empty(): boolean {
    return this.reported === null && this.chars === 0;
  }

  count(req: ChatRequest): TokenCount {
    return this.reported ?? { prompt: estimatePrompt(req), completion: estimateTokens(this.chars) };
  }
}
