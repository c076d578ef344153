/** How many recent log lines a new tail starts with. */
export const LOG_TAIL_LINES = 200;

/**
 * The host's recent log lines, as the logger wrote them (JSON, secrets already scrubbed), for the
 * console's live tail: a ring of the last LOG_TAIL_LINES and the tails following it. The logger
 * calls `push` on every line, so it does no work beyond the ring when nobody follows.
 */
export class LogTail {
  private readonly lines: string[] = [];
  private readonly listeners = new Set<(line: string) => void>();
  private readonly max: number;

  constructor(max = LOG_TAIL_LINES) {
    this.max = max;
  }

  push(line: string): void {
    const text = line.endsWith('\n') ? line.slice(0, -1) : line;
    this.lines.push(text);
    if (this.lines.length > this.max) this.lines.shift();
    for (const l of this.listeners) {
      // A tail that fails (a closed socket) must not break the logger that called us.
      try {
        l(text);
      } catch {
        this.listeners.delete(l);
      }
    }
  }

  recent(): readonly string[] {
    return this.lines;
  }

  follow(listener: (line: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
