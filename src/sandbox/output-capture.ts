/**
 * Keeps at most `limit` bytes of a command's stdout and stderr together (seed
 * 003: bound captured output, mark truncation). Past `limit * FLOOD_FACTOR`
 * bytes the caller kills the command: nobody reads a flood, and draining one
 * for the whole wall time wastes the box's CPU.
 */
export const FLOOD_FACTOR = 8;

export class OutputCapture {
  private readonly limit: number;
  private kept = 0;
  private seen = 0;
  private readonly chunks: Record<'stdout' | 'stderr', Buffer[]> = { stdout: [], stderr: [] };

  constructor(limit: number) {
    this.limit = limit;
  }

  /** Returns true when the flood threshold is crossed. */
  push(chunk: Buffer, stream: 'stdout' | 'stderr'): boolean {
    this.seen += chunk.length;
    const room = this.limit - this.kept;
    if (room > 0) {
      const part = chunk.length <= room ? chunk : chunk.subarray(0, room);
      this.chunks[stream].push(part);
      this.kept += part.length;
    }
    return this.seen > this.limit * FLOOD_FACTOR;
  }

  get truncated(): boolean {
    return this.seen > this.kept;
  }

  get droppedBytes(): number {
    return this.seen - this.kept;
  }

  text(stream: 'stdout' | 'stderr'): string {
    const s = Buffer.concat(this.chunks[stream]).toString('utf8');
    return this.truncated && stream === 'stdout' ? `${s}\n[... output truncated: ${this.droppedBytes} more bytes not shown (limit ${this.limit}) ...]` : s;
  }
}
