// bench/lib/soak-growth.ts: the soak's verdict, a pure function over its per-minute samples.

export interface SoakSample {
  minute: number;
  /** The host's process changed since the last sample (the restart midway): a new segment starts. */
  restarted: boolean;
  rssBytes: number;
  heapBytes: number | null;
  fds: number;
  /** nxs.db + nxs.db-wal + nxs.db-shm. */
  dbBytes: number;
  walBytes: number;
  /** Messages stored so far (answers the db growth is measured against). */
  messages: number;
  p99Ms: number | null;
}

export interface Bound {
  metric: string;
  /** The stated bound, in words, for the report. */
  rule: string;
  baseline: number;
  last: number;
  ok: boolean;
}

const MiB = 1048576;

/**
 * After warm-up, within each segment (a restart resets the process), a metric "keeps growing"
 * when its last value passes its first post-warm-up value by more than the bound:
 * RSS +25% (at least 48 MiB: V8 grows its heap in steps), V8 heap +25% (at least 24 MiB), open file
 * descriptors +16, the WAL above 64 MiB (checkpointing stalled), the store more than 8 KiB per message
 * stored meanwhile (conversations are kept: rows, replies, queue history), and p99 answer latency
 * above 3x its baseline (at least +500 ms).
 */
export function judgeSoak(samples: SoakSample[], warmupMinutes: number): Bound[] {
  const bounds: Bound[] = [];
  const segments: SoakSample[][] = [];
  for (const s of samples) {
    if (s.restarted || segments.length === 0) segments.push([]);
    segments.at(-1)!.push(s);
  }
  // A segment is judged from its warm-up on: the first one after warmupMinutes, a restarted one after one minute.
  segments.forEach((seg, i) => {
    const from = i === 0 ? seg.find((s) => s.minute > warmupMinutes) : seg[1];
    const last = seg.at(-1);
    if (!from || !last || from === last) return;
    const tag = segments.length > 1 ? ` (segment ${i + 1})` : '';
    const rel = (metric: string, base: number, end: number, pct: number, floor: number, unit: string): void => {
      const limit = base + Math.max((base * pct) / 100, floor);
      bounds.push({ metric: metric + tag, rule: `<= +${pct}% (at least +${floor / (unit === 'MiB' ? MiB : 1)} ${unit})`, baseline: base, last: end, ok: end <= limit });
    };
    rel('rss_bytes', from.rssBytes, last.rssBytes, 25, 48 * MiB, 'MiB');
    if (from.heapBytes !== null && last.heapBytes !== null) rel('heap_bytes', from.heapBytes, last.heapBytes, 25, 24 * MiB, 'MiB');
    bounds.push({ metric: 'fds' + tag, rule: '<= +16', baseline: from.fds, last: last.fds, ok: last.fds <= from.fds + 16 });
    bounds.push({ metric: 'wal_bytes' + tag, rule: '<= 64 MiB', baseline: from.walBytes, last: last.walBytes, ok: last.walBytes <= 64 * MiB });
    const stored = Math.max(1, last.messages - from.messages);
    bounds.push({ metric: 'db_bytes' + tag, rule: `<= 8 KiB per message stored (${stored})`, baseline: from.dbBytes, last: last.dbBytes, ok: last.dbBytes - from.dbBytes <= stored * 8192 });
    if (from.p99Ms !== null && last.p99Ms !== null) bounds.push({ metric: 'p99_ms' + tag, rule: '<= 3x (at least +500 ms)', baseline: from.p99Ms, last: last.p99Ms, ok: last.p99Ms <= Math.max(from.p99Ms * 3, from.p99Ms + 500) });
  });
  return bounds;
}
