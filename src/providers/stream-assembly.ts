import type { ChatChunk, ChatCompletion } from './types.ts';

interface ChoiceSoFar {
  content: string;
  finish: string | null;
}

/** The id, time and model of the first chunk the caller got: a replacement or continuation keeps them (one answer). */
export interface StreamHead {
  id: string;
  created: number;
  model: string;
}

/**
 * The answer a stream has carried so far, choice by choice (a streamed n=2
 * answer is two answers, never one interleaved text). It says whether the
 * caller has seen any of the answer yet (`started`: a provider may still be
 * replaced silently before that), and builds the chat.completion the
 * emergency cache may keep: only when every choice finished and none called
 * tools (tool-call arguments are kept by no cache entry).
 */
export class StreamAssembly {
  private readonly choices = new Map<number, ChoiceSoFar>();
  private tools = false;
  private began = false;

  add(chunk: ChatChunk): void {
    for (const c of chunk.choices) {
      const i = typeof c.index === 'number' ? c.index : 0;
      let so = this.choices.get(i);
      if (!so) this.choices.set(i, (so = { content: '', finish: null }));
      const delta = c.delta ?? {};
      if (typeof delta.content === 'string') so.content += delta.content;
      if (Array.isArray(delta.tool_calls) && delta.tool_calls.length) this.tools = true;
      if (c.finish_reason) so.finish = c.finish_reason;
      if (!this.began && (c.finish_reason || carriesAnswer(delta as Record<string, unknown>))) this.began = true;
    }
  }

  /** Some of the answer (content, reasoning, a tool call, a finish) has been passed on. */
  get started(): boolean {
    return this.began;
  }

  get toolCalls(): boolean {
    return this.tools;
  }

  get choiceCount(): number {
    return this.choices.size;
  }

  /** The text of one choice so far. */
  text(index = 0): string {
    return this.choices.get(index)?.content ?? '';
  }

  /** The whole answer for the cache, or null when it is not one (unfinished choice, tool calls, nothing). */
  completion(head: StreamHead): ChatCompletion | null {
    if (this.tools || this.choices.size === 0) return null;
    const choices: ChatCompletion['choices'] = [];
    for (const [index, c] of [...this.choices].sort((a, b) => a[0] - b[0])) {
      if (!c.finish) return null;
      choices.push({ index, message: { role: 'assistant', content: c.content }, finish_reason: c.finish });
    }
    return { id: head.id, object: 'chat.completion', created: head.created, model: head.model, choices };
  }
}

/** A delta that carries part of the answer: anything but the role (content, reasoning_content, tool_calls, ...). */
function carriesAnswer(delta: Record<string, unknown>): boolean {
  for (const k in delta) {
    if (k === 'role') continue;
    const v = delta[k];
    if (typeof v === 'string' ? v !== '' : Array.isArray(v) ? v.length > 0 : v !== null && v !== undefined) return true;
  }
  return false;
}
