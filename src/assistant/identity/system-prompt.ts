// The system prompt: the soul, then long-term memory, each under its own cap.
// Caps are in bytes (what the context window pays for); a cut says so, so the
// model knows text is missing rather than reading a half sentence as whole.

export function capText(text: string, maxBytes: number): string {
  const buf = Buffer.from(text, 'utf8');
  if (buf.length <= maxBytes) return text;
  // Cut on a character boundary: decoding a partial code point yields U+FFFD, dropped here.
  return buf.subarray(0, maxBytes).toString('utf8').replace(/\uFFFD+$/, '') + '\n[…cut to fit the size cap]';
}

/** Keeps the newest part of memory when cutting: recent facts matter most and are at the end. */
export function capTail(text: string, maxBytes: number): string {
  const buf = Buffer.from(text, 'utf8');
  if (buf.length <= maxBytes) return text;
  return '[…older memory cut to fit the size cap]\n' + buf.subarray(buf.length - maxBytes).toString('utf8').replace(/^\uFFFD+/, '');
}

export function buildSystemPrompt(input: { soul: string; memory: string; soulMaxBytes: number; memoryMaxBytes: number; now: Date; conversationId: string; trusted: boolean; canRemember: boolean }): string {
  const parts = [capText(input.soul.trim(), input.soulMaxBytes)];
  parts.push(`## Long-term memory\n\n${capTail(input.memory.trim(), input.memoryMaxBytes)}`);
  const ctx = [`Current time: ${input.now.toISOString()}.`, `Conversation: ${input.conversationId} (${input.trusted ? "the owner's main conversation" : 'not the owner; privileged requests are refused'}).`];
  if (input.canRemember) ctx.push('When the user tells you something worth keeping for later, call the `remember` tool with one short fact.');
  parts.push(`## Context\n\n${ctx.join('\n')}`);
  return parts.join('\n\n');
}
