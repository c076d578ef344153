/**
 * Unfinished (queued + running) jobs per queue and per group, kept in memory so
 * the bound check on enqueue costs no COUNT(*) scan. Only the host writes the
 * store, so loading once at start and updating on each transition stays exact.
 * A group's entry is dropped at zero: memory follows active groups, not history.
 */
export class ActiveCounts {
  private readonly perQueue = new Map<string, number>();
  private readonly perGroup = new Map<string, number>();

  static key(queue: string, group: string): string {
    return `${queue}\u0000${group}`;
  }

  queue(queue: string): number {
    return this.perQueue.get(queue) ?? 0;
  }

  group(queue: string, group: string): number {
    return this.perGroup.get(ActiveCounts.key(queue, group)) ?? 0;
  }

  add(queue: string, group: string | null, n = 1): void {
    this.perQueue.set(queue, this.queue(queue) + n);
    if (group !== null) {
      const k = ActiveCounts.key(queue, group);
      const v = (this.perGroup.get(k) ?? 0) + n;
      if (v <= 0) this.perGroup.delete(k);
      else this.perGroup.set(k, v);
    }
  }

  remove(queue: string, group: string | null): void {
    this.add(queue, group, -1);
  }

  get groups(): number {
    return this.perGroup.size;
  }
}
