// A small server-sent-events reader for chat-completions streams: `data:`
// lines, events split by a blank line, `[DONE]` ends the stream.

export type SseEvent = { kind: 'data'; data: string } | { kind: 'done' };

export class SseParser {
  private buffer = '';
  private data: string[] = [];

  /** Feeds text; returns the events it completed. */
  push(text: string): SseEvent[] {
    this.buffer += text;
    const out: SseEvent[] = [];
    let nl: number;
    while ((nl = this.buffer.indexOf('\n')) >= 0) {
      let line = this.buffer.slice(0, nl);
      this.buffer = this.buffer.slice(nl + 1);
      if (line.endsWith('\r')) line = line.slice(0, -1);
      if (line === '') {
        if (this.data.length) {
          const data = this.data.join('\n');
          this.data = [];
          out.push(data.trim() === '[DONE]' ? { kind: 'done' } : { kind: 'data', data });
        }
        continue;
      }
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'data') this.data.push(value);
    }
    return out;
  }

  /** Whatever an unterminated last event held (a stream that ended without a blank line). */
  flush(): SseEvent[] {
    const rest = this.buffer ? this.push('\n\n') : [];
    if (this.data.length) {
      const data = this.data.join('\n');
      this.data = [];
      rest.push(data.trim() === '[DONE]' ? { kind: 'done' } : { kind: 'data', data });
    }
    return rest;
  }
}
