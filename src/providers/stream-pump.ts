/**
 * Runs an async generator eagerly, from the moment it is created, into a
 * buffer the consumer reads at its own pace. The producer never waits for the
 * consumer, so whatever the producer settles (the stream's `outcome`) settles
 * even when nobody reads the chunks, and a consumer that stops reading
 * (`break`, `return()`) aborts the producer through `signal` instead of
 * leaving it suspended forever. LLM answers are kilobytes: the buffer needs no bound.
 */
export interface Pumped<T> {
  chunks: AsyncIterableIterator<T>;
}

type Item<T> = { kind: 'value'; value: T } | { kind: 'error'; error: unknown } | { kind: 'end' };

export function pump<T>(start: (signal: AbortSignal) => AsyncGenerator<T>, parent: AbortSignal | undefined, onAbandon: () => unknown): Pumped<T> {
  const own = new AbortController();
  const signal = parent ? AbortSignal.any([parent, own.signal]) : own.signal;
  const queue: Item<T>[] = [];
  let wake: (() => void) | null = null;
  let finished = false;
  const push = (item: Item<T>): void => {
    queue.push(item);
    const w = wake;
    wake = null;
    w?.();
  };

  void (async () => {
    try {
      for await (const value of start(signal)) push({ kind: 'value', value });
      push({ kind: 'end' });
    } catch (error) {
      push({ kind: 'error', error });
    }
  })();

  const chunks: AsyncIterableIterator<T> = {
    async next(): Promise<IteratorResult<T>> {
      for (;;) {
        if (finished) return { done: true, value: undefined };
        const item = queue.shift();
        if (item) {
          if (item.kind === 'value') return { done: false, value: item.value };
          finished = true;
          if (item.kind === 'error') throw item.error;
          return { done: true, value: undefined };
        }
        await new Promise<void>((resolve) => (wake = resolve));
      }
    },
    async return(): Promise<IteratorResult<T>> {
      if (!finished) {
        finished = true;
        queue.length = 0;
        // Stopped reading before the end: stop the producer too (it settles the outcome as aborted).
        own.abort(onAbandon());
      }
      return { done: true, value: undefined };
    },
    [Symbol.asyncIterator]() {
      return chunks;
    },
  };
  return { chunks };
}
