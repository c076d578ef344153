import type { StreamScrubber, SecretRedactor } from '../core/secrets-redactor.ts';
import type { ChatChunk } from './types.ts';

/**
 * The door's streamed answer, scrubbed across chunks: each serialized chunk is
 * scrubbed as a whole (the door does that), but a key a provider echoes can be
 * cut between two chunks' `delta.content`, and then neither chunk holds it.
 * Each choice's content goes through its own stream scrubber, which holds a
 * piece's tail back only while it is the beginning of a registered secret; what
 * is held joins the choice's finishing chunk, or a last chunk of its own.
 * Tool-call arguments are not followed across chunks (only whole-chunk scrubbing).
 */
export function chunkScrubber(redactor: Pick<SecretRedactor, 'stream'>): { chunk(c: ChatChunk): ChatChunk; end(): ChatChunk | null } {
  const streams = new Map<number, StreamScrubber>();
  let last: ChatChunk | null = null;
  const flush = (index: number): string => {
    const s = streams.get(index);
    streams.delete(index);
    return s ? s.end() : '';
  };
  return {
    chunk(c) {
      last = c;
      if (!Array.isArray(c.choices)) return c;
      const choices = c.choices.map((choice) => {
        const content = choice.delta?.content;
        if (typeof content !== 'string' && !choice.finish_reason) return choice;
        let shown = '';
        if (typeof content === 'string') {
          let s = streams.get(choice.index);
          if (!s) streams.set(choice.index, (s = redactor.stream()));
          shown = s.push(content);
        }
        if (choice.finish_reason) shown += flush(choice.index);
        return typeof content === 'string' || shown ? { ...choice, delta: { ...choice.delta, content: shown } } : choice;
      });
      return { ...c, choices };
    },
    end() {
      if (!last || streams.size === 0) return null;
      const choices = [...streams.keys()].map((index) => ({ index, delta: { content: flush(index) }, finish_reason: null }));
      return choices.some((c) => c.delta.content) ? { ...last, choices } : null;
    },
  };
}
